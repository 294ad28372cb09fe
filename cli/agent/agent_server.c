/* SPDX-License-Identifier: MIT */
/* agent_server.c: the agent's requests: each connection of the same user in
 * a thread of its own, checked against the agent's inputs before it runs,
 * accepted with the request's budget, beaten on while it runs, answered;
 * and --status. */
#include "autoconf.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <credstack/module.h>

#include "agent_int.h"

volatile sig_atomic_t cli_agent_signal;

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;

    return (x > y) - (x < y);
}

static void record_latency(agent_t *a, long ms)
{
    pthread_mutex_lock(&a->lat_lock);
    a->lat[a->nlat++ % AGENT_LATENCIES] = ms;
    pthread_mutex_unlock(&a->lat_lock);
}

static void percentiles(agent_t *a, long *p50, long *p99)
{
    long copy[AGENT_LATENCIES];
    size_t n;

    pthread_mutex_lock(&a->lat_lock);
    n = a->nlat < AGENT_LATENCIES ? a->nlat : AGENT_LATENCIES;
    memcpy(copy, a->lat, n * sizeof(*copy));
    pthread_mutex_unlock(&a->lat_lock);
    *p50 = *p99 = -1;
    if (n == 0)
        return;
    qsort(copy, n, sizeof(*copy), cmp_long);
    *p50 = copy[(n - 1) / 2];
    *p99 = copy[(n * 99 + 99) / 100 - 1];
}

/* ---- one request ---- */

static json_t *run_request(agent_t *a, const cli_agent_req *in)
{
    json_t *out;
    credstack_request *req = NULL;
    char *log = NULL;
    size_t loglen = 0;
    FILE *logf = open_memstream(&log, &loglen);
    long long t0 = credstack_now_ms();
    int rc;

    if (logf == NULL)
        return NULL;
    if (a->open_log != NULL)
        fputs(a->open_log, logf);
    rc = credstack_request_new(a->h, &req);
    for (int i = 0; rc == CREDSTACK_OK && i < CREDSTACK_ITEM_COUNT; i++)
        if (in->items[i] != NULL)
            rc = credstack_request_set(req, (credstack_item)i, in->items[i]);
    if (rc == CREDSTACK_OK) {
        credstack_request_set_log(req, logf, in->log_level);
        /* One stream: log and trace lines keep the order they had. */
        if (in->trace)
            credstack_request_set_trace(req, logf);
        rc = credstack_run(a->h, req);
    }
    fflush(logf);
    fclose(logf);
    out = cli_agent_answer_encode(
        rc,
        rc == CREDSTACK_OK ? credstack_request_get(req, CREDSTACK_ITEM_PASSWORD)
                           : NULL,
        rc == CREDSTACK_OK
            ? NULL
            : (req ? credstack_request_error(req) : credstack_strerror(rc)),
        log ? log : "");
    credstack_request_free(req);
    if (log != NULL) {
        credstack_wipe(log, strlen(log));
        free(log);
    }
    record_latency(a, (long)(credstack_now_ms() - t0));
    atomic_fetch_add(&a->requests, 1);
    return out;
}

/* What --status lists, collected from the handle. */
typedef struct pairs {
    cli_agent_pair *p;
    size_t n, cap;
    int failed;
} pairs;

static void add_pair(pairs *ps, const char *first, const char *second)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? 2 * ps->cap : 16;
        cli_agent_pair *p = realloc(ps->p, cap * sizeof(*p));
        if (p == NULL) {
            ps->failed = 1;
            return;
        }
        ps->p = p;
        ps->cap = cap;
    }
    ps->p[ps->n].first = strdup(first);
    ps->p[ps->n].second = strdup(second);
    if (ps->p[ps->n].first == NULL || ps->p[ps->n].second == NULL) {
        free((char *)ps->p[ps->n].first);
        free((char *)ps->p[ps->n].second);
        ps->failed = 1;
        return;
    }
    ps->n++;
}

static void pairs_free(pairs *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        free((char *)ps->p[i].first);
        free((char *)ps->p[i].second);
    }
    free(ps->p);
}

static void add_status_line(const char *module, const char *line, void *user)
{
    add_pair(user, module, line);
}

static void add_input(const char *path, const char *what, void *user)
{
    add_pair(user, what, path);
}

static json_t *status_reply(agent_t *a)
{
    pairs lines = {0}, inputs = {0};
    cli_agent_status st;
    json_t *out = NULL;
    long p50, p99;

    credstack_status(a->h, add_status_line, &lines);
    credstack_inputs(a->h, add_input, &inputs);
    percentiles(a, &p50, &p99);
    memset(&st, 0, sizeof(st));
    st.pid = (long long)getpid();
    st.uptime_s = (credstack_now_ms() - a->started_ms) / 1000;
    st.requests = (long long)atomic_load(&a->requests);
    st.p50_ms = p50;
    st.p99_ms = p99;
    st.running = atomic_load(&a->workers) - 1;
    st.socket = a->paths.socket;
    st.log = a->paths.log;
    st.lines = lines.p;
    st.nlines = lines.n;
    st.inputs = inputs.p;
    st.ninputs = inputs.n;
    if (!lines.failed && !inputs.failed)
        out = cli_agent_status_encode(&st);
    pairs_free(&lines);
    pairs_free(&inputs);
    return out;
}

/*
 * Whether this request may be answered from the handle: every file it was
 * opened from is as it was (credstack_inputs_changed()), checked now, before
 * the request runs.  Once one changed, the agent answers no more requests
 * (they run in their callers, which start a fresh agent) and leaves.
 */
static int still_current(agent_t *a)
{
    char why[1200];

    if (atomic_load(&a->retiring))
        return 0;
    if (!credstack_inputs_changed(a->h, why, sizeof(why)))
        return 1;
    if (!atomic_exchange(&a->retiring, 1))
        fprintf(stderr, "credstack agent: %s: exiting\n", why);
    return 0;
}

static void conn_link(conn_t *c)
{
    agent_t *a = c->a;

    pthread_mutex_lock(&a->conns_lock);
    c->prev = NULL;
    c->next = a->conns;
    if (a->conns != NULL)
        a->conns->prev = c;
    a->conns = c;
    pthread_mutex_unlock(&a->conns_lock);
}

static void conn_unlink(conn_t *c)
{
    agent_t *a = c->a;

    pthread_mutex_lock(&a->conns_lock);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else if (a->conns == c)
        a->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    pthread_mutex_unlock(&a->conns_lock);
}

/* The answer, and no beat after it. */
void cli_agent_answer(conn_t *c, json_t *out)
{
    pthread_mutex_lock(&c->wlock);
    c->answered = 1;
    cli_agent_send(c->fd, out, AGENT_READ_MS);
    pthread_mutex_unlock(&c->wlock);
}

/* Every running request's caller hears that the agent lives, once a
 * CLI_AGENT_BEAT_MS; never waiting on a caller that does not read. */
void cli_agent_beat(agent_t *a)
{
    long long t = credstack_now_ms();

    if (t - a->last_beat_ms < CLI_AGENT_BEAT_MS)
        return;
    a->last_beat_ms = t;
    pthread_mutex_lock(&a->conns_lock);
    for (conn_t *c = a->conns; c != NULL; c = c->next) {
        if (pthread_mutex_trylock(&c->wlock) != 0)
            continue; /* its answer is being sent */
        if (!c->answered)
            cli_agent_send_beat(c->fd);
        pthread_mutex_unlock(&c->wlock);
    }
    pthread_mutex_unlock(&a->conns_lock);
}

static void *serve(void *arg)
{
    conn_t *c = arg;
    agent_t *a = c->a;
    json_t *in = NULL, *out = NULL;
    cli_agent_req req;

    if (cli_agent_recv(c->fd, &in, AGENT_READ_MS) != CREDSTACK_OK)
        goto done;
    if (cli_agent_req_decode(in, &req) != CREDSTACK_OK) {
        /* A run this agent cannot read: the caller runs it itself.
         * Anything else gets no answer. */
        if (req.op == CLI_AGENT_OP_RUN)
            out = cli_agent_stale_encode();
    } else if (req.op == CLI_AGENT_OP_RUN) {
        /* A caller of another configuration, or inputs that changed: the
         * caller runs it, never from what this handle read. */
        if (strcmp(req.digest, a->paths.digest) != 0 || !still_current(a)) {
            out = cli_agent_stale_encode();
        } else {
            json_t *acc = cli_agent_accepted_encode(
                (long long)credstack_request_budget_ms(a->h));
            /* Sent before the beats start: frames never interleave. */
            if (acc != NULL)
                cli_agent_send(c->fd, acc, AGENT_READ_MS);
            json_decref(acc);
            conn_link(c);
            out = run_request(a, &req);
        }
    } else if (req.op == CLI_AGENT_OP_STATUS) {
        out = status_reply(a);
    } else if (req.op == CLI_AGENT_OP_STOP) {
        atomic_store(&a->stopping, 1);
        out = cli_agent_stopping_encode();
    }
    if (out != NULL)
        cli_agent_answer(c, out);
done:
    conn_unlink(c);
    if (in != NULL)
        cli_agent_wipe_json(in);
    if (out != NULL)
        cli_agent_wipe_json(out);
    json_decref(in);
    json_decref(out);
    close(c->fd);
    pthread_mutex_destroy(&c->wlock);
    free(c);
    atomic_store(&a->last_ms, credstack_now_ms());
    atomic_fetch_sub(&a->workers, 1);
    return NULL;
}

/* Only the agent's own user is served. */
static int peer_ok(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);

    return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
           cred.uid == geteuid();
}

static void accept_one(agent_t *a)
{
    pthread_attr_t attr;
    pthread_t t;
    conn_t *c;
    int fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (fd < 0)
        return;
    if (!peer_ok(fd)) {
        fprintf(stderr, "credstack agent: refused a connection from "
                        "another user\n");
        close(fd);
        return;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        close(fd);
        return;
    }
    c->a = a;
    c->fd = fd;
    pthread_mutex_init(&c->wlock, NULL);
    atomic_fetch_add(&a->workers, 1);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, serve, c) != 0) {
        atomic_fetch_sub(&a->workers, 1);
        close(fd);
        pthread_mutex_destroy(&c->wlock);
        free(c);
    }
    pthread_attr_destroy(&attr);
}

void cli_agent_serve(agent_t *a)
{
    long long last_check = credstack_now_ms();

    atomic_store(&a->last_ms, credstack_now_ms());
    while (!cli_agent_signal && !atomic_load(&a->stopping) &&
           !atomic_load(&a->retiring)) {
        struct pollfd pfd = {a->listen_fd, POLLIN, 0};
        long long t = credstack_now_ms();

        cli_agent_beat(a);
        if (atomic_load(&a->workers) >= AGENT_MAX_WORKERS) {
            struct timespec ts = {0, 5 * 1000000};
            nanosleep(&ts, NULL);
            continue;
        }
        if (poll(&pfd, 1, CLI_AGENT_BEAT_MS / 2) > 0)
            accept_one(a);
        /* Requests check before they run; this only makes an agent whose
         * files changed leave without waiting for a request. */
        if (t - last_check >= 1000) {
            last_check = t;
            still_current(a);
        }
        if (atomic_load(&a->workers) == 0 &&
            t - atomic_load(&a->last_ms) >= a->idle_s * 1000) {
            fprintf(stderr, "credstack agent: idle for %ld s: exiting\n",
                    a->idle_s);
            break;
        }
    }
}
