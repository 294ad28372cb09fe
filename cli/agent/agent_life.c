/* SPDX-License-Identifier: MIT */
/* agent_life.c: how an agent starts (its lock, its socket, detaching, its
 * memory) and how it leaves without making any caller wait. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <credstack/module.h>

#include "agent_int.h"

/*
 * The lock says one agent serves a digest's socket.  It is taken on the file
 * the path names at that moment: a holder unlinks the path before it lets
 * go, so a process that locked the old file finds the path gone or another
 * file there, and tries again.  Never two holders for one path.
 */
int cli_agent_take_lock(agent_t *a)
{
    for (int tries = 0; tries < 8; tries++) {
        struct stat held, named;
        int fd = open(a->paths.lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
                      0600);

        if (fd < 0)
            return CREDSTACK_ERR_IO;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            close(fd);
            return CREDSTACK_ERR_DENIED; /* another agent serves */
        }
        if (fstat(fd, &held) == 0 && stat(a->paths.lock, &named) == 0 &&
            held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
            a->lock_fd = fd;
            return CREDSTACK_OK;
        }
        close(fd); /* its holder left and removed it: the next one */
    }
    return CREDSTACK_ERR_IO;
}

/* Let a new agent serve the digest: the path first, then the lock. */
void cli_agent_release_lock(agent_t *a)
{
    if (a->lock_fd < 0)
        return;
    unlink(a->paths.lock);
    close(a->lock_fd);
    a->lock_fd = -1;
}

int cli_agent_bind(agent_t *a, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    mode_t old;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return CREDSTACK_ERR_IO;
    }
    if (cli_agent_sockaddr(&sa, a->paths.socket) != 0) {
        snprintf(err, errlen, "%s: path too long for a socket",
                 a->paths.socket);
        close(fd);
        return CREDSTACK_ERR_INVALID;
    }
    /* We hold the lock: a socket file left there is a dead agent's. */
    unlink(a->paths.socket);
    old = umask(077);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        chmod(a->paths.socket, 0600) != 0 || listen(fd, SOMAXCONN) != 0) {
        umask(old);
        snprintf(err, errlen, "%s: %s", a->paths.socket, strerror(errno));
        close(fd);
        return CREDSTACK_ERR_IO;
    }
    umask(old);
    a->listen_fd = fd;
    return CREDSTACK_OK;
}

/*
 * Socket activation: systemd listens on [credstack] agent_socket and hands
 * the socket over as fd 3 (sd_listen_fds(3)); it starts the agent again
 * after an idle exit, or after a changed configuration made it leave.
 */
int cli_agent_systemd_socket(agent_t *a, char *err, size_t errlen)
{
    const char *pid = credstack_getenv("LISTEN_PID"),
               *fds = credstack_getenv("LISTEN_FDS");
    struct stat st;

    if (pid == NULL || fds == NULL || atol(pid) != (long)getpid() ||
        atoi(fds) < 1 || fstat(3, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen,
                 "--systemd: no listening socket from systemd "
                 "(LISTEN_PID/LISTEN_FDS)");
        return CREDSTACK_ERR_INVALID;
    }
    fcntl(3, F_SETFD, FD_CLOEXEC);
    a->listen_fd = 3;
    return CREDSTACK_OK;
}

/* Detach: a new session, stdio on /dev/null, stderr to the agent's log. */
int cli_agent_daemonize(agent_t *a, int ready_fd)
{
    pid_t pid = fork();
    int fd;

    if (pid < 0)
        return CREDSTACK_ERR_IO;
    if (pid > 0)
        _exit(0);
    setsid();
    if (chdir("/") != 0)
        return CREDSTACK_ERR_IO;
    fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        close(fd);
    }
    fd = open(a->paths.log,
              O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
              0600);
    if (fd >= 0) {
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    (void)ready_fd;
    return CREDSTACK_OK;
}

/* Whether this process may lock memory beyond RLIMIT_MEMLOCK. */
static int can_lock_any(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    unsigned long long caps = 0;
    int found = 0;

    if (f == NULL)
        return 0;
    while (!found && fgets(line, sizeof(line), f) != NULL)
        found = sscanf(line, "CapEff: %llx", &caps) == 1;
    fclose(f);
    return found && (caps & (1ull << 14)) != 0; /* CAP_IPC_LOCK */
}

/*
 * Keep secrets out of swap where this user may.  Unlimited (RLIMIT_MEMLOCK
 * infinite, or CAP_IPC_LOCK): all memory, now and later, each page locked
 * when first touched (MCL_ONFAULT: thread stacks are not made resident
 * whole).  Under a limit (8 MiB for an ordinary user by default),
 * MCL_FUTURE would make every later mapping beyond it fail (libraries,
 * thread stacks): what is mapped now, if it fits the limit; else nothing, as
 * a one-shot run, said in the agent's log.  Called in the process that
 * serves: locks do not pass through fork().
 */
void cli_agent_lock_memory(void)
{
    struct rlimit rl;
    int any =
        (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur == RLIM_INFINITY) ||
        can_lock_any();
    int onfault = 0;

#ifdef MCL_ONFAULT
    onfault = MCL_ONFAULT;
#endif
    if (any && (mlockall(MCL_CURRENT | MCL_FUTURE | onfault) == 0 ||
                mlockall(MCL_CURRENT | MCL_FUTURE) == 0))
        return;
    if (mlockall(MCL_CURRENT | onfault) == 0) {
        fprintf(stderr, "credstack agent: memory mapped at start locked; "
                        "later allocations may reach swap "
                        "(RLIMIT_MEMLOCK)\n");
        return;
    }
    fprintf(stderr,
            "credstack agent: memory not locked (%s; RLIMIT_MEMLOCK): "
            "secrets may reach swap, as in a one-shot run\n",
            strerror(errno));
}

/*
 * Leave without costing any caller a wait: no new caller can reach this
 * agent (its socket is gone) and a new agent may start at once (the lock is
 * released); callers that connected before are told "stale" and run their
 * requests themselves; the requests already running finish.
 */
void cli_agent_stop_serving(agent_t *a)
{
    if (!a->systemd) {
        unlink(a->paths.socket);
        cli_agent_release_lock(a);
        /* What is queued, and no wait for more. */
        fcntl(a->listen_fd, F_SETFL, fcntl(a->listen_fd, F_GETFL) | O_NONBLOCK);
        for (;;) {
            conn_t c;
            json_t *in = NULL, *stale = cli_agent_stale_encode();
            int fd =
                accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

            if (fd < 0) {
                json_decref(stale);
                break;
            }
            /* Its request first: closing on unread data resets the
             * connection before our answer is read. */
            if (cli_agent_recv(fd, &in, CLI_AGENT_BEAT_MS) == CREDSTACK_OK &&
                stale != NULL) {
                memset(&c, 0, sizeof(c));
                c.fd = fd;
                pthread_mutex_init(&c.wlock, NULL);
                cli_agent_answer(&c, stale);
                pthread_mutex_destroy(&c.wlock);
            }
            if (in != NULL)
                cli_agent_wipe_json(in);
            json_decref(in);
            json_decref(stale);
            close(fd);
        }
    }
    /* systemd's socket stays with systemd: it starts the next agent for
     * the connections still queued on it. */
    close(a->listen_fd);
    a->listen_fd = -1;
}

/* The log file, unless a newer agent of this digest has made its own. */
void cli_agent_remove_own_log(const agent_t *a, int foreground)
{
    struct stat mine, named;

    if (!foreground && fstat(STDERR_FILENO, &mine) == 0 &&
        stat(a->paths.log, &named) == 0 && mine.st_dev == named.st_dev &&
        mine.st_ino == named.st_ino)
        unlink(a->paths.log);
}
