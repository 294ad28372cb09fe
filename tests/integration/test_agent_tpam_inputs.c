/* SPDX-License-Identifier: MIT */
/* test_agent_tpam_inputs.c: the agent against real TPAM sessions (sshd +
 * tpam-sim), issue 16: a stack file that changes from auth-gateway to
 * auth-policy takes dave's password away at the next request, whether the
 * configuration names the stack or a [tpam] section chooses the shipped
 * one (item 1); an ordinary user's agent starts under the default
 * RLIMIT_MEMLOCK and serves (item 6). */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tpam_e2e.h"

#define NOBODY 65534

TestSuite(agent_tpam_inputs, .init = tpam_e2e_setup, .fini = tpam_e2e_teardown,
          .timeout = 600);

/* The resolver finds PSM_DB02 for 10.20.30.40; dave's policy on it is not
 * effective (fixture.default), so auth-policy denies him and auth-gateway
 * lets him through. */
static const char *const TPAM_LINES =
    "\nsystem_name_resolver = tpam\nsystem_prefix = PSM\n"
    "authorization = gateway\n";

static char *agent_env(void)
{
    char *e = NULL;

    cr_assert(asprintf(&e, "CREDSTACK_AGENT_DIR=%s/agent", tmp) > 0);
    return e;
}

/* A configuration with TPAM_LINES, then [credstack] lines. */
static char *conf_agent(const char *credstack)
{
    char *extra = NULL, *cfg;

    cr_assert(asprintf(&extra, "%s[credstack]\n%s", TPAM_LINES, credstack) > 0);
    cfg = conf(extra);
    free(extra);
    return cfg;
}

static void stop_agent(const char *cfg, const char *const *env)
{
    tu_run r =
        tu_credstack(ARGV("agent", "--config", cfg, "--stop"), NULL, env);

    tu_run_free(&r);
}

/* Past the file system clock's tick: a same-size rewrite changes times. */
static void next_tick(void)
{
    struct timespec ts = {0, 20 * 1000000};

    nanosleep(&ts, NULL);
}

/* text with every `from` replaced by `to` (the same length). */
static char *replaced(const char *text, const char *from, const char *to)
{
    char *out = strdup(text), *p = out;

    cr_assert_not_null(out);
    cr_assert_eq(strlen(from), strlen(to));
    while ((p = strstr(p, from)) != NULL) {
        memcpy(p, to, strlen(to));
        p += strlen(to);
    }
    return out;
}

/* dave's answer through the agent (agent = auto) and one-shot (the same
 * configuration with agent = off) must agree: status and stdout. */
static void dave_both_ways(const char *on, const char *off,
                           const char *const *env, int status, const char *pw)
{
    tu_run a = get_password_env(on, "dave", "root", "10.20.30.40", NULL, env);
    tu_run b = get_password_env(off, "dave", "root", "10.20.30.40", NULL, env);

    cr_expect_eq(b.status, status, "one-shot: exit %d: %s", b.status, b.err);
    cr_expect_eq(a.status, status, "agent: exit %d: %s", a.status, a.err);
    cr_expect_str_eq(a.out, pw, "agent: %s", a.err);
    cr_expect_str_eq(b.out, pw, "one-shot: %s", b.err);
    tu_run_free(&a);
    tu_run_free(&b);
}

/* The case: [credstack] stack = s.stack, auth-gateway -> auth-policy.
 */
Test(agent_tpam_inputs, stack_named_by_the_configuration)
{
    static const char *const gateway =
        "resolve   requisite resolver-tpam\n"
        "map       required  prefix        prefix=${tpam.system_prefix}\n"
        "authorize required  auth-gateway\n"
        "checkout  required  checkout-tpam\n";
    char *env0 = agent_env(), *on, *off, *policy;
    const char *env[] = {env0, NULL};

    free(tu_write(tmp, "s.stack", gateway));
    on = conf_agent("agent = auto\nstack = s.stack\n");
    off = conf_agent("agent = off\nstack = s.stack\n");
    dave_both_ways(on, off, env, 0, PW_PSM_DB02 "\n");
    next_tick();
    policy = replaced(gateway, "auth-gateway", "auth-policy ");
    free(tu_write(tmp, "s.stack", policy));
    dave_both_ways(on, off, env, 1, "");
    stop_agent(on, env);
    free(policy);
    free(on);
    free(off);
    free(env0);
}

/* The shipped tpam.stack, chosen by the [tpam] section from the stack
 * directory, edited in place. */
Test(agent_tpam_inputs, shipped_stack_chosen_by_the_section)
{
    char *env0 = agent_env(), *envdir = NULL, *stacks = tu_path(tmp, "stacks");
    char *from = NULL, *text, *policy, *on, *off;
    const char *env[3];

    cr_assert(asprintf(&from, "%s/tpam.stack", tu_env("CREDSTACK_STACK_DIR")) >
              0);
    text = tu_slurp(from);
    cr_assert_not_null(text, "%s", from);
    cr_assert_eq(mkdir(stacks, 0755), 0);
    free(tu_write(stacks, "tpam.stack", text));
    cr_assert(asprintf(&envdir, "CREDSTACK_STACK_DIR=%s", stacks) > 0);
    env[0] = env0;
    env[1] = envdir;
    env[2] = NULL;
    on = conf_agent("agent = auto\n");
    off = conf_agent("agent = off\n");
    dave_both_ways(on, off, env, 0, PW_PSM_DB02 "\n");
    next_tick();
    policy = replaced(text, "auth-gateway ", "auth-policy  ");
    cr_assert_str_neq(policy, text);
    free(tu_write(stacks, "tpam.stack", policy));
    dave_both_ways(on, off, env, 1, "");
    stop_agent(on, env);
    free(policy);
    free(text);
    free(from);
    free(stacks);
    free(envdir);
    free(on);
    free(off);
    free(env0);
}

/* ---- as an ordinary user ---- */

/* Whether uid can run the credstack under test and read the modules (a
 * tree under a 0700 directory is closed to others; see test_faults.c). */
static int can_run_as(int uid)
{
    int status = 0;
    pid_t pid = fork();

    cr_assert(pid >= 0);
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setresgid(uid, uid, uid) != 0 ||
            setresuid(uid, uid, uid) != 0)
            _exit(2);
        _exit(access(tu_env("CREDSTACK_BIN"), X_OK) == 0 &&
                      access(tu_env("CREDSTACK_TEST_MODULES"), R_OK | X_OK) ==
                          0 &&
                      access(tu_env("CREDSTACK_STACK_DIR"), R_OK | X_OK) == 0
                  ? 0
                  : 1);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * `credstack argv...` as uid with RLIMIT_MEMLOCK at Linux's default for an
 * ordinary user (8 MiB), the agent directory agentdir, stdout and stderr
 * into tmp/out and tmp/err.  The exit status.
 */
static int run_as(int uid, const char *const *argv, const char *agentdir)
{
    const char *wrapper = getenv("CREDSTACK_TEST_WRAPPER");
    char *w = strdup(wrapper ? wrapper : ""), *save = NULL;
    char *out = tu_path(tmp, "out"), *err = tu_path(tmp, "err");
    const char *av[64];
    size_t n = 0;
    int status = 0;
    pid_t pid;

    cr_assert_not_null(w);
    for (char *t = strtok_r(w, " \t", &save); t;
         t = strtok_r(NULL, " \t", &save))
        av[n++] = t;
    av[n++] = tu_env("CREDSTACK_BIN");
    for (size_t i = 0; argv[i]; i++)
        av[n++] = argv[i];
    av[n] = NULL;
    fflush(NULL);
    pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        struct rlimit eight = {8u << 20, 8u << 20};

        if (setrlimit(RLIMIT_MEMLOCK, &eight) != 0 ||
            dup2(open("/dev/null", O_RDONLY), 0) != 0 ||
            dup2(open(out, O_WRONLY | O_CREAT | O_TRUNC, 0666), 1) != 1 ||
            dup2(open(err, O_WRONLY | O_CREAT | O_TRUNC, 0666), 2) != 2)
            _exit(126);
        if (setgroups(0, NULL) != 0 || setresgid(uid, uid, uid) != 0 ||
            setresuid(uid, uid, uid) != 0)
            _exit(126);
        setenv("CREDSTACK_AGENT_DIR", agentdir, 1);
        execvp(av[0], (char *const *)av);
        _exit(127);
    }
    free(w);
    free(out);
    free(err);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * An agent started by an ordinary user under the default memory-lock limit
 * loads the TPAM modules and serves.  Before, mlockall(MCL_FUTURE) made the
 * loads of libssh and the modules' library fail there: no agent, and each
 * request waited 10 s before it ran in its caller.
 */
Test(agent_tpam_inputs, ordinary_user_agent_starts)
{
    char *cfg, *agentdir, *out, *err, *o, *e;
    int rc;

    if (geteuid() != 0)
        cr_skip_test("runs the agent as uid %d: needs root", NOBODY);
    if (!can_run_as(NOBODY)) {
        /* stderr, not cr_log_warn: a Criterion warning fails the run. */
        fprintf(stderr,
                "note: uid %d cannot run %s or read the modules and stacks: "
                "the agent as an ordinary user is not tested here\n",
                NOBODY, tu_env("CREDSTACK_BIN"));
        return;
    }
    cr_assert_eq(chmod(tmp, 0755), 0);
    agentdir = tu_path(tmp, "nobody-agent");
    cr_assert_eq(mkdir(agentdir, 0700), 0);
    cr_assert_eq(chown(agentdir, NOBODY, NOBODY), 0);
    cfg = conf_agent("agent = auto\n");
    cr_assert_eq(chmod(cfg, 0644), 0);
    out = tu_path(tmp, "out");
    err = tu_path(tmp, "err");
    rc = run_as(NOBODY,
                ARGV("get-password", "--config", cfg, "--gateway-user", "bob",
                     "--target-user", "root", "--target-host", "10.20.30.40"),
                agentdir);
    o = tu_slurp(out);
    e = tu_slurp(err);
    cr_expect_eq(rc, 0, "exit %d: %s", rc, e);
    cr_expect_str_eq(o, PW_PSM_DB02 "\n", "%s", e);
    free(o);
    free(e);
    rc = run_as(NOBODY, ARGV("agent", "--config", cfg, "--status"), agentdir);
    o = tu_slurp(out);
    e = tu_slurp(err);
    cr_expect(rc == 0 && strstr(o, "requests: 1 answered") != NULL,
              "no agent of uid %d served the request (exit %d):\n%s%s", NOBODY,
              rc, o, e);
    free(o);
    free(e);
    run_as(NOBODY, ARGV("agent", "--config", cfg, "--stop"), agentdir);
    free(out);
    free(err);
    free(agentdir);
    free(cfg);
}
