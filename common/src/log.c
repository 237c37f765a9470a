/*
 * log.c - leveled logging to stderr with per-area debug switches.
 * The level and area list are process globals set at start-up; reads are
 * racy-but-benign (plain ints), each line goes out in one write(2).
 */
#include "vr_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static vr_log_level_t log_level = VR_LOG_INFO;
static char debug_areas[256];
static int debug_all;
static int debug_init;

void vr_log_set_level(vr_log_level_t level) { log_level = level; }
vr_log_level_t vr_log_get_level(void) { return log_level; }

void vr_log_enable_debug(const char *areas)
{
    debug_init = 1;
    debug_all = 0;
    debug_areas[0] = '\0';
    if (!areas || !*areas)
        return;
    if (strcmp(areas, "all") == 0 || strcmp(areas, "1") == 0) {
        debug_all = 1;
        return;
    }
    snprintf(debug_areas, sizeof(debug_areas), ",%s,", areas);
}

bool vr_log_debug_enabled(const char *area)
{
    char key[64];

    if (!debug_init)
        vr_log_enable_debug(getenv("VREPL_DEBUG"));
    if (debug_all)
        return true;
    if (!debug_areas[0] || !area)
        return false;
    snprintf(key, sizeof(key), ",%s,", area);
    return strstr(debug_areas, key) != NULL;
}

void vr_log(vr_log_level_t level, const char *area, const char *fmt, ...)
{
    static const char *names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
    char line[2048];
    int n;
    va_list ap;
    struct timespec ts;
    struct tm tm;

    if (level > log_level && !(level == VR_LOG_DEBUG && vr_log_debug_enabled(area)))
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = snprintf(line, sizeof(line), "%02d:%02d:%02d.%03ld %s [%s] ",
                 tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
                 names[level], area ? area : "-");
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, (size_t)n) < 0) {
        /* nothing sensible to do */
    }
}
