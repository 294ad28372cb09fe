/* SPDX-License-Identifier: MIT */
/* test_tpam_client.c: the path to TPAM that requests and check --connect
 * use (the session pool over tpam_connect.c), one caller at a time, against
 * a real sshd running tpam-sim (tests/harness). */
/* Long file: one short test per case of the file under test, over one
 * fixture; the sections are marked by their "----" headings. */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <credstack/credstack.h>

#include "../../modules/tpam-common/tpam_connect.h"
#include "../../modules/tpam-common/tpam_pool.h"
#include "../../modules/tpam-common/tpam_output.h"
#include "../../modules/tpam-common/tpam_text.h"

/* ---- the harness: DIR/env, its files ---- */

#define MAX_VARS 64
static char env_names[MAX_VARS][64];
static char *env_values[MAX_VARS];
static size_t env_count;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0;
    size_t cap = 0;
    size_t n;

    if (f == NULL) {
        return NULL;
    }
    do {
        if (len + 4096 + 1 > cap) {
            cap = (len + 4096 + 1) * 2;
            buf = realloc(buf, cap);
            cr_assert_not_null(buf);
        }
        n = fread(buf + len, 1, 4096, f);
        len += n;
    } while (n > 0);
    fclose(f);
    buf[len] = '\0';
    return buf;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* NAME='value' or NAME=value lines, as tpam-sshd-start writes them. */
static void load_env(const char *dir)
{
    char path[4096];
    char *text = NULL;
    char *line = NULL;
    char *save = NULL;

    snprintf(path, sizeof(path), "%s/env", dir);
    text = slurp(path);
    cr_assert_not_null(text, "no %s: is the harness running?", path);
    for (line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        size_t vlen;

        if (line[0] == '#' || eq == NULL || strncmp(line, "export ", 7) == 0 ||
            env_count == MAX_VARS || (size_t)(eq - line) >= 64) {
            continue;
        }
        memcpy(env_names[env_count], line, (size_t)(eq - line));
        env_names[env_count][eq - line] = '\0';
        eq++;
        vlen = strlen(eq);
        if (vlen >= 2 && eq[0] == '\'' && eq[vlen - 1] == '\'') {
            eq[vlen - 1] = '\0';
            eq++;
        }
        env_values[env_count++] = strdup(eq);
    }
    free(text);
}

static const char *var(const char *name)
{
    size_t i;

    for (i = 0; i < env_count; i++) {
        if (strcmp(env_names[i], name) == 0) {
            return env_values[i];
        }
    }
    cr_assert_fail("the harness env has no %s", name);
    return NULL;
}

static void harness_or_skip(void)
{
    const char *dir = getenv("TPAM_HARNESS_DIR");

    if (dir == NULL || dir[0] == '\0') {
        cr_skip_test("TPAM_HARNESS_DIR is not set (no sshd + tpam-sim "
                     "harness; see tests/harness)");
    }
    if (env_count == 0) {
        load_env(dir);
    }
    /* Each test starts with no faults and an empty command log. */
    write_file(var("TPAM_FAULTS"), "");
    write_file(var("TPAM_COMMANDS_LOG"), "");
}

static size_t count_lines(const char *path)
{
    char *text = slurp(path);
    size_t n = 0;
    const char *p;

    if (text == NULL) {
        return 0;
    }
    for (p = text; *p != '\0'; p++) {
        n += *p == '\n';
    }
    free(text);
    return n;
}

/* Distinct ppids (= SSH connections) in commands.log. */
static size_t count_connections(void)
{
    char *text = slurp(var("TPAM_COMMANDS_LOG"));
    char seen[32][16];
    size_t nseen = 0;
    char *line = NULL;
    char *save = NULL;
    size_t i;

    cr_assert_not_null(text);
    for (line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char pid[16];

        snprintf(pid, sizeof(pid), "%.*s", (int)strcspn(line, "\t"), line);
        for (i = 0; i < nseen && strcmp(seen[i], pid) != 0; i++) {
        }
        if (i == nseen && nseen < 32) {
            strcpy(seen[nseen++], pid);
        }
    }
    free(text);
    return nseen;
}

/* sshd log lines about public key authentication so far. */
static size_t count_auth_lines(void)
{
    char *text = slurp(var("TPAM_SSHD_LOG"));
    size_t n = 0;
    const char *p = text;

    cr_assert_not_null(text);
    while ((p = strstr(p, "publickey")) != NULL) {
        n++;
        p++;
    }
    free(text);
    return n;
}

/* ---- pool helpers ---- */

struct setup {
    struct tpam_pool_key o;
    long command_timeout_ms;
    char *key; /* slurped private key, wiped */
};

/* The steps an entry's observer was told, in order. */
typedef struct steps {
    tpam_step step[64];
    size_t n;
    char fingerprint[160];
} steps;

static void record(void *user, tpam_step step, const char *detail)
{
    steps *st = user;

    if (step == TPAM_STEP_CONNECTED && detail != NULL)
        snprintf(st->fingerprint, sizeof(st->fingerprint), "%s", detail);
    if (st->n < sizeof(st->step) / sizeof(st->step[0]))
        st->step[st->n++] = step;
}

static steps seen; /* the steps of the entry open_pool() gave last */
static const struct setup *cur; /* the setup of the running test */

static void setup_with(struct setup *s, const char *key_var,
                       const char *hostkey_var)
{
    memset(s, 0, sizeof(*s));
    cur = s;
    s->key = slurp(var(key_var));
    cr_assert_not_null(s->key, "cannot read %s", var(key_var));
    s->o.host = var("TPAM_HOST");
    s->o.port = (unsigned)atoi(var("TPAM_PORT"));
    s->o.user = var("TPAM_USER");
    s->o.user_key = s->key;
    s->o.server_public_key = var(hostkey_var);
    s->o.connect_timeout_ms = 5000;
    s->o.max_sessions = 1;
    s->command_timeout_ms = 5000;
}

static void setup_free(struct setup *s)
{
    tpam_free_secret(s->key);
    s->key = NULL;
}

/* An entry of its own for s (no backoff, observed into seen) and its
 * first connection attempt: rc, with err. */
static int open_pool(struct setup *s, tpam_pool **p_out, char *err,
                     size_t errlen)
{
    memset(&seen, 0, sizeof(seen));
    *p_out = tpam_pool_new_observed(&s->o, record, &seen);
    cr_assert_not_null(*p_out);
    return tpam_pool_attach(*p_out, err, errlen);
}

/* open_pool(), for a connection that must fail: the entry goes again. */
static int open_fails(struct setup *s, char *err, size_t errlen)
{
    tpam_pool *p = NULL;
    int rc = open_pool(s, &p, err, errlen);

    cr_assert(!tpam_pool_is_up(p));
    tpam_pool_release(p);
    return rc;
}

static tpam_pool *open_ok(struct setup *s)
{
    char err[1024] = "";
    tpam_pool *p = NULL;
    int rc = open_pool(s, &p, err, sizeof(err));

    cr_assert_eq(rc, CREDSTACK_OK, "open: rc %d: %s", rc, err);
    cr_assert(tpam_pool_is_up(p));
    return p;
}

static tpam_cmd *list_systems(const char *address)
{
    char err[512] = "";
    tpam_cmd *cmd = tpam_cmd_new("ListSystems");

    cr_assert_eq(tpam_cmd_add(cmd, "NetworkAddress", address,
                              TPAM_FIELD_ADDRESS, err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    return cmd;
}

static tpam_cmd *retrieve_cmd(const char *account, const char *system)
{
    char err[512] = "";
    tpam_cmd *cmd = tpam_cmd_new("Retrieve");

    cr_assert_eq(tpam_cmd_add(cmd, "AccountName", account, TPAM_FIELD_ACCOUNT,
                              err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    cr_assert_eq(tpam_cmd_add(cmd, "SystemName", system, TPAM_FIELD_SYSTEM, err,
                              sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    cr_assert_eq(tpam_cmd_add_reason(cmd, "ReasonText", "alice", "policy",
                                     "Privileged Access", TPAM_FIELD_POLICY,
                                     err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    return cmd;
}

/* Run a command, expect rc; the output (if any) is freed. */
static int run(tpam_pool *c, tpam_cmd *cmd, char *err, size_t errlen)
{
    char *out = NULL;
    size_t len = 0;
    int rc =
        tpam_pool_run(c, cmd, cur->command_timeout_ms, &out, &len, err, errlen);

    tpam_pool_output_free(out, len);
    return rc;
}

static char *retrieve_password(tpam_pool *c, const char *account,
                               const char *system, int expect_rc)
{
    char err[1024] = "";
    tpam_cmd *cmd = retrieve_cmd(account, system);
    char *out = NULL;
    char *pw = NULL;
    size_t len = 0;
    int rc = tpam_pool_run(c, cmd, cur->command_timeout_ms, &out, &len, err,
                           sizeof(err));

    cr_assert_eq(rc, CREDSTACK_OK, "Retrieve: rc %d: %s", rc, err);
    rc = tpam_retrieve_parse(out, len, &pw, err, sizeof(err));
    cr_assert_eq(rc, expect_rc, "Retrieve parse: rc %d: %s", rc, err);
    tpam_pool_output_free(out, len);
    tpam_cmd_free(cmd);
    return pw;
}

/* ---- tests ---- */

Test(client, connect_list_retrieve)
{
    struct setup s;
    tpam_pool *c = NULL;
    tpam_cmd *cmd = NULL;
    tpam_table *t = NULL;
    char err[1024] = "";
    char *out = NULL;
    char *pw = NULL;
    char *log = NULL;
    size_t len = 0;
    int col;

    harness_or_skip();
    setup_with(&s, "TPAM_CLIENT_KEY_ED25519", "TPAM_HOSTKEY_ED25519");
    cr_assert(strstr(s.key, "BEGIN OPENSSH PRIVATE KEY") != NULL);
    c = open_ok(&s);

    cmd = list_systems("10.20.30.40");
    cr_assert_eq(tpam_pool_run(c, cmd, cur->command_timeout_ms, &out, &len, err,
                               sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    cr_assert_eq(tpam_table_parse(out, len, &t, err, sizeof(err)), CREDSTACK_OK,
                 "%s", err);
    cr_assert_eq(tpam_table_rows(t), 2);
    col = tpam_table_col(t, "SystemName");
    cr_assert_eq(col, 0);
    cr_assert_str_eq(tpam_table_cell(t, 0, col), "DB02");
    cr_assert_str_eq(tpam_table_cell(t, 1, col), "PSM_DB02");
    cr_assert_str_eq(
        tpam_table_cell_trimmed(t, 0, tpam_table_col(t, "PortNumber")), "22");
    cr_assert_geq(tpam_table_col(t, "PSM DPA Affinity"), 0);
    tpam_table_free(t);
    tpam_pool_output_free(out, len);
    tpam_cmd_free(cmd);

    cmd = list_systems("10.99.99.99");
    cr_assert_eq(tpam_pool_run(c, cmd, cur->command_timeout_ms, &out, &len, err,
                               sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    cr_assert_eq(tpam_table_parse(out, len, &t, err, sizeof(err)),
                 CREDSTACK_ERR_NOTFOUND, "%s", err);
    tpam_pool_output_free(out, len);
    tpam_cmd_free(cmd);

    pw = retrieve_password(c, "root", "PSM_DB02", CREDSTACK_OK);
    cr_assert_str_eq(pw, "p@ss word;#1");
    tpam_free_secret(pw);
    pw = retrieve_password(c, "root", "web01", CREDSTACK_OK);
    cr_assert_str_eq(pw, "web01 r00t \"quoted\" \\back\\slash");
    tpam_free_secret(pw);
    pw = retrieve_password(c, "locked", "PSM_DB02", CREDSTACK_ERR_DENIED);
    cr_assert_null(pw);
    /* A ticket credstack cannot give: a backend failure, never a password. */
    pw = retrieve_password(c, "ticketed", "PSM_app01", CREDSTACK_ERR_BACKEND);
    cr_assert_null(pw);

    /* The reason text reached TPAM quoted, as one value. */
    log = slurp(var("TPAM_COMMANDS_LOG"));
    cr_assert(strstr(log, "\tRetrieve --AccountName root --SystemName "
                          "PSM_DB02 --ReasonText \"alice,SPS,policy,"
                          "Privileged Access\"\n") != NULL,
              "%s", log);
    free(log);
    tpam_pool_release(c);
    setup_free(&s);
}

Test(client, one_handshake_for_several_commands)
{
    struct setup s;
    tpam_pool *c = NULL;
    tpam_cmd *cmd = list_systems("10.20.30.41");
    char err[1024] = "";
    unsigned long hs;
    unsigned long cmds;
    struct tpam_pool_stats st;
    int i;

    harness_or_skip();
    setup_with(&s, "TPAM_CLIENT_KEY_ED25519", "TPAM_HOSTKEY_ED25519");
    hs = tpam_handshakes();
    cmds = tpam_commands();
    c = open_ok(&s);
    for (i = 0; i < 4; i++) {
        cr_assert_eq(run(c, cmd, err, sizeof(err)), CREDSTACK_OK, "%s", err);
    }
    cr_assert_eq(tpam_handshakes(), hs + 1);
    cr_assert_eq(tpam_commands(), cmds + 4);
    tpam_pool_stats(c, &st);
    cr_assert_eq(st.handshakes, 1);
    cr_assert_eq(st.commands, 4);
    cr_assert_eq(count_lines(var("TPAM_COMMANDS_LOG")), 4);
    cr_assert_eq(count_connections(), 1);
    tpam_pool_release(c);
    tpam_cmd_free(cmd);
    setup_free(&s);
}

/* Each step of the path, in order, as check --connect sees it. */
Test(client, observer_sees_every_step)
{
    static const tpam_step want[] = {
        TPAM_STEP_CONNECTED,    TPAM_STEP_HOSTKEY_OK, TPAM_STEP_AUTH_OK,
        TPAM_STEP_CHANNEL_OPEN, TPAM_STEP_EXEC_SENT,  TPAM_STEP_ANSWERED,
    };
    struct setup s;
    tpam_pool *c = NULL;
    tpam_cmd *cmd = list_systems("10.20.30.41");
    char err[1024] = "";

    harness_or_skip();
    setup_with(&s, "TPAM_CLIENT_KEY_ED25519", "TPAM_HOSTKEY_ED25519");
    c = open_ok(&s);
    cr_assert_eq(seen.n, 3);
    cr_assert(strncmp(seen.fingerprint, "ssh-ed25519 SHA256:", 19) == 0, "%s",
              seen.fingerprint);
    cr_assert_eq(run(c, cmd, err, sizeof(err)), CREDSTACK_OK, "%s", err);
    cr_assert_eq(seen.n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < seen.n; i++)
        cr_expect_eq(seen.step[i], want[i], "step %zu: %d", i, seen.step[i]);
    tpam_pool_release(c);
    tpam_cmd_free(cmd);
    setup_free(&s);
}

Test(client, key_and_host_key_types)
{
    static const struct {
        const char *key;
        const char *hostkey;
        const char *pem;
    } cases[] = {
        {"TPAM_CLIENT_KEY_RSA", "TPAM_HOSTKEY_RSA", "BEGIN RSA PRIVATE KEY"},
        {"TPAM_CLIENT_KEY_ECDSA", "TPAM_HOSTKEY_ECDSA", "BEGIN OPENSSH"},
        {"TPAM_CLIENT_KEY_ED25519", "TPAM_HOSTKEY_HASHED", "BEGIN OPENSSH"},
        {"TPAM_CLIENT_KEY_RSA", "TPAM_HOSTKEY_ED25519", "BEGIN RSA"},
    };
    size_t i;

    harness_or_skip();
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct setup s;
        tpam_pool *c = NULL;
        tpam_cmd *cmd = list_systems("10.20.30.42");
        char err[1024] = "";

        setup_with(&s, cases[i].key, cases[i].hostkey);
        cr_assert(strstr(s.key, cases[i].pem) != NULL, "case %zu", i);
        c = open_ok(&s);
        cr_assert_eq(run(c, cmd, err, sizeof(err)), CREDSTACK_OK,
                     "case %zu: %s", i, err);
        tpam_pool_release(c);
        tpam_cmd_free(cmd);
        setup_free(&s);
    }
}

Test(client, key_with_crlf_line_ends)
{
    struct setup s;
    tpam_pool *c = NULL;
    char *crlf = NULL;
    size_t i;
    size_t o = 0;

    harness_or_skip();
    setup_with(&s, "TPAM_CLIENT_KEY_ED25519", "TPAM_HOSTKEY_ED25519");
    crlf = calloc(2 * strlen(s.key) + 1, 1);
    for (i = 0; s.key[i] != '\0'; i++) {
        if (s.key[i] == '\n') {
            crlf[o++] = '\r';
        }
        crlf[o++] = s.key[i];
    }
    /* No final line end either. */
    while (o > 0 && (crlf[o - 1] == '\n' || crlf[o - 1] == '\r')) {
        crlf[--o] = '\0';
    }
    s.o.user_key = crlf;
    c = open_ok(&s);
    tpam_pool_release(c);
    tpam_free_secret(crlf);
    setup_free(&s);
}

Test(client, wrong_host_key_sends_nothing)
{
    struct setup s;
    char err[1024] = "";
    char where[64];
    const char *fp = NULL;
    size_t auth_before;
    int rc;

    harness_or_skip();
    setup_with(&s, "TPAM_CLIENT_KEY_ED25519", "TPAM_HOSTKEY_WRONG");
    auth_before = count_auth_lines();
    rc = open_fails(&s, err, sizeof(err));
    cr_assert_eq(rc, CREDSTACK_ERR_HOSTKEY, "rc %d: %s", rc, err);
    /* The observer saw the key exchange and nothing after it. */
    cr_assert_eq(seen.n, 1);
    cr_assert_eq(seen.step[0], TPAM_STEP_CONNECTED);
    cr_assert(strstr(err, strchr(seen.fingerprint, ' ') + 1) != NULL, "%s / %s",
              err, seen.fingerprint);
    snprintf(where, sizeof(where), "127.0.0.1:%s", var("TPAM_PORT"));
    cr_assert(strstr(err, where) != NULL, "%s", err);
    fp = strstr(err, "SHA256:");
    cr_assert(fp != NULL && strstr(fp + 1, "SHA256:") != NULL,
              "two fingerprints expected: %s", err);
    cr_assert_eq(count_lines(var("TPAM_COMMANDS_LOG")), 0);
    /* Not even an authentication attempt reached sshd. */
    cr_assert_eq(count_auth_lines(), auth_before);
    setup_free(&s);
}

Test(client, host_key_line_for_another_host_is_config)
{
    struct setup s;
    char err[1024] = "";
    int rc;

    harness_or_skip();
    setup_with(&s, "TPAM_CLIENT_KEY_ED25519", "TPAM_HOSTKEY_ED25519");
    s.o.host = "localhost";
    rc = open_fails(&s, err, sizeof(err));
    cr_assert_eq(rc, CREDSTACK_ERR_CONFIG, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "tpam.server_public_key does not name") != NULL, "%s",
              err);
    cr_assert_eq(count_lines(var("TPAM_COMMANDS_LOG")), 0);
    setup_free(&s);
}

Test(client, unauthorized_key_is_refused)
{
    struct setup s;
    char err[1024] = "";
    int rc;

    harness_or_skip();
    setup_with(&s, "TPAM_CLIENT_KEY_UNAUTHORIZED", "TPAM_HOSTKEY_ED25519");
    rc = open_fails(&s, err, sizeof(err));
    cr_assert_eq(rc, CREDSTACK_ERR_BACKEND, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "refused the key") != NULL, "%s", err);
    cr_assert_eq(count_lines(var("TPAM_COMMANDS_LOG")), 0);
    setup_free(&s);
}

Test(client, bad_key_text_is_config)
{
    struct setup s;
    char err[1024] = "";
    char cmdline[8192];
    char path[4096];
    char *enc = NULL;
    int rc;

    harness_or_skip();
    setup_with(&s, "TPAM_CLIENT_KEY_ED25519", "TPAM_HOSTKEY_ED25519");
    s.o.user_key = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n"
                   "-----END OPENSSH PRIVATE KEY-----\n";
    rc = open_fails(&s, err, sizeof(err));
    cr_assert_eq(rc, CREDSTACK_ERR_CONFIG, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "tpam.server_user_key") != NULL, "%s", err);
    cr_assert(strstr(err, "not a key") == NULL, "key text echoed: %s", err);

    /* An encrypted key fails the same way, without prompting. */
    snprintf(path, sizeof(path), "%s/test_encrypted_key", var("TPAM_DIR"));
    unlink(path);
    snprintf(cmdline, sizeof(cmdline),
             "ssh-keygen -q -t ed25519 -N secretpass -f '%s' >/dev/null 2>&1",
             path);
    cr_assert_eq(system(cmdline), 0);
    enc = slurp(path);
    s.o.user_key = enc;
    rc = open_fails(&s, err, sizeof(err));
    cr_assert_eq(rc, CREDSTACK_ERR_CONFIG, "rc %d: %s", rc, err);
    cr_assert_eq(count_lines(var("TPAM_COMMANDS_LOG")), 0);
    tpam_free_secret(enc);
    setup_free(&s);
}

Test(client, refused_command_is_not_sent)
{
    struct setup s;
    tpam_pool *c = NULL;
    tpam_cmd *cmd = tpam_cmd_new("ListSystems");
    char err[1024] = "";

    harness_or_skip();
    setup_with(&s, "TPAM_CLIENT_KEY_ED25519", "TPAM_HOSTKEY_ED25519");
    c = open_ok(&s);
    cr_assert_eq(tpam_cmd_add(cmd, "NetworkAddress", "10.0.0.1 --Foo x",
                              TPAM_FIELD_ADDRESS, err, sizeof(err)),
                 CREDSTACK_ERR_REFUSED);
    cr_assert_eq(run(c, cmd, err, sizeof(err)), CREDSTACK_ERR_REFUSED);
    cr_assert_eq(count_lines(var("TPAM_COMMANDS_LOG")), 0);
    tpam_pool_release(c);
    tpam_cmd_free(cmd);
    setup_free(&s);
}

Test(client, hang_times_out_and_the_session_goes_on)
{
    struct setup s;
    tpam_pool *c = NULL;
    tpam_cmd *cmd = list_systems("10.20.30.40");
    char err[1024] = "";
    long long t0;
    long long took;
    struct tpam_pool_stats st;
    int rc;

    harness_or_skip();
    setup_with(&s, "TPAM_CLIENT_KEY_ED25519", "TPAM_HOSTKEY_ED25519");
    s.command_timeout_ms = 1500;
    c = open_ok(&s);
    write_file(var("TPAM_FAULTS"), "hang=1\n");
    t0 = credstack_now_ms();
    rc = run(c, cmd, err, sizeof(err));
    took = credstack_now_ms() - t0;
    cr_assert_eq(rc, CREDSTACK_ERR_TIMEOUT, "rc %d: %s", rc, err);
    cr_assert_geq(took, 1400);
    cr_assert_lt(took, 3000, "took %lld ms", took);
    cr_assert(strstr(err, "1500 ms") != NULL, "%s", err);
    /* The timeout cost the command its channel, not the session: the next
     * command answers on the same connection. */
    write_file(var("TPAM_FAULTS"), "");
    rc = run(c, cmd, err, sizeof(err));
    cr_assert_eq(rc, CREDSTACK_OK, "rc %d: %s", rc, err);
    tpam_pool_stats(c, &st);
    cr_assert_eq(st.handshakes, 1);
    cr_assert_eq(count_connections(), 1);
    t0 = credstack_now_ms();
    tpam_pool_release(c);
    cr_assert_lt(credstack_now_ms() - t0, 2000);
    tpam_cmd_free(cmd);
    setup_free(&s);
}

Test(client, slow_answer_within_the_timeout)
{
    struct setup s;
    tpam_pool *c = NULL;
    tpam_cmd *cmd = list_systems("10.20.30.40");
    char err[1024] = "";

    harness_or_skip();
    setup_with(&s, "TPAM_CLIENT_KEY_ED25519", "TPAM_HOSTKEY_ED25519");
    s.command_timeout_ms = 3000;
    c = open_ok(&s);
    write_file(var("TPAM_FAULTS"), "delay_ms=600\n");
    cr_assert_eq(run(c, cmd, err, sizeof(err)), CREDSTACK_OK, "%s", err);
    tpam_pool_release(c);
    tpam_cmd_free(cmd);
    setup_free(&s);
}

Test(client, dropped_connection_is_backend)
{
    struct setup s;
    tpam_pool *c = NULL;
    tpam_cmd *cmd = list_systems("10.20.30.40");
    char err[1024] = "";
    struct tpam_pool_stats st;
    int rc;

    harness_or_skip();
    setup_with(&s, "TPAM_CLIENT_KEY_ED25519", "TPAM_HOSTKEY_ED25519");
    c = open_ok(&s);
    write_file(var("TPAM_FAULTS"), "drop=1\n");
    rc = run(c, cmd, err, sizeof(err));
    cr_assert_eq(rc, CREDSTACK_ERR_BACKEND, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "lost") != NULL, "%s", err);
    /* The command that may have run is never sent again; the next one
     * gets a new connection. */
    write_file(var("TPAM_FAULTS"), "");
    rc = run(c, cmd, err, sizeof(err));
    cr_assert_eq(rc, CREDSTACK_OK, "rc %d: %s", rc, err);
    tpam_pool_stats(c, &st);
    cr_assert_eq(st.handshakes, 2);
    cr_assert_eq(count_lines(var("TPAM_COMMANDS_LOG")), 2);
    tpam_pool_release(c);
    tpam_cmd_free(cmd);
    setup_free(&s);
}

Test(client, output_faults_reach_the_parsers)
{
    static const struct {
        const char *faults;
        int table_rc;
    } cases[] = {
        {"garbage=1\n", CREDSTACK_ERR_BACKEND},
        {"empty=1\n", CREDSTACK_ERR_BACKEND},
        {"half_line=1\n", CREDSTACK_ERR_BACKEND},
        {"leading_blank=1\n", CREDSTACK_OK},
        {"lf_only=1\n", CREDSTACK_OK},
    };
    struct setup s;
    tpam_pool *c = NULL;
    tpam_cmd *cmd = list_systems("10.20.30.40");
    char *pw = NULL;
    size_t i;

    harness_or_skip();
    setup_with(&s, "TPAM_CLIENT_KEY_ED25519", "TPAM_HOSTKEY_ED25519");
    c = open_ok(&s);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[1024] = "";
        char *out = NULL;
        size_t len = 0;
        tpam_table *t = NULL;
        int rc;

        write_file(var("TPAM_FAULTS"), cases[i].faults);
        rc = tpam_pool_run(c, cmd, cur->command_timeout_ms, &out, &len, err,
                           sizeof(err));
        cr_assert_eq(rc, CREDSTACK_OK, "case %zu: rc %d: %s", i, rc, err);
        rc = tpam_table_parse(out, len, &t, err, sizeof(err));
        cr_expect_eq(rc, cases[i].table_rc, "case %zu: rc %d: %s", i, rc, err);
        if (rc == CREDSTACK_OK) {
            cr_expect_eq(tpam_table_rows(t), 2, "case %zu", i);
        }
        tpam_table_free(t);
        tpam_pool_output_free(out, len);
    }
    write_file(var("TPAM_FAULTS"),
               "retrieve_error=Ticket \"77\" not found\ncommand=Retrieve\n");
    pw = retrieve_password(c, "root", "PSM_DB02", CREDSTACK_ERR_BACKEND);
    cr_assert_null(pw);
    /* Lower case, several lines: still no password. */
    write_file(var("TPAM_FAULTS"),
               "retrieve_output=error: database connection failed\\r\\n\n"
               "command=Retrieve\n");
    pw = retrieve_password(c, "root", "PSM_DB02", CREDSTACK_ERR_BACKEND);
    cr_assert_null(pw);
    write_file(var("TPAM_FAULTS"),
               "retrieve_output=p@ss word;#1\\r\\nmore\\r\\n\n"
               "command=Retrieve\n");
    pw = retrieve_password(c, "root", "PSM_DB02", CREDSTACK_ERR_BACKEND);
    cr_assert_null(pw);
    write_file(var("TPAM_FAULTS"), "leading_blank=1\ncommand=Retrieve\n");
    pw = retrieve_password(c, "root", "PSM_DB02", CREDSTACK_OK);
    cr_assert_str_eq(pw, "p@ss word;#1");
    tpam_free_secret(pw);
    tpam_pool_release(c);
    tpam_cmd_free(cmd);
    setup_free(&s);
}

/* The command's exit status comes back with its output (0, 1, 255 as the
 * simulator exits; an ordinary answer is 0), on one session. */
Test(client, exit_status_is_collected)
{
    static const struct {
        const char *faults;
        int status;
    } cases[] = {
        {"", 0},
        {"exit_status=1\n", 1},
        {"exit_status=255\ncommand=Retrieve\n", 255},
        {"exit_status=7\ncommand=ListSystems\n", 0},
    };
    struct setup s;
    tpam_pool *c = NULL;
    tpam_cmd *cmd = retrieve_cmd("root", "PSM_DB02");

    harness_or_skip();
    setup_with(&s, "TPAM_CLIENT_KEY_ED25519", "TPAM_HOSTKEY_ED25519");
    c = open_ok(&s);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[1024] = "";
        char *out = NULL;
        size_t len = 0;
        int status = -99;
        int rc;

        write_file(var("TPAM_FAULTS"), cases[i].faults);
        rc = tpam_pool_run_status(c, cmd, cur->command_timeout_ms, &out, &len,
                                  &status, err, sizeof(err));
        cr_assert_eq(rc, CREDSTACK_OK, "case %zu: rc %d: %s", i, rc, err);
        cr_expect_eq(status, cases[i].status, "case %zu: status %d", i, status);
        /* The password is printed either way: the status tells. */
        cr_expect_str_eq(out, "p@ss word;#1\r\n", "case %zu", i);
        tpam_pool_output_free(out, len);
    }
    write_file(var("TPAM_FAULTS"), "");
    tpam_pool_release(c);
    tpam_cmd_free(cmd);
    setup_free(&s);
}

/* A listener that accepts TCP but never speaks SSH. */
Test(client, silent_server_times_out_at_connect)
{
    struct setup s;
    struct sockaddr_in sa;
    socklen_t salen = sizeof(sa);
    char err[1024] = "";
    char line[1024];
    const char *key_part;
    long long t0;
    long long took;
    int fd;
    int rc;

    harness_or_skip();
    setup_with(&s, "TPAM_CLIENT_KEY_ED25519", "TPAM_HOSTKEY_ED25519");
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(listen(fd, 4), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &salen), 0);
    key_part = strchr(var("TPAM_HOSTKEY_ED25519"), ' ');
    snprintf(line, sizeof(line), "[127.0.0.1]:%u%s", ntohs(sa.sin_port),
             key_part);
    s.o.port = ntohs(sa.sin_port);
    s.o.server_public_key = line;
    s.o.connect_timeout_ms = 800;
    t0 = credstack_now_ms();
    rc = open_fails(&s, err, sizeof(err));
    took = credstack_now_ms() - t0;
    cr_assert_eq(rc, CREDSTACK_ERR_TIMEOUT, "rc %d: %s", rc, err);
    cr_assert_lt(took, 2500, "took %lld ms", took);
    cr_assert(strstr(err, "127.0.0.1:") != NULL, "%s", err);
    close(fd);

    /* Nothing listening at all: refused at once, not a timeout. */
    rc = open_fails(&s, err, sizeof(err));
    cr_assert_eq(rc, CREDSTACK_ERR_BACKEND, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "cannot connect") != NULL, "%s", err);
    setup_free(&s);
}

/* The tests share the harness's faults file and command log: one at a time. */
int main(int argc, char *argv[])
{
    struct criterion_test_set *tests = criterion_initialize();
    int result = 0;

    if (criterion_handle_args(argc, argv, true)) {
        criterion_options.jobs = 1;
        result = !criterion_run_all_tests(tests);
    }
    criterion_finalize(tests);
    return result;
}
