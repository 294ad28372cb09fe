/* SPDX-License-Identifier: MIT */
/* test_agent.c: the credstack agent with test modules: the same answers,
 * exit codes and log lines with and without it, a changed configuration
 * means a new agent, a killed agent costs no answer, its files are private,
 * many callers share one agent. */
#include "autoconf.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "testutil.h"

typedef struct fix {
    char *dir;
    char *agentdir;
    char *cfg;
    char *stack;
    char *env_dir;
} fix;

static void fix_setup(fix *f, const char *config, const char *stack)
{
    f->dir = tu_tmpdir();
    f->agentdir = tu_path(f->dir, "agent");
    f->cfg = tu_write(f->dir, "c.ini", config);
    f->stack = tu_write(f->dir, "s.stack", stack);
    cr_assert(asprintf(&f->env_dir, "CREDSTACK_AGENT_DIR=%s", f->agentdir) > 0);
}

static tu_run run(fix *f, const char *user, int trace)
{
    const char *argv[] = {"get-password",
                          "--config",
                          f->cfg,
                          "--stack",
                          f->stack,
                          "--gateway-user",
                          "gw",
                          "--target-user",
                          user,
                          "--target-host",
                          "10.1.2.3",
                          trace ? "--trace" : NULL,
                          NULL};
    const char *env[] = {f->env_dir, NULL};

    return tu_credstack(argv, NULL, env);
}

static tu_run agent_cmd(fix *f, const char *what)
{
    const char *argv[] = {"agent",  "--config", f->cfg, "--stack",
                          f->stack, what,       NULL};
    const char *env[] = {f->env_dir, NULL};

    return tu_credstack(argv, NULL, env);
}

/* The running agent's pid, from --status; 0 when none answers. */
static int agent_pid(fix *f)
{
    tu_run r = agent_cmd(f, "--status");
    const char *p = strstr(r.out, "agent pid ");
    int pid = p ? atoi(p + strlen("agent pid ")) : 0;

    tu_run_free(&r);
    return pid;
}

static void fix_free(fix *f)
{
    tu_run r = agent_cmd(f, "--stop");
    tu_run_free(&r);
    free(f->agentdir);
    free(f->cfg);
    free(f->stack);
    free(f->env_dir);
    tu_rmtree(f->dir);
}

/* stderr without what legitimately differs: latencies. */
static char *normalise(const char *err)
{
    char *out = strdup(err), *p;

    cr_assert_not_null(out);
    for (p = out; (p = strstr(p, "latency_ms=")) != NULL;) {
        p += strlen("latency_ms=");
        while (*p >= '0' && *p <= '9')
            *p++ = '#';
    }
    return out;
}

static void compare(const char *config_tail, const char *stack,
                    const char *user, int trace)
{
    char off[512], on[512];
    fix a, b;
    tu_run ra, rb;
    char *ea, *eb;

    snprintf(off, sizeof(off), "[credstack]\nagent = off\n%s", config_tail);
    snprintf(on, sizeof(on), "[credstack]\nagent = auto\n%s", config_tail);
    fix_setup(&a, off, stack);
    fix_setup(&b, on, stack);
    ra = run(&a, user, trace);
    rb = run(&b, user, trace);
    cr_expect_eq(ra.status, rb.status, "exit %d here, %d through the agent",
                 ra.status, rb.status);
    cr_expect_str_eq(ra.out, rb.out);
    ea = normalise(ra.err);
    eb = normalise(rb.err);
    /* The file names differ only in the temporary directory. */
    cr_expect_eq(tu_count(ea, "\n"), tu_count(eb, "\n"),
                 "here:\n%s\nagent:\n%s", ea, eb);
    cr_expect_eq(tu_count(ea, "credstack: info: audit:"),
                 tu_count(eb, "credstack: info: audit:"), "%s\n--\n%s", ea, eb);
    cr_expect_eq(tu_count(ea, "trace: "), tu_count(eb, "trace: "), "%s\n--\n%s",
                 ea, eb);
    if (b.agentdir != NULL)
        cr_expect(rb.status == 2 || agent_pid(&b) > 0, "no agent answered: %s",
                  rb.err);
    free(ea);
    free(eb);
    tu_run_free(&ra);
    tu_run_free(&rb);
    fix_free(&a);
    fix_free(&b);
}

Test(agent, same_answers_exit_codes_and_logs)
{
    static const char *const stack = "map optional test-result result=denied\n"
                                     "checkout required test-result echo=yes\n";

    compare("[test]\necho = hunter2\n", stack, "root", 1);
    compare("[test]\necho = hunter2\n", stack, "root", 0);
    /* Denied: exit 1 and the same reason. */
    compare("", "checkout required test-result result=denied\n", "root", 1);
    /* A broken configuration: exit 2 and the same problems. */
    compare("[test]\necho = x\n[credstack]\ncache_ttl = -1\n",
            "checkout required test-result echo=yes\n", "root", 0);
}

Test(agent, changed_configuration_changes_the_answer)
{
    fix f;
    tu_run r;
    int first;

    fix_setup(&f, "[credstack]\nagent = auto\n[test]\necho = one\n",
              "checkout required test-result echo=yes\n");
    r = run(&f, "root", 0);
    cr_assert_str_eq(r.out, "one\n", "%s", r.err);
    tu_run_free(&r);
    first = agent_pid(&f);
    cr_assert_gt(first, 0);
    free(tu_write(f.dir, "c.ini",
                  "[credstack]\nagent = auto\n[test]\necho = two\n"));
    r = run(&f, "root", 0);
    cr_assert_str_eq(r.out, "two\n", "%s", r.err);
    tu_run_free(&r);
    cr_assert_neq(agent_pid(&f), first, "a new agent for the new settings");
    /* The old one notices and goes (it checks about once a second). */
    for (int i = 0; i < 50 && kill(first, 0) == 0; i++) {
        struct timespec ts = {0, 100 * 1000000};
        nanosleep(&ts, NULL);
    }
    cr_assert_neq(kill(first, 0), 0, "the stale agent %d still runs", first);
    fix_free(&f);
}

Test(agent, killed_mid_request_the_caller_still_answers)
{
    fix f;
    tu_run r;
    pid_t child;
    int status = 0, agent;
    struct stat st;
    char *sock = NULL;

    fix_setup(&f, "[credstack]\nagent = auto\n[test]\necho = survived\n",
              "checkout required test-result echo=yes sleep_ms=1500\n");
    /* Start the agent with a first request. */
    r = run(&f, "root", 0);
    cr_assert_str_eq(r.out, "survived\n", "%s", r.err);
    tu_run_free(&r);
    agent = agent_pid(&f);
    cr_assert_gt(agent, 0);
    child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        tu_run c = run(&f, "root", 0);
        _exit(strcmp(c.out, "survived\n") == 0 && c.status == 0 ? 0 : 1);
    }
    /* The request is in the agent, sleeping: kill it there. */
    {
        struct timespec ts = {0, 500 * 1000000};
        nanosleep(&ts, NULL);
    }
    cr_assert_eq(kill(agent, SIGKILL), 0);
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "the caller did not fall back to an answer");
    /* What is left is unusable by others: a private directory, a dead
     * socket that only we could open. */
    cr_assert_eq(stat(f.agentdir, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0700);
    cr_assert_eq(st.st_uid, geteuid());
    r = run(&f, "root", 0);
    cr_assert_str_eq(r.out, "survived\n", "a new agent after the kill: %s",
                     r.err);
    tu_run_free(&r);
    cr_assert_neq(agent_pid(&f), agent);
    free(sock);
    fix_free(&f);
}

Test(agent, socket_is_private)
{
    fix f;
    tu_run r;
    struct stat st;
    char path[1200];
    struct passwd *nobody = getpwnam("nobody");
    pid_t child;
    int status = 0;
    FILE *ls;

    fix_setup(&f, "[credstack]\nagent = auto\n[test]\necho = x\n",
              "checkout required test-result echo=yes\n");
    r = run(&f, "root", 0);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    snprintf(path, sizeof(path), "ls %s/*.sock", f.agentdir);
    ls = popen(path, "r");
    cr_assert_not_null(ls);
    cr_assert_not_null(fgets(path, sizeof(path), ls));
    pclose(ls);
    path[strcspn(path, "\n")] = '\0';
    cr_assert_eq(stat(path, &st), 0, "%s", path);
    cr_assert(S_ISSOCK(st.st_mode));
    cr_assert_eq(st.st_mode & 0777, 0600, "socket mode %o", st.st_mode & 0777);
    cr_assert_eq(stat(f.agentdir, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0700);
    if (geteuid() != 0 || nobody == NULL) {
        fix_free(&f);
        cr_skip_test("another user's connection needs root to test");
    }
    child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        struct sockaddr_un sa;
        int fd;
        if (setgid(nobody->pw_gid) != 0 || setuid(nobody->pw_uid) != 0)
            _exit(3);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        if (strlen(path) >= sizeof(sa.sun_path))
            _exit(4);
        memcpy(sa.sun_path, path, strlen(path) + 1);
        _exit(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 1 : 0);
    }
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "another user reached the agent (status %d)", status);
    fix_free(&f);
}

Test(agent, many_callers_one_agent)
{
    enum { N_MAX = 64 };
    /* Under valgrind each caller is a valgrind of its own (and the agent
     * one more): 16 still race to start one agent, 64 load the machine for
     * minutes (as test_stress runs 8 there). */
    const char *vg = getenv("CREDSTACK_VALGRIND");
    const int N = vg && strcmp(vg, "1") == 0 ? 16 : N_MAX;
    fix f;
    pid_t kids[N_MAX];
    int bad = 0;
    tu_run r;

    fix_setup(&f, "[credstack]\nagent = auto\n",
              "checkout required test-result sleep_ms=50 password=pw\n");
    for (int i = 0; i < N; i++) {
        kids[i] = fork();
        cr_assert_geq(kids[i], 0);
        if (kids[i] == 0) {
            char user[16];
            tu_run c;
            snprintf(user, sizeof(user), "u%d", i);
            c = run(&f, user, 0);
            _exit(c.status == 0 && strcmp(c.out, "pw\n") == 0 ? 0 : 1);
        }
    }
    for (int i = 0; i < N; i++) {
        int status = 0;
        waitpid(kids[i], &status, 0);
        bad += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    cr_expect_eq(bad, 0, "%d of %d callers got no answer", bad, N);
    r = agent_cmd(&f, "--status");
    cr_expect(strstr(r.out, "requests: "), "%s", r.out);
    /* Every caller raced to start one; exactly one serves. */
    {
        char cmd[1200];
        FILE *p;
        int socks = 0;
        snprintf(cmd, sizeof(cmd), "ls %s | grep -c '\\.sock$'", f.agentdir);
        p = popen(cmd, "r");
        cr_assert(p && fscanf(p, "%d", &socks) == 1);
        pclose(p);
        cr_expect_eq(socks, 1, "%d agent sockets", socks);
    }
    tu_run_free(&r);
    fix_free(&f);
}

Test(agent, idle_agent_exits)
{
    fix f;
    tu_run r;
    int pid;

    /* Under valgrind, asking for the agent's pid alone takes about a
     * second: the agent must outlive that question. */
    const char *vg = getenv("CREDSTACK_VALGRIND");
    int idle = vg && strcmp(vg, "1") == 0 ? 8 : 1;
    char conf[96];

    snprintf(conf, sizeof(conf), "[credstack]\nagent = auto\nagent_idle = %d\n",
             idle);
    fix_setup(&f, conf, "checkout required test-result password=pw\n");
    r = run(&f, "root", 0);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    pid = agent_pid(&f);
    cr_assert_gt(pid, 0);
    for (int i = 0; i < (idle + 5) * 10 && kill(pid, 0) == 0; i++) {
        struct timespec ts = {0, 100 * 1000000};
        nanosleep(&ts, NULL);
    }
    cr_assert_neq(kill(pid, 0), 0, "agent %d still runs after %d s", pid,
                  idle + 5);
    fix_free(&f);
}
