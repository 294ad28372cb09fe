/* SPDX-License-Identifier: MIT */
/* agent_connect.c: reach an agent's socket only when it can be trusted with
 * a request (which carries the gateway user's name and password): the
 * socket's directory and file are ours or root's and closed to others, and
 * the process listening runs as us or as root (SO_PEERCRED).  Nothing is
 * sent before these checks, and connecting never waits longer than asked. */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <credstack/module.h>

#include "agent.h"

static int trusted_owner(uid_t uid)
{
    return uid == geteuid() || uid == 0;
}

/* The directory that holds path: a real directory of ours or root's that
 * nobody else may write to (who could, could put their socket there). */
static int dir_ok(const char *path, char *why, size_t whylen)
{
    char dir[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
    const char *slash = strrchr(path, '/');
    struct stat st;

    if (slash == NULL) {
        snprintf(why, whylen, "%s: not an absolute path", path);
        return 0;
    }
    snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path),
             path);
    if (lstat(dir, &st) != 0) {
        snprintf(why, whylen, "%s: %s", dir, strerror(errno));
        return 0;
    }
    if (!S_ISDIR(st.st_mode) || !trusted_owner(st.st_uid) ||
        (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        snprintf(why, whylen,
                 "%s is not a safe directory for the agent's socket (%s, "
                 "owner uid %u, mode %04o): it must be a directory of uid %u "
                 "or root that nobody else may write to",
                 dir,
                 S_ISLNK(st.st_mode)   ? "a symbolic link"
                 : S_ISDIR(st.st_mode) ? "a directory"
                                       : "not a directory",
                 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
                 (unsigned)geteuid());
        return 0;
    }
    return 1;
}

int cli_agent_connect(const char *path, int timeout_ms, char *why,
                      size_t whylen)
{
    long long deadline = credstack_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    struct sockaddr_un sa;
    struct ucred cred = {0, (uid_t)-1, (gid_t)-1};
    socklen_t len = sizeof(cred);
    struct stat st;
    int fd;

    why[0] = '\0';
    if (cli_agent_sockaddr(&sa, path) != 0) {
        snprintf(why, whylen, "%s: path too long for a socket", path);
        return -1;
    }
    if (!dir_ok(path, why, whylen))
        return -1;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return -1; /* none listens: the caller may start one */
        snprintf(why, whylen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISSOCK(st.st_mode) || !trusted_owner(st.st_uid)) {
        snprintf(why, whylen,
                 "%s is %s of uid %u: not an agent's socket of uid %u or root",
                 path, S_ISSOCK(st.st_mode) ? "a socket" : "not a socket",
                 (unsigned)st.st_uid, (unsigned)geteuid());
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(why, whylen, "socket: %s", strerror(errno));
        return -1;
    }
    /* A UNIX socket connects at once, or says EAGAIN while the listener's
     * queue is full (a stopped or swamped agent): retry until the deadline,
     * never block. */
    while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        struct timespec ts = {0, 10 * 1000000};

        if (errno == EINTR)
            continue;
        if (errno == ENOENT || errno == ECONNREFUSED) {
            close(fd); /* a dead agent's socket file: start another */
            return -1;
        }
        if (errno != EAGAIN || credstack_now_ms() >= deadline) {
            snprintf(why, whylen, "%s: %s", path,
                     errno == EAGAIN ? "the agent accepts no connection "
                                       "(stopped or swamped)"
                                     : strerror(errno));
            close(fd);
            return -1;
        }
        nanosleep(&ts, NULL);
    }
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
        !trusted_owner(cred.uid)) {
        snprintf(why, whylen,
                 "%s: the process listening there runs as uid %d, not as uid "
                 "%u or root: not trusted",
                 path, (int)cred.uid, (unsigned)geteuid());
        close(fd);
        return -1;
    }
    return fd;
}
