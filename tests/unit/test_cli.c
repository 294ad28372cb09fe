/* SPDX-License-Identifier: MIT */
/* test_cli.c: the credstack command's exit codes, output and JSON shapes (the
 * real binary, spawned). */
/* Long file: one short test per case of the file under test, over one
 * fixture; the sections are marked by their "----" headings. */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "testutil.h"

/* A temp dir with a config and a stack, and the module dir to use. */
typedef struct fix {
    char *dir;
    char *cfg;
    char *stack;
    char *env_moddir; /* "CREDSTACK_MODULE_DIR=..." */
} fix;

static void fix_setup(fix *f, const char *config, const char *stack,
                      int echo_modules)
{
    f->dir = tu_tmpdir();
    f->cfg = tu_write(f->dir, "c.ini",
                      config ? config : "[logging]\nlog_level = warning\n");
    f->stack = stack ? tu_write(f->dir, "s.stack", stack) : NULL;
    /* run-test's module directory holds test-echo too. */
    (void)echo_modules;
    cr_assert(asprintf(&f->env_moddir, "CREDSTACK_MODULE_DIR=%s",
                       tu_env("CREDSTACK_MODULE_DIR")) > 0);
}

static void fix_free(fix *f)
{
    free(f->cfg);
    free(f->stack);
    free(f->env_moddir);
    tu_rmtree(f->dir);
}

static tu_run run(fix *f, const char *const *argv, const char *in)
{
    const char *env[] = {f ? f->env_moddir : NULL, NULL};

    return tu_credstack(argv, in, f ? env : NULL);
}

/* ---- usage, help, version ---- */

Test(cli, help_and_version)
{
    const char *const *cases[] = {
        (const char *const[]){"--help", NULL},
        (const char *const[]){"-h", NULL},
        (const char *const[]){"help", NULL},
        (const char *const[]){"get-password", "--help", NULL},
        (const char *const[]){"get-password", "-h", NULL},
        (const char *const[]){"hook", "--help", NULL},
        (const char *const[]){"check", "--help", NULL},
    };
    static const char *const wants[] = {
        "Usage: credstack COMMAND",      "Usage: credstack COMMAND",
        "Usage: credstack COMMAND",      "Usage: credstack get-password",
        "Usage: credstack get-password", "Usage: credstack hook HOOK",
        "Usage: credstack check",
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tu_run r = run(NULL, cases[i], NULL);

        cr_expect_eq(r.status, 0, "%s %s: exit %d", cases[i][0],
                     cases[i][1] ? cases[i][1] : "", r.status);
        cr_expect(strncmp(r.out, wants[i], strlen(wants[i])) == 0,
                  "case %zu: stdout: %s", i, r.out);
        cr_expect_str_eq(r.err, "", "case %zu: stderr: %s", i, r.err);
        tu_run_free(&r);
    }
}

Test(cli, version_everywhere)
{
    const char *const *cases[] = {
        (const char *const[]){"--version", NULL},
        (const char *const[]){"-V", NULL},
        (const char *const[]){"get-password", "--version", NULL},
        (const char *const[]){"hook", "--version", NULL},
        (const char *const[]){"check", "--version", NULL},
        (const char *const[]){"store", "--version", NULL},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tu_run r = run(NULL, cases[i], NULL);

        cr_expect_eq(r.status, 0, "case %zu: exit %d: %s", i, r.status, r.err);
        cr_expect(strncmp(r.out, "credstack ", 10) == 0 &&
                      strstr(r.out, "(module ABI 2)\n"),
                  "case %zu: stdout: %s", i, r.out);
        tu_run_free(&r);
    }
}

struct usage_case {
    const char *const *argv;
    const char *why; /* in stderr */
};

Test(cli, usage_errors_exit_2)
{
    const struct usage_case cases[] = {
        {(const char *const[]){NULL}, "Usage: credstack COMMAND"},
        {(const char *const[]){"frobnicate", NULL},
         "unknown command 'frobnicate'"},
        {(const char *const[]){"get-password", NULL}, "are required"},
        {(const char *const[]){"get-password", "--config", "c.ini",
                               "--gateway-user", "g", "--target-user", "t",
                               NULL},
         "are required"},
        {(const char *const[]){"get-password", "--config", "c.ini",
                               "--gateway-user", "g", "--target-host", "h",
                               NULL},
         "are required"},
        {(const char *const[]){"get-password", "--config", "c.ini",
                               "--target-user", "t", "--target-host", "h",
                               NULL},
         "are required"},
        {(const char *const[]){"get-password", "--gateway-user", "g",
                               "--target-user", "t", "--target-host", "h",
                               NULL},
         "are required"},
        {(const char *const[]){"get-password", "--config", "c.ini",
                               "--gateway-user", "g", "--target-user", "t",
                               "--target-host", "h", "extra", NULL},
         "unexpected argument"},
        {(const char *const[]){"get-password", "--frob", NULL},
         "Usage: credstack get-password"},
        {(const char *const[]){"get-password", "--config", NULL},
         "Usage: credstack get-password"},
        {(const char *const[]){"check", NULL}, "--config FILE is required"},
        {(const char *const[]){"check", "--config", "c.ini", "extra", NULL},
         "unexpected argument"},
        {(const char *const[]){"check", "--frob", NULL},
         "Usage: credstack check"},
        {(const char *const[]){"hook", "--config", "c.ini", NULL},
         "name one HOOK"},
        {(const char *const[]){"hook", "get-password-list", NULL},
         "--config FILE is required"},
        {(const char *const[]){"hook", "--config", "c.ini", "get-passwords",
                               NULL},
         "name one HOOK"},
        {(const char *const[]){"hook", "--config", "c.ini", "get-password-list",
                               "session-ended", NULL},
         "name one HOOK"},
        {(const char *const[]){"hook", "--frob", NULL},
         "Usage: credstack hook"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tu_run r = run(NULL, cases[i].argv, "{}");

        cr_expect_eq(r.status, 2, "case %zu: exit %d", i, r.status);
        cr_expect_str_eq(r.out, "", "case %zu: stdout: %s", i, r.out);
        cr_expect(strstr(r.err, cases[i].why) != NULL,
                  "case %zu: stderr lacks '%s':\n%s", i, cases[i].why, r.err);
        tu_run_free(&r);
    }
}

/* ---- get-password ---- */

static tu_run get_password(fix *f, const char *host, const char *extra,
                           const char *in)
{
    const char *argv[] = {"get-password",
                          "--config",
                          f->cfg,
                          "--gateway-user",
                          "gw",
                          "--target-user",
                          "root",
                          "--target-host",
                          host,
                          f->stack ? "--stack" : extra,
                          f->stack ? f->stack : NULL,
                          extra,
                          NULL};

    return run(f, argv, in);
}

Test(get_password, success_prints_exactly_the_password)
{
    fix f;
    tu_run r;

    fix_setup(&f, NULL,
              "resolve required test-result system=web01\n"
              "checkout required test-result password=\"c0rrect horse "
              "battery\"\n",
              0);
    r = get_password(&f, "10.0.0.1", NULL, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "c0rrect horse battery\n");
    cr_assert_null(strstr(r.err, "c0rrect"));
    tu_run_free(&r);
    fix_free(&f);
}

Test(get_password, denied_exit_1_empty_stdout)
{
    fix f;
    tu_run r;

    fix_setup(&f, NULL,
              "resolve required test-result result=denied password=leak\n"
              "checkout required test-result password=p\n",
              0);
    r = get_password(&f, "10.0.0.1", NULL, NULL);
    cr_assert_eq(r.status, 1, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    cr_assert(strstr(r.err, "no password"), "%s", r.err);
    cr_assert_null(strstr(r.err, "leak"));
    tu_run_free(&r);
    fix_free(&f);
}

Test(get_password, stack_without_credential_exit_1)
{
    fix f;
    tu_run r;

    fix_setup(&f, NULL, "resolve required test-result system=x\n", 0);
    r = get_password(&f, "10.0.0.1", NULL, NULL);
    cr_assert_eq(r.status, 1, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    cr_assert(strstr(r.err, "the stack ended without a credential"), "%s",
              r.err);
    tu_run_free(&r);
    fix_free(&f);
}

Test(get_password, module_error_exit_2)
{
    fix f;
    tu_run r;

    fix_setup(&f, NULL, "checkout required test-result result=error\n", 0);
    r = get_password(&f, "10.0.0.1", NULL, NULL);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    cr_assert(strstr(r.err, "s.stack:1"), "%s", r.err);
    tu_run_free(&r);
    fix_free(&f);
}

struct bad_config_case {
    const char *config;
    const char *stack;
    const char *where; /* "c.ini:N" or "s.stack:N", appended to the dir */
    const char *why;
};

static const struct bad_config_case bad_configs[] = {
    {"[logging]\n# x\nlog_level = loud\n", "checkout required test-result\n",
     "c.ini:3", "'loud' is not a log level"},
    {"[plugin]\nlog_level = 99\n", "checkout required test-result\n", "c.ini:2",
     "log_level"},
    {NULL, "checkout required test-result\ncheckout maybe test-result\n",
     "s.stack:2", "unknown control 'maybe'"},
    {NULL, "checkout required no-such-module\n", "s.stack:1",
     "no no-such-module.so"},
    {NULL, "checkout required test-result init=fail\n", "s.stack:1",
     "initialisation failed"},
};

Test(get_password, bad_configuration_exit_2_names_file_line)
{
    for (size_t i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++) {
        const struct bad_config_case *c = &bad_configs[i];
        char want[4200];
        fix f;
        tu_run r;

        fix_setup(&f, c->config, c->stack, 0);
        r = get_password(&f, "10.0.0.1", NULL, NULL);
        snprintf(want, sizeof(want), "%s/%s", f.dir, c->where);
        cr_expect_eq(r.status, 2, "case %zu: exit %d: %s", i, r.status, r.err);
        cr_expect_str_eq(r.out, "", "case %zu", i);
        cr_expect(strstr(r.err, want) && strstr(r.err, c->why),
                  "case %zu: stderr lacks '%s' / '%s':\n%s", i, want, c->why,
                  r.err);
        tu_run_free(&r);
        fix_free(&f);
    }
}

Test(get_password, missing_files_exit_2)
{
    fix f;
    tu_run r;
    char *absent;

    fix_setup(&f, NULL, "checkout required test-result password=p\n", 0);
    absent = tu_path(f.dir, "absent.stack");
    {
        const char *argv[] = {"get-password", "--config", f.cfg, "--stack",
                              absent,         "-g",       "gw",  "-u",
                              "root",         "-H",       "h1",  NULL};
        r = run(&f, argv, NULL);
    }
    cr_expect_eq(r.status, 2, "missing stack: exit %d: %s", r.status, r.err);
    cr_expect(strstr(r.err, absent), "%s", r.err);
    tu_run_free(&r);
    {
        const char *argv[] = {"get-password", "--config", absent, "--stack",
                              f.stack,        "-g",       "gw",   "-u",
                              "root",         "-H",       "h1",   NULL};
        r = run(&f, argv, NULL);
    }
    cr_expect_eq(r.status, 2, "missing config: exit %d: %s", r.status, r.err);
    cr_expect(strstr(r.err, absent), "%s", r.err);
    tu_run_free(&r);
    free(absent);
    fix_free(&f);
}

/* --trace and debug logs explain every line, never the password nor the gateway
 * password. */
Test(get_password, trace_never_shows_secrets)
{
    static const char *const levels[] = {"debug", "info"};

    for (size_t i = 0; i < 2; i++) {
        fix f;
        tu_run r;
        const char *argv[] = {"get-password",
                              "--config",
                              NULL,
                              "--stack",
                              NULL,
                              "--gateway-user",
                              "gw",
                              "--target-user",
                              "root",
                              "--target-host",
                              "web01.example.com",
                              "--gateway-password-stdin",
                              "--trace",
                              "--log-level",
                              levels[i],
                              NULL};

        fix_setup(&f, NULL,
                  "resolve required resolver-dns\n"
                  "map optional test-result result=denied password=Den13d\n"
                  "map required prefix prefix=PSM\n"
                  "authorize required auth-gateway\n"
                  "checkout required test-result password=T0pS3cret\n",
                  0);
        argv[2] = f.cfg;
        argv[4] = f.stack;
        r = run(&f, argv, "Gw-Pa55word\n");
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "T0pS3cret\n");
        cr_expect_eq(tu_count(r.err, "trace: "), 6, "%s", r.err);
        cr_expect(strstr(r.err, "[system=PSM_web01 account=root "
                                "auth=gateway]"),
                  "%s", r.err);
        cr_expect_null(strstr(r.err, "T0pS3cret"), "%s", r.err);
        cr_expect_null(strstr(r.err, "Den13d"), "%s", r.err);
        cr_expect_null(strstr(r.err, "Gw-Pa55word"), "%s", r.err);
        tu_run_free(&r);
        fix_free(&f);
    }
}

Test(get_password, bad_log_level_exit_2)
{
    fix f;
    tu_run r;

    fix_setup(&f, NULL, "checkout required test-result password=p\n", 0);
    r = get_password(&f, "h1", "--log-level=loud", NULL);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    cr_assert(strstr(r.err, "'loud'"), "%s", r.err);
    tu_run_free(&r);
    fix_free(&f);
}

/* The gateway password is the first line of stdin, without its line ending. */
Test(get_password, gateway_password_stdin)
{
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"pass with spaces\nsecond line\n", "pass with spaces|gw|root\n"},
        {"crlf\r\n", "crlf|gw|root\n"},
        {"no newline", "no newline|gw|root\n"},
        {"", "|gw|root\n"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fix f;
        tu_run r;

        fix_setup(&f, NULL,
                  "checkout required test-echo "
                  "items=gateway_password,gateway_user,target_user\n",
                  1);
        r = get_password(&f, "h1", "--gateway-password-stdin", cases[i].in);
        cr_expect_eq(r.status, 0, "case %zu: %s", i, r.err);
        cr_expect_str_eq(r.out, cases[i].out, "case %zu", i);
        tu_run_free(&r);
        fix_free(&f);
    }
}

Test(get_password, no_gateway_password_without_the_option)
{
    fix f;
    tu_run r;

    fix_setup(&f, NULL, "checkout required test-echo items=gateway_password\n",
              1);
    r = get_password(&f, "h1", NULL, "ignored\n");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "-\n");
    tu_run_free(&r);
    fix_free(&f);
}

/* ---- check ---- */

static tu_run check(fix *f, int no_load)
{
    const char *argv[] = {"check",
                          "--config",
                          f->cfg,
                          f->stack ? "--stack" : (no_load ? "--no-load" : NULL),
                          f->stack ? f->stack : NULL,
                          no_load && f->stack ? "--no-load" : NULL,
                          NULL};

    return run(f, argv, NULL);
}

/*
 * With no stack given, a section of the configuration selects
 * <stack dir>/<section>.stack (the TPAM modules ship tpam.stack; their own
 * tests check it); the core knows no section by name.
 */
static char *stack_dir_with(const char *dir, const char *name, const char *text)
{
    char *sd = tu_path(dir, "stacks");

    if (mkdir(sd, 0755) != 0)
        cr_assert_eq(errno, EEXIST);
    free(tu_write(sd, name, text));
    return sd;
}

static tu_run check_env(fix *f, const char *stack_dir)
{
    char *env_dir = NULL;
    const char *env[] = {NULL, NULL};
    tu_run r;

    cr_assert(asprintf(&env_dir, "CREDSTACK_STACK_DIR=%s", stack_dir) > 0);
    env[0] = env_dir;
    r = tu_credstack((const char *const[]){"check", "--config", f->cfg, NULL},
                     NULL, env);
    free(env_dir);
    return r;
}

Test(check, a_section_selects_its_stack)
{
    fix f;
    tu_run r;
    char *sd, want[4200];

    fix_setup(&f, "[logging]\nlog_level = error\n[vault]\naddress = x\n", NULL,
              0);
    sd = stack_dir_with(f.dir, "vault.stack",
                        "checkout required test-result password=p\n");
    r = check_env(&f, sd);
    cr_assert_eq(r.status, 0, "%s", r.err);
    snprintf(want, sizeof(want),
             "# stack %s/vault.stack, selected by [vault] at %s:3\n", sd,
             f.cfg);
    cr_assert(strstr(r.out, want), "%s", r.out);
    tu_run_free(&r);
    /* A problem in the chosen stack names the line that chose it. */
    free(stack_dir_with(f.dir, "vault.stack",
                        "checkout required test-result pasword=p\n"));
    r = check_env(&f, sd);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert(strstr(r.err, "vault.stack:1: module test-result takes no "
                            "argument 'pasword' (did you mean 'password'?)"),
              "%s", r.err);
    snprintf(want, sizeof(want), "the stack that [vault] at %s:3 selects",
             f.cfg);
    cr_assert(strstr(r.err, want), "%s", r.err);
    tu_run_free(&r);
    /* Two sections that each select a stack: say so. */
    free(stack_dir_with(f.dir, "logging.stack",
                        "checkout required test-result password=p\n"));
    r = check_env(&f, sd);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert(strstr(r.err, "sections [logging], [vault] each select a "
                            "stack"),
              "%s", r.err);
    tu_run_free(&r);
    free(sd);
    fix_free(&f);
}

Test(check, no_section_selects_a_stack)
{
    fix f;
    tu_run r;
    char *sd;

    fix_setup(&f, "[plugin]\nlog_level = info\n", NULL, 0);
    sd = stack_dir_with(f.dir, "other.stack", "checkout required x\n");
    r = check_env(&f, sd);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert(strstr(r.err, "no stack to run: give --stack, set [credstack] "
                            "stack, or configure a backend section"),
              "%s", r.err);
    tu_run_free(&r);
    free(sd);
    fix_free(&f);
}

struct check_bad_case {
    const char *config;
    int status; /* 0: a warning only */
    const char *pieces[3];
};

/* The core's own options (the TPAM ones: tests/integration/test_check.c). */
static const struct check_bad_case check_bad[] = {
    {"[plugin]\nconfig_version = one\n",
     2,
     {":2: plugin.config_version", "'one' is not a whole number", NULL}},
    {"[logging]\nlog_level = loud\n", 2, {"logging.log_level", "loud", NULL}},
    {"[logging]\ndestination = printer\n",
     2,
     {":2: logging.destination", "printer", NULL}},
    {"[credstack]\nagent = sometimes\n",
     2,
     {":2: credstack.agent", "not one of: off, auto", NULL}},
    {"[credstack]\ncache_ttl = -1\n",
     2,
     {":2: credstack.cache_ttl", "out of range", NULL}},
    /* No module of this stack reads [credstack]: a warning. */
    {"[credstack]\nmodle_dir = x\n",
     0,
     {":2: unknown option credstack.modle_dir (ignored)",
      "did you mean module_dir?", NULL}},
    /* test-result reads [test]: a misspelling there is an error. */
    {"[test]\nechoo = x\n",
     2,
     {":2: unknown option test.echoo; did you mean echo?", "[test]", NULL}},
    {"[test]\nsecret = s\nsecrte = s\n",
     2,
     {":3: unknown option test.secrte; did you mean secret?", NULL}},
    {"[test]\nzzz = 1\n",
     2,
     {":2: unknown option test.zzz (the stack's", NULL}},
};

Test(check, bad_options_exit_2)
{
    for (size_t i = 0; i < sizeof(check_bad) / sizeof(check_bad[0]); i++) {
        fix f;
        tu_run r;

        fix_setup(&f, check_bad[i].config,
                  "checkout required test-result password=p\n", 0);
        r = check(&f, 0);
        /* An unknown option is a warning outside the sections the stack's
         * modules read; a bad value, or a misspelling in [test], an error. */
        cr_expect_eq(r.status, check_bad[i].status, "case %zu: exit %d", i,
                     r.status);
        if (check_bad[i].status != 0)
            cr_expect_str_eq(r.out, "", "case %zu", i);
        for (size_t j = 0; check_bad[i].pieces[j]; j++)
            cr_expect(strstr(r.err, check_bad[i].pieces[j]),
                      "case %zu: stderr lacks '%s':\n%s", i,
                      check_bad[i].pieces[j], r.err);
        tu_run_free(&r);
        fix_free(&f);
    }
}

/* A value used only through %(name)s is a variable, not a typo. */
Test(check, interpolation_variables_are_not_unknown)
{
    fix f;
    tu_run r;

    fix_setup(&f, "[test]\nbase = hello\necho = %(base)s world\n",
              "checkout required test-result echo=yes\n", 0);
    r = check(&f, 0);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_null(strstr(r.err, "test.base"), "%s", r.err);
    tu_run_free(&r);
    fix_free(&f);
    /* The same section with an option nobody reads: an error, and only it. */
    fix_setup(&f, "[test]\nbase = hello\necho = %(base)s world\nbogus = 1\n",
              "checkout required test-result echo=yes\n", 0);
    r = check(&f, 0);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert_null(strstr(r.err, "test.base"), "%s", r.err);
    cr_assert(strstr(r.err, ":4: unknown option test.bogus"), "%s", r.err);
    tu_run_free(&r);
    fix_free(&f);
}

/* The printed stack reads back as the same stack. */
Test(check, stack_file_round_trip)
{
    const char *stack =
        "# comment\n"
        "resolve   sufficient test-result system=a\n"
        "resolve [success=done denied=die default=bad] test-result\n"
        "authorize required auth-gateway\n"
        "checkout required test-result password=\"a b\" "
        "system=\"q\\\"uote #hash \\\\back [br\" account=\"\"\n";
    const char *want =
        "resolve    sufficient  test-result system=a\n"
        "resolve    [success=done denied=die default=bad] test-result\n"
        "authorize  required    auth-gateway\n"
        "checkout   required    test-result password=\"a b\" "
        "system=\"q\\\"uote #hash \\\\back [br\" account=\"\"\n";
    fix f;
    tu_run r;
    char *again;
    const char *body;

    fix_setup(&f, NULL, stack, 0);
    r = check(&f, 0);
    cr_assert_eq(r.status, 0, "%s", r.err);
    body = strchr(strstr(r.out, "# module directory: "), '\n') + 1;
    cr_assert_str_eq(body, want);
    cr_assert(strstr(r.out, "# stack "), "%s", r.out);
    /* Feed the output back in. */
    again = tu_write(f.dir, "s.stack", r.out);
    tu_run_free(&r);
    r = check(&f, 0);
    cr_assert_eq(r.status, 0, "%s", r.err);
    body = strchr(strstr(r.out, "# module directory: "), '\n') + 1;
    cr_assert_str_eq(body, want);
    tu_run_free(&r);
    free(again);
    fix_free(&f);
}

Test(check, loads_modules_unless_no_load)
{
    fix f;
    tu_run r;

    fix_setup(&f, NULL, "checkout required not-built-yet\n", 0);
    r = check(&f, 0);
    cr_expect_eq(r.status, 2);
    cr_expect_str_eq(r.out, "");
    cr_expect(strstr(r.err, "s.stack:1") && strstr(r.err, "not-built-yet"),
              "%s", r.err);
    tu_run_free(&r);
    r = check(&f, 1);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "checkout   required    not-built-yet\n"), "%s",
              r.out);
    tu_run_free(&r);
    fix_free(&f);
}

/* ---- hook ---- */

static tu_run hook(fix *f, const char *name, const char *in)
{
    const char *argv[] = {"hook",    name,     "--config", f->cfg,
                          "--stack", f->stack, "--trace",  NULL};

    return run(f, argv, in);
}

/* Parse stdout as one JSON object; fail the test otherwise. */
static json_t *reply(const tu_run *r)
{
    json_error_t e;
    json_t *j = json_loads(r->out, 0, &e);

    cr_assert(json_is_object(j), "stdout is not a JSON object (%s): %s", e.text,
              r->out);
    return j;
}

/* Whether got equals want; takes want's reference. */
static int json_same(json_t *got, json_t *want)
{
    int same = json_equal(got, want);

    json_decref(want);
    return same;
}

static void expect_keys(json_t *j, const char *const *keys)
{
    size_t n = 0;

    for (; keys[n]; n++)
        cr_expect_not_null(json_object_get(j, keys[n]), "no key %s", keys[n]);
    cr_expect_eq(json_object_size(j), n, "%zu keys, want %zu",
                 json_object_size(j), n);
}

static const char *const echo_stack =
    "checkout required test-echo "
    "items=gateway_user,target_user,target_host,target_port,protocol,"
    "client_ip,session_id\n";

static const char *const base_request =
    "{\"session_id\": \"sess-1\", \"cookie\": {\"call_count\": 2, \"mine\": "
    "\"kept\"}, \"session_cookie\": {\"s\": [1, 2]}, \"protocol\": \"ssh\", "
    "\"client_ip\": \"192.0.2.7\", \"gateway_username\": \"alice\", "
    "\"gateway_password\": \"Gw-S3cret\", \"target_username\": \"root\", "
    "\"target_host\": \"10.0.0.5\", \"target_port\": 22, "
    "\"target_domain\": null";

Test(hook, get_password_list_shape)
{
    static const char *const keys[] = {"passwords", "cookie", "session_cookie",
                                       NULL};
    char in[2048];
    fix f;
    tu_run r;
    json_t *j, *list, *cookie;

    snprintf(in, sizeof(in), "%s}", base_request);
    fix_setup(&f, NULL, echo_stack, 1);
    r = hook(&f, "get-password-list", in);
    cr_assert_eq(r.status, 0, "%s", r.err);
    j = reply(&r);
    expect_keys(j, keys);
    list = json_object_get(j, "passwords");
    cr_assert(json_is_array(list) && json_array_size(list) == 1, "%s", r.out);
    /* SPS sends target_port as a number: it becomes the text "22". */
    cr_assert_str_eq(json_string_value(json_array_get(list, 0)),
                     "alice|root|10.0.0.5|22|ssh|192.0.2.7|sess-1");
    cookie = json_object_get(j, "cookie");
    cr_assert_eq(json_integer_value(json_object_get(cookie, "call_count")), 3);
    cr_assert_str_eq(json_string_value(json_object_get(cookie, "mine")),
                     "kept");
    cr_assert(json_same(json_object_get(j, "session_cookie"),
                        json_pack("{s:[i,i]}", "s", 1, 2)));
    /* Only stdout carries the answer; stderr has the trace, no secret. */
    cr_assert(strstr(r.err, "trace: "), "%s", r.err);
    cr_assert_null(strstr(r.err, "Gw-S3cret"), "%s", r.err);
    cr_assert_null(strstr(r.err, "alice|root"), "%s", r.err);
    json_decref(j);
    tu_run_free(&r);
    fix_free(&f);
}

Test(hook, first_call_cookie)
{
    fix f;
    tu_run r;
    json_t *j;

    fix_setup(&f, NULL, echo_stack, 1);
    r = hook(&f, "get-password-list",
             "{\"gateway_username\": \"a\", \"target_username\": \"b\", "
             "\"target_host\": \"h\"}");
    cr_assert_eq(r.status, 0, "%s", r.err);
    j = reply(&r);
    cr_assert(json_same(json_object_get(j, "cookie"),
                        json_pack("{s:i}", "call_count", 1)),
              "%s", r.out);
    cr_assert(json_same(json_object_get(j, "session_cookie"), json_object()),
              "%s", r.out);
    cr_assert_str_eq(
        json_string_value(json_array_get(json_object_get(j, "passwords"), 0)),
        "a|b|h|-|-|-|-");
    json_decref(j);
    tu_run_free(&r);
    fix_free(&f);
}

Test(hook, gateway_password_reaches_the_request)
{
    char in[2048];
    fix f;
    tu_run r;
    json_t *j;

    snprintf(in, sizeof(in), "%s}", base_request);
    fix_setup(&f, NULL, "checkout required test-echo items=gateway_password\n",
              1);
    r = hook(&f, "get-password-list", in);
    cr_assert_eq(r.status, 0, "%s", r.err);
    j = reply(&r);
    cr_assert_str_eq(
        json_string_value(json_array_get(json_object_get(j, "passwords"), 0)),
        "Gw-S3cret");
    cr_assert_null(strstr(r.err, "Gw-S3cret"), "%s", r.err);
    json_decref(j);
    tu_run_free(&r);
    fix_free(&f);
}

struct server_case {
    const char *extra; /* appended members */
    const char *want;  /* target_user|target_host|target_port */
};

static const struct server_case server_cases[] = {
    {"", "root|10.0.0.5|22"},
    /* The connect address wins over the name that came with it. */
    {", \"server_username\": \"srvuser\", \"server_hostname\": \"srvhost\", "
     "\"server_ip\": \"10.9.9.9\", \"server_port\": \"2222\"",
     "srvuser|10.9.9.9|2222"},
    {", \"server_ip\": \"10.9.9.9\"", "root|10.9.9.9|22"},
    /* target_host is an address (base_request): a server_hostname alone
     * does not override it. */
    {", \"server_hostname\": \"srvhost\"", "root|10.0.0.5|22"},
    /* An empty or null server_* member does not win. */
    {", \"server_username\": \"\", \"server_hostname\": null",
     "root|10.0.0.5|22"},
    {", \"server_ip\": \"\", \"server_hostname\": \"srvhost\"",
     "root|10.0.0.5|22"},
};

Test(hook, server_fields_win)
{
    for (size_t i = 0; i < sizeof(server_cases) / sizeof(server_cases[0]);
         i++) {
        char in[2048];
        fix f;
        tu_run r;
        json_t *j;

        snprintf(in, sizeof(in), "%s%s}", base_request, server_cases[i].extra);
        fix_setup(&f, NULL,
                  "checkout required test-echo "
                  "items=target_user,target_host,target_port\n",
                  1);
        r = hook(&f, "get-password-list", in);
        cr_expect_eq(r.status, 0, "case %zu: %s", i, r.err);
        j = reply(&r);
        cr_expect_str_eq(json_string_value(json_array_get(
                             json_object_get(j, "passwords"), 0)),
                         server_cases[i].want, "case %zu: %s", i, r.out);
        json_decref(j);
        tu_run_free(&r);
        fix_free(&f);
    }
}

/* Which host a request names: the connect address when there is one (an
 * address in server_ip or target_host), a name only when there is none. */
struct host_case {
    const char *members; /* host members of the request */
    const char *want;    /* target_host item */
    const char *ignored; /* in the trace: "<member> '<name>' ignored" */
};

static const struct host_case host_cases[] = {
    {"\"server_hostname\": \"dbA.example.com\", \"server_ip\": \"10.1.1.2\"",
     "10.1.1.2",
     "server_hostname 'dbA.example.com' ignored; using connect "
     "address '10.1.1.2'"},
    {"\"target_host\": \"dbA.example.com\", \"server_ip\": \"2001:db8::7\"",
     "2001:db8::7", "target_host 'dbA.example.com' ignored"},
    {"\"target_host\": \"10.1.1.3\", \"server_hostname\": \"dbA\"", "10.1.1.3",
     "server_hostname 'dbA' ignored; using connect address '10.1.1.3'"},
    {"\"target_host\": \"2001:db8::7\", \"server_hostname\": \"dbA\"",
     "2001:db8::7", "server_hostname 'dbA' ignored"},
    /* server_ip wins over an address in target_host too. */
    {"\"target_host\": \"10.1.1.3\", \"server_ip\": \"10.1.1.2\"", "10.1.1.2",
     "target_host '10.1.1.3' ignored"},
    /* Address-shaped but malformed: still the address (the modules refuse
     * it), never the name beside it. */
    {"\"target_host\": \"127.1\", \"server_hostname\": \"dbA\"", "127.1",
     "server_hostname 'dbA' ignored"},
    {"\"target_host\": \"[2001:db8::7]\", \"server_hostname\": \"dbA\"",
     "[2001:db8::7]", "server_hostname 'dbA' ignored"},
    /* Names only: server_hostname wins over target_host; nothing ignored. */
    {"\"target_host\": \"dbB\", \"server_hostname\": \"dbA.example.com\"",
     "dbA.example.com", NULL},
    {"\"target_host\": \"dbB.example.com\"", "dbB.example.com", NULL},
    {"\"server_hostname\": \"dbA\"", "dbA", NULL},
    /* The same value twice is not reported. */
    {"\"target_host\": \"10.1.1.2\", \"server_ip\": \"10.1.1.2\"", "10.1.1.2",
     NULL},
    /* A name is shown escaped: it cannot forge a log line. */
    {"\"server_hostname\": \"a\\nb'c\", \"server_ip\": \"10.1.1.2\"",
     "10.1.1.2", "server_hostname 'a\\x0ab\\x27c' ignored"},
};

Test(hook, connect_address_is_authoritative)
{
    for (size_t i = 0; i < sizeof(host_cases) / sizeof(host_cases[0]); i++) {
        const struct host_case *c = &host_cases[i];
        char in[2048];
        fix f;
        tu_run r;
        json_t *j;

        snprintf(in, sizeof(in),
                 "{\"gateway_username\": \"alice\", \"target_username\": "
                 "\"root\", %s}",
                 c->members);
        fix_setup(&f, NULL, "checkout required test-echo items=target_host\n",
                  1);
        r = hook(&f, "get-password-list", in);
        cr_expect_eq(r.status, 0, "case %zu: %s", i, r.err);
        j = reply(&r);
        cr_expect_str_eq(json_string_value(json_array_get(
                             json_object_get(j, "passwords"), 0)),
                         c->want, "case %zu: %s", i, r.out);
        if (c->ignored)
            cr_expect(strstr(r.err, c->ignored) != NULL,
                      "case %zu: stderr lacks \"%s\":\n%s", i, c->ignored,
                      r.err);
        else
            cr_expect_null(strstr(r.err, "ignored"), "case %zu: %s", i, r.err);
        json_decref(j);
        tu_run_free(&r);
        fix_free(&f);
    }
}

/* The name that came with the address is in the audit line (the log SPS
 * keeps), marked unused, even without --trace. */
Test(hook, unused_name_in_the_audit_line)
{
    fix f;
    tu_run r;

    fix_setup(&f, "[logging]\nlog_level = info\n",
              "checkout required test-echo items=target_host\n", 1);
    r = tu_credstack((const char *const[]){"hook", "get-password-list",
                                           "--config", f.cfg, "--stack",
                                           f.stack, NULL},
                     "{\"gateway_username\": \"alice\", \"target_username\": "
                     "\"root\", \"server_hostname\": \"dbA.example.com\", "
                     "\"server_ip\": \"10.1.1.2\"}",
                     NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, "audit: gateway_user=alice target=root@10.1.1.2 "
                            "unused_name=dbA.example.com system="),
              "%s", r.err);
    tu_run_free(&r);
    fix_free(&f);
}

/* call_count: one more each call; at the top of the range it stays there
 * (no signed overflow); anything but a positive integer starts again at 1. */
struct count_case {
    const char *cookie;
    long long want;
};

static const struct count_case count_cases[] = {
    {"{\"call_count\": 9223372036854775807}", 9223372036854775807LL},
    {"{\"call_count\": 9223372036854775806}", 9223372036854775807LL},
    {"{\"call_count\": 41}", 42},
    {"{\"call_count\": 0}", 1},
    {"{\"call_count\": -5}", 1},
    {"{\"call_count\": -9223372036854775807}", 1},
    {"{\"call_count\": 2.5}", 1},
    {"{\"call_count\": \"7\"}", 1},
    {"{\"call_count\": null}", 1},
    {"{\"call_count\": [1]}", 1},
    {"{}", 1},
    {"\"not an object\"", 1},
};

Test(hook, call_count_saturates)
{
    static const char *const hooks[] = {"get-password-list",
                                        "authentication-completed"};

    for (size_t h = 0; h < 2; h++) {
        for (size_t i = 0; i < sizeof(count_cases) / sizeof(count_cases[0]);
             i++) {
            char in[2048];
            fix f;
            tu_run r;
            json_t *j, *count;

            snprintf(in, sizeof(in),
                     "{\"gateway_username\": \"a\", \"target_username\": "
                     "\"b\", \"target_host\": \"h\", \"cookie\": %s}",
                     count_cases[i].cookie);
            fix_setup(&f, NULL, echo_stack, 1);
            r = hook(&f, hooks[h], in);
            cr_expect_eq(r.status, 0, "%s case %zu: %s", hooks[h], i, r.err);
            j = reply(&r);
            count = json_object_get(json_object_get(j, "cookie"), "call_count");
            cr_expect(json_is_integer(count), "%s case %zu: %s", hooks[h], i,
                      r.out);
            cr_expect_eq(json_integer_value(count), count_cases[i].want,
                         "%s case %zu (%s): call_count %lld, want %lld",
                         hooks[h], i, count_cases[i].cookie,
                         (long long)json_integer_value(count),
                         count_cases[i].want);
            json_decref(j);
            tu_run_free(&r);
            fix_free(&f);
        }
    }
}

Test(hook, denied_is_an_empty_list_exit_0)
{
    char in[2048];
    fix f;
    tu_run r;
    json_t *j;

    snprintf(in, sizeof(in), "%s}", base_request);
    fix_setup(&f, NULL,
              "checkout required test-result result=denied password=leak\n", 0);
    r = hook(&f, "get-password-list", in);
    cr_assert_eq(r.status, 0, "%s", r.err);
    j = reply(&r);
    cr_assert(json_is_array(json_object_get(j, "passwords")));
    cr_assert_eq(json_array_size(json_object_get(j, "passwords")), 0);
    cr_assert_eq(json_integer_value(json_object_get(
                     json_object_get(j, "cookie"), "call_count")),
                 3);
    cr_assert(strstr(r.err, "no password"), "%s", r.err);
    cr_assert_null(strstr(r.out, "leak"));
    json_decref(j);
    tu_run_free(&r);
    fix_free(&f);
}

struct broken_request {
    const char *in;
    const char *why;
};

static const struct broken_request broken_requests[] = {
    {"not json", "not a JSON object"},
    {"", "not a JSON object"},
    {"[1, 2]", "not a JSON object"},
    {"\"string\"", "not a JSON object"},
    {"{\"gateway_username\": \"a\", \"gateway_username\": \"b\", "
     "\"target_username\": \"b\", \"target_host\": \"h\"}",
     "not a JSON object"},
    {"{}", "needs string members"},
    {"{\"target_username\": \"b\", \"target_host\": \"h\"}",
     "needs string members"},
    {"{\"gateway_username\": \"a\", \"target_host\": \"h\"}",
     "needs string members"},
    {"{\"gateway_username\": \"a\", \"target_username\": \"b\"}",
     "needs string members"},
    {"{\"gateway_username\": 42, \"target_username\": \"b\", "
     "\"target_host\": \"h\"}",
     "needs string members"},
    {"{\"gateway_username\": [\"a\"], \"target_username\": \"b\", "
     "\"target_host\": \"h\"}",
     "needs string members"},
    {"{\"gateway_username\": \"a\", \"target_username\": \"b\", "
     "\"target_host\": {\"ip\": \"h\"}}",
     "needs string members"},
    {"{\"gateway_username\": \"a\", \"target_username\": \"b\", "
     "\"target_host\": \"h\", \"gateway_password\": true}",
     "needs string members"},
};

Test(hook, broken_request_exit_2)
{
    for (size_t i = 0; i < sizeof(broken_requests) / sizeof(broken_requests[0]);
         i++) {
        fix f;
        tu_run r;
        json_t *j;

        fix_setup(&f, NULL, echo_stack, 1);
        r = hook(&f, "get-password-list", broken_requests[i].in);
        cr_expect_eq(r.status, 2, "case %zu: exit %d", i, r.status);
        cr_expect(strstr(r.err, broken_requests[i].why),
                  "case %zu: stderr lacks '%s':\n%s", i, broken_requests[i].why,
                  r.err);
        /* Still one JSON object, with an empty list: never half an answer. */
        j = reply(&r);
        cr_expect_eq(json_array_size(json_object_get(j, "passwords")), 0,
                     "case %zu: %s", i, r.out);
        json_decref(j);
        tu_run_free(&r);
        fix_free(&f);
    }
}

/*
 * A request that is not JSON is described by a position and fixed words,
 * never by its text: jansson's message quotes the input ("invalid token near
 * 'Zq-pw-7'"), and what the hook writes to stderr reaches SPS's syslog.
 */
Test(hook, parse_error_gives_a_position_never_text)
{
    static const struct {
        const char *in;
        const char *at; /* the position expected */
    } cases[] = {
        {"{\"gateway_password\": Zq-pw-7}", "line 1, column 23 (byte 23)"},
        {"{\"gateway_username\": \"a\",\n \"gateway_password\": \"Zq-pw-7",
         "line 2, column 29"},
        {"{\"gateway_password\": \"x\"} Zq-pw-7",
         "line 1, column 28 (byte 28)"},
        {"{\"Zq-pw-7\": 1, \"Zq-pw-7\": 2}", "line 1"},
        {"{\"gateway_password\": \"Zq-pw-7\\u00\"}", "line 1"},
        {"{\"gateway_password\": \"Zq-pw-7\xff\"}", "line 1"},
        {"Zq-pw-7", "line 1, column 2 (byte 2)"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fix f;
        tu_run r;

        fix_setup(&f, NULL, echo_stack, 1);
        r = hook(&f, "get-password-list", cases[i].in);
        cr_expect_eq(r.status, 2, "case %zu: exit %d", i, r.status);
        cr_expect(strstr(r.err, "not a JSON object") != NULL, "case %zu: %s", i,
                  r.err);
        cr_expect(strstr(r.err, cases[i].at) != NULL,
                  "case %zu: stderr lacks '%s':\n%s", i, cases[i].at, r.err);
        cr_expect(strstr(r.err, "Zq") == NULL && strstr(r.err, "near") == NULL,
                  "case %zu: the input reached stderr:\n%s", i, r.err);
        cr_expect(strstr(r.out, "Zq") == NULL, "case %zu: %s", i, r.out);
        tu_run_free(&r);
        fix_free(&f);
    }
}

Test(hook, bad_configuration_exit_2)
{
    char in[2048], want[4200];
    fix f;
    tu_run r;

    snprintf(in, sizeof(in), "%s}", base_request);
    fix_setup(&f, "[logging]\nlog_level = loud\n", echo_stack, 1);
    r = hook(&f, "get-password-list", in);
    snprintf(want, sizeof(want), "%s:2", f.cfg);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert(strstr(r.err, want), "%s", r.err);
    tu_run_free(&r);
    fix_free(&f);
}

Test(hook, other_hooks_shapes)
{
    static const char *const key_lists[][4] = {
        {"private_keys", "cookie", "session_cookie", NULL},
        {"cookie", "session_cookie", NULL},
        {"cookie", "session_cookie", NULL},
    };
    static const char *const hooks[] = {
        "get-private-key-list", "authentication-completed", "session-ended"};
    char in[2048];

    snprintf(in, sizeof(in), "%s}", base_request);
    for (size_t i = 0; i < 3; i++) {
        fix f;
        tu_run r;
        json_t *j;

        fix_setup(&f, NULL, echo_stack, 1);
        r = hook(&f, hooks[i], in);
        cr_expect_eq(r.status, 0, "%s: %s", hooks[i], r.err);
        j = reply(&r);
        expect_keys(j, key_lists[i]);
        if (i == 0) {
            cr_expect(json_is_array(json_object_get(j, "private_keys")));
            cr_expect_eq(json_array_size(json_object_get(j, "private_keys")),
                         0);
        }
        cr_expect_eq(json_integer_value(json_object_get(
                         json_object_get(j, "cookie"), "call_count")),
                     3, "%s: %s", hooks[i], r.out);
        cr_expect_str_eq(json_string_value(json_object_get(
                             json_object_get(j, "cookie"), "mine")),
                         "kept");
        /* No stack runs for these: no password anywhere. */
        cr_expect_null(strstr(r.out, "alice|root"), "%s", r.out);
        json_decref(j);
        tu_run_free(&r);
        fix_free(&f);
    }
}
