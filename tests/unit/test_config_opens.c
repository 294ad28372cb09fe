/* SPDX-License-Identifier: MIT */
/* test_config_opens.c: a request reads its configuration once in the
 * caller, whether it runs there or through a warm agent: whether to ask an
 * agent, which one (digest, socket) and the handle all come from one parse
 * (issue 17).  Counted with an LD_PRELOAD library (tests/shim/opencount.c)
 * that sees every open, openat and fopen of the file. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "agentfix.h"

static const char stack[] = "checkout required test-result echo=yes\n";

/* The environment that counts opens of cfg into out. */
typedef struct counting {
    char *preload, *path, *out, *asan;
    const char *env[5];
} counting;

static void counting_setup(counting *c, const char *dir, const char *cfg)
{
    const char *asan = getenv("ASAN_OPTIONS");
    char *out = tu_path(dir, "opens");
    size_t n = 0;

    cr_assert(asprintf(&c->preload,
                       "LD_PRELOAD=%s/tests/shim/.libs/opencount.so",
                       tu_env("CREDSTACK_TEST_BUILDDIR")) > 0);
    cr_assert(access(c->preload + strlen("LD_PRELOAD="), R_OK) == 0,
              "%s is missing", c->preload);
    cr_assert(asprintf(&c->path, "CSTEST_OPENS_PATH=%s", cfg) > 0);
    cr_assert(asprintf(&c->out, "CSTEST_OPENS_OUT=%s", out) > 0);
    free(out);
    /* ASan wants its runtime first; the shim only counts and passes on. */
    cr_assert(asprintf(&c->asan, "ASAN_OPTIONS=%s%sverify_asan_link_order=0",
                       asan ? asan : "", asan && *asan ? ":" : "") > 0);
    c->env[n++] = c->preload;
    c->env[n++] = c->path;
    c->env[n++] = c->out;
    c->env[n++] = c->asan;
    c->env[n] = NULL;
}

static void counting_free(counting *c)
{
    free(c->preload);
    free(c->path);
    free(c->out);
    free(c->asan);
}

/* The opens the get-password process made, from the shim's lines; -1 when
 * it wrote none (the shim was not loaded). */
static int caller_opens(const char *dir)
{
    char *path = tu_path(dir, "opens");
    char *text = tu_slurp(path);
    int total = -1;

    for (char *l = text; l != NULL && *l != '\0';) {
        char *nl = strchr(l, '\n');
        int n;

        if (nl != NULL)
            *nl = '\0';
        if (strncmp(l, "get-password ", 13) == 0) {
            n = atoi(l + 13);
            total = total < 0 ? n : total + n;
        }
        l = nl ? nl + 1 : NULL;
    }
    free(text);
    unlink(path);
    free(path);
    return total;
}

/* "requests: N answered" of the agent's --status; -1: no agent. */
static long answered(afix *f, const char *cfg, const char *stk)
{
    tu_run r = afix_agent(f, cfg, stk, "--status", NULL);
    const char *p = strstr(r.out, "requests: ");
    long n = p ? atol(p + strlen("requests: ")) : -1;

    tu_run_free(&r);
    return n;
}

static void opens_once(const char *mode, int warm)
{
    char text[256];
    char *cfg, *stk;
    counting c;
    afix f;
    tu_run r;
    long before = 0;
    int opens;

    afix_setup(&f);
    snprintf(text, sizeof(text),
             "[credstack]\nagent = %s\n[test]\necho = hunter2\n", mode);
    cfg = tu_write(f.dir, "c.ini", text);
    stk = tu_write(f.dir, "s.stack", stack);
    counting_setup(&c, f.dir, cfg);
    if (warm) {
        /* The first request starts the agent: the counted one finds it. */
        r = afix_get(&f, cfg, stk, NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        tu_run_free(&r);
        before = answered(&f, cfg, stk);
        cr_assert_gt(before, 0, "no agent answered the first request");
    }
    r = afix_get(&f, cfg, stk, c.env);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, "hunter2\n");
    tu_run_free(&r);
    if (warm)
        cr_expect_eq(answered(&f, cfg, stk), before + 1,
                     "the counted request did not go through the agent");
    opens = caller_opens(f.dir);
    cr_expect_eq(opens, 1, "the caller opened %s %d times (agent = %s)", cfg,
                 opens, mode);
    counting_free(&c);
    free(cfg);
    free(stk);
    afix_free(&f);
}

Test(config_opens, one_shot_request_reads_the_configuration_once)
{
    opens_once("off", 0);
}

Test(config_opens, warm_agent_request_reads_the_configuration_once)
{
    opens_once("auto", 1);
}
