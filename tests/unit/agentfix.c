/* SPDX-License-Identifier: MIT */
/* agentfix.c: a private agent directory for a test, get-password through it,
 * and every agent it started stopped at the end. */
#include "autoconf.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "agentfix.h"

long long afix_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void afix_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

void afix_setup(afix *f)
{
    f->dir = tu_tmpdir();
    f->agentdir = tu_path(f->dir, "agent");
    cr_assert(asprintf(&f->env, "CREDSTACK_AGENT_DIR=%s", f->agentdir) > 0);
}

/* The environment: the agent directory first, then env. */
static const char *const *full_env(afix *f, const char *const *env,
                                   const char **buf, size_t cap)
{
    size_t n = 0;

    buf[n++] = f->env;
    for (size_t i = 0; env && env[i]; i++) {
        cr_assert(n + 1 < cap);
        buf[n++] = env[i];
    }
    buf[n] = NULL;
    return buf;
}

tu_run afix_get(afix *f, const char *cfg, const char *stack,
                const char *const *env)
{
    const char *argv[16], *ev[32];
    size_t n = 0;

    argv[n++] = "get-password";
    argv[n++] = "--config";
    argv[n++] = cfg;
    if (stack != NULL) {
        argv[n++] = "--stack";
        argv[n++] = stack;
    }
    argv[n++] = "--gateway-user";
    argv[n++] = "gw";
    argv[n++] = "--target-user";
    argv[n++] = "root";
    argv[n++] = "--target-host";
    argv[n++] = "10.1.2.3";
    argv[n] = NULL;
    return tu_credstack(argv, NULL, full_env(f, env, ev, 32));
}

tu_run afix_agent(afix *f, const char *cfg, const char *stack, const char *what,
                  const char *const *env)
{
    const char *argv[8], *ev[32];
    size_t n = 0;

    argv[n++] = "agent";
    argv[n++] = "--config";
    argv[n++] = cfg;
    if (stack != NULL) {
        argv[n++] = "--stack";
        argv[n++] = stack;
    }
    argv[n++] = what;
    argv[n] = NULL;
    return tu_credstack(argv, NULL, full_env(f, env, ev, 32));
}

int afix_agent_pid(afix *f, const char *cfg, const char *stack,
                   const char *const *env)
{
    tu_run r = afix_agent(f, cfg, stack, "--status", env);
    const char *p = strstr(r.out, "agent pid ");
    int pid = p ? atoi(p + strlen("agent pid ")) : 0;

    tu_run_free(&r);
    return pid;
}

int afix_sockets(afix *f, char *path, size_t len)
{
    DIR *d = opendir(f->agentdir);
    struct dirent *e;
    int n = 0;

    if (path != NULL && len > 0)
        path[0] = '\0';
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 5, ".sock") != 0)
            continue;
        if (n++ == 0 && path != NULL)
            snprintf(path, len, "%s/%s", f->agentdir, e->d_name);
    }
    closedir(d);
    return n;
}

/* Ask the agent listening at path to stop, as `agent --stop` does (the
 * messages of cli/agent/agent_codec.c), without knowing its config. */
static void stop_at(const char *path)
{
    static const char msg[] = "{\"op\":\"stop\"}";
    unsigned char frame[4 + sizeof(msg)], reply[256];
    struct sockaddr_un sa;
    struct pollfd pfd;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        close(fd);
        return;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    frame[0] = frame[1] = frame[2] = 0;
    frame[3] = (unsigned char)(sizeof(msg) - 1);
    memcpy(frame + 4, msg, sizeof(msg) - 1);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        unlink(path); /* a killed agent's: nobody listens */
    } else if (write(fd, frame, 4 + sizeof(msg) - 1) > 0) {
        pfd.fd = fd;
        pfd.events = POLLIN;
        if (poll(&pfd, 1, 5000) > 0)
            (void)!read(fd, reply, sizeof(reply));
    }
    close(fd);
}

void afix_free(afix *f)
{
    char path[1200];

    /* Each agent removes its socket when it leaves. */
    for (int i = 0; i < 100 && afix_sockets(f, path, sizeof(path)) > 0; i++) {
        stop_at(path);
        afix_sleep_ms(100);
    }
    free(f->agentdir);
    free(f->env);
    tu_rmtree(f->dir);
}
