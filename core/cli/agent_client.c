/* SPDX-License-Identifier: MIT */
/* agent_client.c: hand a request to the agent of its configuration, starting
 * one when none runs; any failure means the caller runs it itself. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <credstack/module.h>

#include "agent.h"

/* How long a new agent may take to open its stack and listen. */
#define AGENT_START_MS 10000

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int connect_to(const char *path)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    if (cli_agent_sockaddr(&sa, path) != 0) {
        close(fd);
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The caller's values as the agent reads them on its standard input. */
static char *values_text(const cli_request *r)
{
    json_t *all = json_object();
    char *text;

    for (size_t i = 0; all && i < r->nvalues; i++) {
        json_t *s = json_object_get(all, r->values[i].section);
        if (s == NULL) {
            s = json_object();
            json_object_set_new(all, r->values[i].section, s);
        }
        json_object_set_new(s, r->values[i].option,
                            json_string(r->values[i].value));
    }
    text = all ? json_dumps(all, JSON_COMPACT) : NULL;
    if (all != NULL)
        cli_agent_wipe_json(all);
    json_decref(all);
    return text;
}

/*
 * Start `credstack agent` for r (it detaches itself) and wait until it says
 * it is ready, or gives up.  The values go through a pipe, never argv.
 */
static void spawn(const cli_request *r)
{
    int ready[2] = {-1, -1}, in[2] = {-1, -1};
    char *vals = r->nvalues > 0 ? values_text(r) : NULL;
    long long deadline = now_ms() + AGENT_START_MS;
    char buf[16], self[PATH_MAX];
    ssize_t n;
    pid_t pid;

    /* This very program, resolved now: under a tool such as valgrind the
     * process image is the tool's, but readlink() names ours. */
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0 || (size_t)n >= sizeof(self) - 1)
        goto done;
    self[n] = '\0';
    if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(in, O_CLOEXEC) != 0)
        goto done;
    pid = fork();
    if (pid < 0)
        goto done;
    if (pid == 0) {
        const char *argv[12];
        int k = 0, devnull = open("/dev/null", O_RDWR);

        dup2(in[0], STDIN_FILENO);
        if (devnull >= 0) {
            dup2(devnull, STDOUT_FILENO);
            dup2(devnull, STDERR_FILENO);
        }
        dup2(ready[1], 3);
        argv[k++] = "credstack";
        argv[k++] = "agent";
        argv[k++] = "--config";
        argv[k++] = r->config;
        if (r->stack != NULL) {
            argv[k++] = "--stack";
            argv[k++] = r->stack;
        }
        if (r->nvalues > 0)
            argv[k++] = "--values-stdin";
        argv[k++] = "--ready-fd=3";
        argv[k] = NULL;
        execv(self, (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    in[0] = -1;
    close(ready[1]);
    ready[1] = -1;
    if (vals != NULL)
        (void)!write(in[1], vals, strlen(vals));
    close(in[1]);
    in[1] = -1;
    /* The first process exits once the agent has detached. */
    waitpid(pid, NULL, 0);
    for (;;) {
        struct pollfd pfd = {ready[0], POLLIN, 0};
        long long left = deadline - now_ms();
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        /* "ready", or EOF: another agent won the race, or opening failed. */
        if (read(ready[0], buf, sizeof(buf)) >= 0)
            break;
        if (errno != EINTR)
            break;
    }
done:
    for (int i = 0; i < 2; i++) {
        if (ready[i] >= 0)
            close(ready[i]);
        if (in[i] >= 0)
            close(in[i]);
    }
    if (vals != NULL) {
        credstack_wipe(vals, strlen(vals));
        free(vals);
    }
}

/* A connection to the agent, starting one when none answers. */
static int reach(const cli_request *r, const cli_agent_paths *p)
{
    long long deadline;
    int fd = connect_to(p->socket);

    if (fd >= 0)
        return fd;
    spawn(r);
    /* Another command may have started it: it listens within moments. */
    deadline = now_ms() + AGENT_START_MS;
    while ((fd = connect_to(p->socket)) < 0 && now_ms() < deadline) {
        struct timespec ts = {0, 20 * 1000000};
        nanosleep(&ts, NULL);
    }
    return fd;
}

static json_t *request_json(const cli_request *r, const cli_agent_paths *p)
{
    json_t *items = json_object();
    json_t *req =
        json_pack("{s:s,s:s,s:b,s:i}", "op", "run", "digest", p->digest,
                  "trace", r->trace, "log_level", r->log_level);

    if (items == NULL || req == NULL) {
        json_decref(items);
        json_decref(req);
        return NULL;
    }
    for (int i = 0; i < CREDSTACK_ITEM_COUNT; i++)
        if (r->items[i] != NULL)
            json_object_set_new(items, credstack_item_name(i),
                                json_string(r->items[i]));
    json_object_set_new(req, "items", items);
    return req;
}

int cli_agent_run(const cli_request *r, cli_result *res)
{
    cli_agent_key key = {r->config, r->stack, r->values, r->nvalues};
    cli_agent_paths p;
    char err[1024] = "";
    json_t *req = NULL, *rep = NULL;
    const char *s;
    char *fixed = NULL;
    int fd = -1, ret;

    memset(res, 0, sizeof(*res));
    ret = cli_agent_paths_for(&key, &p, err, sizeof(err));
    if (ret != CREDSTACK_OK) {
        fprintf(stderr,
                "credstack: warning: agent: %s; running the request "
                "here\n",
                err);
        return ret;
    }
    fixed = cli_agent_fixed_socket(r->config);
    /* systemd starts that agent on the first connection; none to spawn. */
    fd = fixed ? connect_to(fixed) : reach(r, &p);
    free(fixed);
    if (fd < 0)
        return CREDSTACK_ERR_IO;
    req = request_json(r, &p);
    ret = req ? cli_agent_send(fd, req) : CREDSTACK_ERR_NOMEM;
    /* No limit: the agent bounds the backend; a dead agent is EOF. */
    if (ret == CREDSTACK_OK)
        ret = cli_agent_recv(fd, &rep, 0);
    close(fd);
    if (ret == CREDSTACK_OK && (json_is_true(json_object_get(rep, "stale")) ||
                                !json_is_integer(json_object_get(rep, "rc"))))
        ret = CREDSTACK_ERR_IO;
    if (ret == CREDSTACK_OK) {
        s = json_string_value(json_object_get(rep, "log"));
        if (s != NULL)
            fputs(s, stderr);
        res->rc = (int)json_integer_value(json_object_get(rep, "rc"));
        res->opened = 1;
        s = json_string_value(json_object_get(rep, "password"));
        if (res->rc == CREDSTACK_OK &&
            (s == NULL || (res->password = strdup(s)) == NULL))
            res->rc = s == NULL ? CREDSTACK_ERR_MODULE : CREDSTACK_ERR_NOMEM;
        s = json_string_value(json_object_get(rep, "error"));
        res->error = strdup(s ? s : "");
    }
    if (req != NULL)
        cli_agent_wipe_json(req);
    if (rep != NULL)
        cli_agent_wipe_json(rep);
    json_decref(req);
    json_decref(rep);
    return ret;
}
