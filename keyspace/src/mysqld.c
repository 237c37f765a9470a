/*
 * mysqld.c - start and stop private mariadbd instances.
 *
 * Template: mariadb-install-db runs once into <cache>/template-<key>
 * (key = size and mtime of the mariadbd binary, so an upgraded server
 * gets a new template), under flock(<cache>/template.lock); a ".ready"
 * marker is written last, so a half-made template is never used.
 * Instances copy template/data into their own dir/data.
 *
 * Readiness: the server answers on its unix socket with a handshake
 * packet only once it accepts connections, so we connect and read a few
 * bytes; a child that exits first is reported with the last [ERROR] line
 * of its error log.  Called from the CLI thread or a test; no globals but
 * the cached binary paths (set once, read-only after).
 */
#include "vr_mysqld.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vr_common.h"

#define MAX_ARGS 64

static char found_mariadbd[PATH_MAX];
static char found_install_db[PATH_MAX];

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool find_program(const char *name, char *out, size_t size)
{
    static const char *const dirs[] = {"/usr/sbin", "/usr/bin", "/usr/local/sbin",
                                       "/usr/local/bin", "/sbin", "/bin"};
    const char *path = getenv("PATH");
    char buf[PATH_MAX];
    size_t i;

    if (path) {
        const char *p = path;
        while (*p) {
            const char *colon = strchr(p, ':');
            size_t n = colon ? (size_t)(colon - p) : strlen(p);
            snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, name);
            if (n && access(buf, X_OK) == 0) {
                snprintf(out, size, "%s", buf);
                return true;
            }
            p += n + (colon ? 1 : 0);
        }
    }
    for (i = 0; i < VR_ARRAY_LEN(dirs); i++) {
        snprintf(buf, sizeof(buf), "%s/%s", dirs[i], name);
        if (access(buf, X_OK) == 0) {
            snprintf(out, size, "%s", buf);
            return true;
        }
    }
    return false;
}

vr_code_t vr_mysqld_find(const char **mariadbd, const char **install_db, vr_error_t *err)
{
    const char *env = getenv("VREPL_MARIADBD");

    if (!found_mariadbd[0]) {
        if (env && *env) {
            if (access(env, X_OK) != 0)
                return vr_errorf(err, VR_NOT_FOUND,
                                 "VREPL_MARIADBD=%s is not an executable", env);
            snprintf(found_mariadbd, sizeof(found_mariadbd), "%s", env);
        } else if (!find_program("mariadbd", found_mariadbd, sizeof(found_mariadbd))) {
            return vr_errorf(err, VR_NOT_FOUND,
                             "mariadbd not found in PATH or /usr/sbin "
                             "(install the mariadb-server package: scripts/install-deps)");
        }
    }
    if (!found_install_db[0] &&
        !find_program("mariadb-install-db", found_install_db, sizeof(found_install_db)))
        return vr_errorf(err, VR_NOT_FOUND,
                         "mariadb-install-db not found "
                         "(install the mariadb-server package: scripts/install-deps)");
    if (mariadbd)
        *mariadbd = found_mariadbd;
    if (install_db)
        *install_db = found_install_db;
    return VR_OK;
}

vr_code_t vr_mkdirs(const char *path, vr_error_t *err)
{
    char buf[PATH_MAX];
    char *p;

    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return vr_errorf(err, VR_INVALID, "path too long: %s", path);
    for (p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return vr_errorf(err, VR_IO, "mkdir %s: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return vr_errorf(err, VR_IO, "mkdir %s: %s", buf, strerror(errno));
    return VR_OK;
}

void vr_rmtree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;

    if (!d) {
        unlink(path);
        return;
    }
    while ((e = readdir(d)) != NULL) {
        char child[PATH_MAX];
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
        if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
            vr_rmtree(child);
        else
            unlink(child);
    }
    closedir(d);
    rmdir(path);
}

static vr_code_t copy_file(const char *from, const char *to, mode_t mode, vr_error_t *err)
{
    char buf[1 << 16];
    int in = -1, out = -1;
    ssize_t n;
    vr_code_t rc = VR_OK;

    in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        rc = vr_errorf(err, VR_IO, "open %s: %s", from, strerror(errno));
        goto out;
    }
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 0777);
    if (out < 0) {
        rc = vr_errorf(err, VR_IO, "create %s: %s", to, strerror(errno));
        goto out;
    }
    while ((n = read(in, buf, sizeof(buf))) > 0) {
        if (write(out, buf, (size_t)n) != n) {
            rc = vr_errorf(err, VR_IO, "write %s: %s", to, strerror(errno));
            goto out;
        }
    }
    if (n < 0)
        rc = vr_errorf(err, VR_IO, "read %s: %s", from, strerror(errno));
out:
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return rc;
}

static vr_code_t copy_tree(const char *from, const char *to, vr_error_t *err)
{
    DIR *d = NULL;
    struct dirent *e;
    vr_code_t rc;

    if ((rc = vr_mkdirs(to, err)) != VR_OK)
        return rc;
    d = opendir(from);
    if (!d)
        return vr_errorf(err, VR_IO, "opendir %s: %s", from, strerror(errno));
    while ((e = readdir(d)) != NULL) {
        char src[PATH_MAX], dst[PATH_MAX];
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(src, sizeof(src), "%s/%s", from, e->d_name);
        snprintf(dst, sizeof(dst), "%s/%s", to, e->d_name);
        if (lstat(src, &st) != 0) {
            rc = vr_errorf(err, VR_IO, "stat %s: %s", src, strerror(errno));
            break;
        }
        rc = S_ISDIR(st.st_mode) ? copy_tree(src, dst, err)
                                 : copy_file(src, dst, st.st_mode, err);
        if (rc != VR_OK)
            break;
    }
    closedir(d);
    return rc;
}

/* The first "[ERROR]" line written from offset on (the cause; later
 * ones say "Aborting" or repeat it), else the last line; trimmed. */
static void log_first_error(const char *path, long offset, char *out, size_t size)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    char last[1024] = "";
    char first_err[1024] = "";

    out[0] = '\0';
    if (!f)
        return;
    if (offset > 0)
        fseek(f, offset, SEEK_SET);
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0])
            continue;
        snprintf(last, sizeof(last), "%s", line);
        if (!first_err[0] && strstr(line, "[ERROR]"))
            snprintf(first_err, sizeof(first_err), "%s", line);
    }
    fclose(f);
    {
        const char *pick = first_err[0] ? first_err : last;
        const char *tag = strstr(pick, "[ERROR] ");
        snprintf(out, size, "%s", tag ? tag + 8 : pick);
    }
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* fork+exec argv with stdout/stderr to logpath; returns pid or -1. */
static pid_t spawn(char *const argv[], const char *logpath, bool new_session,
                   bool die_with_parent)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    if (die_with_parent) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
    }
    {
        int null = open("/dev/null", O_RDONLY);
        int log = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (new_session)
            setsid();
        if (null >= 0)
            dup2(null, 0);
        if (log >= 0) {
            dup2(log, 1);
            dup2(log, 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
}

static vr_code_t run_install_db(const char *install_db, const char *root, vr_error_t *err)
{
    char data[PATH_MAX], tmp[PATH_MAX], log[PATH_MAX];
    char a_data[PATH_MAX + 16], a_tmp[PATH_MAX + 16];
    char *argv[16];
    int n = 0, status = 0;
    pid_t pid;
    vr_code_t rc;

    snprintf(data, sizeof(data), "%s/data", root);
    snprintf(tmp, sizeof(tmp), "%s/tmp", root);
    snprintf(log, sizeof(log), "%s/install.log", root);
    if ((rc = vr_mkdirs(data, err)) != VR_OK || (rc = vr_mkdirs(tmp, err)) != VR_OK)
        return rc;
    snprintf(a_data, sizeof(a_data), "--datadir=%s", data);
    snprintf(a_tmp, sizeof(a_tmp), "--tmpdir=%s", tmp);
    argv[n++] = (char *)install_db;
    argv[n++] = "--no-defaults";
    argv[n++] = a_data;
    argv[n++] = a_tmp;
    argv[n++] = "--auth-root-authentication-method=normal";
    argv[n++] = "--skip-test-db";
    argv[n++] = "--innodb-log-file-size=8M";
    argv[n++] = "--innodb-buffer-pool-size=8M";
    if (geteuid() == 0)
        argv[n++] = "--user=root";
    argv[n] = NULL;
    pid = spawn(argv, log, false, false);
    if (pid < 0)
        return vr_errorf(err, VR_IO, "fork: %s", strerror(errno));
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char last[512];
        log_first_error(log, 0, last, sizeof(last));
        return vr_errorf(err, VR_IO, "mariadb-install-db failed (see %s): %s", log, last);
    }
    vr_rmtree(tmp);
    return VR_OK;
}

vr_code_t vr_mysqld_template(const char *cache_dir, char **out, vr_error_t *err)
{
    const char *mariadbd, *install_db;
    char dir[PATH_MAX], work[PATH_MAX], ready[PATH_MAX], lockpath[PATH_MAX];
    struct stat st;
    int lockfd = -1;
    vr_code_t rc;

    if ((rc = vr_mysqld_find(&mariadbd, &install_db, err)) != VR_OK)
        return rc;
    if (stat(mariadbd, &st) != 0)
        return vr_errorf(err, VR_IO, "stat %s: %s", mariadbd, strerror(errno));
    if ((rc = vr_mkdirs(cache_dir, err)) != VR_OK)
        return rc;
    snprintf(dir, sizeof(dir), "%s/template-%lld-%lld", cache_dir,
             (long long)st.st_size, (long long)st.st_mtime);
    snprintf(ready, sizeof(ready), "%s/.ready", dir);
    if (access(ready, F_OK) == 0)
        goto done;
    snprintf(lockpath, sizeof(lockpath), "%s/template.lock", cache_dir);
    lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lockfd < 0)
        return vr_errorf(err, VR_IO, "open %s: %s", lockpath, strerror(errno));
    while (flock(lockfd, LOCK_EX) != 0 && errno == EINTR)
        ;
    if (access(ready, F_OK) != 0) {
        int fd;
        snprintf(work, sizeof(work), "%s.work", dir);
        vr_rmtree(work);
        vr_rmtree(dir);
        rc = run_install_db(install_db, work, err);
        if (rc == VR_OK && rename(work, dir) != 0)
            rc = vr_errorf(err, VR_IO, "rename %s: %s", work, strerror(errno));
        if (rc == VR_OK) {
            fd = open(ready, O_WRONLY | O_CREAT, 0644);
            if (fd >= 0)
                close(fd);
        }
    }
    close(lockfd);
    if (rc != VR_OK)
        return rc;
done:
    *out = vr_xstrdup(dir);
    return VR_OK;
}

bool vr_port_in_use(int port)
{
    struct sockaddr_in sa;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool used;

    if (fd < 0)
        return true;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    used = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0;
    close(fd);
    return used;
}

void vr_mysqld_socket_path(const char *dir, char *out, size_t size)
{
    snprintf(out, size, "%s/mysql.sock", dir);
}

/* true once the server sends its handshake on the socket */
static bool socket_ready(const char *path)
{
    struct sockaddr_un sa;
    struct pollfd pfd;
    char buf[8];
    bool ok = false;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return false;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        pfd.fd = fd;
        pfd.events = POLLIN;
        if (poll(&pfd, 1, 500) == 1 && read(fd, buf, sizeof(buf)) >= 4)
            ok = true;
    }
    close(fd);
    return ok;
}

static int build_args(const vr_mysqld_spec_t *spec, const char *mariadbd,
                      char *argv[], char store[][PATH_MAX + 64], char *extra)
{
    int n = 0, s = 0;
#define ARGF(...) (snprintf(store[s], sizeof(store[s]), __VA_ARGS__), argv[n++] = store[s++])
    argv[n++] = (char *)mariadbd;
    argv[n++] = "--no-defaults";
    ARGF("--datadir=%s/data", spec->dir);
    ARGF("--tmpdir=%s/tmp", spec->dir);
    ARGF("--socket=%s/mysql.sock", spec->dir);
    ARGF("--pid-file=%s/mariadbd.pid", spec->dir);
    ARGF("--log-error=%s/mariadbd.err", spec->dir);
    ARGF("--port=%d", spec->port);
    ARGF("--server-id=%u", spec->server_id);
    argv[n++] = "--bind-address=127.0.0.1";
    argv[n++] = "--skip-name-resolve";
    if (geteuid() == 0)
        argv[n++] = "--user=root";
    if (spec->log_bin) {
        ARGF("--log-bin=%s/data/binlog", spec->dir);
        argv[n++] = "--binlog-format=ROW";
        argv[n++] = "--binlog-row-image=FULL";
        argv[n++] = "--binlog-row-metadata=FULL";
        argv[n++] = "--log-slave-updates=1";
    } else {
        argv[n++] = "--skip-log-bin";
    }
    argv[n++] = "--gtid-strict-mode=1";
    if (spec->read_only)
        argv[n++] = "--read-only=1";
    argv[n++] = "--character-set-server=utf8mb4";
    argv[n++] = "--innodb-buffer-pool-size=8M";
    argv[n++] = "--innodb-log-file-size=8M";
    argv[n++] = "--innodb-log-buffer-size=2M";
    argv[n++] = "--performance-schema=OFF";
    argv[n++] = "--max-connections=200";
    argv[n++] = "--table-open-cache=200";
    argv[n++] = "--thread-cache-size=8";
    argv[n++] = "--key-buffer-size=1M";
    argv[n++] = "--aria-pagecache-buffer-size=1M";
    argv[n++] = "--max-allowed-packet=64M";
    if (extra) {
        char *save = NULL, *tok;
        for (tok = strtok_r(extra, " \t", &save); tok && n < MAX_ARGS - 1;
             tok = strtok_r(NULL, " \t", &save))
            argv[n++] = tok;
    }
    argv[n] = NULL;
#undef ARGF
    return n;
}

vr_code_t vr_mysqld_start(const vr_mysqld_spec_t *spec, const char *template_dir,
                          int timeout_ms, pid_t *pidp, vr_error_t *err)
{
    const char *mariadbd;
    char path[PATH_MAX], sock[PATH_MAX], errlog[PATH_MAX];
    char store[16][PATH_MAX + 64];
    char *argv[MAX_ARGS];
    char *extra = NULL;
    long long deadline;
    long log_offset;
    pid_t pid = -1;
    vr_code_t rc;

    if ((rc = vr_mysqld_find(&mariadbd, NULL, err)) != VR_OK)
        return rc;
    vr_mysqld_socket_path(spec->dir, sock, sizeof(sock));
    if (strlen(sock) >= sizeof(((struct sockaddr_un *)0)->sun_path))
        return vr_errorf(err, VR_INVALID,
                         "socket path %s is longer than 107 bytes: use a shorter data folder",
                         sock);
    if (vr_port_in_use(spec->port))
        return vr_errorf(err, VR_EXISTS, "port %d is already in use", spec->port);
    snprintf(path, sizeof(path), "%s/tmp", spec->dir);
    if ((rc = vr_mkdirs(path, err)) != VR_OK)
        return rc;
    snprintf(path, sizeof(path), "%s/data", spec->dir);
    if (access(path, F_OK) != 0) {
        char src[PATH_MAX];
        snprintf(src, sizeof(src), "%s/data", template_dir);
        if ((rc = copy_tree(src, path, err)) != VR_OK) {
            vr_rmtree(path);
            return vr_error_prefix(err, "copying the datadir template");
        }
    }
    snprintf(errlog, sizeof(errlog), "%s/mariadbd.err", spec->dir);
    if (spec->extra_args)
        extra = vr_xstrdup(spec->extra_args);
    build_args(spec, mariadbd, argv, store, extra);
    snprintf(path, sizeof(path), "%s/mariadbd.out", spec->dir);
    unlink(sock);
    log_offset = file_size(errlog);
    pid = spawn(argv, path, !spec->die_with_parent, spec->die_with_parent);
    free(extra);
    if (pid < 0)
        return vr_errorf(err, VR_IO, "fork: %s", strerror(errno));
    deadline = vr_mono_ms() + timeout_ms;
    for (;;) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            char last[512];
            log_first_error(errlog, log_offset, last, sizeof(last));
            return vr_errorf(err, VR_IO, "mariadbd on port %d exited during start (%s): %s",
                             spec->port, errlog, last[0] ? last : "no error logged");
        }
        if (socket_ready(sock))
            break;
        if (vr_mono_ms() > deadline) {
            vr_mysqld_stop(pid, spec->dir, 5000, NULL);
            return vr_errorf(err, VR_TIMEOUT,
                             "mariadbd on port %d not ready after %d ms (see %s)",
                             spec->port, timeout_ms, errlog);
        }
        sleep_ms(20);
    }
    *pidp = pid;
    return VR_OK;
}

bool vr_mysqld_is_ours(pid_t pid, const char *dir)
{
    char path[64], buf[8192], want[PATH_MAX + 16];
    ssize_t n, i;
    int fd;
    bool is_server = false, has_dir = false;

    if (pid <= 0)
        return false;
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return false; /* gone, or a zombie */
    buf[n] = '\0';
    snprintf(want, sizeof(want), "--datadir=%s/data", dir);
    for (i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1) {
        const char *arg = buf + i;
        const char *base = strrchr(arg, '/');
        base = base ? base + 1 : arg;
        if (i == 0 && (strstr(base, "mariadbd") || strstr(base, "mysqld")))
            is_server = true;
        if (strcmp(arg, want) == 0)
            has_dir = true;
    }
    return is_server && has_dir;
}

vr_code_t vr_mysqld_stop(pid_t pid, const char *dir, int timeout_ms, vr_error_t *err)
{
    long long deadline;
    bool killed = false;

    if (!vr_mysqld_is_ours(pid, dir))
        return VR_OK;
    if (kill(pid, SIGTERM) != 0 && errno != ESRCH)
        return vr_errorf(err, VR_IO, "kill %d: %s", (int)pid, strerror(errno));
    deadline = vr_mono_ms() + timeout_ms;
    for (;;) {
        int status;
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid || !vr_mysqld_is_ours(pid, dir))
            return VR_OK;
        if (vr_mono_ms() > deadline) {
            if (killed)
                return vr_errorf(err, VR_TIMEOUT, "mariadbd pid %d did not exit", (int)pid);
            kill(pid, SIGKILL);
            killed = true;
            deadline = vr_mono_ms() + 5000;
        }
        sleep_ms(20);
    }
}
