/* SPDX-License-Identifier: MIT */
/* test_dispatch.c: the dispatcher's semantics as a table of stacks x module
 * results -> outcome. */
/* Long file: one short test per case of the file under test, over one
 * fixture; the sections are marked by their "----" headings. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <credstack/credstack.h>
#include <credstack/module.h>

#include "testutil.h"

/*
 * The semantics under test (core/actions.c builds the tables, core/dispatch.c
 * reads them).  Each control word is a per-result action table:
 *
 *   control      success  denied  ignore  error   (result outside the enum =
 * error) required     ok       bad     ignore  bad requisite    ok       die
 * ignore  die sufficient   done     ignore  ignore  bad optional     ok ignore
 * ignore  bad [r=a ...]    as listed; unlisted results take default=, else bad;
 *                error=ok|done|ignore is refused when the stack is parsed
 *
 * Actions, within a stage (a run of adjacent lines with the same stage name):
 *   ignore  the result does not count
 *   ok      a positive result for the stage
 *   done    a positive result; the rest of the stage is skipped (later
 *           stages still run)
 *   bad     a failure; the stage runs on, then fails with the FIRST failure
 *   die     a failure; the run ends at once
 *
 * Outcome of a stage: it fails if any line was bad/die (a later
 * sufficient success does not save it); otherwise it passes if some line was
 * ok/done, or if every line ignores a denial (only sufficient/optional-like
 * lines); otherwise it is DENIED ("no module gave a positive result").
 *
 * Failure codes: a failure caused by an error result is the module's
 * credstack_rc (CREDSTACK_ERR_MODULE unless credstack_request_explain() said
 * otherwise); one caused by any other result is CREDSTACK_ERR_DENIED.
 *
 * Credential: only a success whose action is ok or done may leave a PASSWORD
 * behind (any other result's, or a success the table ignores, is wiped at
 * once).  A success that leaves one ends the run with
 * CREDSTACK_OK, unless its stage already failed.  A stack that runs out
 * without a credential is CREDSTACK_ERR_DENIED.  Every failure wipes the
 * password.
 *
 * The module test-result returns its result= argument (a number tests the
 * range check) and sets password=/system= items whatever the result; it
 * counts its runs in the request data "test-result.count".
 */

#define T " test-result "

struct dcase {
    const char *name;
    const char *stack;
    int rc;
    const char *password; /* NULL: none must come out */
    long runs;            /* test-result runs */
    const char *err;      /* a piece of credstack_error(), or NULL */
    const char *trace;    /* a piece of the trace, or NULL */
};

static const struct dcase cases[] = {
    {"required success then checkout",
     "resolve required" T "system=web01\n"
     "checkout required" T "password=\"pass word\"\n",
     CREDSTACK_OK, "pass word", 2, NULL,
     "s.stack:2: checkout  required   test-result              -> success "
     "(ok) [system=web01"},
    {"required denied stops before the next stage",
     "resolve required" T "result=denied\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_ERR_DENIED, NULL, 1, "resolve: ", "-> denied (bad)"},
    {"required denied runs the rest of its stage",
     "resolve required" T "result=denied\n"
     "resolve required" T "system=x\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_ERR_DENIED, NULL, 2, "s.stack:1: result 1 as asked",
     "trace: stage resolve failed"},
    {"requisite denied stops at once",
     "resolve requisite" T "result=denied\n"
     "resolve required" T "\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_ERR_DENIED, NULL, 1, "s.stack:1:", "-> denied (die)"},
    {"requisite ignore does not count",
     "resolve requisite" T "result=ignore\n"
     "resolve required" T "\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_OK, "Pw-42", 3, NULL, NULL},
    {"sufficient success skips the rest of its stage only",
     "resolve sufficient" T "system=a\n"
     "resolve required" T "result=denied system=b\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_OK, "Pw-42", 2, NULL, "-> success (done) [system=a"},
    {"sufficient after a failed required still fails",
     "resolve required" T "result=denied\n"
     "resolve sufficient" T "\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_ERR_DENIED, NULL, 2, "s.stack:1:", NULL},
    {"a sufficient credential after a failed required is refused",
     "checkout required" T "result=denied\n"
     "checkout sufficient" T "password=Pw-42\n",
     CREDSTACK_ERR_DENIED, NULL, 2, "checkout: ", NULL},
    {"a required credential after a failed required is refused",
     "checkout required" T "result=denied\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_ERR_DENIED, NULL, 2, NULL, NULL},
    {"a credential from a success the table ignores is wiped",
     "checkout [success=ignore default=bad]" T "password=Pw-42\n",
     CREDSTACK_ERR_DENIED, NULL, 1, "no module gave a positive result", NULL},
    {"optional denied is ignored",
     "map optional" T "result=denied\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_OK, "Pw-42", 2, NULL, "-> denied (ignore)"},
    {"sufficient denied is ignored",
     "map sufficient" T "result=denied\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_OK, "Pw-42", 2, NULL, NULL},
    {"error under required",
     "resolve required" T "result=error\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_ERR_MODULE, NULL, 1, "test-result (", "-> error (bad)"},
    {"error under sufficient fails",
     "resolve sufficient" T "result=error\n"
     "resolve sufficient" T "\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_ERR_MODULE, NULL, 2, "error as asked", NULL},
    {"error under optional fails",
     "map optional" T "result=error\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_ERR_MODULE, NULL, 1, "error as asked", NULL},
    {"error under requisite dies",
     "map requisite" T "result=error\n"
     "map required" T "\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_ERR_MODULE, NULL, 1, "error as asked", "-> error (die)"},
    {"error then a sufficient success in the same stage still fails",
     "resolve required" T "result=error\n"
     "resolve sufficient" T "\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_ERR_MODULE, NULL, 2, NULL, NULL},
    {"the first failure decides the code",
     "resolve required" T "result=denied\n"
     "resolve required" T "result=error\n",
     CREDSTACK_ERR_DENIED, NULL, 2, "s.stack:1:", NULL},
    {"result 7 is outside the enum",
     "resolve optional" T "result=7\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_ERR_MODULE, NULL, 1,
     "s.stack:1): returned 7, outside the result range",
     "-> error (bad) [system=- account=root auth=-]: returned 7, outside"},
    {"result -1 is outside the enum",
     "resolve sufficient" T "result=-1\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_ERR_MODULE, NULL, 1,
     "s.stack:1): returned -1, outside the result range", NULL},
    {"result 4 (the count) is outside the enum",
     "checkout sufficient" T "result=4 password=Pw-42\n", CREDSTACK_ERR_MODULE,
     NULL, 1, "returned 4", NULL},
    {"a denied result's password is wiped",
     "checkout optional" T "result=denied password=leak\n"
     "authorize required" T "\n",
     CREDSTACK_ERR_DENIED, NULL, 2, "the stack ended without a credential",
     NULL},
    {"an ignored result's password is wiped",
     "checkout sufficient" T "result=ignore password=leak\n"
     "checkout required" T "\n",
     CREDSTACK_ERR_DENIED, NULL, 2, "ended without a credential", NULL},
    {"an error result's password is wiped",
     "checkout required" T "result=7 password=leak\n", CREDSTACK_ERR_MODULE,
     NULL, 1, NULL, NULL},
    {"a stack without a credential is denied",
     "resolve required" T "system=a\n"
     "authorize required" T "auth_kind=gateway\n",
     CREDSTACK_ERR_DENIED, NULL, 2, "the stack ended without a credential",
     "trace: the stack ended without a credential"},
    {"an all-sufficient stage of ignores passes through",
     "resolve sufficient" T "result=ignore\n"
     "resolve sufficient" T "result=denied\n"
     "map optional" T "result=ignore\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_OK, "Pw-42", 4, NULL, NULL},
    {"an all-required stage of ignores is denied",
     "authorize required" T "result=ignore\n"
     "authorize required" T "result=ignore\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_ERR_DENIED, NULL, 2, "stage authorize (",
     "no module gave a positive result"},
    {"one optional success makes the stage positive",
     "authorize required" T "result=ignore\n"
     "authorize optional" T "\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_OK, "Pw-42", 3, NULL, NULL},
    {"the first credential ends the run",
     "checkout sufficient" T "password=early\n"
     "checkout required" T "password=late\n",
     CREDSTACK_OK, "early", 1, NULL, "test-result produced the credential"},
    {"stages group adjacent lines only",
     "checkout sufficient" T "result=ignore\n"
     "resolve required" T "\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_OK, "Pw-42", 3, NULL, NULL},
    {"bracket: success=done skips its stage",
     "resolve [success=done denied=die default=bad]" T "system=a\n"
     "resolve required" T "result=denied\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_OK, "Pw-42", 2, NULL, "-> success (done)"},
    {"bracket: denied=die",
     "resolve [success=done denied=die default=bad]" T "result=denied\n"
     "resolve required" T "\n",
     CREDSTACK_ERR_DENIED, NULL, 1, NULL, "-> denied (die)"},
    {"bracket: default=bad makes ignore a denial",
     "resolve [success=done denied=die default=bad]" T "result=ignore\n"
     "resolve required" T "\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_ERR_DENIED, NULL, 2, "s.stack:1:", "-> ignore (bad)"},
    {"bracket: denied=ok lets a denial count as positive",
     "authorize [success=ok denied=ok default=bad]" T "result=denied\n"
     "checkout required" T "password=Pw-42\n",
     CREDSTACK_OK, "Pw-42", 2, NULL, NULL},
    {"bracket: success=die refuses a success and its credential",
     "checkout [success=die default=bad]" T "password=Pw-42\n",
     CREDSTACK_ERR_DENIED, NULL, 1, NULL, NULL},
    {"bracket: error=die",
     "resolve [success=ok error=die default=ignore]" T "result=error\n"
     "resolve required" T "\n",
     CREDSTACK_ERR_MODULE, NULL, 1, "error as asked", NULL},
};

typedef struct outcome {
    int rc;
    char *password;
    long runs;
    char *err;
    char *trace;
} outcome;

static const char *const config_text = "[logging]\nlog_level = critical\n";

static void run_stack(const char *stack_text, outcome *o)
{
    char *dir = tu_tmpdir();
    char *cfg = tu_write(dir, "c.ini", config_text);
    char *st = tu_write(dir, "s.stack", stack_text);
    credstack_handle *h = NULL;
    credstack_request *req = NULL;
    size_t tlen = 0;
    FILE *trace = NULL;
    const char *pw;
    long *runs;
    int rc;

    memset(o, 0, sizeof(*o));
    rc = credstack_open(&h, cfg, st, CREDSTACK_OPEN_LOG_STDERR);
    cr_assert_eq(rc, CREDSTACK_OK, "open: %s", credstack_error(h));
    trace = open_memstream(&o->trace, &tlen);
    cr_assert_not_null(trace);
    credstack_set_trace(h, trace);
    cr_assert_eq(credstack_request_new(h, &req), CREDSTACK_OK);
    cr_assert_eq(credstack_request_set(req, CREDSTACK_ITEM_GATEWAY_USER, "gw"),
                 CREDSTACK_OK);
    credstack_request_set(req, CREDSTACK_ITEM_GATEWAY_PASSWORD, "gw-secret");
    credstack_request_set(req, CREDSTACK_ITEM_TARGET_USER, "root");
    credstack_request_set(req, CREDSTACK_ITEM_TARGET_HOST, "10.0.0.1");
    o->rc = credstack_run(h, req);
    pw = credstack_request_get(req, CREDSTACK_ITEM_PASSWORD);
    o->password = pw ? strdup(pw) : NULL;
    runs = credstack_request_get_data(req, "test-result.count");
    o->runs = runs ? *runs : 0;
    o->err = strdup(credstack_request_error(req));
    credstack_request_free(req);
    credstack_close(h);
    fclose(trace);
    free(cfg);
    free(st);
    tu_rmtree(dir);
}

static void outcome_free(outcome *o)
{
    free(o->password);
    free(o->err);
    free(o->trace);
}

Test(dispatch, table)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct dcase *c = &cases[i];
        outcome o;

        run_stack(c->stack, &o);
        cr_expect_eq(o.rc, c->rc, "%s: rc %d (%s), want %d; error: %s", c->name,
                     o.rc, credstack_strerror(o.rc), c->rc, o.err);
        if (c->password != NULL)
            cr_expect(o.password && strcmp(o.password, c->password) == 0,
                      "%s: password '%s', want '%s'", c->name,
                      o.password ? o.password : "(none)", c->password);
        else
            cr_expect_null(o.password, "%s: a password came out", c->name);
        cr_expect_eq(o.runs, c->runs, "%s: %ld runs, want %ld", c->name, o.runs,
                     c->runs);
        if (c->err != NULL)
            cr_expect(strstr(o.err, c->err) != NULL,
                      "%s: error '%s' lacks '%s'", c->name, o.err, c->err);
        if (c->rc != CREDSTACK_OK)
            cr_expect(o.err[0] != '\0', "%s: no error text", c->name);
        if (c->trace != NULL)
            cr_expect(strstr(o.trace, c->trace) != NULL,
                      "%s: trace lacks '%s':\n%s", c->name, c->trace, o.trace);
        /* Traces never carry a secret. */
        cr_expect_null(strstr(o.trace, "gw-secret"), "%s", c->name);
        if (c->password != NULL)
            cr_expect_null(strstr(o.trace, c->password),
                           "%s: trace shows "
                           "the password",
                           c->name);
        cr_expect_null(strstr(o.trace, "leak"), "%s", c->name);
        outcome_free(&o);
    }
}

/* The trace names every line that ran, in order, and no line that did not. */
Test(dispatch, trace_lines_in_order)
{
    outcome o;
    const char *a, *b;

    run_stack("resolve sufficient" T "result=ignore\n"
              "resolve required" T "system=web01\n"
              "map optional" T "result=denied\n"
              "checkout required" T "password=hunter2\n"
              "checkout required" T "password=never\n",
              &o);
    cr_assert_eq(o.rc, CREDSTACK_OK);
    cr_assert_eq(tu_count(o.trace, "trace: "), 5, "%s", o.trace);
    a = strstr(o.trace, "s.stack:1: resolve   sufficient test-result");
    b = strstr(o.trace, "s.stack:4: checkout  required");
    cr_assert(a && b && a < b, "%s", o.trace);
    cr_assert_null(strstr(o.trace, "s.stack:5:"), "%s", o.trace);
    cr_assert(strstr(o.trace, "-> denied (ignore) [system=web01 account=root "
                              "auth=-]: result 1 as asked"),
              "%s", o.trace);
    cr_assert_null(strstr(o.trace, "hunter2"));
    outcome_free(&o);
}

/* The account starts as the target user; a module may change it. */
Test(dispatch, account_defaults_to_target_user)
{
    outcome o;

    run_stack("map required" T "account=admin\n"
              "checkout required" T "password=p\n",
              &o);
    cr_assert_eq(o.rc, CREDSTACK_OK);
    cr_assert(strstr(o.trace, "s.stack:1: map       required   test-result  "
                              "            -> success (ok) [system=- "
                              "account=admin"),
              "%s", o.trace);
    outcome_free(&o);
    run_stack("checkout required" T "password=p\n", &o);
    cr_assert(strstr(o.trace, "account=root"), "%s", o.trace);
    outcome_free(&o);
}

/* Running one handle twice gives the same answer: no state leaks between
 * requests. */
Test(dispatch, two_requests_on_one_handle)
{
    char *dir = tu_tmpdir();
    char *cfg = tu_write(dir, "c.ini", config_text);
    char *st = tu_write(dir, "s.stack", "checkout required" T "password=p\n");
    credstack_handle *h = NULL;

    cr_assert_eq(credstack_open(&h, cfg, st, CREDSTACK_OPEN_LOG_STDERR),
                 CREDSTACK_OK, "%s", credstack_error(h));
    for (int i = 0; i < 2; i++) {
        credstack_request *req = NULL;
        long *runs;

        cr_assert_eq(credstack_request_new(h, &req), CREDSTACK_OK);
        credstack_request_set(req, CREDSTACK_ITEM_TARGET_USER, "root");
        cr_assert_eq(credstack_run(h, req), CREDSTACK_OK);
        cr_assert_str_eq(credstack_request_get(req, CREDSTACK_ITEM_PASSWORD),
                         "p");
        runs = credstack_request_get_data(req, "test-result.count");
        cr_assert(runs && *runs == 1);
        credstack_request_free(req);
    }
    credstack_close(h);
    free(cfg);
    free(st);
    tu_rmtree(dir);
}

/* ---- stack file errors reach the application through credstack_open ---- */

struct open_case {
    const char *stack;
    size_t len; /* 0: strlen */
    const char *why;
    const char *line; /* ":N:" or NULL when the error has no line */
};

static const struct open_case open_cases[] = {
    {"resolve mandatory test-result\n", 0, "unknown control 'mandatory'",
     ":1:"},
    {"# x\nre.solver required test-result\n", 0, "bad stage name 're.solver'",
     ":2:"},
    {"resolve required\n", 0, "got 2 fields", ":1:"},
    {"resolve required test-result x=\"y\n", 0, "unterminated double quote",
     ":1:"},
    {"resolve required ../x\n", 0, "bad module name '../x'", ":1:"},
    {"resolve required test-result a=1 a=2\n", 0, "given twice", ":1:"},
    {"resolve [success=done denied=die default=bad error=ignore] "
     "test-result\n",
     0, "error=ignore refused", ":1:"},
    {"", 0, "the stack has no module lines", NULL},
    {"resolve required test-result\n\0", 30, "NUL byte", NULL},
};

Test(dispatch, stack_errors_through_open)
{
    for (size_t i = 0; i < sizeof(open_cases) / sizeof(open_cases[0]); i++) {
        const struct open_case *c = &open_cases[i];
        char *dir = tu_tmpdir();
        char *cfg = tu_write(dir, "c.ini", config_text);
        char *st = tu_write_len(dir, "s.stack", c->stack,
                                c->len ? c->len : strlen(c->stack));
        credstack_handle *h = NULL;
        int rc = credstack_open(&h, cfg, st, CREDSTACK_OPEN_LOG_STDERR);
        char want[4200];

        cr_expect_eq(rc, CREDSTACK_ERR_STACK, "case %zu: rc %d: %s", i, rc,
                     credstack_error(h));
        snprintf(want, sizeof(want), "%s%s", st, c->line ? c->line : ":");
        cr_expect(strstr(credstack_error(h), want) != NULL,
                  "case %zu: '%s' lacks '%s'", i, credstack_error(h), want);
        cr_expect(strstr(credstack_error(h), c->why) != NULL,
                  "case %zu: '%s' lacks '%s'", i, credstack_error(h), c->why);
        credstack_close(h);
        free(cfg);
        free(st);
        tu_rmtree(dir);
    }
}

/* ---- the public API's own checks ---- */

Test(api, strerror_and_item_names)
{
    for (int rc = 0; rc < CREDSTACK_ERR_COUNT; rc++) {
        cr_expect_not_null(credstack_strerror(rc));
        cr_expect_str_neq(credstack_strerror(rc), "unknown error code",
                          "rc %d has no text", rc);
    }
    cr_expect_str_eq(credstack_strerror(CREDSTACK_ERR_COUNT),
                     "unknown error code");
    cr_expect_str_eq(credstack_strerror(-1), "unknown error code");
    for (int i = 0; i < CREDSTACK_ITEM_COUNT; i++)
        cr_expect_not_null(credstack_item_name((credstack_item)i), "item %d",
                           i);
    cr_expect_str_eq(credstack_item_name(CREDSTACK_ITEM_TARGET_HOST),
                     "target_host");
    cr_expect_null(credstack_item_name(CREDSTACK_ITEM_COUNT));
}

Test(api, bad_arguments)
{
    char *dir = tu_tmpdir();
    char *cfg = tu_write(dir, "c.ini", config_text);
    char *st = tu_write(dir, "s.stack", "checkout required" T "password=p\n");
    credstack_handle *h = NULL, *h2 = NULL, *noload = NULL;
    credstack_request *req = NULL;

    cr_assert_eq(credstack_open(NULL, cfg, st, 0), CREDSTACK_ERR_INVALID);
    cr_assert_eq(credstack_open(&h, NULL, st, CREDSTACK_OPEN_LOG_STDERR),
                 CREDSTACK_ERR_INVALID);
    cr_assert(strstr(credstack_error(h), "no configuration file"));
    credstack_close(h);
    h = NULL;
    cr_assert_eq(credstack_open(&h, cfg, st, CREDSTACK_OPEN_LOG_STDERR),
                 CREDSTACK_OK);
    cr_assert_eq(credstack_open(&h2, cfg, st, CREDSTACK_OPEN_LOG_STDERR),
                 CREDSTACK_OK);
    cr_assert_eq(
        credstack_open(&noload, cfg, st,
                       CREDSTACK_OPEN_LOG_STDERR | CREDSTACK_OPEN_NO_LOAD),
        CREDSTACK_OK);
    cr_assert_eq(credstack_request_new(NULL, &req), CREDSTACK_ERR_INVALID);
    cr_assert_eq(credstack_request_new(h, NULL), CREDSTACK_ERR_INVALID);
    cr_assert_eq(credstack_request_new(h, &req), CREDSTACK_OK);
    cr_assert_eq(credstack_request_set(req, CREDSTACK_ITEM_COUNT, "x"),
                 CREDSTACK_ERR_INVALID);
    cr_assert_eq(credstack_request_set(req, (credstack_item)-1, "x"),
                 CREDSTACK_ERR_INVALID);
    cr_assert_null(credstack_request_get(req, CREDSTACK_ITEM_COUNT));
    cr_assert_eq(credstack_request_set(req, CREDSTACK_ITEM_SYSTEM, "s"),
                 CREDSTACK_OK);
    cr_assert_eq(credstack_request_set(req, CREDSTACK_ITEM_SYSTEM, NULL),
                 CREDSTACK_OK);
    cr_assert_null(credstack_request_get(req, CREDSTACK_ITEM_SYSTEM));
    /* A request belongs to its handle. */
    cr_assert_eq(credstack_run(h2, req), CREDSTACK_ERR_INVALID);
    cr_assert_eq(credstack_run(NULL, req), CREDSTACK_ERR_INVALID);
    cr_assert_eq(credstack_run(h, NULL), CREDSTACK_ERR_INVALID);
    credstack_request_free(req);
    req = NULL;
    /* A handle opened without modules parses but cannot run. */
    cr_assert_eq(credstack_request_new(noload, &req), CREDSTACK_OK);
    cr_assert_eq(credstack_run(noload, req), CREDSTACK_ERR_INVALID);
    cr_assert(strstr(credstack_request_error(req), "without loading modules"));
    credstack_request_free(req);
    cr_assert_eq(credstack_print_stack(NULL, stdout), CREDSTACK_ERR_INVALID);
    cr_assert_eq(credstack_print_stack(h, NULL), CREDSTACK_ERR_INVALID);
    credstack_close(noload);
    credstack_close(h2);
    credstack_close(h);
    credstack_close(NULL);
    credstack_request_free(NULL);
    free(cfg);
    free(st);
    tu_rmtree(dir);
}

/* Request data: set, replace (runs the old cleanup), remove. */
static int cleanups;
static void count_cleanup(void *p)
{
    (void)p;
    cleanups++;
}

Test(api, request_data)
{
    char *dir = tu_tmpdir();
    char *cfg = tu_write(dir, "c.ini", config_text);
    char *st = tu_write(dir, "s.stack", "checkout required" T "password=p\n");
    credstack_handle *h = NULL;
    credstack_request *req = NULL;
    int a = 1, b = 2;

    cr_assert_eq(
        credstack_open(&h, cfg, st,
                       CREDSTACK_OPEN_LOG_STDERR | CREDSTACK_OPEN_NO_LOAD),
        CREDSTACK_OK);
    cr_assert_eq(credstack_request_new(h, &req), CREDSTACK_OK);
    cleanups = 0;
    cr_assert_eq(credstack_request_set_data(req, "k", &a, count_cleanup),
                 CREDSTACK_OK);
    cr_assert_eq(credstack_request_get_data(req, "k"), &a);
    cr_assert_eq(credstack_request_set_data(req, "k", &b, count_cleanup),
                 CREDSTACK_OK);
    cr_assert_eq(cleanups, 1);
    cr_assert_eq(credstack_request_get_data(req, "k"), &b);
    cr_assert_eq(credstack_request_set_data(req, "k", NULL, NULL),
                 CREDSTACK_OK);
    cr_assert_eq(cleanups, 2);
    cr_assert_null(credstack_request_get_data(req, "k"));
    cr_assert_eq(credstack_request_set_data(req, "j", &a, count_cleanup),
                 CREDSTACK_OK);
    cr_assert_eq(credstack_request_set_data(req, NULL, &a, NULL),
                 CREDSTACK_ERR_INVALID);
    credstack_request_free(req);
    cr_assert_eq(cleanups, 3);
    credstack_close(h);
    free(cfg);
    free(st);
    tu_rmtree(dir);
}

/* ---- a request that outlives its handle (credstack.h, credstack_close) ----
 */

Test(api, request_outlives_handle)
{
    char *dir = tu_tmpdir();
    char *cfg = tu_write(dir, "c.ini", config_text);
    char *st = tu_write(dir, "s.stack", "checkout required" T "password=p\n");
    credstack_handle *h = NULL;
    credstack_request *req = NULL;
    int a = 1;

    cr_assert_eq(credstack_open(&h, cfg, st, CREDSTACK_OPEN_LOG_STDERR),
                 CREDSTACK_OK, "%s", credstack_error(h));
    cr_assert_eq(credstack_request_new(h, &req), CREDSTACK_OK);
    credstack_request_set(req, CREDSTACK_ITEM_TARGET_USER, "root");
    /* test-result's run counter is data whose cleanup lives in the module. */
    cr_assert_eq(credstack_run(h, req), CREDSTACK_OK);
    cleanups = 0;
    cr_assert_eq(credstack_request_set_data(req, "k", &a, count_cleanup),
                 CREDSTACK_OK);
    /* Close first: the cleanups run now, while the modules are loaded. */
    credstack_close(h);
    cr_assert_eq(cleanups, 1, "close ran the live request's cleanups");
    cr_assert_null(credstack_request_get_data(req, "test-result.count"));
    /* The request is still the caller's to free; it is not run again. */
    cr_assert_eq(credstack_request_set_data(req, "k", &a, count_cleanup),
                 CREDSTACK_ERR_INVALID);
    credstack_request_free(req);
    cr_assert_eq(cleanups, 1, "no cleanup runs twice");
    free(cfg);
    free(st);
    tu_rmtree(dir);
}

/* ---- @if= conditions and ${section.option} arguments ---- */

Test(dispatch, conditions_choose_lines)
{
    char *dir = tu_tmpdir();
    char *cfg = tu_write(dir, "c.ini",
                         "[logging]\nlog_level = critical\n"
                         "[test]\necho = two\n");
    char *st = tu_write(dir, "s.stack",
                        /* Absent options: their declared default counts. */
                        "map required" T "@if=logging.destination=stderr\n"
                        "map required" T "@if=!credstack.module_dir\n"
                        "map required" T "@if=credstack.stack_dir\n"
                        "checkout required" T "password=one @if=test.echo=one\n"
                        "checkout required" T
                        "password=${test.echo} @if=test.echo=TWO|three\n"
                        "checkout required" T "password=never\n");
    credstack_handle *h = NULL;
    credstack_request *req = NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    cr_assert_eq(credstack_open(&h, cfg, st, CREDSTACK_OPEN_LOG_STDERR),
                 CREDSTACK_OK, "%s", credstack_error(h));
    cr_assert_eq(credstack_print_stack(h, out), CREDSTACK_OK);
    fclose(out);
    cr_assert(strstr(text, "# inactive: checkout"), "%s", text);
    cr_assert(strstr(text, "\nmap        required    test-result "
                           "@if=logging.destination=stderr\n"),
              "%s", text);
    cr_assert(strstr(text, "\nmap        required    test-result "
                           "@if=!credstack.module_dir\n"),
              "%s", text);
    cr_assert(strstr(text, "# inactive: map        required    test-result "
                           "@if=credstack.stack_dir\n"),
              "%s", text);
    cr_assert(strstr(text, "password=two @if=test.echo=TWO|three"), "%s", text);
    cr_assert_eq(credstack_request_new(h, &req), CREDSTACK_OK);
    credstack_request_set(req, CREDSTACK_ITEM_TARGET_USER, "root");
    cr_assert_eq(credstack_run(h, req), CREDSTACK_OK, "%s",
                 credstack_request_error(req));
    /* The inactive first line never ran: the second is the first to run. */
    cr_assert_str_eq(credstack_request_get(req, CREDSTACK_ITEM_PASSWORD),
                     "two");
    credstack_request_free(req);
    credstack_close(h);
    free(text);
    free(cfg);
    free(st);
    tu_rmtree(dir);
}

struct cond_case {
    const char *config;
    const char *line;
    const char *why;
};

static const struct cond_case cond_cases[] = {
    {"", "checkout required" T "@if=nobody.declares\n",
     "no module of this stack declares that option"},
    {"", "checkout required" T "password=${nobody.declares}\n",
     "${nobody.declares}: no module of this stack declares"},
    {"", "checkout required" T "password=${test\n", "expected ${section."},
    {"[logging]\ndestination = stderr\n",
     "checkout required" T "@if=logging.destination=pigeon\n",
     "'pigeon' is not a value logging.destination can take"},
};

Test(dispatch, condition_errors_name_the_line)
{
    for (size_t i = 0; i < sizeof(cond_cases) / sizeof(cond_cases[0]); i++) {
        char *dir = tu_tmpdir();
        char *cfg = tu_write(dir, "c.ini", cond_cases[i].config);
        char *st = tu_write(dir, "s.stack", cond_cases[i].line);
        credstack_handle *h = NULL;

        cr_expect_neq(credstack_open(&h, cfg, st, CREDSTACK_OPEN_LOG_STDERR),
                      CREDSTACK_OK, "case %zu", i);
        cr_expect(strstr(credstack_error(h), "s.stack:1:") &&
                      strstr(credstack_error(h), cond_cases[i].why),
                  "case %zu: %s", i, credstack_error(h));
        credstack_close(h);
        free(cfg);
        free(st);
        tu_rmtree(dir);
    }
}

/* ---- one handle, many threads (the agent's case) ---- */

#include <pthread.h>

typedef struct worker {
    credstack_handle *h;
    int failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;

    for (int i = 0; i < 200; i++) {
        credstack_request *req = NULL;
        char user[32];
        if (credstack_request_new(w->h, &req) != CREDSTACK_OK) {
            w->failures++;
            continue;
        }
        snprintf(user, sizeof(user), "u%d", i);
        credstack_request_set(req, CREDSTACK_ITEM_TARGET_USER, user);
        if (credstack_run(w->h, req) != CREDSTACK_OK ||
            strcmp(credstack_request_get(req, CREDSTACK_ITEM_ACCOUNT), user) !=
                0)
            w->failures++;
        credstack_request_free(req);
    }
    return NULL;
}

Test(dispatch, concurrent_requests_on_one_handle)
{
    char *dir = tu_tmpdir();
    char *cfg = tu_write(dir, "c.ini", config_text);
    char *st = tu_write(dir, "s.stack",
                        "map optional" T "result=denied\n"
                        "checkout required" T "password=p\n");
    credstack_handle *h = NULL;
    pthread_t t[4];
    worker w[4];

    cr_assert_eq(credstack_open(&h, cfg, st, CREDSTACK_OPEN_LOG_STDERR),
                 CREDSTACK_OK, "%s", credstack_error(h));
    for (int i = 0; i < 4; i++) {
        w[i].h = h;
        w[i].failures = 0;
        cr_assert_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        cr_expect_eq(w[i].failures, 0, "thread %d: %d failures", i,
                     w[i].failures);
    }
    credstack_close(h);
    free(cfg);
    free(st);
    tu_rmtree(dir);
}

/* ---- the application's own options (credstack_open_args.app_options) ---- */

static const char *const app_modes[] = {"off", "on", NULL};
static const struct credstack_option app_options[] = {
    {"myapp", "mode", CREDSTACK_OPTION_ENUM, 0, "off", 0, 0, app_modes, NULL,
     "how the application runs"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL},
};

static int open_app(const char *config, int declare, credstack_handle **h)
{
    char *dir = tu_tmpdir();
    char *cfg = tu_write(dir, "c.ini", config);
    char *st = tu_write(dir, "s.stack", "checkout required" T "password=p\n");
    struct credstack_open_args args;
    int rc;

    memset(&args, 0, sizeof(args));
    args.size = sizeof(args);
    args.config_path = cfg;
    args.stack_path = st;
    args.flags = CREDSTACK_OPEN_LOG_STDERR;
    if (declare) {
        args.app_options = app_options;
        args.app_option_size = sizeof(app_options[0]);
    }
    rc = credstack_open_with(h, &args);
    free(cfg);
    free(st);
    tu_rmtree(dir);
    return rc;
}

Test(dispatch, application_options_are_checked_at_open)
{
    credstack_handle *h = NULL;

    cr_expect_neq(open_app("[myapp]\nmode = sometimes\n", 1, &h), CREDSTACK_OK);
    cr_expect(strstr(credstack_error(h), "c.ini:2: myapp.mode") != NULL, "%s",
              credstack_error(h));
    cr_expect(strstr(credstack_error(h), "not one of: off, on") != NULL, "%s",
              credstack_error(h));
    credstack_close(h);
    h = NULL;
    cr_expect_eq(open_app("[myapp]\nmode = on\n", 1, &h), CREDSTACK_OK, "%s",
                 credstack_error(h));
    credstack_close(h);
}

/* The credstack command's options are its own: the core alone takes any
 * value in [credstack] agent (an application that reads it checks it). */
Test(dispatch, the_core_declares_no_command_option)
{
    credstack_handle *h = NULL;

    cr_expect_eq(
        open_app("[credstack]\nagent = maybe\nagent_idle = x\n", 0, &h),
        CREDSTACK_OK, "%s", credstack_error(h));
    credstack_close(h);
}

/* A configuration read once (credstack_config_read()) opens the handle, which
 * takes it over; one that cannot be read is reported by the open. */
Test(dispatch, a_handle_opens_from_a_configuration_read_once)
{
    char *dir = tu_tmpdir();
    char *cfg = tu_write(dir, "c.ini", "[test]\necho = x\n");
    char *st = tu_write(dir, "s.stack", "checkout required" T "password=p\n");
    char *missing = tu_path(dir, "none.ini");
    struct credstack_open_args args;
    credstack_config *c = NULL;
    credstack_handle *h = NULL;
    const char *v = NULL;
    size_t len = 0;

    cr_assert_eq(credstack_config_read(cfg, &c), CREDSTACK_OK);
    cr_expect_eq(credstack_config_get(c, "test", "echo", &v), CREDSTACK_OK);
    cr_expect_str_eq(v, "x");
    cr_expect_eq(credstack_config_get(c, "test", "nope", &v),
                 CREDSTACK_ERR_NOTFOUND);
    cr_expect_str_eq(credstack_config_bytes(c, &len), "[test]\necho = x\n");
    cr_expect_eq(len, strlen("[test]\necho = x\n"));
    memset(&args, 0, sizeof(args));
    args.size = sizeof(args);
    args.stack_path = st;
    args.flags = CREDSTACK_OPEN_LOG_STDERR;
    args.config = c;
    cr_expect_eq(credstack_open_with(&h, &args), CREDSTACK_OK, "%s",
                 credstack_error(h));
    credstack_close(h);
    h = NULL;
    c = NULL;
    cr_expect_eq(credstack_config_read(missing, &c), CREDSTACK_ERR_IO);
    cr_assert_not_null(c);
    cr_expect(strstr(credstack_config_error(c), "none.ini: cannot open"), "%s",
              credstack_config_error(c));
    cr_expect_null(credstack_config_bytes(c, NULL));
    args.config = c;
    cr_expect_eq(credstack_open_with(&h, &args), CREDSTACK_ERR_IO);
    cr_expect(strstr(credstack_error(h), "none.ini: cannot open"), "%s",
              credstack_error(h));
    credstack_close(h);
    free(cfg);
    free(st);
    free(missing);
    tu_rmtree(dir);
}
