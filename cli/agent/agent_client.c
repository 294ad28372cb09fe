/* SPDX-License-Identifier: MIT */
/* agent_client.c: hand a request to the agent of its configuration, starting
 * one when none runs; an agent that cannot be trusted, shows no sign of life
 * or overruns its budget, and any other failure, means the caller runs the
 * request itself, at once. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <credstack/module.h>

#include "agent.h"
#include "agent_exec.h"

/*
 * Start `credstack agent` for r (it detaches itself) and wait until it says
 * it is ready, or gives up.  The values go through a pipe, never argv.
 */
static void spawn(const cli_request *r)
{
    int ready[2] = {-1, -1}, in[2] = {-1, -1};
    char *vals =
        r->nvalues > 0 ? cli_agent_values_encode(r->values, r->nvalues) : NULL;
    long long deadline = credstack_now_ms() + cli_agent_start_ms();
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
        cli_agent_exec(self, (char *const *)argv);
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
    for (;;) {
        struct pollfd pfd = {ready[0], POLLIN, 0};
        long long left = deadline - credstack_now_ms();
        int got;

        if (left <= 0)
            break;
        got = poll(&pfd, 1, (int)left);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        /* "ready"; or EOF: opening failed, or another agent holds the
         * lock (it runs, or is about to). */
        if (read(ready[0], buf, sizeof(buf)) >= 0 || errno != EINTR)
            break;
    }
    /* The first process exits once the agent has detached (or given up);
     * one still opening after the deadline is left to finish alone. */
    (void)waitpid(pid, NULL, WNOHANG);
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

/*
 * A trusted connection to the agent at path, starting one when none listens
 * (spawn is 0 for systemd's socket), or -1: the request then runs here at
 * once, with why saying what was wrong, if anything was.
 */
static int reach(const cli_request *r, const char *path, int may_spawn,
                 char *why, size_t whylen)
{
    int fd = cli_agent_connect(path, CLI_AGENT_ALIVE_MS, why, whylen);

    if (fd >= 0 || why[0] != '\0' || !may_spawn)
        return fd;
    spawn(r);
    /* Ready, or it could not start (another agent holds the lock: it
     * listens already or will soon; opening failed): one try, no wait. */
    return cli_agent_connect(path, CLI_AGENT_ALIVE_MS, why, whylen);
}

static json_t *request_json(const cli_request *r, const cli_agent_paths *p)
{
    cli_agent_req q;

    memset(&q, 0, sizeof(q));
    q.op = CLI_AGENT_OP_RUN;
    q.digest = p->digest;
    q.trace = r->trace;
    q.log_level = r->log_level;
    memcpy(q.items, r->items, sizeof(q.items));
    /* NULL too for an item that is not UTF-8: run here, not without it. */
    return cli_agent_req_encode(&q);
}

/*
 * The agent's answer to the request sent on fd: it accepts the request
 * (announcing its budget) or says it is stale, beats while it works, then
 * answers.  CREDSTACK_OK with *ans filled; CREDSTACK_ERR_TIMEOUT with why
 * set when it showed no sign of life in time or overran its budget;
 * anything else: it went away, declined or said something malformed.
 */
static int await_answer(int fd, cli_agent_reply *ans, char *why, size_t whylen)
{
    long long alive = credstack_now_ms() + CLI_AGENT_ALIVE_MS;
    long long deadline = 0, budget = 0;
    json_t *m = NULL;

    memset(ans, 0, sizeof(*ans));
    for (;;) {
        long long t = credstack_now_ms(), until = alive;
        int ret;

        if (deadline > 0 && deadline < until)
            until = deadline;
        if (until <= t) {
            if (deadline > 0 && deadline <= alive)
                snprintf(why, whylen,
                         "the agent did not answer within the request's "
                         "budget (%lld ms)",
                         budget);
            else
                snprintf(why, whylen,
                         "the agent showed no sign of life for %d ms "
                         "(stopped or hung)",
                         CLI_AGENT_ALIVE_MS);
            return CREDSTACK_ERR_TIMEOUT;
        }
        ret = cli_agent_recv_or_beat(fd, &m, (int)(until - t));
        if (ret == CREDSTACK_ERR_TIMEOUT)
            continue; /* said above */
        if (ret != CREDSTACK_OK)
            return ret; /* gone: EOF, reset, a broken frame */
        alive = credstack_now_ms() + CLI_AGENT_ALIVE_MS;
        if (m == NULL)
            continue; /* a beat */
        ret = cli_agent_reply_decode(m, ans);
        cli_agent_wipe_json(m);
        json_decref(m);
        m = NULL;
        if (ret == CREDSTACK_OK && ans->kind == CLI_AGENT_REPLY_ACCEPTED) {
            budget = ans->budget_ms;
            /* The budget bounds the request; the margin, its delivery. */
            deadline = budget > 0
                           ? credstack_now_ms() + budget + CLI_AGENT_ALIVE_MS
                           : 0;
            cli_agent_reply_clear(ans);
            continue;
        }
        if (ret == CREDSTACK_OK && ans->kind == CLI_AGENT_REPLY_ANSWER)
            return CREDSTACK_OK;
        /* Stale, malformed, or no answer to a request. */
        cli_agent_reply_clear(ans);
        return CREDSTACK_ERR_IO;
    }
}

int cli_agent_run(const cli_request *r, credstack_config *config,
                  cli_result *res)
{
    cli_agent_key key = {r->config, config, r->stack, r->values, r->nvalues};
    cli_agent_paths p;
    char err[1024] = "", why[1024] = "";
    json_t *req = NULL;
    cli_agent_reply ans;
    const char *fixed;
    int fd = -1, ret;

    memset(res, 0, sizeof(*res));
    memset(&ans, 0, sizeof(ans));
    ret = cli_agent_paths_for(&key, &p, err, sizeof(err));
    if (ret != CREDSTACK_OK) {
        fprintf(stderr,
                "credstack: warning: agent: %s; running the request "
                "here\n",
                err);
        return ret;
    }
    fixed = cli_agent_fixed_socket(config);
    /* systemd starts that agent on the first connection; none to spawn. */
    fd = reach(r, fixed ? fixed : p.socket, fixed == NULL, why, sizeof(why));
    if (fd < 0) {
        /* Nothing listens, or it could not be started: quietly here.
         * Something we do not trust listens: say so. */
        if (why[0] != '\0')
            fprintf(stderr,
                    "credstack: warning: agent: %s; running the request "
                    "here\n",
                    why);
        return CREDSTACK_ERR_IO;
    }
    req = request_json(r, &p);
    ret =
        req ? cli_agent_send(fd, req, CLI_AGENT_ALIVE_MS) : CREDSTACK_ERR_NOMEM;
    if (ret == CREDSTACK_ERR_TIMEOUT)
        snprintf(why, sizeof(why),
                 "the agent took no request for %d ms (stopped or hung)",
                 CLI_AGENT_ALIVE_MS);
    if (ret == CREDSTACK_OK)
        ret = await_answer(fd, &ans, why, sizeof(why));
    close(fd);
    if (ret == CREDSTACK_ERR_TIMEOUT)
        fprintf(stderr,
                "credstack: warning: agent: %s; running the request here\n",
                why);
    if (ret == CREDSTACK_OK) {
        if (ans.log != NULL)
            fputs(ans.log, stderr);
        res->rc = ans.rc;
        res->opened = 1;
        /* A success without an answer is none. */
        if (res->rc == CREDSTACK_OK && ans.password == NULL)
            res->rc = CREDSTACK_ERR_MODULE;
        if (res->rc == CREDSTACK_OK) {
            res->password = ans.password;
            ans.password = NULL;
        }
        res->error = ans.error;
        ans.error = NULL;
    }
    cli_agent_reply_clear(&ans);
    if (req != NULL)
        cli_agent_wipe_json(req);
    json_decref(req);
    return ret;
}
