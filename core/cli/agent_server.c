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
    pthread_mutex_t lat_lock;
    long lat[AGENT_LATENCIES];
    size_t nlat;
    long long started_ms;
    int systemd; /* the socket is systemd's: taken, never unlinked */
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

static json_t *status_reply(agent_t *a)
{
    json_t *lines = json_array();
    long p50, p99;

    credstack_status(a->h, add_status_line, lines);
    percentiles(a, &p50, &p99);
    return json_pack(
        "{s:i,s:I,s:I,s:I,s:I,s:i,s:s,s:s,s:o}", "pid", (int)getpid(),
        "uptime_s", (json_int_t)((now_ms() - a->started_ms) / 1000), "requests",
        (json_int_t)atomic_load(&a->requests), "p50_ms", (json_int_t)p50,
        "p99_ms", (json_int_t)p99, "running", atomic_load(&a->workers) - 1,
        "socket", a->paths.socket, "log", a->paths.log, "lines", lines);
}

typedef struct conn {
    agent_t *a;
    int fd;
} conn_t;

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
        /* A caller of another configuration: never its answer from ours. */
        if (d == NULL || strcmp(d, a->paths.digest) != 0)
            out = json_pack("{s:b}", "stale", 1);
        else
            out = run_request(a, in);
    } else if (op != NULL && strcmp(op, "status") == 0) {
        out = status_reply(a);
    } else if (op != NULL && strcmp(op, "stop") == 0) {
        atomic_store(&a->stopping, 1);
        out = json_pack("{s:b}", "stopping", 1);
    }
    if (out != NULL)
        cli_agent_send(c->fd, out);
done:
    if (in != NULL)
        cli_agent_wipe_json(in);
    if (out != NULL)
        cli_agent_wipe_json(out);
    json_decref(in);
    json_decref(out);
    close(c->fd);
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
    int fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);

    if (fd < 0)
        return;
    if (!peer_ok(fd)) {
        fprintf(stderr, "credstack agent: refused a connection from "
                        "another user\n");
        close(fd);
        return;
    }
    c = malloc(sizeof(*c));
    if (c == NULL) {
        close(fd);
        return;
    }
    c->a = a;
    c->fd = fd;
    atomic_fetch_add(&a->workers, 1);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, serve, c) != 0) {
        atomic_fetch_sub(&a->workers, 1);
        close(fd);
        free(c);
    }
    pthread_attr_destroy(&attr);
}

/* Whether the files the digest covers still give the digest we run for. */
static int inputs_unchanged(agent_t *a)
{
    cli_agent_paths now;
    char err[1024] = "";

    return cli_agent_paths_for(&a->key, &now, err, sizeof(err)) ==
               CREDSTACK_OK &&
           strcmp(now.digest, a->paths.digest) == 0;
}

static void serve_loop(agent_t *a)
{
    long long last_check = now_ms();

    atomic_store(&a->last_ms, now_ms());
    while (!agent_signal && !atomic_load(&a->stopping)) {
        struct pollfd pfd = {a->listen_fd, POLLIN, 0};
        long long t = now_ms();

        if (atomic_load(&a->workers) >= AGENT_MAX_WORKERS) {
            struct timespec ts = {0, 5 * 1000000};
            nanosleep(&ts, NULL);
            continue;
        }
        if (poll(&pfd, 1, 500) > 0)
            accept_one(a);
        if (t - last_check >= 1000) {
            last_check = t;
            if (!inputs_unchanged(a)) {
                fprintf(stderr, "credstack agent: the configuration, stack "
                                "or store changed: exiting\n");
                break;
            }
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
        chmod(a->paths.socket, 0600) != 0 || listen(fd, 64) != 0) {
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

/* The lock says one agent per digest; held for the agent's life. */
static int take_lock(agent_t *a, int *fd_out)
{
    int fd =
        open(a->paths.lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

    if (fd < 0)
        return CREDSTACK_ERR_IO;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return CREDSTACK_ERR_DENIED; /* another agent runs */
    }
    *fd_out = fd;
    return CREDSTACK_OK;
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
    struct sockaddr_un sa;
    json_t *in = NULL, *req = json_pack("{s:s}", "op", op);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), ret;
    size_t i;
    json_t *l;

    if (fd < 0 || cli_agent_sockaddr(&sa, p->socket) != 0 ||
        connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        cli_agent_send(fd, req) != CREDSTACK_OK ||
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

static int run_agent(agent_t *a, int foreground, int ready_fd)
{
    struct credstack_open_args args;
    char err[1024] = "";
    char *open_log = NULL;
    size_t open_len = 0;
    FILE *logf;
    int lock_fd = -1, ret;

    if (take_lock(a, &lock_fd) != CREDSTACK_OK) {
        fprintf(stderr,
                "credstack agent: an agent for this configuration "
                "runs already (%s)\n",
                a->paths.socket);
        return CLI_EXIT_OK;
    }
    /* Secrets stay in memory that is never swapped, where the system
     * allows it. */
    if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
        fprintf(stderr,
                "credstack agent: warning: cannot lock memory (%s); secrets "
                "may reach swap\n",
                strerror(errno));
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
    if (ready_fd >= 0) {
        (void)!write(ready_fd, "ready\n", 6);
        close(ready_fd);
    }
    fprintf(stderr, "credstack agent: pid %d serving %s (idle %ld s)\n",
            (int)getpid(), a->paths.socket, a->idle_s);
    a->started_ms = now_ms();
    serve_loop(a);
    /* Stop taking requests; let the running ones finish. */
    close(a->listen_fd);
    a->listen_fd = -1;
    if (!a->systemd)
        unlink(a->paths.socket);
    for (int i = 0; i < 600 && atomic_load(&a->workers) > 0; i++) {
        struct timespec ts = {0, 50 * 1000000};
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
    if (lock_fd >= 0) {
        /* Nothing of this agent is left behind; the lock goes last. */
        unlink(a->paths.log);
        unlink(a->paths.lock);
        close(lock_fd);
    }
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
    char config_real[PATH_MAX], stack_real[PATH_MAX];
    struct sigaction sa;

    memset(&a, 0, sizeof(a));
    a.listen_fd = -1;
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
    /* The agent leaves the working directory: keep the files' real paths. */
    if (realpath(a.key.config, config_real) == NULL ||
        (a.key.stack != NULL && realpath(a.key.stack, stack_real) == NULL)) {
        fprintf(stderr, "credstack agent: %s: %s\n",
                realpath(a.key.config, config_real) ? a.key.stack
                                                    : a.key.config,
                strerror(errno));
        return CLI_EXIT_CONFIG;
    }
    a.key.config = config_real;
    if (a.key.stack != NULL)
        a.key.stack = stack_real;
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
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    a.systemd = systemd;
    ret = run_agent(&a, foreground, ready_fd);
    pthread_mutex_destroy(&a.lat_lock);
done:
    if (values_json != NULL)
        cli_agent_wipe_json(values_json);
    json_decref(values_json);
    free(values);
    return ret;
}
