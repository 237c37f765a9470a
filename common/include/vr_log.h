/*
 * vr_log.h - leveled logging with per-area debug switches.
 *
 * Messages go to stderr as "LEVEL [area] text".  The level defaults to INFO
 * (WARN for CLI commands that print results); debug output is enabled per
 * area, from VREPL_DEBUG="topo,cluster" (or "all") or vr_log_enable_debug().
 * Thread-safe: each message is written with one write(2).
 */
#ifndef VR_LOG_H
#define VR_LOG_H

#include <stdbool.h>

typedef enum {
    VR_LOG_ERROR = 0,
    VR_LOG_WARN = 1,
    VR_LOG_INFO = 2,
    VR_LOG_DEBUG = 3,
} vr_log_level_t;

void vr_log_set_level(vr_log_level_t level);
vr_log_level_t vr_log_get_level(void);
/* Parse a comma list of areas ("topo,cluster", "all"); read once from
 * VREPL_DEBUG at the first log call when never set explicitly. */
void vr_log_enable_debug(const char *areas);
bool vr_log_debug_enabled(const char *area);

void vr_log(vr_log_level_t level, const char *area, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define vr_log_error(area, ...) vr_log(VR_LOG_ERROR, area, __VA_ARGS__)
#define vr_log_warn(area, ...) vr_log(VR_LOG_WARN, area, __VA_ARGS__)
#define vr_log_info(area, ...) vr_log(VR_LOG_INFO, area, __VA_ARGS__)
#define vr_log_debug(area, ...)                                           \
    do {                                                                  \
        if (vr_log_debug_enabled(area))                                   \
            vr_log(VR_LOG_DEBUG, area, __VA_ARGS__);                      \
    } while (0)

#endif
