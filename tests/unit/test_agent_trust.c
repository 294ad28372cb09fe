/* SPDX-License-Identifier: MIT */
/* test_agent_trust.c: whom and how long a caller waits for (issue 16, items
 * 4, 5 and 13): no byte to a socket in a directory others may write or to a
 * listener of another user; a stopped agent, or one over its budget, costs
 * a bounded wait, then the request runs here; an agent that leaves (SIGTERM
 * under load), or one that cannot start, costs its callers no wait.  (Item
 * 6, an ordinary user's agent: tests/integration/test_agent_tpam_inputs.c,
 * where the TPAM modules' libraries are what the memory lock broke.) */
/* Long file: two fixtures every scenario here needs (a run in the
 * background with a time limit, a listener that is not our agent) and the
 * scenarios, which share them and nothing else. */
#include "autoconf.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "agentfix.h"

#define ENV(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NOBODY 65534

/* ---- a run in the background, with a limit ---- */

typedef struct bg {
    pid_t pid;
    char *file; /* where the child leaves "status elapsed_ms\nOUT\0ERR" */
    long long started;
} bg;

static void bg_start(bg *b, afix *f, const char *cfg, const char *stack,
                     const char *const *env)
{
    static int n;
    char name[32];

    snprintf(name, sizeof(name), "bg-%d", n++);
    b->file = tu_path(f->dir, name);
    b->started = afix_now_ms();
    fflush(NULL);
    b->pid = fork();
    cr_assert_geq(b->pid, 0);
    if (b->pid == 0) {
        long long t0 = afix_now_ms();
        tu_run r;
        FILE *out;

        /* A group of its own: a hung run is killed whole. */
        setpgid(0, 0);
        r = afix_get(f, cfg, stack, env);
        out = fopen(b->file, "we");
        if (out == NULL)
            _exit(1);
        fprintf(out, "%d %lld\n%s%c%s", r.status, afix_now_ms() - t0, r.out,
                '\0', r.err);
        fclose(out);
        _exit(0);
    }
    setpgid(b->pid, b->pid);
}

/*
 * Wait up to limit_ms for the run; its result (status -1 when it did not
 * end in time: killed) and how long it took.
 */
static tu_run bg_wait(bg *b, long limit_ms, long long *elapsed)
{
    tu_run r = {-1, strdup(""), strdup("")};
    int st = 0;
    pid_t got = 0;
    char *text;

    while ((got = waitpid(b->pid, &st, WNOHANG)) == 0 &&
           afix_now_ms() - b->started < limit_ms)
        afix_sleep_ms(20);
    *elapsed = afix_now_ms() - b->started;
    if (got == 0) {
        kill(-b->pid, SIGKILL);
        waitpid(b->pid, &st, 0);
    }
    text = tu_slurp(b->file);
    if (got == b->pid && text != NULL) {
        long long ms = 0;
        char *nl = strchr(text, '\n');
        if (sscanf(text, "%d %lld", &r.status, &ms) == 2 && nl != NULL) {
            free(r.out);
            free(r.err);
            r.out = strdup(nl + 1);
            r.err = strdup(nl + 1 + strlen(nl + 1) + 1);
            *elapsed = ms;
        }
    }
    free(text);
    free(b->file);
    return r;
}

static tu_run run_timed(afix *f, const char *cfg, const char *stack,
                        const char *const *env, long limit_ms,
                        long long *elapsed)
{
    bg b;

    bg_start(&b, f, cfg, stack, env);
    return bg_wait(&b, limit_ms, elapsed);
}

/* The "credstack: warning: agent:" lines of a run's stderr. */
static int agent_warnings(const char *err)
{
    return tu_count(err, "credstack: warning: agent:");
}

/* Whether pid runs (a zombie that nobody reaped yet has left). */
static int alive(pid_t pid)
{
    char path[64], *stat;
    int yes;

    if (kill(pid, 0) != 0)
        return 0;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    stat = tu_slurp(path);
    yes = stat == NULL || strstr(stat, ") Z ") == NULL;
    free(stat);
    return yes;
}

/* ---- a listener that is not our agent ---- */

typedef struct fake {
    pid_t pid;
    int report; /* read end: one "conn BYTES\n" line per connection */
} fake;

/*
 * Listen on path as uid (-1: as we are; else bound by us, then listening
 * as uid, which SO_PEERCRED reports), reply to whatever connects with a
 * forged answer, and report what was sent to it.
 */
static void fake_start(fake *k, const char *path, int uid)
{
    int p[2], ready[2];
    char c;

    cr_assert(pipe(p) == 0 && pipe(ready) == 0);
    fflush(NULL);
    k->pid = fork();
    cr_assert_geq(k->pid, 0);
    if (k->pid == 0) {
        static const char forged[] =
            "{\"rc\":0,\"password\":\"forged\",\"log\":\"\"}";
        struct sockaddr_un sa;
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);

        close(p[0]);
        close(ready[0]);
        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        unlink(path);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
            _exit(2);
        if (uid >= 0 &&
            (setgroups(0, NULL) != 0 || setresgid(uid, uid, uid) != 0 ||
             setresuid(uid, uid, uid) != 0))
            _exit(3);
        if (listen(fd, 8) != 0)
            _exit(4);
        (void)!write(ready[1], "r", 1);
        for (;;) {
            unsigned char buf[4096], frame[4 + sizeof(forged)];
            size_t total = 0;
            int c2 = accept(fd, NULL, NULL);
            char line[64];

            if (c2 < 0)
                continue;
            for (;;) {
                struct pollfd pfd = {c2, POLLIN, 0};
                ssize_t n;
                if (poll(&pfd, 1, 2000) <= 0)
                    break;
                n = read(c2, buf, sizeof(buf));
                if (n <= 0)
                    break;
                total += (size_t)n;
                /* A whole request seen: answer it as an agent would. */
                if (total >= 4) {
                    frame[0] = frame[1] = frame[2] = 0;
                    frame[3] = (unsigned char)(sizeof(forged) - 1);
                    memcpy(frame + 4, forged, sizeof(forged) - 1);
                    (void)!write(c2, frame, 4 + sizeof(forged) - 1);
                }
            }
            snprintf(line, sizeof(line), "conn %zu\n", total);
            (void)!write(p[1], line, strlen(line));
            close(c2);
        }
    }
    close(p[1]);
    close(ready[1]);
    cr_assert_eq(read(ready[0], &c, 1), 1, "the fake listener did not start");
    close(ready[0]);
    k->report = p[0];
}

/* Stop it; how many connections it had, and bytes sent to it in all. */
static void fake_stop(fake *k, int *conns, size_t *bytes)
{
    char text[4096];
    size_t len = 0;
    ssize_t n;

    kill(k->pid, SIGKILL);
    waitpid(k->pid, NULL, 0);
    while ((n = read(k->report, text + len, sizeof(text) - 1 - len)) > 0)
        len += (size_t)n;
    text[len] = '\0';
    close(k->report);
    *conns = 0;
    *bytes = 0;
    for (char *l = strstr(text, "conn "); l; l = strstr(l + 1, "conn ")) {
        (*conns)++;
        *bytes += strtoul(l + 5, NULL, 10);
    }
}

/* ---- trust ---- */

static const char *const STACK_REAL =
    "checkout required test-result password=real\n";

/* Run with cfg; the answer must be the real one, computed here, after one
 * warning line that says why, and the fake must have got no byte. */
static void expect_refused(afix *f, const char *cfg, const char *stack, fake *k,
                           const char *why)
{
    tu_run r = afix_get(f, cfg, stack, NULL);
    size_t bytes;
    int conns;

    fake_stop(k, &conns, &bytes);
    cr_expect_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    cr_expect_str_eq(r.out, "real\n", "%s", r.err);
    cr_expect_eq(agent_warnings(r.err), 1, "%s", r.err);
    cr_expect(strstr(r.err, why) != NULL, "no '%s' in:\n%s", why, r.err);
    cr_expect_eq(bytes, 0,
                 "%zu bytes were sent to the listener (%d "
                 "connections)",
                 bytes, conns);
    tu_run_free(&r);
}

/* [credstack] agent_socket in a directory others may write to: whoever
 * made the socket there is not asked. */
Test(agent_trust, agent_socket_in_an_open_directory)
{
    afix f;
    fake k;
    char *open_dir, *sock, *cfg, *stack, text[1400];

    afix_setup(&f);
    open_dir = tu_path(f.dir, "open");
    cr_assert_eq(mkdir(open_dir, 0755), 0);
    cr_assert_eq(chmod(open_dir, 0777), 0);
    sock = tu_path(open_dir, "a.sock");
    snprintf(text, sizeof(text),
             "[credstack]\nagent = auto\nagent_socket = %s\n", sock);
    cfg = tu_write(f.dir, "c.ini", text);
    stack = tu_write(f.dir, "s.stack", STACK_REAL);
    fake_start(&k, sock, -1);
    expect_refused(&f, cfg, stack, &k, "not a safe directory");
    free(open_dir);
    free(sock);
    free(cfg);
    free(stack);
    afix_free(&f);
}

/* A listener of another user, in a directory of ours: at the agent's own
 * socket path, and at [credstack] agent_socket.  SO_PEERCRED tells. */
Test(agent_trust, listener_of_another_user)
{
    afix f;
    fake k;
    char *cfg, *stack, *cfg2, *sockdir, *sock2, path[1200], text[1400];
    tu_run r;

    if (geteuid() != 0)
        cr_skip_test("a listener of another user needs root to set up");
    afix_setup(&f);
    cfg = tu_write(f.dir, "c.ini", "[credstack]\nagent = auto\n");
    stack = tu_write(f.dir, "s.stack", STACK_REAL);
    /* The agent's path: start it, note its socket, stop it. */
    r = afix_get(&f, cfg, stack, NULL);
    cr_assert_str_eq(r.out, "real\n", "%s", r.err);
    tu_run_free(&r);
    cr_assert_eq(afix_sockets(&f, path, sizeof(path)), 1);
    r = afix_agent(&f, cfg, stack, "--stop", NULL);
    tu_run_free(&r);
    for (int i = 0; i < 100 && access(path, F_OK) == 0; i++)
        afix_sleep_ms(50);
    cr_assert_neq(access(path, F_OK), 0, "the agent did not leave");
    fake_start(&k, path, NOBODY);
    expect_refused(&f, cfg, stack, &k, "runs as uid 65534");
    /* [credstack] agent_socket, in a directory of ours. */
    sockdir = tu_path(f.dir, "run");
    cr_assert_eq(mkdir(sockdir, 0755), 0);
    sock2 = tu_path(sockdir, "a.sock");
    snprintf(text, sizeof(text),
             "[credstack]\nagent = auto\nagent_socket = %s\n", sock2);
    cfg2 = tu_write(f.dir, "c2.ini", text);
    fake_start(&k, sock2, NOBODY);
    expect_refused(&f, cfg2, stack, &k, "runs as uid 65534");
    /* And a socket file another user owns is not even connected to. */
    fake_start(&k, sock2, -1);
    cr_assert_eq(chown(sock2, NOBODY, NOBODY), 0);
    expect_refused(&f, cfg2, stack, &k, "a socket of uid 65534");
    free(sockdir);
    free(sock2);
    free(cfg);
    free(cfg2);
    free(stack);
    afix_free(&f);
}

/* ---- time ---- */

/* What a request costs with agent = off, measured here, now: the bounds
 * below are in its units, plus the agent's own deadlines. */
static long long one_shot_ms(afix *f, const char *stack)
{
    char *cfg = tu_write(f->dir, "off.ini", "[credstack]\nagent = off\n");
    long long ms = 0;
    tu_run r = run_timed(f, cfg, stack, NULL, 120000, &ms);

    cr_assert_eq(r.status, 0, "one-shot: %s", r.err);
    tu_run_free(&r);
    free(cfg);
    return ms;
}

/* A stopped agent (SIGSTOP) that has not taken the request, and one stopped
 * while the request runs in it: the caller gives up after the agent's
 * silence deadline (5 s) and answers, with one warning line; before, it
 * waited for ever. */
Test(agent_trust, stopped_agent)
{
    afix f;
    char *cfg, *stack;
    long long ms = 0;
    tu_run r;
    bg b;
    int pid;

    afix_setup(&f);
    cfg = tu_write(f.dir, "c.ini", "[credstack]\nagent = auto\n");
    stack = tu_write(f.dir, "s.stack",
                     "checkout required test-result password=pw "
                     "sleep_ms=1500\n");
    r = afix_get(&f, cfg, stack, NULL);
    cr_assert_str_eq(r.out, "pw\n", "%s", r.err);
    tu_run_free(&r);
    pid = afix_agent_pid(&f, cfg, stack, NULL);
    cr_assert_gt(pid, 0);
    /* Stopped while idle. */
    cr_assert_eq(kill(pid, SIGSTOP), 0);
    r = run_timed(&f, cfg, stack, NULL, 60000, &ms);
    kill(pid, SIGCONT);
    cr_expect_eq(r.status, 0, "stopped agent: exit %d after %lld ms: %s",
                 r.status, ms, r.err);
    cr_expect_str_eq(r.out, "pw\n", "%s", r.err);
    cr_expect_eq(agent_warnings(r.err), 1, "%s", r.err);
    cr_expect(strstr(r.err, "no sign of life") != NULL, "%s", r.err);
    tu_run_free(&r);
    /* Stopped in the middle of the request. */
    bg_start(&b, &f, cfg, stack, NULL);
    afix_sleep_ms(700);
    cr_assert_eq(kill(pid, SIGSTOP), 0);
    r = bg_wait(&b, 60000, &ms);
    kill(pid, SIGCONT);
    cr_expect_eq(r.status, 0, "stopped mid-request: exit %d after %lld ms: %s",
                 r.status, ms, r.err);
    cr_expect_str_eq(r.out, "pw\n", "%s", r.err);
    cr_expect_eq(agent_warnings(r.err), 1, "%s", r.err);
    tu_run_free(&r);
    free(cfg);
    free(stack);
    afix_free(&f);
}

/* An agent alive (it beats) but past the request's budget, as its modules
 * declared it: the caller stops waiting and runs the request itself. */
Test(agent_trust, request_over_its_budget)
{
    afix f;
    char *cfg, *stack;
    long long ms = 0;
    tu_run r;

    afix_setup(&f);
    cfg = tu_write(f.dir, "c.ini", "[credstack]\nagent = auto\n");
    stack = tu_write(f.dir, "s.stack",
                     "checkout required test-result password=pw "
                     "sleep_ms=6500 budget_ms=100\n");
    r = run_timed(&f, cfg, stack, NULL, 120000, &ms);
    cr_expect_eq(r.status, 0, "exit %d after %lld ms: %s", r.status, ms, r.err);
    cr_expect_str_eq(r.out, "pw\n", "%s", r.err);
    cr_expect_eq(agent_warnings(r.err), 1, "%s", r.err);
    cr_expect(strstr(r.err, "within the request's budget (100 ms)") != NULL,
              "%s", r.err);
    tu_run_free(&r);
    free(cfg);
    free(stack);
    afix_free(&f);
}

/* An agent that cannot start (a module's init fails) costs nothing: the
 * request runs here at once (it waited 10 s before) and says what one-shot
 * says. */
Test(agent_trust, agent_that_cannot_start)
{
    afix f;
    char *cfg, *stack, *ok;
    long long base, ms = 0;
    tu_run r;

    afix_setup(&f);
    stack = tu_write(f.dir, "s.stack",
                     "checkout required test-result "
                     "init=fail\n");
    ok = tu_write(f.dir, "ok.stack", STACK_REAL);
    base = one_shot_ms(&f, ok);
    free(ok);
    cfg = tu_write(f.dir, "c.ini", "[credstack]\nagent = auto\n");
    r = run_timed(&f, cfg, stack, NULL, 120000, &ms);
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect(strstr(r.err, "initialisation failed as asked") != NULL, "%s",
              r.err);
    cr_expect_eq(agent_warnings(r.err), 0, "%s", r.err);
    cr_expect_lt(ms, 3 * base + 3000,
                 "%lld ms, where a one-shot request takes %lld ms", ms, base);
    tu_run_free(&r);
    free(cfg);
    free(stack);
    afix_free(&f);
}

/* The requests the agent runs now (--status), -1 when none answers. */
static int running(afix *f, const char *cfg, const char *stack)
{
    tu_run r = afix_agent(f, cfg, stack, "--status", NULL);
    const char *p = strstr(r.out, " answered, ");
    int n = p ? atoi(p + strlen(" answered, ")) : -1;

    tu_run_free(&r);
    return n;
}

/* SIGTERM while requests run and more arrive: the running ones are
 * answered by the leaving agent, the arriving ones by a new agent or here,
 * none after a wait for the old one's lock (10 s more each before).  The
 * bound is relative to callers that ran at the same time (under valgrind
 * eight callers share two cores) and to a one-shot request. */
Test(agent_trust, sigterm_under_load)
{
    enum { EARLY = 4, LATE = 4 };
    afix f;
    char *cfg, *stack;
    long long base, ms, early_max = 0;
    bg early[EARLY], late[LATE];
    tu_run r;
    int pid, n = 0;

    afix_setup(&f);
    stack = tu_write(f.dir, "s.stack",
                     "checkout required test-result password=pw "
                     "sleep_ms=4000\n");
    base = one_shot_ms(&f, stack);
    cfg = tu_write(f.dir, "c.ini", "[credstack]\nagent = auto\n");
    r = afix_get(&f, cfg, stack, NULL);
    cr_assert_str_eq(r.out, "pw\n", "%s", r.err);
    tu_run_free(&r);
    pid = afix_agent_pid(&f, cfg, stack, NULL);
    cr_assert_gt(pid, 0);
    for (int i = 0; i < EARLY; i++)
        bg_start(&early[i], &f, cfg, stack, NULL);
    /* Leave while requests run in the agent.  Bounded in time, not in
     * polls: each poll is a `credstack agent --status`, seconds long under
     * valgrind on a loaded machine (600 polls once took 23 minutes). */
    for (long long until = afix_now_ms() + 90000;
         (n = running(&f, cfg, stack)) < 1 && afix_now_ms() < until;)
        afix_sleep_ms(50);
    cr_assert_geq(n, 1, "no request ran in the agent");
    cr_assert_eq(kill(pid, SIGTERM), 0);
    for (int i = 0; i < LATE; i++)
        bg_start(&late[i], &f, cfg, stack, NULL);
    for (int i = 0; i < EARLY + LATE; i++) {
        int is_late = i >= EARLY;
        r = bg_wait(is_late ? &late[i - EARLY] : &early[i], 120000, &ms);
        cr_expect_eq(r.status, 0, "%s caller %d: exit %d: %s",
                     is_late ? "late" : "early", i, r.status, r.err);
        cr_expect_str_eq(r.out, "pw\n", "%s", r.err);
        cr_expect_eq(agent_warnings(r.err), 0, "%s", r.err);
        if (!is_late && ms > early_max)
            early_max = ms;
        if (is_late)
            cr_expect_lt(ms, early_max + 2 * base + 3000,
                         "late caller %d took %lld ms; the early ones up to "
                         "%lld ms, a one-shot request %lld ms",
                         i, ms, early_max, base);
        tu_run_free(&r);
    }
    for (int i = 0; i < 100 && alive(pid); i++)
        afix_sleep_ms(50);
    cr_expect(!alive(pid), "the agent did not leave");
    free(cfg);
    free(stack);
    afix_free(&f);
}
