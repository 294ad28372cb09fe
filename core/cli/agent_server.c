/* SPDX-License-Identifier: MIT */
/* agent_server.c: `credstack agent`: one long-lived process per configuration
 * that keeps a handle open (and, through the modules, warm backend sessions)
 * and runs requests from the same user on a UNIX socket, one thread each.
 *
 * Long file: the command's options, its socket, its
 * request loop and its status belong together, and splitting them would
 * spread one small state machine over several files. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <credstack/module.h>

#include "agent.h"

/* At most this many requests run at once; more wait to be accepted. */
#define AGENT_MAX_WORKERS 128
/* A client sends its request at once: this bounds a stuck one. */
#define AGENT_READ_MS 10000
/* Latencies kept for --status percentiles. */
#define AGENT_LATENCIES 1024

static void usage(FILE *out)
{
    fputs(
        "Usage: credstack agent --config FILE [--stack FILE] [--foreground]\n"
        "                       [--idle SECONDS] [--values-stdin]\n"
        "       credstack agent --config FILE [--stack FILE] --status|--stop\n"
        "\n"
        "Keep the stack of one configuration open, with its backend sessions\n"
        "warm, and answer get-password and hook requests of the same user on\n"
        "a private UNIX socket.  With [credstack] agent = auto the commands\n"
        "start an agent themselves and fall back to running a request in\n"
        "their own process when none can be reached; answers, exit codes and\n"
        "log lines are the same either way.  The agent exits after\n"
        "[credstack] agent_idle seconds (default 600) without a request, and\n"
        "as soon as its configuration, stack or credential store changes.\n"
        "\n"
        "  -c, --config FILE   the configuration\n"
        "  -s, --stack FILE    a stack file (as get-password --stack)\n"
        "  -f, --foreground    stay in the foreground, log to stderr\n"
        "  -i, --idle SECONDS  override agent_idle\n"
        "      --values-stdin  read caller-resolved values (the hook's\n"
        "                      credstack_values object) from standard input\n"
        "      --systemd       take the listening socket from systemd\n"
        "                      (credstack-agent.socket); clients find it in\n"
        "                      [credstack] agent_socket\n"
        "      --status        show the running agent's sessions, cache,\n"
        "                      requests and latency (p50/p99)\n"
        "      --stop          ask the running agent to exit\n"
        "  -h, --help          show this help\n"
        "  -V, --version       show the version\n"
        "\n"
        "Files: a private directory ($CREDSTACK_AGENT_DIR, /run/credstack for\n"
        "root, $XDG_RUNTIME_DIR/credstack, else /tmp/credstack-UID), 0700,\n"
        "holds agent-DIGEST.sock (0600), .lock and .log.  Only the same user\n"
        "is served (SO_PEERCRED).  See credstack(1).\n",
        out);
}

/* One caller's connection while its request runs: the loop beats on it
 * until the answer is sent (wlock keeps beats out of the answer). */
typedef struct conn {
    struct agent *a;
    int fd;
    pthread_mutex_t wlock;
    int answered; /* under wlock */
    struct conn *prev, *next;
} conn_t;

typedef struct agent {
    credstack_handle *h;
    cli_agent_paths paths;
    cli_agent_key key;
    char *open_log; /* what opening logged, replayed to every caller */
    int listen_fd;
    long idle_s;
    atomic_int workers;
    atomic_llong last_ms;
    atomic_ulong requests;
    atomic_int stopping;
    atomic_int retiring; /* an input changed: stale to every caller */
    pthread_mutex_t conns_lock;
    conn_t *conns; /* requests running, for the beats */
    long long last_beat_ms;
    pthread_mutex_t lat_lock;
    long lat[AGENT_LATENCIES];
    size_t nlat;
    long long started_ms;
    int systemd; /* the socket is systemd's: taken, never unlinked */
    int lock_fd; /* the lock: one agent serves a digest's socket */
} agent_t;

static volatile sig_atomic_t agent_signal;

static void on_signal(int sig)
{
    agent_signal = sig;
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

static json_t *run_request(agent_t *a, json_t *in)
{
    json_t *items = json_object_get(in, "items");
    json_t *out = json_object();
    credstack_request *req = NULL;
    char *log = NULL;
    size_t loglen = 0;
    FILE *logf = open_memstream(&log, &loglen);
    long long t0 = now_ms();
    int rc;

    if (out == NULL || logf == NULL) {
        if (logf)
            fclose(logf);
        free(log);
        json_decref(out);
        return NULL;
    }
    if (a->open_log != NULL)
        fputs(a->open_log, logf);
    rc = credstack_request_new(a->h, &req);
    for (int i = 0; rc == CREDSTACK_OK && i < CREDSTACK_ITEM_COUNT; i++) {
        json_t *v = json_object_get(items, credstack_item_name(i));
        if (json_is_string(v))
            rc = credstack_request_set(req, (credstack_item)i,
                                       json_string_value(v));
    }
    if (rc == CREDSTACK_OK) {
        json_t *lv = json_object_get(in, "log_level");
        credstack_request_set_log(
            req, logf, json_is_integer(lv) ? (int)json_integer_value(lv) : 0);
        /* One stream: log and trace lines keep the order they had. */
        if (json_is_true(json_object_get(in, "trace")))
            credstack_request_set_trace(req, logf);
        rc = credstack_run(a->h, req);
    }
    fflush(logf);
    json_object_set_new(out, "rc", json_integer(rc));
    if (rc == CREDSTACK_OK)
        json_object_set_new(
            out, "password",
            json_string(credstack_request_get(req, CREDSTACK_ITEM_PASSWORD)));
    else
        json_object_set_new(out, "error",
                            json_string(req ? credstack_request_error(req)
                                            : credstack_strerror(rc)));
    credstack_request_free(req);
    fclose(logf);
    json_object_set_new(out, "log", json_string(log ? log : ""));
    free(log);
    record_latency(a, (long)(now_ms() - t0));
    atomic_fetch_add(&a->requests, 1);
    return out;
}

static void add_status_line(const char *module, const char *line, void *user)
{
    json_t *lines = user;
    json_t *l = json_pack("[ss]", module, line);

    if (l != NULL)
        json_array_append_new(lines, l);
}

static void add_input(const char *path, const char *what, void *user)
{
    json_t *l = json_pack("[ss]", what, path);

    if (l != NULL)
        json_array_append_new(user, l);
}

static json_t *status_reply(agent_t *a)
{
    json_t *lines = json_array(), *inputs = json_array();
    long p50, p99;

    credstack_status(a->h, add_status_line, lines);
    credstack_inputs(a->h, add_input, inputs);
    percentiles(a, &p50, &p99);
    return json_pack(
        "{s:i,s:I,s:I,s:I,s:I,s:i,s:s,s:s,s:o,s:o}", "pid", (int)getpid(),
        "uptime_s", (json_int_t)((now_ms() - a->started_ms) / 1000), "requests",
        (json_int_t)atomic_load(&a->requests), "p50_ms", (json_int_t)p50,
        "p99_ms", (json_int_t)p99, "running", atomic_load(&a->workers) - 1,
        "socket", a->paths.socket, "log", a->paths.log, "lines", lines,
        "inputs", inputs);
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
static void answer(conn_t *c, json_t *out)
{
    pthread_mutex_lock(&c->wlock);
    c->answered = 1;
    cli_agent_send(c->fd, out, AGENT_READ_MS);
    pthread_mutex_unlock(&c->wlock);
}

/* Every running request's caller hears that the agent lives, once a
 * CLI_AGENT_BEAT_MS; never waiting on a caller that does not read. */
static void beat(agent_t *a)
{
    long long t = now_ms();

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
    const char *op;

    if (cli_agent_recv(c->fd, &in, AGENT_READ_MS) != CREDSTACK_OK)
        goto done;
    op = json_string_value(json_object_get(in, "op"));
    if (op != NULL && strcmp(op, "run") == 0) {
        const char *d = json_string_value(json_object_get(in, "digest"));
        /* A caller of another configuration, or inputs that changed: the
         * caller runs it, never from what this handle read. */
        if (d == NULL || strcmp(d, a->paths.digest) != 0 || !still_current(a)) {
            out = json_pack("{s:b}", "stale", 1);
        } else {
            json_t *acc =
                json_pack("{s:b,s:I}", "accepted", 1, "budget_ms",
                          (json_int_t)credstack_request_budget_ms(a->h));
            /* Sent before the beats start: frames never interleave. */
            if (acc != NULL)
                cli_agent_send(c->fd, acc, AGENT_READ_MS);
            json_decref(acc);
            conn_link(c);
            out = run_request(a, in);
        }
    } else if (op != NULL && strcmp(op, "status") == 0) {
        out = status_reply(a);
    } else if (op != NULL && strcmp(op, "stop") == 0) {
        atomic_store(&a->stopping, 1);
        out = json_pack("{s:b}", "stopping", 1);
    }
    if (out != NULL)
        answer(c, out);
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
    atomic_store(&a->last_ms, now_ms());
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

static void serve_loop(agent_t *a)
{
    long long last_check = now_ms();

    atomic_store(&a->last_ms, now_ms());
    while (!agent_signal && !atomic_load(&a->stopping) &&
           !atomic_load(&a->retiring)) {
        struct pollfd pfd = {a->listen_fd, POLLIN, 0};
        long long t = now_ms();

        beat(a);
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

/* ---- start and stop ---- */

static int bind_socket(agent_t *a, char *err, size_t errlen)
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
static int systemd_socket(agent_t *a, char *err, size_t errlen)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
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

/*
 * The lock says one agent serves a digest's socket.  It is taken on the file
 * the path names at that moment: a holder unlinks the path before it lets
 * go, so a process that locked the old file finds the path gone or another
 * file there, and tries again.  Never two holders for one path.
 */
static int take_lock(agent_t *a)
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
static void release_lock(agent_t *a)
{
    if (a->lock_fd < 0)
        return;
    unlink(a->paths.lock);
    close(a->lock_fd);
    a->lock_fd = -1;
}

/*
 * Leave without costing any caller a wait: no new caller can reach this
 * agent (its socket is gone) and a new agent may start at once (the lock is
 * released); callers that connected before are told "stale" and run their
 * requests themselves; the requests already running finish.
 */
static void stop_serving(agent_t *a)
{
    if (!a->systemd) {
        unlink(a->paths.socket);
        release_lock(a);
        /* What is queued, and no wait for more. */
        fcntl(a->listen_fd, F_SETFL, fcntl(a->listen_fd, F_GETFL) | O_NONBLOCK);
        for (;;) {
            conn_t c;
            json_t *in = NULL, *stale = json_pack("{s:b}", "stale", 1);
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
                answer(&c, stale);
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

/* Detach: a new session, stdio on /dev/null, stderr to the agent's log. */
static int daemonize(agent_t *a, int ready_fd)
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

/* Read caller values ({"section": {"option": "value"}}) from stdin. */
static int read_values(json_t **all, credstack_value **vals, size_t *n)
{
    char *text = NULL;
    size_t len = 0, count = 0;
    const char *section, *option;
    json_t *opts, *v;
    json_error_t jerr;

    *all = NULL;
    *vals = NULL;
    *n = 0;
    if (cli_read_all(stdin, CLI_AGENT_MSG_MAX, &text, &len) != CREDSTACK_OK)
        return CREDSTACK_ERR_IO;
    *all = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    cli_free_secret(text, len);
    if (!json_is_object(*all))
        return CREDSTACK_ERR_INVALID;
    json_object_foreach(*all, section, opts)
    {
        if (!json_is_object(opts))
            return CREDSTACK_ERR_INVALID;
        count += json_object_size(opts);
    }
    if (count == 0)
        return CREDSTACK_OK;
    if ((*vals = calloc(count, sizeof(**vals))) == NULL)
        return CREDSTACK_ERR_NOMEM;
    json_object_foreach(*all, section, opts)
    {
        json_object_foreach(opts, option, v)
        {
            if (!json_is_string(v))
                return CREDSTACK_ERR_INVALID;
            (*vals)[*n].section = section;
            (*vals)[*n].option = option;
            (*vals)[(*n)++].value = json_string_value(v);
        }
    }
    return CREDSTACK_OK;
}

/* --status and --stop: ask the running agent. */
static int ask(const cli_agent_paths *p, const char *op)
{
    json_t *in = NULL, *req = json_pack("{s:s}", "op", op);
    char why[1024];
    int fd = cli_agent_connect(p->socket, CLI_AGENT_ALIVE_MS, why, sizeof(why));
    int ret;
    size_t i;
    json_t *l;

    if (fd < 0 && why[0] != '\0')
        fprintf(stderr, "credstack agent: %s\n", why);
    if (fd < 0 || cli_agent_send(fd, req, 10000) != CREDSTACK_OK ||
        cli_agent_recv(fd, &in, 10000) != CREDSTACK_OK) {
        printf("no agent runs for this configuration (%s)\n", p->socket);
        ret = CLI_EXIT_DENIED;
        goto done;
    }
    if (strcmp(op, "stop") == 0) {
        printf("agent asked to stop\n");
        ret = CLI_EXIT_OK;
        goto done;
    }
    printf("agent pid %d, up %lld s, socket %s\n",
           (int)json_integer_value(json_object_get(in, "pid")),
           (long long)json_integer_value(json_object_get(in, "uptime_s")),
           json_string_value(json_object_get(in, "socket")));
    printf("requests: %lld answered, %d running; latency p50 %lld ms, p99 "
           "%lld ms\n",
           (long long)json_integer_value(json_object_get(in, "requests")),
           (int)json_integer_value(json_object_get(in, "running")),
           (long long)json_integer_value(json_object_get(in, "p50_ms")),
           (long long)json_integer_value(json_object_get(in, "p99_ms")));
    json_array_foreach(json_object_get(in, "lines"), i, l)
    {
        printf("%s: %s\n", json_string_value(json_array_get(l, 0)),
               json_string_value(json_array_get(l, 1)));
    }
    json_array_foreach(json_object_get(in, "inputs"), i, l)
    {
        printf("input: %s %s\n", json_string_value(json_array_get(l, 0)),
               json_string_value(json_array_get(l, 1)));
    }
    printf("log: %s\n", json_string_value(json_object_get(in, "log")));
    ret = CLI_EXIT_OK;
done:
    if (fd >= 0)
        close(fd);
    json_decref(req);
    json_decref(in);
    return ret;
}

static long idle_seconds(const char *config, const char *override)
{
    char *v = NULL, *end = NULL;
    long n = 600;

    if (override != NULL) {
        n = strtol(override, &end, 10);
        return end != override && *end == '\0' && n > 0 ? n : -1;
    }
    if (credstack_config_value(config, "credstack", "agent_idle", &v) ==
        CREDSTACK_OK) {
        n = strtol(v, &end, 10);
        if (end == v || *end != '\0' || n <= 0)
            n = 600; /* open() reports the bad value */
    }
    free(v);
    return n;
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
static void lock_memory(void)
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

/* The log file, unless a newer agent of this digest has made its own. */
static void remove_own_log(const agent_t *a, int foreground)
{
    struct stat mine, named;

    if (!foreground && fstat(STDERR_FILENO, &mine) == 0 &&
        stat(a->paths.log, &named) == 0 && mine.st_dev == named.st_dev &&
        mine.st_ino == named.st_ino)
        unlink(a->paths.log);
}

static int run_agent(agent_t *a, int foreground, int ready_fd)
{
    struct credstack_open_args args;
    char err[1024] = "";
    char *open_log = NULL;
    size_t open_len = 0;
    FILE *logf;
    int ret;

    if (take_lock(a) != CREDSTACK_OK) {
        fprintf(stderr,
                "credstack agent: an agent for this configuration "
                "runs already (%s)\n",
                a->paths.socket);
        return CLI_EXIT_OK;
    }
    logf = open_memstream(&open_log, &open_len);
    memset(&args, 0, sizeof(args));
    args.size = sizeof(args);
    args.config_path = a->key.config;
    args.stack_path = a->key.stack;
    args.flags = CREDSTACK_OPEN_LOG_STDERR;
    args.caller_values = a->key.values;
    args.ncaller_values = a->key.nvalues;
    args.log = logf;
    ret = credstack_open_with(&a->h, &args);
    if (logf != NULL)
        fclose(logf);
    a->open_log = open_log;
    if (ret != CREDSTACK_OK) {
        /* The caller runs the request itself and reports the problems. */
        cli_print_problems("agent", ret, credstack_error(a->h));
        ret = CLI_EXIT_CONFIG;
        goto done;
    }
    if (a->systemd ? systemd_socket(a, err, sizeof(err)) != CREDSTACK_OK
                   : bind_socket(a, err, sizeof(err)) != CREDSTACK_OK) {
        fprintf(stderr, "credstack agent: %s\n", err);
        ret = CLI_EXIT_CONFIG;
        goto done;
    }
    if (!foreground && daemonize(a, ready_fd) != CREDSTACK_OK) {
        ret = CLI_EXIT_CONFIG;
        goto done;
    }
    lock_memory();
    if (ready_fd >= 0) {
        (void)!write(ready_fd, "ready\n", 6);
        close(ready_fd);
    }
    fprintf(stderr, "credstack agent: pid %d serving %s (idle %ld s)\n",
            (int)getpid(), a->paths.socket, a->idle_s);
    a->started_ms = now_ms();
    serve_loop(a);
    /* Out of the way at once; the requests running finish, with beats. */
    stop_serving(a);
    for (int i = 0; i < 1200 && atomic_load(&a->workers) > 0; i++) {
        struct timespec ts = {0, 25 * 1000000};
        beat(a);
        nanosleep(&ts, NULL);
    }
    ret = CLI_EXIT_OK;
done:
    /* Closing the handle wipes every secret it holds. */
    if (atomic_load(&a->workers) == 0)
        credstack_close(a->h);
    if (a->open_log != NULL) {
        credstack_wipe(a->open_log, strlen(a->open_log));
        free(a->open_log);
    }
    release_lock(a);
    remove_own_log(a, foreground);
    return ret;
}

int cli_agent(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"stack", required_argument, NULL, 's'},
        {"foreground", no_argument, NULL, 'f'},
        {"idle", required_argument, NULL, 'i'},
        {"values-stdin", no_argument, NULL, 'v'},
        {"ready-fd", required_argument, NULL, 'r'},
        {"systemd", no_argument, NULL, 'D'},
        {"status", no_argument, NULL, 'S'},
        {"stop", no_argument, NULL, 'X'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    agent_t a;
    const char *idle = NULL, *what = NULL;
    int c, foreground = 0, want_values = 0, ready_fd = -1, systemd = 0, ret;
    json_t *values_json = NULL;
    credstack_value *values = NULL;
    size_t nvalues = 0;
    char err[1024] = "";
    char *config_abs = NULL, *stack_abs = NULL;
    struct sigaction sa;

    memset(&a, 0, sizeof(a));
    a.listen_fd = -1;
    a.lock_fd = -1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:fi:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            a.key.config = optarg;
            break;
        case 's':
            a.key.stack = optarg;
            break;
        case 'f':
            foreground = 1;
            break;
        case 'i':
            idle = optarg;
            break;
        case 'v':
            want_values = 1;
            break;
        case 'r':
            ready_fd = atoi(optarg);
            break;
        case 'D':
            systemd = 1;
            foreground = 1;
            break;
        case 'S':
            what = "status";
            break;
        case 'X':
            what = "stop";
            break;
        default:
            return cli_usual_option(c, usage);
        }
    }
    if (a.key.config == NULL || optind != argc) {
        fprintf(stderr, "credstack agent: %s\n",
                a.key.config == NULL ? "--config FILE is required"
                                     : "unexpected argument");
        usage(stderr);
        return CLI_EXIT_CONFIG;
    }
    /* The agent leaves the working directory: the paths as the commands
     * name them (cli_absolute_path(): links kept, so that relative paths
     * in the configuration follow the directory it was reached through). */
    config_abs = cli_absolute_path(a.key.config);
    stack_abs = a.key.stack ? cli_absolute_path(a.key.stack) : NULL;
    if (config_abs == NULL || (a.key.stack != NULL && stack_abs == NULL)) {
        fprintf(stderr, "credstack agent: cannot name %s from here: %s\n",
                config_abs == NULL ? a.key.config : a.key.stack,
                strerror(errno));
        free(config_abs);
        free(stack_abs);
        return CLI_EXIT_CONFIG;
    }
    a.key.config = config_abs;
    a.key.stack = stack_abs;
    if (want_values &&
        read_values(&values_json, &values, &nvalues) != CREDSTACK_OK) {
        fprintf(stderr, "credstack agent: --values-stdin: expected "
                        "{\"SECTION\": {\"OPTION\": \"VALUE\"}}\n");
        ret = CLI_EXIT_CONFIG;
        goto done;
    }
    a.key.values = values;
    a.key.nvalues = nvalues;
    if (cli_agent_paths_for(&a.key, &a.paths, err, sizeof(err)) !=
        CREDSTACK_OK) {
        fprintf(stderr, "credstack agent: %s\n", err);
        ret = CLI_EXIT_CONFIG;
        goto done;
    }
    if (what != NULL) {
        ret = ask(&a.paths, what);
        goto done;
    }
    a.idle_s = idle_seconds(a.key.config, idle);
    if (a.idle_s <= 0) {
        fprintf(stderr,
                "credstack agent: --idle %s: not a number of "
                "seconds\n",
                idle);
        ret = CLI_EXIT_CONFIG;
        goto done;
    }
    pthread_mutex_init(&a.lat_lock, NULL);
    pthread_mutex_init(&a.conns_lock, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    a.systemd = systemd;
    ret = run_agent(&a, foreground, ready_fd);
    pthread_mutex_destroy(&a.conns_lock);
    pthread_mutex_destroy(&a.lat_lock);
done:
    if (values_json != NULL)
        cli_agent_wipe_json(values_json);
    json_decref(values_json);
    free(values);
    free(config_abs);
    free(stack_abs);
    return ret;
}
