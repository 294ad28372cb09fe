/* SPDX-License-Identifier: MIT */
/* test_lookahead.c: the dispatcher's look-ahead pass (module.h,
 * credstack_request_lookahead()) with the test-ahead module: it runs only
 * when the cache holds entries, stops at a line that does not know it, and
 * leaves nothing behind but request data: no items, no cache entries, no log
 * or trace lines. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <credstack/credstack.h>
#include <credstack/module.h>

#include "testutil.h"

typedef struct fixture {
    char *dir, *cfg, *stack;
    credstack_handle *h;
} fixture;

static void open_fixture(fixture *f, const char *config, const char *stack)
{
    memset(f, 0, sizeof(*f));
    f->dir = tu_tmpdir();
    f->cfg = tu_write(f->dir, "c.ini", config);
    f->stack = tu_write(f->dir, "s.stack", stack);
    cr_assert_eq(
        credstack_open(&f->h, f->cfg, f->stack, CREDSTACK_OPEN_LOG_STDERR),
        CREDSTACK_OK, "%s", credstack_error(f->h));
}

static void close_fixture(fixture *f)
{
    credstack_close(f->h);
    free(f->cfg);
    free(f->stack);
    tu_rmtree(f->dir);
}

/* One request's outcome: what test-ahead saw, its log and trace lines. */
typedef struct outcome {
    int rc;
    char *password;
    char *seen;
    char *log;
    char *trace;
} outcome;

/* The audit line's latency differs from run to run. */
static void drop_latency(char *s)
{
    for (char *p = s; (p = strstr(p, "latency_ms=")) != NULL;) {
        char *d = p + strlen("latency_ms="), *e = d;
        while (*e >= '0' && *e <= '9')
            e++;
        memmove(d, e, strlen(e) + 1);
        p = d;
    }
}

static void run_one(fixture *f, outcome *o)
{
    credstack_request *req = NULL;
    size_t llen = 0, tlen = 0;
    FILE *log, *trace;
    const char *pw, *seen;

    memset(o, 0, sizeof(*o));
    log = open_memstream(&o->log, &llen);
    trace = open_memstream(&o->trace, &tlen);
    cr_assert(log && trace);
    cr_assert_eq(credstack_request_new(f->h, &req), CREDSTACK_OK);
    credstack_request_set(req, CREDSTACK_ITEM_GATEWAY_USER, "gw");
    credstack_request_set(req, CREDSTACK_ITEM_GATEWAY_PASSWORD, "gw-secret");
    credstack_request_set(req, CREDSTACK_ITEM_TARGET_USER, "root");
    credstack_request_set(req, CREDSTACK_ITEM_TARGET_HOST, "10.0.0.1");
    credstack_request_set_log(req, log, CREDSTACK_LOG_DEBUG);
    credstack_request_set_trace(req, trace);
    o->rc = credstack_run(f->h, req);
    pw = credstack_request_get(req, CREDSTACK_ITEM_PASSWORD);
    o->password = pw ? strdup(pw) : NULL;
    seen = credstack_request_get_data(req, "test-ahead.seen");
    o->seen = strdup(seen ? seen : "");
    credstack_request_free(req);
    fclose(log);
    fclose(trace);
    drop_latency(o->log);
}

static void outcome_free(outcome *o)
{
    free(o->password);
    free(o->seen);
    free(o->log);
    free(o->trace);
}

static const char *const config = "[logging]\nlog_level = debug\n";
static const char *const stack = "resolve required test-ahead key=k value=v1\n"
                                 "checkout required test-result password=p\n";

/* The first request of a handle finds the cache empty: no look-ahead.  The
 * second looks ahead with what the first cached, then runs for real from
 * the first line, with the caller's items: same answer, log and trace. */
Test(lookahead, runs_only_with_a_cache_and_leaves_no_trace)
{
    fixture f;
    outcome one, two;

    open_fixture(&f, config, stack);
    run_one(&f, &one);
    cr_expect_eq(one.rc, CREDSTACK_OK);
    cr_expect_str_eq(one.seen, "R:k:-;");
    run_one(&f, &two);
    cr_expect_eq(two.rc, CREDSTACK_OK);
    cr_expect_str_eq(two.password, "p");
    /* The look-ahead's SYSTEM is gone before the real pass starts. */
    cr_expect_str_eq(two.seen, "A:k=v1;R:k:-;");
    cr_expect_str_eq(two.log, one.log);
    cr_expect_str_eq(two.trace, one.trace);
    cr_expect(strstr(two.log, "look-ahead") == NULL, "%s", two.log);
    cr_expect(strstr(two.log, "real pass for k") != NULL, "%s", two.log);
    outcome_free(&one);
    outcome_free(&two);
    close_fixture(&f);
}

/* What a look-ahead puts into the cache does not stick: the next one sees
 * the real pass's value. */
Test(lookahead, writes_nothing_to_the_cache)
{
    fixture f;
    outcome o;

    open_fixture(&f, config, stack);
    for (int i = 0; i < 3; i++) {
        run_one(&f, &o);
        if (i > 0)
            cr_expect_str_eq(o.seen, "A:k=v1;R:k:-;", "request %d", i + 1);
        outcome_free(&o);
    }
    close_fixture(&f);
}

/* A line whose module does not know the pass ends it (test-result here, a
 * checkout in real stacks): the lines after it run in the real pass only. */
Test(lookahead, stops_at_a_module_that_does_not_know_it)
{
    fixture f;
    outcome o;

    open_fixture(&f, config,
                 "resolve required test-ahead key=k1 value=v1\n"
                 "map required test-result system=x\n"
                 "authorize required test-ahead key=k2 value=v2\n"
                 "checkout required test-result password=p\n");
    run_one(&f, &o);
    cr_expect_str_eq(o.seen, "R:k1:-;R:k2:x;");
    outcome_free(&o);
    run_one(&f, &o);
    cr_expect_str_eq(o.seen, "A:k1=v1;R:k1:-;R:k2:x;");
    cr_expect_str_eq(o.password, "p");
    outcome_free(&o);
    close_fixture(&f);
}

/* A look-ahead line that cannot go on (ERROR: nothing cached for k9)
 * ends the pass; the real pass never sees that failure. */
Test(lookahead, error_ends_it_unseen)
{
    fixture f;
    outcome one, two;

    open_fixture(&f, config,
                 "resolve required test-ahead key=k1 value=v1\n"
                 "map required test-ahead key=k9 value=v9 put=no\n"
                 "map required test-ahead key=k3 value=v3\n"
                 "checkout required test-result password=p\n");
    run_one(&f, &one);
    cr_expect_str_eq(one.seen, "R:k1:-;R:k9:v1;R:k3:v9;");
    run_one(&f, &two);
    cr_expect_str_eq(two.seen, "A:k1=v1;A:k9=(none);R:k1:-;R:k9:v1;R:k3:v9;");
    cr_expect_eq(two.rc, CREDSTACK_OK, "%s", two.log);
    cr_expect_str_eq(two.log, one.log);
    outcome_free(&one);
    outcome_free(&two);
    close_fixture(&f);
}

/* cache_ttl = 0: nothing is ever cached, so nothing is looked ahead. */
Test(lookahead, none_without_a_cache)
{
    fixture f;
    outcome o;

    open_fixture(&f,
                 "[credstack]\ncache_ttl = 0\n[logging]\nlog_level = "
                 "debug\n",
                 stack);
    for (int i = 0; i < 2; i++) {
        run_one(&f, &o);
        cr_expect_str_eq(o.seen, "R:k:-;", "request %d", i + 1);
        outcome_free(&o);
    }
    close_fixture(&f);
}
