/* SPDX-License-Identifier: MIT */
/* tpam_diff.c: the differential mode of the end-to-end TPAM tests (style.md
 * 21, design.md "The agent is unobservable"): every request a test makes
 * (get-password, get-private-key, hook) runs once with agent = off and once
 * with agent = auto, one after the other against the same simulator state,
 * and stdout, exit status and log lines (the audit line's latency aside) must
 * be identical, or the test fails with a diff; then through the agent once
 * more, which now has this very request's lookups cached (the warm path,
 * with its look-ahead), and the same holds.  The test then goes on with
 * the one-shot run's result, and sees TPAM's commands.log and sshd's
 * connection count as if only that run had happened: the same case files
 * serve the plain and the differential programs, and every case written
 * later is covered by both.
 *
 * The agent of a configuration lives through the test (one per
 * configuration file, in the test's own agent directory), so its second and
 * later requests take the warm path: the cache's look-ahead and the pooled
 * session. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tpam_diff.h"
#include "tpam_e2e.h"

#define MAX_AGENTS 64

static char *agent_dir, *env_dir;
static char *agents[MAX_AGENTS][2]; /* --config, --stack (or NULL) */
static size_t nagents;
static int sshd_extra;
static char *agent_commands; /* what the last agent run sent to TPAM */
static int answerable;       /* agent runs whose stack ran (exit 0, 1 or 3) */

/* The request commands: whatever runs the stack for a caller. */
static int is_request(const char *const *argv)
{
    return argv[0] != NULL && (strcmp(argv[0], "get-password") == 0 ||
                               strcmp(argv[0], "get-private-key") == 0 ||
                               strcmp(argv[0], "hook") == 0);
}

static const char *arg_after(const char *const *argv, const char *opt)
{
    for (size_t i = 0; argv[i] != NULL; i++)
        if (strcmp(argv[i], opt) == 0)
            return argv[i + 1];
    return NULL;
}

static int same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* Remember an agent to stop at the end of the test. */
static void note_agent(const char *const *argv)
{
    const char *cfg = arg_after(argv, "--config");
    const char *stack = arg_after(argv, "--stack");

    if (cfg == NULL)
        return;
    for (size_t i = 0; i < nagents; i++)
        if (same(agents[i][0], cfg) && same(agents[i][1], stack))
            return;
    cr_assert_lt(nagents, MAX_AGENTS, "more agents than the test can stop");
    agents[nagents][0] = strdup(cfg);
    agents[nagents][1] = stack ? strdup(stack) : NULL;
    nagents++;
}

/* env plus two entries in front (they shadow the same names in env). */
static const char **env_with(const char *const *env, const char *a,
                             const char *b)
{
    size_t n = 0;
    const char **e;

    while (env != NULL && env[n] != NULL)
        n++;
    e = calloc(n + 3, sizeof(*e));
    cr_assert_not_null(e);
    e[0] = a;
    e[1] = b;
    for (size_t i = 0; i < n; i++)
        e[i + 2] = env[i];
    return e;
}

/* Log lines without what may differ between two equal runs: the latency. */
static char *normalise(const char *text)
{
    size_t len = strlen(text);
    char *out = malloc(len + 1), *o = out;
    const char *p = text;
    static const char key[] = "latency_ms=";

    cr_assert_not_null(out);
    while (*p) {
        if (strncmp(p, key, sizeof(key) - 1) == 0) {
            memcpy(o, key, sizeof(key) - 1);
            o += sizeof(key) - 1;
            p += sizeof(key) - 1;
            *o++ = 'N';
            while (*p >= '0' && *p <= '9')
                p++;
            continue;
        }
        *o++ = *p++;
    }
    *o = '\0';
    return out;
}

/* The lines of text (modified in place), NULL-terminated. */
static char **lines_of(char *text, size_t *n_out)
{
    size_t n = 0, cap = 16;
    char **v = malloc(cap * sizeof(*v));

    cr_assert_not_null(v);
    for (char *p = text; *p;) {
        char *nl = strchr(p, '\n');
        if (n + 2 > cap) {
            cap *= 2;
            v = realloc(v, cap * sizeof(*v));
            cr_assert_not_null(v);
        }
        v[n++] = p;
        if (nl == NULL)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    v[n] = NULL;
    *n_out = n;
    return v;
}

/* A line diff of a (one-shot) against b (agent): "-" one-shot only, "+"
 * agent only, " " both (longest common subsequence). */
static char *line_diff(const char *a_text, const char *b_text)
{
    char *a_copy = strdup(a_text), *b_copy = strdup(b_text), *out = NULL;
    size_t na, nb, len = 0, i = 0, j = 0;
    char **a = lines_of(a_copy, &na), **b = lines_of(b_copy, &nb);
    unsigned *l = calloc((na + 1) * (nb + 1), sizeof(*l));
    FILE *m = open_memstream(&out, &len);

    cr_assert(l != NULL && m != NULL);
#define L(x, y) l[(x) * (nb + 1) + (y)]
    for (size_t x = na; x-- > 0;)
        for (size_t y = nb; y-- > 0;)
            L(x, y) = strcmp(a[x], b[y]) == 0      ? L(x + 1, y + 1) + 1
                      : L(x + 1, y) >= L(x, y + 1) ? L(x + 1, y)
                                                   : L(x, y + 1);
    while (i < na || j < nb) {
        if (i < na && j < nb && strcmp(a[i], b[j]) == 0) {
            fprintf(m, "  %s\n", a[i++]);
            j++;
        } else if (j < nb && (i == na || L(i, j + 1) >= L(i + 1, j))) {
            fprintf(m, "+ %s\n", b[j++]);
        } else {
            fprintf(m, "- %s\n", a[i++]);
        }
    }
#undef L
    fclose(m);
    free(l);
    free(a);
    free(b);
    free(a_copy);
    free(b_copy);
    return out;
}

static void compare(const char *const *argv, const tu_run *one,
                    const tu_run *ag, const char *how)
{
    char *e1 = normalise(one->err), *e2 = normalise(ag->err);
    char what[200];

    snprintf(what, sizeof(what), "%s%s%s (%s)", argv[0], argv[1] ? " " : "",
             argv[1] ? argv[1] : "", arg_after(argv, "--config"));
    cr_expect_eq(one->status, ag->status,
                 "%s: exit %d with agent = off, %d with %s;\n"
                 "stderr off:\n%s\nstderr %s:\n%s",
                 what, one->status, ag->status, how, one->err, how, ag->err);
    cr_expect_str_eq(one->out, ag->out, "%s: stdout differs with %s", what,
                     how);
    if (strcmp(e1, e2) != 0) {
        char *d = line_diff(e1, e2);
        cr_expect_fail("%s: log lines differ (- agent = off, + %s):\n%s", what,
                       how, d);
        free(d);
    }
    free(e1);
    free(e2);
}

static int count_connections(void)
{
    char *s = tu_slurp(tu_env("TPAM_SSHD_LOG"));
    int n = tu_count(s ? s : "", "Connection from ");

    free(s);
    return n;
}

/* The file holds text again (the simulator appends with O_APPEND). */
static void put_back(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    size_t len = strlen(text), off = 0;

    cr_assert(fd >= 0, "%s: %s", path, strerror(errno));
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        cr_assert(n > 0, "%s: %s", path, strerror(errno));
        off += (size_t)n;
    }
    close(fd);
}

/*
 * One run with agent = auto that leaves no trace the test could see: the
 * simulator's commands.log is put back and sshd's new connections are
 * counted apart.  *commands_out (may be NULL) gets what the run sent.
 * Never under valgrind (see run_both()).
 */
static tu_run agent_run(const char *const *argv, const char *in,
                        const char *const *env, char **commands_out)
{
    const char *path = tu_env("TPAM_COMMANDS_LOG");
    const char **e_auto = env_with(env, "CREDSTACK_AGENT=auto", env_dir);
    char *saved = tu_slurp(path), *now;
    int before = count_connections();
    size_t n;
    tu_run r;

    cr_assert_not_null(saved);
    r = tu_credstack_unwrapped(argv, in, e_auto);
    free(e_auto);
    note_agent(argv);
    sshd_extra += count_connections() - before;
    now = tu_slurp(path);
    cr_assert_not_null(now);
    n = strlen(saved);
    if (commands_out != NULL) {
        free(*commands_out);
        *commands_out = strdup(strncmp(now, saved, n) == 0 ? now + n : now);
    }
    free(now);
    put_back(path, saved);
    free(saved);
    return r;
}

/*
 * A request three times: one-shot, then through the agent (cold or as warm
 * as the test left it), then through the agent again, now warm for this
 * very request (its lookups cached: the look-ahead runs), unless the first
 * agent run found the configuration unusable (exit 2: no agent runs).
 * Under valgrind only the one-shot run is wrapped, as before this suite:
 * the agent runs outside the wrapper anyway, and its callers' side is
 * checked under it by test_agent and test_agent_tpam.
 */
static tu_run run_both(const char *const *argv, const char *in,
                       const char *const *env)
{
    const char **e_off;
    tu_run one, ag, again;

    if (!is_request(argv))
        return tu_credstack_once(argv, in, env);
    e_off = env_with(env, "CREDSTACK_AGENT=off", env_dir);
    one = tu_credstack_once(argv, in, e_off);
    free(e_off);
    ag = agent_run(argv, in, env, &agent_commands);
    answerable += ag.status == 0 || ag.status == 1 || ag.status == 3;
    compare(argv, &one, &ag, "agent = auto");
    if (ag.status != 2) {
        again = agent_run(argv, in, env, NULL);
        compare(argv, &one, &again, "agent = auto, asked again");
        tu_run_free(&again);
    }
    tu_run_free(&ag);
    return one;
}

void tpam_diff_setup(const char *dir)
{
    agent_dir = tu_path(dir, "agent");
    cr_assert_eq(mkdir(agent_dir, 0700), 0, "%s: %s", agent_dir,
                 strerror(errno));
    cr_assert(asprintf(&env_dir, "CREDSTACK_AGENT_DIR=%s", agent_dir) > 0);
    nagents = 0;
    sshd_extra = 0;
    answerable = 0;
    tu_credstack_override(run_both);
}

int tpam_diff_sshd_extra(void)
{
    return sshd_extra;
}

const char *tpam_diff_agent_commands(void)
{
    return agent_commands ? agent_commands : "";
}

/* credstack agent --config CFG [--stack S] WHAT; for --status, how many
 * requests the agent answered (0 when none runs). */
static long agent_cmd(const char *cfg, const char *stack, const char *what)
{
    const char *argv[7] = {"agent", "--config", cfg};
    const char *const env[] = {env_dir, NULL};
    const char *p;
    size_t n = 3;
    long answered = 0;
    tu_run r;

    if (stack != NULL) {
        argv[n++] = "--stack";
        argv[n++] = stack;
    }
    argv[n++] = what;
    argv[n] = NULL;
    r = tu_credstack_unwrapped(argv, NULL, env);
    if ((p = strstr(r.out, "requests: ")) != NULL)
        answered = atol(p + strlen("requests: "));
    tu_run_free(&r);
    return answered;
}

void tpam_diff_teardown(void)
{
    /* Stopped directly (never under valgrind: that would only make it
     * slow); an agent whose configuration changed has gone by itself. */
    long answered = 0;

    tu_credstack_override(NULL);
    for (size_t i = 0; i < nagents; i++) {
        answered += agent_cmd(agents[i][0], agents[i][1], "--status");
        (void)agent_cmd(agents[i][0], agents[i][1], "--stop");
        free(agents[i][0]);
        free(agents[i][1]);
    }
    /* Had no agent answered, the comparison would prove nothing. */
    cr_expect(answerable == 0 || answered > 0,
              "%d requests ran with agent = auto, but no agent answered one",
              answerable);
    nagents = 0;
    free(env_dir);
    free(agent_dir);
    free(agent_commands);
    env_dir = agent_dir = agent_commands = NULL;
}
