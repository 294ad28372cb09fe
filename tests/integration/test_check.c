/* SPDX-License-Identifier: MIT */
/* test_check.c: credstack check finds every configuration problem at once,
 * with its file and line and no network; check --connect logs in to TPAM
 * (sshd + tpam-sim) and names the cause and the fix of each failure. */
/* Long file: one test per kind of problem check finds (options, values,
 * unsafe files, each step of --connect), over one harness. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../unit/testutil.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static char *tmp;

static void clear_log(void)
{
    cr_assert_eq(tu_truncate(tu_env("TPAM_COMMANDS_LOG")), 0);
}

static void setup(void)
{
    tu_load_harness();
    tmp = tu_tmpdir();
    clear_log();
}

static void teardown(void)
{
    tu_rmtree(tmp);
    tmp = NULL;
}

TestSuite(check, .init = setup, .fini = teardown, .timeout = 300);

static char *write_conf(const char *text)
{
    return tu_write(tmp, "credstack.conf", text);
}

/* A working [tpam] configuration with `extra` [tpam] lines and host key. */
static char *good_conf(const char *hostkey, const char *userkey,
                       const char *port)
{
    char *key = tu_ini_value(tu_env(userkey));
    char *text = NULL, *path;

    cr_assert(asprintf(&text,
                       "[tpam]\n"
                       "server = %s\n"
                       "server_port = %s\n"
                       "server_user = %s\n"
                       "server_public_key = %s\n"
                       "server_user_key = %s\n"
                       "[logging]\n"
                       "log_level = warning\n",
                       tu_env("TPAM_HOST"), port ? port : tu_env("TPAM_PORT"),
                       tu_env("TPAM_USER"), tu_env(hostkey), key) > 0);
    path = write_conf(text);
    free(text);
    free(key);
    return path;
}

static tu_run check(const char *cfg, int connect)
{
    return tu_credstack(connect ? ARGV("check", "--config", cfg, "--connect")
                                : ARGV("check", "--config", cfg),
                        NULL, NULL);
}

static void expect_line(const tu_run *r, const char *want)
{
    cr_expect(strstr(r->err, want) != NULL, "stderr lacks '%s':\n%s", want,
              r->err);
}

/* expect_line() of a formatted line. */
__attribute__((format(printf, 2, 3))) static void
expect_linef(const tu_run *r, const char *fmt, ...)
{
    char want[1200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(want, sizeof(want), fmt, ap);
    va_end(ap);
    expect_line(r, want);
}

static long log_lines(void)
{
    char *text = tu_slurp(tu_env("TPAM_COMMANDS_LOG"));
    long n = text ? tu_count(text, "\n") : -1;

    free(text);
    return n;
}

/* ---- every problem at once, each with its line, with no network ---- */

Test(check, every_missing_option_and_bad_value_in_one_run)
{
    /* The seed's placeholders as a new user pastes them. */
    char *cfg = write_conf("[plugin]\n"                       /* 1 */
                           "config_version = one\n"           /* 2 */
                           "[tpam]\n"                         /* 3 */
                           "server_port = twenty-two\n"       /* 4 */
                           "authorization = everyone\n"       /* 5 */
                           "reuse_gateway_password = maybe\n" /* 6 */
                           "system_maptoreal = 2\n");         /* 7 */
    tu_run r = check(cfg, 0);

    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_expect_str_eq(r.out, "");
    expect_linef(&r,
                 "%s:2: plugin.config_version: 'one' is not "
                 "a whole number",
                 cfg);
    expect_linef(&r,
                 "%s:4: tpam.server_port: 'twenty-two' is "
                 "not a whole number",
                 cfg);
    expect_linef(&r,
                 "%s:5: tpam.authorization: 'everyone' is not one of: gateway, "
                 "approval, policy",
                 cfg);
    expect_linef(
        &r, "%s:6: tpam.reuse_gateway_password: 'maybe' is not a boolean", cfg);
    expect_linef(&r, "%s:7: tpam.system_maptoreal: '2' is not a boolean", cfg);
    /* The required ones name the section's line. */
    for (size_t i = 0; i < 4; i++) {
        static const char *const names[] = {
            "server", "server_user", "server_user_key", "server_public_key"};
        expect_linef(&r, "%s:3: [tpam] %s is required", cfg, names[i]);
    }
    expect_line(&r, "configuration error (9 problems)");
    cr_expect_eq(log_lines(), 0, "check asked TPAM something");
    tu_run_free(&r);
    free(cfg);
}

Test(check, values_that_do_not_parse)
{
    char *text = NULL, *cfg;
    tu_run r;

    cr_assert(asprintf(&text,
                       "[tpam]\n"                                       /* 1 */
                       "server = %s\n"                                  /* 2 */
                       "server_port = 70000\n"                          /* 3 */
                       "server_user = %s\n"                             /* 4 */
                       "server_public_key = 127.0.0.1 ssh-ed25519 !!\n" /* 5 */
                       "server_user_key = $\n"                          /* 6 */
                       "max_rows = 1\n",                                /* 7 */
                       tu_env("TPAM_HOST"), tu_env("TPAM_USER")) > 0);
    cfg = write_conf(text);
    free(text);
    r = check(cfg, 0);
    cr_assert_eq(r.status, 2, "%s", r.err);
    expect_linef(&r,
                 "%s:3: tpam.server_port: '70000' is out of range (1 to 65535)",
                 cfg);
    expect_linef(
        &r, "%s:5: tpam.server_public_key: line 1 is not a known_hosts line",
        cfg);
    expect_linef(&r, "%s:7: tpam.max_rows: '1' is out of range (2 to 100000)",
                 cfg);
    /* "$" and no store: said once, by the secret source that would read it. */
    expect_line(&r, "no credential store is configured: set "
                    "[credential_store] name");
    cr_expect_eq(log_lines(), 0);
    tu_run_free(&r);
    free(cfg);
}

Test(check, a_store_that_does_not_exist)
{
    char *text = NULL, *cfg;
    tu_run r;

    cr_assert(asprintf(&text,
                       "[tpam]\nserver = %s\nserver_user = %s\n"
                       "server_public_key = %s\nserver_user_key = $\n"
                       "[credential_store]\nname = nosuchstore\n",
                       tu_env("TPAM_HOST"), tu_env("TPAM_USER"),
                       tu_env("TPAM_HOSTKEY_ED25519")) > 0);
    cfg = write_conf(text);
    free(text);
    r = check(cfg, 0);
    cr_assert_eq(r.status, 2, "%s", r.err);
    expect_linef(
        &r, "%s:7: credential_store.name: credential store 'nosuchstore'", cfg);
    expect_line(&r, "does not exist (create it with: credstack store init "
                    "--store nosuchstore)");
    tu_run_free(&r);
    free(cfg);
}

/*
 * A misspelt option in a section the stack's modules read is an error: it
 * would fall back to its default, and "authorisation = policy" would mean
 * authorization = gateway (everyone gets the password).  check lists it
 * with its line; get-password and hook refuse to run (exit 2) and ask TPAM
 * nothing.  Elsewhere ([logging], an unknown section) it stays a warning.
 */
/* The line number of the first line holding needle. */
static int line_of(const char *text, const char *needle)
{
    const char *p = strstr(text, needle);
    int n = 1;

    cr_assert_not_null(p, "no '%s'", needle);
    for (const char *q = text; q < p; q++)
        n += *q == '\n';
    return n;
}

Test(check, a_misspelt_option_in_an_owned_section_is_an_error)
{
    char *key = tu_ini_value(tu_env("TPAM_CLIENT_KEY"));
    char *text = NULL, *cfg;
    int at;
    tu_run r;

    cr_assert(asprintf(&text,
                       "[tpam]\n"
                       "server = %s\n"
                       "server_port = %s\n"
                       "server_user = %s\n"
                       "server_public_key = %s\n"
                       "server_user_key = %s\n"
                       "authorisation = policy\n"
                       "system_prefix = PSM\n"
                       "[logging]\n"
                       "log_level = warning\n"
                       "destinaton = stderr\n"
                       "[tpma]\n"
                       "server = elsewhere\n",
                       tu_env("TPAM_HOST"), tu_env("TPAM_PORT"),
                       tu_env("TPAM_USER"), tu_env("TPAM_HOSTKEY_ED25519"),
                       key) > 0);
    cfg = write_conf(text);
    /* The key is several lines long: count. */
    at = line_of(text, "authorisation");
    r = check(cfg, 0);
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect_str_eq(r.out, "");
    expect_linef(&r,
                 "%s:%d: unknown option tpam.authorisation; did you mean "
                 "authorization?",
                 cfg, at);
    /* Not read by a module of the stack: warnings, as before. */
    expect_linef(&r,
                 "%s:%d: unknown option logging.destinaton (ignored); did "
                 "you mean destination?",
                 cfg, line_of(text, "destinaton"));
    expect_linef(&r,
                 "%s:%d: unknown section [tpma] (ignored); did you mean "
                 "[tpam]?",
                 cfg, line_of(text, "[tpma]"));
    tu_run_free(&r);
    /* erin holds no policy, but authorization = gateway would let her in. */
    r = tu_credstack(ARGV("get-password", "--config", cfg, "--gateway-user",
                          "erin", "--target-user", "root", "--target-host",
                          "10.20.30.40"),
                     NULL, NULL);
    cr_expect_eq(r.status, 2, "exit %d: %s", r.status, r.err);
    cr_expect_str_eq(r.out, "");
    expect_linef(&r, "%s:%d: unknown option tpam.authorisation", cfg, at);
    tu_run_free(&r);
    r = tu_credstack(ARGV("hook", "get-password-list", "--config", cfg),
                     "{\"gateway_username\": \"erin\", \"target_username\": "
                     "\"root\", \"target_host\": \"10.20.30.40\"}",
                     NULL);
    cr_expect_eq(r.status, 2, "exit %d: %s", r.status, r.err);
    cr_expect(strstr(r.out, "p@ss") == NULL, "%s", r.out);
    expect_linef(&r, "%s:%d: unknown option tpam.authorisation", cfg, at);
    tu_run_free(&r);
    cr_expect_eq(log_lines(), 0, "TPAM was asked something");
    free(text);
    free(key);
    free(cfg);
}

Test(check, a_good_configuration_passes_without_the_network)
{
    char *cfg = good_conf("TPAM_HOSTKEY_ED25519", "TPAM_CLIENT_KEY", NULL);
    tu_run r = check(cfg, 0);

    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "selected by [tpam] at ") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "\ncheckout   required    checkout-tpam\n"), "%s",
              r.out);
    cr_expect_eq(log_lines(), 0);
    tu_run_free(&r);
    free(cfg);
}

/*
 * libcredstack-tpam.so, tpam.stack and the stack directory pass the loader's
 * owner and mode checks (issue 16 item 11): writable by group or others, each
 * is refused with its name (exit 2); the same files with safe modes work.
 */
Test(check, unsafe_tpam_library_or_stack_is_refused)
{
    char *cfg = good_conf("TPAM_HOSTKEY_ED25519", "TPAM_CLIENT_KEY", NULL);
    char *lib = tu_path(tmp, "lib"), *stacks = tu_path(tmp, "stacks");
    char *so = tu_path(lib, "libcredstack-tpam.so");
    char *stack = tu_path(stacks, "tpam.stack"), *from = NULL;
    char *env_lib = NULL, *env_stacks = NULL, want[4200];
    const char *env[3];
    static const struct {
        mode_t lib_dir, lib, stack_dir, stack;
        int status;
        int which; /* 0: the library named, 1: the stack, 2: its dir */
    } cases[] = {
        {0755, 0644, 0755, 0644, 0, -1}, {0755, 0664, 0755, 0644, 2, 0},
        {0755, 0646, 0755, 0644, 2, 0},  {0775, 0644, 0755, 0644, 2, 3},
        {0755, 0644, 0755, 0664, 2, 1},  {0755, 0644, 0775, 0644, 2, 2},
    };

    cr_assert(mkdir(lib, 0755) == 0 && mkdir(stacks, 0755) == 0);
    cr_assert(asprintf(&from, "%s/modules/tpam-common/.libs/%s",
                       tu_env("CREDSTACK_TEST_BUILDDIR"),
                       "libcredstack-tpam.so") > 0);
    cr_assert_eq(tu_copy(from, so), 0, "%s", from);
    free(from);
    from = tu_path(tu_env("CREDSTACK_TEST_SRCDIR"),
                   "modules/tpam-common/stacks/tpam.stack");
    cr_assert_eq(tu_copy(from, stack), 0, "%s", from);
    cr_assert(asprintf(&env_lib, "LD_LIBRARY_PATH=%s", lib) > 0);
    cr_assert(asprintf(&env_stacks, "CREDSTACK_STACK_DIR=%s", stacks) > 0);
    env[0] = env_lib;
    env[1] = env_stacks;
    env[2] = NULL;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tu_run r;

        cr_assert(chmod(lib, cases[i].lib_dir) == 0 &&
                  chmod(so, cases[i].lib) == 0 &&
                  chmod(stacks, cases[i].stack_dir) == 0 &&
                  chmod(stack, cases[i].stack) == 0);
        r = tu_credstack(ARGV("check", "--config", cfg), NULL, env);
        cr_expect_eq(r.status, cases[i].status, "case %zu: exit %d: %s", i,
                     r.status, r.err);
        switch (cases[i].which) {
        case 0:
            snprintf(want, sizeof(want),
                     "library %s: %s: refused: writable by group or others "
                     "(mode %04o)",
                     so, so, (unsigned)cases[i].lib);
            break;
        case 1:
            snprintf(want, sizeof(want),
                     "%s: stack file refused: %s: refused: writable by group "
                     "or others (mode 0664)",
                     stack, stack);
            break;
        case 2:
        case 3:
            snprintf(want, sizeof(want),
                     "%s: refused: writable by group or others (mode 0775)",
                     cases[i].which == 2 ? stacks : lib);
            break;
        default:
            want[0] = '\0';
        }
        cr_expect(strstr(r.err, want) != NULL,
                  "case %zu: stderr lacks '%s':\n%s", i, want, r.err);
        if (cases[i].status == 0)
            cr_expect(strstr(r.out, "checkout-tpam") != NULL, "%s", r.out);
        tu_run_free(&r);
    }
    cr_expect_eq(log_lines(), 0);
    free(from);
    free(env_lib);
    free(env_stacks);
    free(so);
    free(stack);
    free(lib);
    free(stacks);
    free(cfg);
}

/* ---- check --connect ---- */

static int count(const char *hay, const char *needle)
{
    return tu_count(hay, needle);
}

Test(check, connect_reports_every_step)
{
    char *cfg = good_conf("TPAM_HOSTKEY_ED25519", "TPAM_CLIENT_KEY", NULL);
    tu_run r = check(cfg, 1);

    cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
    cr_expect(strstr(r.out, "  ok   tcp ") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "  ok   hostkey  ") != NULL &&
                  strstr(r.out, "matches tpam.server_public_key "
                                "(ssh-ed25519 SHA256:") != NULL,
              "%s", r.out);
    cr_expect(strstr(r.out, "  ok   auth ") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "  ok   command  ListSystems answered; round "
                            "trip ") != NULL,
              "%s", r.out);
    cr_expect(strstr(r.out, "# every step worked"), "%s", r.out);
    /* Five TPAM modules share one server: it is probed once. */
    cr_expect_eq(count(r.out, "  ok   tcp "), 1, "%s", r.out);
    cr_expect_eq(log_lines(), 1, "one harmless command");
    {
        char *log = tu_slurp(tu_env("TPAM_COMMANDS_LOG"));
        cr_expect(log && strstr(log, "\tListSystems --MaxRows 1\n"), "%s",
                  log ? log : "");
        free(log);
    }
    tu_run_free(&r);
    free(cfg);
}

Test(check, connect_names_a_wrong_host_key_and_its_fix)
{
    char *cfg = good_conf("TPAM_HOSTKEY_WRONG", "TPAM_CLIENT_KEY", NULL);
    char want[300];
    tu_run r = check(cfg, 1);

    cr_assert_eq(r.status, 3, "%s\n%s", r.out, r.err);
    cr_expect(strstr(r.out, "  FAIL hostkey  ") != NULL &&
                  strstr(r.out, "presented ssh-ed25519 SHA256:") != NULL &&
                  strstr(r.out, "which is not the key in "
                                "tpam.server_public_key") != NULL,
              "%s", r.out);
    snprintf(want, sizeof(want), "`ssh-keyscan -p %s %s`", tu_env("TPAM_PORT"),
             tu_env("TPAM_HOST"));
    cr_expect(strstr(r.out, "       fix: ") && strstr(r.out, want), "%s",
              r.out);
    cr_expect_null(strstr(r.out, "  ok   auth "), "%s", r.out);
    cr_expect_eq(log_lines(), 0, "no command after a wrong host key");
    tu_run_free(&r);
    free(cfg);
}

Test(check, connect_names_a_refused_key_and_its_fix)
{
    char *cfg =
        good_conf("TPAM_HOSTKEY_ED25519", "TPAM_CLIENT_KEY_UNAUTHORIZED", NULL);
    tu_run r = check(cfg, 1);

    cr_assert_eq(r.status, 3, "%s\n%s", r.out, r.err);
    cr_expect(strstr(r.out, "  ok   hostkey  ") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "  FAIL auth ") != NULL &&
                  strstr(r.out, "refused the key of user") != NULL,
              "%s", r.out);
    cr_expect(strstr(r.out, "fix: tpam.server_user must be a TPAM CLI user"),
              "%s", r.out);
    tu_run_free(&r);
    free(cfg);
}

Test(check, connect_names_an_unreachable_server_and_its_fix)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    char port[16], *cfg, *text = NULL, *key;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    tu_run r;

    /* A port that was free a moment ago: nothing listens there. */
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
              getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
    snprintf(port, sizeof(port), "%u", ntohs(sa.sin_port));
    close(fd);
    key = tu_ini_value(tu_env("TPAM_CLIENT_KEY"));
    cr_assert(asprintf(&text,
                       "[tpam]\nserver = 127.0.0.1\nserver_port = %s\n"
                       "server_user = %s\n"
                       "server_public_key = [127.0.0.1]:%s %s\n"
                       "server_user_key = %s\n",
                       port, tu_env("TPAM_USER"), port,
                       strchr(tu_env("TPAM_HOSTKEY_ED25519"), ' ') + 1,
                       key) > 0);
    cfg = write_conf(text);
    r = check(cfg, 1);
    cr_assert_eq(r.status, 3, "%s\n%s", r.out, r.err);
    cr_expect(strstr(r.out, "  FAIL tcp ") != NULL &&
                  strstr(r.out, "Connection refused") != NULL,
              "%s", r.out);
    cr_expect(strstr(r.out, "fix: check tpam.server and tpam.server_port"),
              "%s", r.out);
    tu_run_free(&r);
    free(text);
    free(key);
    free(cfg);
}
