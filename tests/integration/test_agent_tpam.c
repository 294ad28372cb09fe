/* SPDX-License-Identifier: MIT */
/* test_agent_tpam.c: the agent against real TPAM sessions (sshd + tpam-sim):
 * warm sessions, 64 callers on one session, failover to a second server and
 * back, the cache, a changed configuration, lost and killed processes. */
/* Long file: the scenarios share one two-server fixture (harnesses, a relay
 * that can go silent, an agent per configuration) that is most of the file. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../unit/testutil.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NTARGETS 64
/* The bound of tpam_pool.h: commands at once on one SSH session. */
#define CHANNELS_PER_SESSION 8

/*
 * Each test has its own agent directory and configuration files; the
 * program's harness (server A) is shared by the tests, which run one at a
 * time, and a test that needs a second server starts one (server B).
 */
static char *tmp, *agentdir, *env_agentdir;
static char *cfgs[16];
static size_t ncfgs;

/* What a test needs of a server. */
typedef struct server {
    char dir[600];
    char port[16];
    char hostkey[1024]; /* its ed25519 known_hosts line */
    char wrong_hostkey[1024];
    char log[700];    /* commands.log */
    char faults[700]; /* faults */
    char fixture[700];
} server;

static server A, B;
static int b_started;

/* ---- servers ---- */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* NAME's value in DIR/env (NAME='value' lines). */
static void env_value(const char *dir, const char *name, char *out, size_t len)
{
    char *path = tu_path(dir, "env"), line[4096];
    FILE *f = fopen(path, "re");
    size_t n = strlen(name);

    cr_assert_not_null(f, "no %s", path);
    out[0] = '\0';
    while (fgets(line, sizeof(line), f)) {
        char *v, *end;
        if (strncmp(line, name, n) != 0 || line[n] != '=')
            continue;
        v = line + n + 1;
        v[strcspn(v, "\n")] = '\0';
        if (*v == '\'' && (end = strrchr(v + 1, '\'')) != NULL) {
            *end = '\0';
            v++;
        }
        snprintf(out, len, "%s", v);
    }
    fclose(f);
    free(path);
    cr_assert(out[0] != '\0', "%s has no %s", dir, name);
}

static void server_load(server *s, const char *dir)
{
    snprintf(s->dir, sizeof(s->dir), "%s", dir);
    env_value(dir, "TPAM_PORT", s->port, sizeof(s->port));
    env_value(dir, "TPAM_HOSTKEY_ED25519", s->hostkey, sizeof(s->hostkey));
    env_value(dir, "TPAM_HOSTKEY_WRONG", s->wrong_hostkey,
              sizeof(s->wrong_hostkey));
    env_value(dir, "TPAM_COMMANDS_LOG", s->log, sizeof(s->log));
    env_value(dir, "TPAM_FAULTS", s->faults, sizeof(s->faults));
    env_value(dir, "TPAM_FIXTURE", s->fixture, sizeof(s->fixture));
}

/* NTARGETS systems sys1..sys64 at 10.77.0.1..64; bob may check out root on
 * each; the password names the server: "<tag>-pw-<n>". */
static void write_fixture(const server *s, const char *tag)
{
    FILE *f = fopen(s->fixture, "we");

    cr_assert_not_null(f, "%s: %s", s->fixture, strerror(errno));
    fprintf(
        f,
        "[system]\nRepeat=%d\nSystemName=sys{n}\nNetworkAddress=10.77.0.{n}\n"
        "[account]\nRepeat=%d\nSystemName=sys{n}\nAccountName=root\n"
        "Password=%s-pw-{n}\n"
        "[policy]\nRepeat=%d\nUserName=bob\nSystemName=sys{n}\n"
        "AccountName=root\nAccessPolicyName=Privileged Access\n",
        NTARGETS, NTARGETS, tag, NTARGETS);
    fclose(f);
}

static void faults(const server *s, const char *text)
{
    if (text == NULL) {
        if (unlink(s->faults) != 0)
            cr_assert_eq(errno, ENOENT);
        return;
    }
    free(tu_write(s->dir, "state/faults", text));
}

static void clear_log(const server *s)
{
    int fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    cr_assert(fd >= 0);
    close(fd);
}

static void shell(const char *cmd)
{
    int rc = system(cmd);

    cr_assert_eq(rc, 0, "'%s' exited %d", cmd, rc);
}

/* Server B: a second sshd + tpam-sim that takes A's client key. */
static void start_b(void)
{
    char *dir = tu_path(tmp, "b"), cmd[2400];

    cr_assert_eq(mkdir(dir, 0755), 0);
    snprintf(cmd, sizeof(cmd),
             "cp %s/client_ed25519 %s/client_ed25519.pub %s/ && "
             "%s/tests/harness/tpam-sshd-start %s >%s/start.log 2>&1",
             A.dir, A.dir, dir, tu_env("CREDSTACK_TEST_SRCDIR"), dir, tmp);
    shell(cmd);
    b_started = 1;
    server_load(&B, dir);
    write_fixture(&B, "B");
    clear_log(&B);
    free(dir);
}

static void stop_b(void)
{
    char cmd[1400];

    if (!b_started)
        return;
    snprintf(cmd, sizeof(cmd),
             "%s/tests/harness/tpam-sshd-stop %s >/dev/null 2>&1",
             tu_env("CREDSTACK_TEST_SRCDIR"), B.dir);
    (void)!system(cmd);
    b_started = 0;
}

/* ---- configurations and commands ---- */

/* A's (or B's) known_hosts line for another port (a proxy in front). */
static void hostkey_for_port(const char *line, const char *port, char *out,
                             size_t len)
{
    const char *key = strchr(line, ' ');

    cr_assert(line[0] == '[' && key != NULL, "%s", line);
    snprintf(out, len, "[127.0.0.1]:%s%s", port, key);
}

/*
 * A configuration with agent = auto: servers "127.0.0.1:PORT" with their
 * host key lines (one each), the policy authorization, A's client key
 * inline, `credstack` and `tpam` extra lines.
 */
static char *write_conf(const char *name, const char *const *ports,
                        const char *const *hostkeys, size_t n,
                        const char *credstack, const char *tpam)
{
    char *key = tu_ini_value(tu_env("TPAM_CLIENT_KEY"));
    char *text = NULL, *path;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);

    cr_assert_not_null(m);
    fprintf(m, "[credstack]\nagent = auto\n%s\n[tpam]\nserver = ",
            credstack ? credstack : "");
    for (size_t i = 0; i < n; i++)
        fprintf(m, "%s127.0.0.1:%s", i ? ", " : "", ports[i]);
    fprintf(m, "\nserver_user = %s\nserver_public_key = ", tu_env("TPAM_USER"));
    for (size_t i = 0; i < n; i++)
        fprintf(m, "%s%s\n", i ? "    " : "", hostkeys[i]);
    fprintf(m,
            "server_user_key = %s"
            "system_name_resolver = tpam\nauthorization = policy\n%s\n"
            "[logging]\nlog_level = warning\n",
            key, tpam ? tpam : "");
    fclose(m);
    path = tu_write(tmp, name, text);
    free(text);
    free(key);
    if (ncfgs < sizeof(cfgs) / sizeof(cfgs[0]))
        cfgs[ncfgs++] = strdup(path);
    return path;
}

static char *conf_a(const char *name, const char *credstack, const char *tpam)
{
    const char *ports[] = {A.port}, *keys[] = {A.hostkey};

    return write_conf(name, ports, keys, 1, credstack, tpam);
}

static tu_run get_password(const char *cfg, int n)
{
    char target[32];
    const char *env[] = {env_agentdir, NULL};

    snprintf(target, sizeof(target), "10.77.0.%d", n);
    return tu_credstack(ARGV("get-password", "--config", cfg, "--gateway-user",
                             "bob", "--target-user", "root", "--target-host",
                             target),
                        NULL, env);
}

/* get-password must print "<tag>-pw-<n>". */
static void expect_answer(const char *cfg, int n, const char *tag)
{
    tu_run r = get_password(cfg, n);
    char want[64];

    snprintf(want, sizeof(want), "%s-pw-%d\n", tag, n);
    cr_expect_eq(r.status, 0, "target %d: exit %d: %s", n, r.status, r.err);
    cr_expect_str_eq(r.out, want, "target %d: %s", n, r.err);
    tu_run_free(&r);
}

static tu_run agent(const char *cfg, const char *what)
{
    const char *env[] = {env_agentdir, NULL};

    return tu_credstack(ARGV("agent", "--config", cfg, what), NULL, env);
}

static int agent_pid(const char *cfg)
{
    tu_run r = agent(cfg, "--status");
    const char *p = strstr(r.out, "agent pid ");
    int pid = p ? atoi(p + strlen("agent pid ")) : 0;

    tu_run_free(&r);
    return pid;
}

/* The line of --status about server i (1-based) of the first module. */
static char *status_line(const char *cfg, int i)
{
    tu_run r = agent(cfg, "--status");
    char head[32], *line = NULL;
    const char *p;

    snprintf(head, sizeof(head), "server %d of ", i);
    p = strstr(r.out, head);
    cr_assert_not_null(p, "no '%s' in --status:\n%s%s", head, r.out, r.err);
    line = strndup(p, strcspn(p, "\n"));
    tu_run_free(&r);
    return line;
}

/* ---- commands.log ---- */

typedef struct cmdlog {
    int lines;
    int ppids;       /* distinct */
    long ppid[256];  /* distinct ppids, in order of appearance */
    int listsystems; /* ListSystems commands */
    char text[65536];
} cmdlog;

static void read_log(const server *s, cmdlog *l)
{
    char *text = tu_slurp(s->log), *save = NULL;

    memset(l, 0, sizeof(*l));
    cr_assert_not_null(text);
    snprintf(l->text, sizeof(l->text), "%s", text);
    for (char *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        long pid = atol(line);
        int seen = 0;
        l->lines++;
        l->listsystems += strstr(line, "\tListSystems ") != NULL;
        for (int i = 0; i < l->ppids; i++)
            seen |= l->ppid[i] == pid;
        if (!seen && l->ppids < 256)
            l->ppid[l->ppids++] = pid;
    }
    free(text);
}

/* ---- set up ---- */

static void setup(void)
{
    char dir[600];

    tu_load_harness();
    tmp = tu_tmpdir();
    agentdir = tu_path(tmp, "agent");
    cr_assert(asprintf(&env_agentdir, "CREDSTACK_AGENT_DIR=%s", agentdir) > 0);
    snprintf(dir, sizeof(dir), "%s", tu_env("TPAM_DIR"));
    server_load(&A, dir);
    write_fixture(&A, "A");
    faults(&A, NULL);
    clear_log(&A);
}

static void teardown(void)
{
    for (size_t i = 0; i < ncfgs; i++) {
        tu_run r = agent(cfgs[i], "--stop");
        tu_run_free(&r);
        free(cfgs[i]);
    }
    ncfgs = 0;
    if (A.faults[0])
        faults(&A, NULL);
    stop_b();
    free(agentdir);
    free(env_agentdir);
    tu_rmtree(tmp);
    tmp = NULL;
}

TestSuite(agent_tpam, .init = setup, .fini = teardown, .timeout = 600);

/* ---- warm sessions ---- */

Test(agent_tpam, warm_request_has_no_handshake_and_asks_again)
{
    char *cfg = conf_a("c.ini", NULL, NULL);
    cmdlog first, l;

    expect_answer(cfg, 1, "A");
    read_log(&A, &first);
    cr_assert_eq(first.lines, 3, "%s", first.text);
    cr_assert_eq(first.ppids, 1, "%s", first.text);

    /*
     * The same target again, on the same session: the cached system only
     * starts the policy check early; ListSystems is asked again beside it
     * (test_cache_tpam: a moved address, an unanswered ListSystems).
     */
    clear_log(&A);
    expect_answer(cfg, 1, "A");
    read_log(&A, &l);
    cr_expect_eq(l.lines, 3, "%s", l.text);
    cr_expect_eq(l.listsystems, 1, "the cached system was not verified: %s",
                 l.text);
    cr_expect_eq(l.ppids, 1, "%s", l.text);
    cr_expect_eq(l.ppid[0], first.ppid[0], "a new SSH connection:\n%s", l.text);

    /* Another target: three commands, still no handshake. */
    clear_log(&A);
    expect_answer(cfg, 2, "A");
    read_log(&A, &l);
    cr_expect_eq(l.lines, 3, "%s", l.text);
    cr_expect_eq(l.ppids, 1, "%s", l.text);
    cr_expect_eq(l.ppid[0], first.ppid[0], "a new SSH connection:\n%s", l.text);
    free(cfg);
}

/* The bound: at most 8 commands at once on the one session; the other
 * callers' commands wait in the queue and every answer is right. */
Test(agent_tpam, many_callers_share_one_session)
{
    char *cfg = conf_a("c.ini", NULL, "max_sessions = 1");
    pid_t kids[NTARGETS];
    int bad = 0;
    char *line, *peak;
    cmdlog l;

    expect_answer(cfg, 1, "A"); /* the agent runs */
    clear_log(&A);
    faults(&A, "delay_ms=100\n");
    for (int i = 0; i < NTARGETS; i++) {
        kids[i] = fork();
        cr_assert_geq(kids[i], 0);
        if (kids[i] == 0) {
            tu_run r = get_password(cfg, i + 1);
            char want[64];
            snprintf(want, sizeof(want), "A-pw-%d\n", i + 1);
            _exit(r.status == 0 && strcmp(r.out, want) == 0 ? 0 : 1);
        }
    }
    for (int i = 0; i < NTARGETS; i++) {
        int status = 0;
        cr_assert_eq(waitpid(kids[i], &status, 0), kids[i]);
        bad += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    faults(&A, NULL);
    cr_expect_eq(bad, 0, "%d of %d callers got no or a wrong answer", bad,
                 NTARGETS);
    read_log(&A, &l);
    /* 3 commands each: a cached system (target 1's) is asked again too. */
    cr_expect_eq(l.lines, 3 * NTARGETS, "%d commands", l.lines);
    cr_expect_eq(l.ppids, 1, "%d SSH connections for %d callers", l.ppids,
                 NTARGETS);
    line = status_line(cfg, 1);
    peak = strstr(line, "peak ");
    cr_assert_not_null(peak, "%s", line);
    cr_expect_leq(atoi(peak + 5), CHANNELS_PER_SESSION, "%s", line);
    cr_expect_geq(atoi(peak + 5), 1, "%s", line);
    free(line);
    free(cfg);
}

/* cache_ttl = 0: every request asks TPAM for the system. */
Test(agent_tpam, cache_ttl_zero_asks_every_time)
{
    char *cfg = conf_a("c.ini", "cache_ttl = 0", NULL);
    cmdlog l;

    expect_answer(cfg, 3, "A");
    expect_answer(cfg, 3, "A");
    expect_answer(cfg, 3, "A");
    read_log(&A, &l);
    cr_expect_eq(l.listsystems, 3, "%s", l.text);
    cr_expect_eq(l.ppids, 1, "%s", l.text);
    free(cfg);
}

/*
 * The default cache keeps an address's system, but only to start work: when
 * TPAM has moved the address to another system, the very next request is
 * answered for the new system (as a one-shot run would), nothing is
 * retrieved for the old one, and the entry follows TPAM.
 */
Test(agent_tpam, moved_address_answered_for_the_new_system)
{
    char *cfg = conf_a("c.ini", NULL, NULL);
    FILE *f;
    cmdlog l;

    expect_answer(cfg, 5, "A");
    expect_answer(cfg, 5, "A");

    /* 10.77.0.5 is now system moved5, with its own password. */
    f = fopen(A.fixture, "we");
    cr_assert_not_null(f);
    fprintf(f, "[system]\nSystemName=moved5\nNetworkAddress=10.77.0.5\n"
               "[account]\nSystemName=moved5\nAccountName=root\n"
               "Password=M-pw-5\n"
               "[account]\nSystemName=sys5\nAccountName=root\n"
               "Password=A-pw-5\n"
               "[policy]\nUserName=bob\nSystemName=moved5\n"
               "AccountName=root\nAccessPolicyName=Privileged Access\n"
               "[policy]\nUserName=bob\nSystemName=sys5\n"
               "AccountName=root\nAccessPolicyName=Privileged Access\n");
    fclose(f);
    clear_log(&A);
    expect_answer(cfg, 5, "M");
    read_log(&A, &l);
    cr_expect_eq(l.listsystems, 1, "%s", l.text);
    cr_expect(strstr(l.text, "Retrieve --AccountName root --SystemName sys5") ==
                  NULL,
              "Retrieve for the old system:\n%s", l.text);

    clear_log(&A);
    expect_answer(cfg, 5, "M");
    read_log(&A, &l);
    cr_expect(strstr(l.text, "sys5") == NULL, "the old entry was used:\n%s",
              l.text);
    free(cfg);
}

/* Whether the agent directory holds a socket (an agent listens). */
static int agent_socket_exists(void)
{
    char *pattern = tu_path(agentdir, "agent-*.sock");
    glob_t g;
    int found = glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0;

    if (found)
        globfree(&g);
    free(pattern);
    return found;
}

/*
 * The agent itself under the test wrapper (valgrind with
 * CREDSTACK_VALGRIND=1; the sanitizers in that build), where a spawned agent
 * never runs: warm requests take the look-ahead, an address moves, and the
 * agent stops with no error and no leak (valgrind exits 99, the sanitizers
 * non-zero).
 */
Test(agent_tpam, look_ahead_clean_under_the_test_wrapper)
{
    char *cfg = conf_a("c.ini", NULL, NULL);
    tu_run r;
    pid_t child;
    int status = 0;
    FILE *f;

    child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        const char *env[] = {env_agentdir, NULL};
        tu_run a = tu_credstack(
            ARGV("agent", "--config", cfg, "--foreground", "--idle", "120"),
            NULL, env);
        if (a.status != 0)
            fprintf(stderr, "%s", a.err);
        _exit(a.status);
    }
    for (int i = 0; i < 1200 && !agent_socket_exists(); i++)
        sleep_ms(50);
    cr_assert(agent_socket_exists(), "the agent did not start");
    expect_answer(cfg, 12, "A");
    expect_answer(cfg, 12, "A");
    f = fopen(A.fixture, "we");
    cr_assert_not_null(f);
    fprintf(f, "[system]\nSystemName=moved12\nNetworkAddress=10.77.0.12\n"
               "[account]\nSystemName=moved12\nAccountName=root\n"
               "Password=M-pw-12\n"
               "[policy]\nUserName=bob\nSystemName=moved12\n"
               "AccountName=root\nAccessPolicyName=Privileged Access\n");
    fclose(f);
    expect_answer(cfg, 12, "M");
    expect_answer(cfg, 12, "M");
    r = agent(cfg, "--status");
    cr_expect(strstr(r.out, "requests: 4 answered") != NULL,
              "not our agent's answers:\n%s%s", r.out, r.err);
    tu_run_free(&r);
    r = agent(cfg, "--stop");
    tu_run_free(&r);
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "the agent under the wrapper ended with status 0x%x", status);
    free(cfg);
}

/* A changed file: a new agent with the new settings, never the old one's
 * sessions (here: another server, with other passwords). */
Test(agent_tpam, changed_configuration_changes_the_answer)
{
    const char *bports[1], *bkeys[1];
    char *cfg;
    int first;

    start_b();
    cfg = conf_a("c.ini", NULL, NULL);
    expect_answer(cfg, 4, "A");
    first = agent_pid(cfg);
    cr_assert_gt(first, 0);
    bports[0] = B.port;
    bkeys[0] = B.hostkey;
    free(cfg);
    /* The same file, rewritten: server B, whose passwords differ. */
    cfg = write_conf("c.ini", bports, bkeys, 1, NULL, NULL);
    expect_answer(cfg, 4, "B");
    cr_expect_neq(agent_pid(cfg), first);
    free(cfg);
}

/* ---- lost sessions ---- */

/* The server drops the connection in the middle of Retrieve: that request
 * fails (a Retrieve whose exec was sent is never sent again), the next one
 * gets a new connection. */
Test(agent_tpam, lost_connection_fails_then_reconnects)
{
    char *cfg = conf_a("c.ini", NULL, NULL);
    cmdlog l;
    long old;
    tu_run r;

    expect_answer(cfg, 5, "A");
    read_log(&A, &l);
    old = l.ppid[0];
    clear_log(&A);
    faults(&A, "drop=1\ncommand=Retrieve\n");
    r = get_password(cfg, 5);
    faults(&A, NULL);
    cr_expect_eq(r.status, 3, "exit %d: %s", r.status, r.err);
    cr_expect_str_eq(r.out, "");
    cr_expect(strstr(r.err, "lost") != NULL, "%s", r.err);
    tu_run_free(&r);
    read_log(&A, &l);
    cr_expect_eq(tu_count(l.text, "Retrieve"), 1, "sent again:\n%s", l.text);
    clear_log(&A);
    expect_answer(cfg, 5, "A");
    read_log(&A, &l);
    cr_expect_eq(l.ppids, 1, "%s", l.text);
    cr_expect_neq(l.ppid[0], old, "the dropped connection was used:\n%s",
                  l.text);
    free(cfg);
}

/* An idle session the server closed is noticed; the next request has a
 * new one and its answer. */
Test(agent_tpam, idle_session_closed_by_the_server)
{
    char *cfg = conf_a("c.ini", NULL, NULL);
    cmdlog l;

    expect_answer(cfg, 6, "A");
    read_log(&A, &l);
    cr_assert_eq(l.ppids, 1);
    cr_assert_eq(kill((pid_t)l.ppid[0], SIGTERM), 0, "%s", strerror(errno));
    clear_log(&A);
    expect_answer(cfg, 6, "A");
    read_log(&A, &l);
    cr_expect_eq(l.lines, 3, "%s", l.text);
    cr_expect_eq(l.ppids, 1, "%s", l.text);
    free(cfg);
}

/* A command that never answers times out alone: the session stays. */
Test(agent_tpam, timeout_keeps_the_session)
{
    char *cfg = conf_a("c.ini", NULL, "command_timeout = 2");
    cmdlog l;
    long old;
    tu_run r;

    expect_answer(cfg, 7, "A");
    read_log(&A, &l);
    old = l.ppid[0];
    faults(&A, "hang=1\ncommand=Retrieve\n");
    r = get_password(cfg, 7);
    faults(&A, NULL);
    cr_expect_eq(r.status, 3, "exit %d: %s", r.status, r.err);
    cr_expect(strstr(r.err, "did not answer") != NULL, "%s", r.err);
    tu_run_free(&r);
    clear_log(&A);
    expect_answer(cfg, 7, "A");
    read_log(&A, &l);
    cr_expect_eq(l.ppids, 1, "%s", l.text);
    cr_expect_eq(l.ppid[0], old, "a new connection after a timeout:\n%s",
                 l.text);
    free(cfg);
}

/* Killed with -9 in the middle of a request: the caller runs the request
 * itself and answers; what is left is private to us. */
Test(agent_tpam, killed_mid_request_the_caller_still_answers)
{
    char *cfg = conf_a("c.ini", NULL, NULL);
    struct stat st;
    cmdlog l;
    pid_t child;
    int status = 0, pid;

    expect_answer(cfg, 8, "A");
    pid = agent_pid(cfg);
    cr_assert_gt(pid, 0);
    clear_log(&A);
    faults(&A, "delay_ms=1500\ncommand=Retrieve\n");
    child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        tu_run r = get_password(cfg, 8);
        _exit(r.status == 0 && strcmp(r.out, "A-pw-8\n") == 0 ? 0 : 1);
    }
    /* The agent is in Retrieve once the simulator logged it. */
    for (int i = 0; i < 3000; i++) {
        read_log(&A, &l);
        if (strstr(l.text, "\tRetrieve ") != NULL)
            break;
        sleep_ms(20);
    }
    cr_assert(strstr(l.text, "\tRetrieve ") != NULL, "%s", l.text);
    cr_assert_eq(kill(pid, SIGKILL), 0);
    cr_assert_eq(waitpid(child, &status, 0), child);
    faults(&A, NULL);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "the caller did not fall back to an answer");
    read_log(&A, &l);
    cr_expect_eq(l.ppids, 2, "the agent's and the caller's own:\n%s", l.text);
    cr_assert_eq(stat(agentdir, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0700);
    cr_expect_eq(st.st_uid, geteuid());
    free(cfg);
}

/* ---- failover ---- */

/* A port nobody listens on. */
static void closed_port(char *port, size_t len)
{
    struct sockaddr_in sa = {0};
    socklen_t slen = sizeof(sa);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    cr_assert(s >= 0);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(getsockname(s, (struct sockaddr *)&sa, &slen), 0);
    snprintf(port, len, "%u", ntohs(sa.sin_port));
    close(s);
}

Test(agent_tpam, primary_port_closed_answer_from_the_second)
{
    char port[16], key[1100], *cfg;
    const char *ports[2], *keys[2];
    cmdlog l;

    start_b();
    closed_port(port, sizeof(port));
    hostkey_for_port(A.hostkey, port, key, sizeof(key));
    ports[0] = port;
    keys[0] = key;
    ports[1] = B.port;
    keys[1] = B.hostkey;
    cfg = write_conf("c.ini", ports, keys, 2, NULL, "connect_timeout = 3");
    expect_answer(cfg, 9, "B");
    expect_answer(cfg, 10, "B");
    read_log(&B, &l);
    cr_expect_eq(l.lines, 6, "%s", l.text);
    cr_expect_eq(l.ppids, 1, "%s", l.text);
    free(cfg);
}

/* A wrong host key is an error in the log every time, and never a reason
 * to skip the server quietly. */
Test(agent_tpam, wrong_host_key_is_an_error_every_time)
{
    char *cfg, *line;
    const char *ports[2], *keys[2];

    start_b();
    ports[0] = A.port;
    keys[0] = A.wrong_hostkey;
    ports[1] = B.port;
    keys[1] = B.hostkey;
    cfg = write_conf("c.ini", ports, keys, 2, NULL, NULL);
    for (int i = 0; i < 2; i++) {
        tu_run r = get_password(cfg, 11);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "B-pw-11\n", "%s", r.err);
        cr_expect(strstr(r.err, "error") != NULL &&
                      strstr(r.err, "host key") != NULL &&
                      strstr(r.err, "trying the next server") != NULL,
                  "request %d: no error about A's host key:\n%s", i + 1, r.err);
        tu_run_free(&r);
    }
    line = status_line(cfg, 1);
    cr_expect(strstr(line, "backoff") == NULL, "%s", line);
    free(line);
    free(cfg);
}

/*
 * A TCP relay in front of server A: SILENT accepts and never speaks (a hung
 * appliance), FORWARD relays to A.
 */
enum { PROXY_SILENT = 0, PROXY_FORWARD };

typedef struct proxy {
    int lfd;
    char port[16];
    int target;
    atomic_int mode;
    atomic_int accepts;
    atomic_int stop;
    pthread_t thread;
} proxy;

static int connect_local(int port)
{
    struct sockaddr_in sa = {0};
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((unsigned short)port);
    if (s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(s);
        s = -1;
    }
    return s;
}

static void *proxy_main(void *arg)
{
    proxy *px = arg;
    int fds[64]; /* pairs: client, server (-1 when silent) */
    int n = 0;

    while (!atomic_load(&px->stop)) {
        struct pollfd pfd[65];
        int np = 0;

        pfd[np++] = (struct pollfd){px->lfd, POLLIN, 0};
        for (int i = 0; i < n; i++)
            pfd[np++] = (struct pollfd){fds[i], fds[i] >= 0 ? POLLIN : 0, 0};
        if (poll(pfd, (nfds_t)np, 100) <= 0)
            continue;
        if (pfd[0].revents && n + 2 <= 64) {
            int c = accept4(px->lfd, NULL, NULL, SOCK_CLOEXEC);
            if (c >= 0) {
                atomic_fetch_add(&px->accepts, 1);
                fds[n++] = c;
                fds[n++] = atomic_load(&px->mode) == PROXY_FORWARD
                               ? connect_local(px->target)
                               : -1;
            }
        }
        for (int i = 1; i < np; i++) {
            int k = i - 1, peer = k ^ 1;
            char buf[16384];
            ssize_t got;
            if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            got = read(fds[k], buf, sizeof(buf));
            if (got > 0 && fds[peer] >= 0) {
                (void)!write(fds[peer], buf, (size_t)got);
            } else if (got <= 0) {
                close(fds[k]);
                fds[k] = -1;
                if (fds[peer] >= 0)
                    shutdown(fds[peer], SHUT_WR);
            }
        }
    }
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return NULL;
}

static void proxy_start(proxy *px, int target)
{
    struct sockaddr_in sa = {0};
    socklen_t slen = sizeof(sa);

    memset(px, 0, sizeof(*px));
    px->target = target;
    px->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert(px->lfd >= 0);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(px->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(listen(px->lfd, 16), 0);
    cr_assert_eq(getsockname(px->lfd, (struct sockaddr *)&sa, &slen), 0);
    snprintf(px->port, sizeof(px->port), "%u", ntohs(sa.sin_port));
    cr_assert_eq(pthread_create(&px->thread, NULL, proxy_main, px), 0);
}

static void proxy_stop(proxy *px)
{
    atomic_store(&px->stop, 1);
    pthread_join(px->thread, NULL);
    close(px->lfd);
}

/*
 * The primary accepts and never speaks: the answer comes from the second
 * server after one connect timeout; while its backoff lasts the primary is
 * not tried again (even though it would answer now); after it, the
 * primary is used again.
 */
Test(agent_tpam, silent_primary_backoff_then_back)
{
    char key[1100], *cfg = NULL, *line = NULL;
    const char *ports[2], *keys[2];
    proxy px;
    cmdlog l;
    int accepts, i;
    /* The agent runs under valgrind too there: its handshake with the
     * second server needs more than 2 s, and the backoff must outlast the
     * slower requests made within it. */
    const char *vg = getenv("CREDSTACK_VALGRIND");
    int slow = vg != NULL && strcmp(vg, "1") == 0;
    int backoff_s = slow ? 60 : 20;

    start_b();
    proxy_start(&px, atoi(A.port));
    hostkey_for_port(A.hostkey, px.port, key, sizeof(key));
    ports[0] = px.port;
    keys[0] = key;
    ports[1] = B.port;
    keys[1] = B.hostkey;
    cfg = write_conf("c.ini", ports, keys, 2, NULL,
                     slow ? "connect_timeout = 10\nfailover_backoff = 60"
                          : "connect_timeout = 2\nfailover_backoff = 20");
    expect_answer(cfg, 12, "B");
    accepts = atomic_load(&px.accepts);
    cr_expect_eq(accepts, 1, "the primary was tried %d times", accepts);
    read_log(&B, &l);
    cr_expect_eq(l.lines, 3, "%s", l.text);
    read_log(&A, &l);
    cr_expect_eq(l.lines, 0, "%s", l.text);

    /* The primary would answer now, but it is in backoff. */
    atomic_store(&px.mode, PROXY_FORWARD);
    expect_answer(cfg, 13, "B");
    cr_expect_eq(atomic_load(&px.accepts), accepts,
                 "the primary was tried during its backoff");
    /* (Still in backoff after that request: it did run within it.) */
    line = status_line(cfg, 1);
    cr_assert(strstr(line, "backoff") != NULL, "%s", line);
    free(line);

    /* Its backoff ends: it is the first server again. */
    for (i = 0; i < (backoff_s + 40) * 5; i++) {
        line = status_line(cfg, 1);
        if (strstr(line, "backoff") == NULL)
            break;
        free(line);
        line = NULL;
        sleep_ms(200);
    }
    cr_assert_lt(i, (backoff_s + 40) * 5, "the backoff did not end");
    free(line);
    expect_answer(cfg, 14, "A");
    read_log(&A, &l);
    cr_expect_eq(l.lines, 3, "%s", l.text);
    cr_expect_eq(atomic_load(&px.accepts), accepts + 1);
    proxy_stop(&px);
    free(cfg);
}
