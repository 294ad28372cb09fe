/* SPDX-License-Identifier: MIT */
/* test_store_tpam.c: a TPAM checkout end to end (sshd + tpam-sim) with the CLI
 * user's key taken from the credential store. */
#include "autoconf.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../unit/testutil.h"

static char *tmp;

static int rm_one(const char *p, const struct stat *sb, int flag,
                  struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void setup(void)
{
    char tmpl[] = "/tmp/credstack-storetpam.XXXXXX";

    tu_load_harness();
    cr_assert(mkdtemp(tmpl) != NULL);
    tmp = strdup(tmpl);
    setenv("CREDSTACK_STORE_DIR", tmp, 1);
}

static void teardown(void)
{
    if (tmp != NULL) {
        nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(tmp);
    }
}

/* Run `credstack ARGS` (with the test wrapper); stdout and stderr are returned.
 */
static int run(const char *const *args, char **out, char **errs)
{
    const char *w = getenv("CREDSTACK_TEST_WRAPPER");
    char *words = strdup(w ? w : ""), *argv[64];
    char op[600], ep[600];
    size_t n = 0;
    int st;
    pid_t pid;

    for (char *save = NULL, *t = strtok_r(words, " \t", &save); t;
         t = strtok_r(NULL, " \t", &save))
        argv[n++] = t;
    argv[n++] = getenv("CREDSTACK_BIN");
    for (; *args; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    snprintf(op, sizeof(op), "%s/.out", tmp);
    snprintf(ep, sizeof(ep), "%s/.err", tmp);
    pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int i = open("/dev/null", O_RDONLY);
        int o = open(op, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(ep, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(i, 0);
        dup2(o, 1);
        dup2(e, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    free(words);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    for (int k = 0; k < 2; k++) {
        FILE *f = fopen(k ? ep : op, "r");
        char *buf = calloc(1, 65536);
        size_t got = fread(buf, 1, 65535, f);
        (void)got;
        fclose(f);
        *(k ? errs : out) = buf;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void write_config(char *path, size_t cap)
{
    FILE *f;

    snprintf(path, cap, "%s/credstack.conf", tmp);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "[tpam]\nserver = %s\nserver_port = %s\nserver_user = %s\n"
            "server_user_key = $\nserver_public_key = %s\n"
            "[credential_store]\nname = tpam\n",
            getenv("TPAM_HOST"), getenv("TPAM_PORT"), getenv("TPAM_USER"),
            getenv("TPAM_HOSTKEY_ED25519"));
    fclose(f);
}

TestSuite(store_tpam, .init = setup, .fini = teardown, .timeout = 300);

Test(store_tpam, checkout_with_key_from_store)
{
    static const char *const keys[] = {"TPAM_CLIENT_KEY_ED25519",
                                       "TPAM_CLIENT_KEY_RSA",
                                       "TPAM_CLIENT_KEY_ECDSA"};
    char conf[600];
    char *out = NULL, *errs = NULL;
    int rc;

    rc = run(ARGS("store", "init", "--store", "tpam"), &out, &errs);
    cr_assert_eq(rc, 0, "%s", errs);
    free(out);
    free(errs);
    write_config(conf, sizeof(conf));
    for (size_t i = 0; i < 3; i++) {
        rc =
            run(ARGS("store", "set", "--store", "tpam", "--type", "private-key",
                     "--from-file", getenv(keys[i]), "tpam", "server_user_key"),
                &out, &errs);
        cr_assert_eq(rc, 0, "%s", errs);
        free(out);
        free(errs);
        /* The derived stack: the seed's configuration with server_user_key = $.
         */
        rc = run(ARGS("get-password", "--config", conf, "--gateway-user",
                      "alice", "--target-user", "root", "--target-host",
                      "10.20.30.40", "--trace"),
                 &out, &errs);
        cr_assert_eq(rc, 0, "%s: %s", keys[i], errs);
        cr_assert_str_eq(out, "db02-Root!pw\n");
        cr_assert(strstr(errs, "secret-source-localstore") != NULL);
        cr_assert(strstr(errs, "PRIVATE KEY") == NULL, "%s", errs);
        free(out);
        free(errs);
    }
}

/* "$" with no entry in the store: a clear error, and no connection to TPAM. */
Test(store_tpam, missing_entry_stops_before_tpam)
{
    char conf[600], want[800];
    char *out = NULL, *errs = NULL;
    int rc;

    rc = run(ARGS("store", "init", "--store", "tpam"), &out, &errs);
    cr_assert_eq(rc, 0, "%s", errs);
    free(out);
    free(errs);
    write_config(conf, sizeof(conf));
    rc = run(ARGS("get-password", "--config", conf, "--gateway-user", "alice",
                  "--target-user", "root", "--target-host", "10.20.30.40"),
             &out, &errs);
    cr_assert_eq(rc, 2, "%s", out);
    snprintf(want, sizeof(want),
             "credential store 'tpam' (%s/tpam.store) has no entry for host "
             "'tpam' user 'server_user_key'",
             tmp);
    cr_assert(strstr(errs, want) != NULL, "%s", errs);
    cr_assert(strstr(errs, "connecting") == NULL, "%s", errs);
    cr_assert_str_eq(out, "");
    free(out);
    free(errs);
}
