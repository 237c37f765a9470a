/*
 * vr_mysqld.h - run private mariadbd instances: the local cluster's
 * tablets (`vrepl up`) and the test harness's throwaway servers.
 *
 * A datadir template is made once with mariadb-install-db (under a file
 * lock, so racing creators wait for the first) and copied for each new
 * instance, which makes a fresh server ready in a fraction of a second.
 * Every instance has its own datadir, --tmpdir, socket, port and
 * server-id; binlogs are ROW with FULL images and FULL metadata, GTID
 * strict mode, log_slave_updates (so replicas can be stream sources), and
 * a small memory profile.
 *
 * Processes are started in their own session (setsid) so they outlive
 * the starting command.  Stopping checks /proc that the pid still runs
 * mariadbd on the expected datadir before signalling it, so a recycled
 * pid is never killed.
 */
#ifndef VR_MYSQLD_H
#define VR_MYSQLD_H

#include <stdbool.h>
#include <sys/types.h>

#include "vr_error.h"

typedef struct vr_mysqld_spec {
    const char *dir;        /* instance root: data/, tmp/, mysql.sock, mariadbd.err live here */
    int port;               /* TCP port on 127.0.0.1 */
    unsigned server_id;
    bool log_bin;           /* row-based binlog, GTID strict (default for tablets) */
    bool read_only;         /* replicas and rdonly tablets */
    const char *extra_args; /* space-separated mariadbd options, or NULL */
    bool die_with_parent;   /* tests: SIGKILL the server when its starter dies */
} vr_mysqld_spec_t;

/* Paths of the MariaDB programs ($VREPL_MARIADBD overrides the server).
 * VR_NOT_FOUND with an install hint when missing. */
vr_code_t vr_mysqld_find(const char **mariadbd, const char **install_db, vr_error_t *err);

/* Make (once) and return the template datadir under cache_dir
 * ("<cache_dir>/template-<version>").  Safe to call from several
 * processes at once.  *out is malloc'd. */
vr_code_t vr_mysqld_template(const char *cache_dir, char **out, vr_error_t *err);

/* Is anything listening on 127.0.0.1:port (or can it not be bound)? */
bool vr_port_in_use(int port);

/* Copy the template into spec->dir/data when that has no datadir yet,
 * start mariadbd, and wait (up to timeout_ms) until it accepts
 * connections.  On failure nothing is left running, and the error quotes
 * the server's own last error line ("Can't start server: Bind on TCP/IP
 * port...").  *pid gets the server's pid. */
vr_code_t vr_mysqld_start(const vr_mysqld_spec_t *spec, const char *template_dir,
                          int timeout_ms, pid_t *pid, vr_error_t *err);

/* Socket path of an instance ("<dir>/mysql.sock"); out must hold PATH_MAX. */
void vr_mysqld_socket_path(const char *dir, char *out, size_t size);

/* Does pid run mariadbd with this instance's datadir? */
bool vr_mysqld_is_ours(pid_t pid, const char *dir);

/* SIGTERM (SIGKILL after timeout_ms) and wait for the process to go.
 * A pid that is not ours (or not running) is left alone: VR_OK. */
vr_code_t vr_mysqld_stop(pid_t pid, const char *dir, int timeout_ms, vr_error_t *err);

/* Recursively remove a directory tree (best effort). */
void vr_rmtree(const char *path);
/* mkdir -p */
vr_code_t vr_mkdirs(const char *path, vr_error_t *err);

#endif
