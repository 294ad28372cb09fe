/* SPDX-License-Identifier: MIT */
/* tpam_e2e.c: the end-to-end TPAM tests' shared harness (see tpam_e2e.h). */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tpam_e2e.h"
#ifdef TPAM_E2E_DIFFERENTIAL
#include "tpam_diff.h"
#endif

char *tmp;

/* ---- the harness ---- */

/* Default data, no faults, an empty commands.log. */
void reset_sim(void)
{
    char *fixture = tu_path(tu_env("CREDSTACK_TEST_SRCDIR"),
                            "tests/tpam-sim/fixture.default");

    cr_assert_eq(tu_copy(fixture, tu_env("TPAM_FIXTURE")), 0);
    free(fixture);
    if (unlink(tu_env("TPAM_FAULTS")) != 0)
        cr_assert_eq(errno, ENOENT);
    cr_assert_eq(tu_truncate(tu_env("TPAM_COMMANDS_LOG")), 0);
}

void tpam_e2e_setup(void)
{
    tu_load_harness();
    tmp = tu_tmpdir();
    reset_sim();
#ifdef TPAM_E2E_DIFFERENTIAL
    tpam_diff_setup(tmp);
#endif
}

void tpam_e2e_teardown(void)
{
#ifdef TPAM_E2E_DIFFERENTIAL
    if (tmp != NULL)
        tpam_diff_teardown();
#endif
    if (getenv("TPAM_HARNESS_DIR") != NULL && getenv("TPAM_FIXTURE") != NULL)
        reset_sim();
    tu_rmtree(tmp);
    tmp = NULL;
}

void set_faults(const char *text)
{
    const char *path = tu_env("TPAM_FAULTS");
    FILE *f = fopen(path, "we");

    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

void add_fixture(const char *text)
{
    FILE *f = fopen(tu_env("TPAM_FIXTURE"), "ae");

    cr_assert_not_null(f);
    fprintf(f, "\n%s", text);
    fclose(f);
}

void clear_log(void)
{
    cr_assert_eq(tu_truncate(tu_env("TPAM_COMMANDS_LOG")), 0);
}

/* ---- configuration files ---- */

/* A [tpam] configuration with the CLI user's key inline; returns its path. */
char *conf_with(const conf_opts *o)
{
    static unsigned n;
    char *key =
        tu_ini_value(tu_env(o->userkey ? o->userkey : "TPAM_CLIENT_KEY"));
    char *text = NULL, name[32], *path;

    cr_assert(asprintf(&text,
                       "[tpam]\n"
                       "server = %s\n"
                       "server_port = %s\n"
                       "server_user = %s\n"
                       "server_public_key = %s\n"
                       "server_user_key = %s"
                       "%s\n"
                       "[logging]\n"
                       "log_level = %s\n",
                       tu_env("TPAM_HOST"),
                       o->port ? o->port : tu_env("TPAM_PORT"),
                       tu_env("TPAM_USER"),
                       tu_env(o->hostkey ? o->hostkey : "TPAM_HOSTKEY_ED25519"),
                       key, o->extra ? o->extra : "",
                       o->log_level ? o->log_level : "warning") > 0);
    snprintf(name, sizeof(name), "c%u.ini", n++);
    path = tu_write(tmp, name, text);
    free(text);
    free(key);
    return path;
}

char *conf(const char *extra)
{
    return conf_with(&(conf_opts){.extra = extra});
}

/* ---- running credstack ---- */

tu_run get_password_at(const char *level, int trace, const char *cfg,
                       const char *gw, const char *tu, const char *th,
                       const char *gwpw, const char *const *env)
{
    const char *argv[16] = {"get-password",
                            "--log-level",
                            level,
                            "--config",
                            cfg,
                            "--gateway-user",
                            gw,
                            "--target-user",
                            tu,
                            "--target-host",
                            th};
    size_t n = 11;
    char *in = NULL;
    tu_run r;

    if (gwpw != NULL)
        argv[n++] = "--gateway-password-stdin";
    if (trace)
        argv[n++] = "--trace";
    argv[n] = NULL;
    if (gwpw != NULL)
        cr_assert(asprintf(&in, "%s\n", gwpw) > 0);
    r = tu_credstack(argv, in, env);
    free(in);
    return r;
}

tu_run get_password_env(const char *cfg, const char *gw, const char *tu,
                        const char *th, const char *gwpw,
                        const char *const *env)
{
    return get_password_at("warning", 0, cfg, gw, tu, th, gwpw, env);
}

tu_run get_password(const char *cfg, const char *gw, const char *tu,
                    const char *th)
{
    return get_password_env(cfg, gw, tu, th, NULL, NULL);
}

/* ---- what the simulator saw ---- */

char *cmdlog(void)
{
    char *s = tu_slurp(tu_env("TPAM_COMMANDS_LOG"));

    return s != NULL ? s : strdup("");
}

/* Number of lines (exec channels) in a commands.log text. */
size_t log_channels(const char *log)
{
    return (size_t)tu_count(log, "\n");
}

/* Number of distinct ppids (SSH connections) in a commands.log text. */
size_t log_connections(const char *log)
{
    char seen[64][16];
    size_t n = 0;

    for (const char *p = log; *p;) {
        size_t k = strcspn(p, "\t\n");
        size_t i;
        char id[16];

        snprintf(id, sizeof(id), "%.*s", (int)(k < 15 ? k : 15), p);
        for (i = 0; i < n && strcmp(seen[i], id) != 0; i++)
            ;
        if (i == n && n < 64)
            snprintf(seen[n++], sizeof(seen[0]), "%s", id);
        p += strcspn(p, "\n");
        if (*p == '\n')
            p++;
    }
    return n;
}

/*
 * The commands sent, in order and exactly, all over one SSH connection (the
 * modules of a request share one session).
 */
void expect_commands(const char *const *want)
{
    char *log = cmdlog(), *p = log;
    size_t i = 0;

    for (; want[i] != NULL; i++) {
        char *tab = strchr(p, '\t'), *nl;
        cr_assert_not_null(tab, "command %zu '%s' was not sent; log:\n%s", i,
                           want[i], log);
        nl = strchr(tab, '\n');
        cr_assert_not_null(nl);
        *nl = '\0';
        cr_expect_str_eq(tab + 1, want[i], "command %zu", i);
        p = nl + 1;
    }
    cr_expect_str_eq(p, "", "more commands than expected: %s", p);
    free(log);
    log = cmdlog();
    cr_expect_eq(log_channels(log), i, "one channel per command");
    cr_expect_eq(log_connections(log), want[0] ? 1u : 0u,
                 "one request, one SSH connection; log:\n%s", log);
    free(log);
}

void expect_no_commands(void)
{
    char *log = cmdlog();

    cr_expect_str_eq(log, "", "TPAM was sent commands");
    free(log);
}

/* "Connection from" lines of sshd's log: every TCP connection made to it. */
int sshd_connections(void)
{
    char *s = tu_slurp(tu_env("TPAM_SSHD_LOG"));
    int n = tu_count(s, "Connection from ");

    free(s);
#ifdef TPAM_E2E_DIFFERENTIAL
    n -= tpam_diff_sshd_extra();
#endif
    return n;
}

void expect_password(tu_run *r, const char *pw)
{
    char *want = NULL;

    cr_assert(asprintf(&want, "%s\n", pw) > 0);
    cr_expect_eq(r->status, 0, "exit %d; stderr:\n%s", r->status, r->err);
    cr_expect_str_eq(r->out, want);
    free(want);
}

void expect_status(tu_run *r, int status, const char *in_err)
{
    cr_expect_eq(r->status, status, "exit %d, want %d; stderr:\n%s", r->status,
                 status, r->err);
    cr_expect_str_eq(r->out, "", "nothing on stdout without a password");
    if (in_err != NULL)
        cr_expect(strstr(r->err, in_err) != NULL, "stderr lacks '%s':\n%s",
                  in_err, r->err);
}

/*
 * A module's debug line "COMMAND listed N rows, K about ...; D dropped":
 * one such line of command says exactly listed and kept (D = N - K).  The
 * numbers, not the word: "0 dropped" proves nothing.
 */
void expect_dropped(const char *err, const char *command, size_t listed,
                    size_t kept)
{
    char want[200], tail[64];
    const char *p;

    snprintf(want, sizeof(want), "%s listed %zu rows, %zu about ", command,
             listed, kept);
    snprintf(tail, sizeof(tail), "; %zu dropped", listed - kept);
    p = strstr(err, want);
    cr_expect(p != NULL, "no debug line '%s...%s' in:\n%s", want, tail, err);
    if (p != NULL) {
        const char *eol = strchr(p, '\n'), *t = strstr(p, tail);
        cr_expect(t != NULL && (eol == NULL || t < eol),
                  "'%s' without '%s' in:\n%s", want, tail, err);
    }
}

/* The simulator's default letter case (tests/run-test sets it per run). */
int tpam_case_sensitive(void)
{
    const char *c = getenv("CREDSTACK_TPAM_FILTER_CASE");

    return c != NULL && strcmp(c, "sensitive") == 0;
}

/* ---- reverse DNS through nss_wrapper ---- */

void nss_setup(nss *n, const char *hosts)
{
    struct passwd *pw = getpwuid(getuid());
    char *line = NULL, *p;

    cr_assert_not_null(pw);
    /* libssh may look the user up: give nss_wrapper the real one. */
    cr_assert(asprintf(&line, "%s:x:%u:%u:%s:%s:/bin/sh\n", pw->pw_name,
                       (unsigned)pw->pw_uid, (unsigned)pw->pw_gid, pw->pw_name,
                       pw->pw_dir) > 0);
    free(tu_write(tmp, "passwd", line));
    free(line);
    free(tu_write(tmp, "group", "root:x:0:\n"));
    p = tu_write(tmp, "hosts", hosts);
    n->env[0] = strdup("LD_PRELOAD=libnss_wrapper.so");
    cr_assert(asprintf(&n->env[1], "NSS_WRAPPER_HOSTS=%s", p) > 0);
    cr_assert(asprintf(&n->env[2], "NSS_WRAPPER_PASSWD=%s/passwd", tmp) > 0);
    cr_assert(asprintf(&n->env[3], "NSS_WRAPPER_GROUP=%s/group", tmp) > 0);
    /* Deep binding upsets valgrind and the sanitizers. */
    n->env[4] = strdup("NSS_WRAPPER_DISABLE_DEEPBIND=1");
    n->env[5] = NULL;
    free(p);
}

void nss_free(nss *n)
{
    for (size_t i = 0; n->env[i]; i++)
        free(n->env[i]);
}

const char *const dns_hosts = "10.20.30.41 web01.example.com web01\n"
                              "10.20.30.40 db02.example.com db02\n"
                              "10.20.30.50 bad_name.example.com\n";
