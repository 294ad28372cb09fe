/* SPDX-License-Identifier: MIT */
/* agent_cmd.c: `credstack agent`: one long-lived process per configuration
 * that keeps a handle open (and, through the modules, warm backend sessions)
 * and runs requests from the same user on a UNIX socket (agent_server.c);
 * its options, --status and --stop, and its life from start to exit. */
#include "autoconf.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <credstack/module.h>

#include "agent_int.h"

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
        "log lines are the same either way.  Before each request the agent\n"
        "checks every file it read or loaded (configuration, stacks, modules,\n"
        "libraries, credential store); when one changed, the caller runs the\n"
        "request and the agent exits.  It also exits after [credstack]\n"
        "agent_idle seconds (default 600) without a request.\n"
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
        "                      requests, latency (p50/p99) and the files it\n"
        "                      checks\n"
        "      --stop          ask the running agent to exit\n"
        "  -h, --help          show this help\n"
        "  -V, --version       show the version\n"
        "\n"
        "Files: a private directory ($CREDSTACK_AGENT_DIR, /run/credstack for\n"
        "root, $XDG_RUNTIME_DIR/credstack, else /tmp/credstack-UID), 0700,\n"
        "holds agent-DIGEST.sock (0600), .lock and .log.  Only the same user\n"
        "is served, and callers trust only an agent of their user or root\n"
        "(SO_PEERCRED) whose socket directory nobody else may write to.\n"
        "See credstack(1).\n",
        out);
}

static void on_signal(int sig)
{
    cli_agent_signal = sig;
}

/* Read caller values ({"section": {"option": "value"}}) from stdin. */
static int read_values(json_t **all, credstack_value **vals, size_t *n)
{
    char *text = NULL;
    size_t len = 0;
    int ret;

    *all = NULL;
    *vals = NULL;
    *n = 0;
    if (cli_read_all(stdin, CLI_AGENT_MSG_MAX, &text, &len) != CREDSTACK_OK)
        return CREDSTACK_ERR_IO;
    ret = cli_agent_values_decode(text, len, all, vals, n);
    cli_free_secret(text, len);
    return ret;
}

/* --status and --stop: ask the running agent. */
static int ask(const cli_agent_paths *p, cli_agent_op op)
{
    cli_agent_req q = {.op = op};
    json_t *in = NULL, *req = cli_agent_req_encode(&q);
    cli_agent_reply rep;
    const cli_agent_status *st = &rep.status;
    char why[1024];
    int fd = cli_agent_connect(p->socket, CLI_AGENT_ALIVE_MS, why, sizeof(why));
    int ret;

    memset(&rep, 0, sizeof(rep));
    if (fd < 0 && why[0] != '\0')
        fprintf(stderr, "credstack agent: %s\n", why);
    if (fd < 0 || req == NULL ||
        cli_agent_send(fd, req, 10000) != CREDSTACK_OK ||
        cli_agent_recv(fd, &in, 10000) != CREDSTACK_OK) {
        printf("no agent runs for this configuration (%s)\n", p->socket);
        ret = CLI_EXIT_DENIED;
        goto done;
    }
    if (cli_agent_reply_decode(in, &rep) != CREDSTACK_OK ||
        rep.kind != (op == CLI_AGENT_OP_STOP ? CLI_AGENT_REPLY_STOPPING
                                             : CLI_AGENT_REPLY_STATUS)) {
        fprintf(stderr,
                "credstack agent: the agent at %s gave a malformed "
                "reply\n",
                p->socket);
        ret = CLI_EXIT_BACKEND;
        goto done;
    }
    if (op == CLI_AGENT_OP_STOP) {
        printf("agent asked to stop\n");
        ret = CLI_EXIT_OK;
        goto done;
    }
    printf("agent pid %lld, up %lld s, socket %s\n", st->pid, st->uptime_s,
           st->socket);
    printf("requests: %lld answered, %lld running; latency p50 %lld ms, p99 "
           "%lld ms\n",
           st->requests, st->running, st->p50_ms, st->p99_ms);
    for (size_t i = 0; i < st->nlines; i++)
        printf("%s: %s\n", st->lines[i].first, st->lines[i].second);
    for (size_t i = 0; i < st->ninputs; i++)
        printf("input: %s %s\n", st->inputs[i].first, st->inputs[i].second);
    printf("log: %s\n", st->log);
    ret = CLI_EXIT_OK;
done:
    if (fd >= 0)
        close(fd);
    cli_agent_reply_clear(&rep);
    json_decref(req);
    json_decref(in);
    return ret;
}

static long idle_seconds(credstack_config *config, const char *override)
{
    const char *v = NULL;
    char *end = NULL;
    long n = 600;

    if (override != NULL) {
        n = strtol(override, &end, 10);
        return end != override && *end == '\0' && n > 0 ? n : -1;
    }
    if (credstack_config_get(config, "credstack", "agent_idle", &v) ==
        CREDSTACK_OK) {
        n = strtol(v, &end, 10);
        if (end == v || *end != '\0' || n <= 0)
            n = 600; /* open() reports the bad value */
    }
    return n;
}

static int run_agent(agent_t *a, int foreground, int ready_fd)
{
    struct credstack_open_args args;
    char err[1024] = "";
    char *open_log = NULL;
    size_t open_len = 0;
    FILE *logf;
    int ret;

    if (cli_agent_take_lock(a) != CREDSTACK_OK) {
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
    args.app_options = cli_options();
    args.app_option_size = cli_option_size();
    /* The parse the digest and agent_idle came from, taken over. */
    args.config = a->key.parsed;
    a->key.parsed = NULL;
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
    if (a->systemd
            ? cli_agent_systemd_socket(a, err, sizeof(err)) != CREDSTACK_OK
            : cli_agent_bind(a, err, sizeof(err)) != CREDSTACK_OK) {
        fprintf(stderr, "credstack agent: %s\n", err);
        ret = CLI_EXIT_CONFIG;
        goto done;
    }
    if (!foreground && cli_agent_daemonize(a, ready_fd) != CREDSTACK_OK) {
        ret = CLI_EXIT_CONFIG;
        goto done;
    }
    cli_agent_lock_memory();
    if (ready_fd >= 0) {
        (void)!write(ready_fd, "ready\n", 6);
        close(ready_fd);
    }
    fprintf(stderr, "credstack agent: pid %d serving %s (idle %ld s)\n",
            (int)getpid(), a->paths.socket, a->idle_s);
    a->started_ms = credstack_now_ms();
    cli_agent_serve(a);
    /* Out of the way at once; the requests running finish, with beats. */
    cli_agent_stop_serving(a);
    for (int i = 0; i < 1200 && atomic_load(&a->workers) > 0; i++) {
        struct timespec ts = {0, 25 * 1000000};
        cli_agent_beat(a);
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
    cli_agent_release_lock(a);
    cli_agent_remove_own_log(a, foreground);
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
    const char *idle = NULL;
    cli_agent_op what = 0;
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
            what = CLI_AGENT_OP_STATUS;
            break;
        case 'X':
            what = CLI_AGENT_OP_STOP;
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
    /* Read once: the digest, agent_idle and the handle all use it. */
    credstack_config_read(a.key.config, &a.key.parsed);
    if (cli_agent_paths_for(&a.key, &a.paths, err, sizeof(err)) !=
        CREDSTACK_OK) {
        fprintf(stderr, "credstack agent: %s\n", err);
        ret = CLI_EXIT_CONFIG;
        goto done;
    }
    if (what != 0) {
        ret = ask(&a.paths, what);
        goto done;
    }
    a.idle_s = idle_seconds(a.key.parsed, idle);
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
    credstack_config_free(a.key.parsed);
    if (values_json != NULL)
        cli_agent_wipe_json(values_json);
    json_decref(values_json);
    free(values);
    free(config_abs);
    free(stack_abs);
    return ret;
}
