/* SPDX-License-Identifier: MIT */
/* test_store_cli.c: `credstack store` and secret-source-localstore through the
 * command: concurrency, crashes, recovery, override rules. */
/* Long file: one short test per case of the file under test, over one
 * fixture; the sections are marked by their "----" headings. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <credstack/credstack.h>

#include "store/store.h"
#include "store/store_sys.h"

static char *tmp; /* a fresh directory per test; also CREDSTACK_STORE_DIR */
static char err[1024];

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
    const char *base = getenv("TMPDIR");
    char tmpl[256];

    cr_assert(getenv("CREDSTACK_BIN") != NULL,
              "run through make check (tests/run-test)");
    snprintf(tmpl, sizeof(tmpl), "%s/credstack-storecli.XXXXXX",
             base && *base ? base : "/tmp");
    cr_assert(mkdtemp(tmpl) != NULL);
    tmp = strdup(tmpl);
    setenv("CREDSTACK_STORE_DIR", tmp, 1);
    unsetenv("CREDSTACK_STORE_PASSPHRASE");
}

static void teardown(void)
{
    nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(tmp);
}

static int under_valgrind(void)
{
    const char *w = getenv("CREDSTACK_TEST_WRAPPER");
    return w != NULL && *w != '\0';
}

/* argv for exec: the wrapper's words, the command, then args (NULL-terminated).
 */
static char **build_argv(const char *const *args)
{
    const char *w = getenv("CREDSTACK_TEST_WRAPPER");
    char *words = strdup(w ? w : "");
    char **argv = calloc(64, sizeof(*argv));
    size_t n = 0;

    cr_assert(words && argv);
    for (char *save = NULL, *t = strtok_r(words, " \t", &save); t;
         t = strtok_r(NULL, " \t", &save))
        argv[n++] = strdup(t);
    free(words);
    argv[n++] = strdup(getenv("CREDSTACK_BIN"));
    for (; *args && n < 62; args++)
        argv[n++] = strdup(*args);
    return argv;
}

static void free_argv(char **argv)
{
    for (size_t i = 0; argv[i]; i++)
        free(argv[i]);
    free(argv);
}

/* Start the command with stdin fed from `in` (NULL: empty); stdout/stderr to
 * files. */
static pid_t start(const char *const *args, const char *in,
                   const char *out_path, const char *err_path)
{
    char **argv = build_argv(args);
    int pfd[2];
    pid_t pid;

    cr_assert_eq(pipe(pfd), 0);
    pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int o = open(out_path ? out_path : "/dev/null",
                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err_path ? err_path : "/dev/null",
                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(pfd[0], 0);
        dup2(o, 1);
        dup2(e, 2);
        close(pfd[0]);
        close(pfd[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    free_argv(argv);
    close(pfd[0]);
    if (in != NULL) {
        size_t len = strlen(in);
        cr_assert_eq(write(pfd[1], in, len), (ssize_t)len);
    }
    close(pfd[1]);
    return pid;
}

static char *slurp_text(const char *p)
{
    FILE *f = fopen(p, "r");
    char *buf = calloc(1, 1 << 20);
    size_t n;

    cr_assert(f && buf, "%s", p);
    n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

typedef struct res {
    int status;
    char *out, *err;
} res_t;

/* Run the command to its end; free out/err with res_free. */
static res_t run(const char *const *args, const char *in)
{
    char op[600], ep[600];
    res_t r;
    int st;

    snprintf(op, sizeof(op), "%s/.out", tmp);
    snprintf(ep, sizeof(ep), "%s/.err", tmp);
    pid_t pid = start(args, in, op, ep);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = slurp_text(op);
    r.err = slurp_text(ep);
    unlink(op);
    unlink(ep);
    return r;
}

static void res_free(res_t *r)
{
    free(r->out);
    free(r->err);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void must(const char *const *args, const char *in)
{
    res_t r = run(args, in);
    cr_assert_eq(r.status, 0, "%s %s: exit %d: %s", args[0], args[1], r.status,
                 r.err);
    res_free(&r);
}

static void write_file(const char *name, const char *text, char *path_out,
                       size_t cap)
{
    FILE *f;

    snprintf(path_out, cap, "%s/%s", tmp, name);
    f = fopen(path_out, "w");
    cr_assert(f != NULL);
    fputs(text, f);
    /* Whatever the umask: credstack refuses a stack file that its group
     * may write. */
    cr_assert_eq(fchmod(fileno(f), 0644), 0);
    fclose(f);
}

static cs_store *open_store(const char *name)
{
    char *path = NULL, *key = NULL;
    cs_store *st = NULL;
    cs_store_unlock un = {0};

    cr_assert_eq(cs_store_locate(name, tmp, &path, &key, err, sizeof(err)),
                 CREDSTACK_OK);
    un.key_file = key;
    cr_assert_eq(cs_store_open(path, &un, &st, err, sizeof(err)), CREDSTACK_OK,
                 "%s", err);
    free(path);
    free(key);
    return st;
}

TestSuite(store_cli, .init = setup, .fini = teardown, .timeout = 600);

Test(store_cli, help_lists_every_command)
{
    res_t r = run(ARGS("store", "--help"), NULL);

    cr_assert_eq(r.status, 0);
    for (const char *const *c = ARGS("init", "set", "get", "list", "delete",
                                     "rekey", "--show-secret", "--from-file");
         *c; c++)
        cr_assert(strstr(r.out, *c) != NULL, "help lacks %s", *c);
    res_free(&r);
    r = run(ARGS("store", "frobnicate", "--store", "x"), NULL);
    cr_assert_eq(r.status, 2);
    res_free(&r);
}

Test(store_cli, round_trip_passwords_and_keys)
{
    static const struct {
        const char *gen, *type;
    } keys[] = {{"-t rsa -b 2048", "ssh-rsa"},
                {"-t ecdsa -b 256", "ecdsa-sha2-nistp256"},
                {"-t ed25519", "ssh-ed25519"}};
    char kp[600], cmd[1024];
    res_t r;

    must(ARGS("store", "init", "--store", "main"), NULL);
    must(ARGS("store", "set", "--store", "main", "hostA", "alice"),
         "pa$$ word;#\n");
    for (size_t i = 0; i < 3; i++) {
        char *text;
        snprintf(kp, sizeof(kp), "%s/id%zu", tmp, i);
        snprintf(cmd, sizeof(cmd), "ssh-keygen -q %s -N '' -f %s >/dev/null",
                 keys[i].gen, kp);
        cr_assert_eq(system(cmd), 0);
        must(ARGS("store", "set", "--store", "main", "--type", "private-key",
                  "--from-file", kp, "keys", keys[i].type),
             NULL);
        r = run(ARGS("store", "get", "--store", "main", "keys", keys[i].type,
                     "--show-secret"),
                NULL);
        text = slurp_text(kp);
        cr_assert_eq(r.status, 0, "%s", r.err);
        cr_assert_str_eq(r.out, text);
        free(text);
        res_free(&r);
    }
    r = run(ARGS("store", "get", "--store", "main", "hostA", "alice",
                 "--show-secret"),
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "pa$$ word;#\n");
    res_free(&r);
    /* Without --show-secret, get describes; list never shows a secret. */
    r = run(ARGS("store", "get", "--store", "main", "hostA", "alice"), NULL);
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "pa$$") == NULL);
    cr_assert(strstr(r.out, "password") != NULL);
    res_free(&r);
    r = run(ARGS("store", "list", "--store", "main"), NULL);
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "pa$$") == NULL &&
              strstr(r.out, "PRIVATE") == NULL);
    for (size_t i = 0; i < 3; i++)
        cr_assert(strstr(r.out, keys[i].type) != NULL, "%s", r.out);
    cr_assert(strstr(r.out, "hostA\talice\tpassword") != NULL, "%s", r.out);
    res_free(&r);
    /* delete, then get and delete say "no entry" with exit 1. */
    must(ARGS("store", "delete", "--store", "main", "hostA", "alice"), NULL);
    r = run(ARGS("store", "get", "--store", "main", "hostA", "alice"), NULL);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "no entry for host 'hostA' user 'alice'") != NULL);
    res_free(&r);
    r = run(ARGS("store", "delete", "--store", "main", "hostA", "alice"), NULL);
    cr_assert_eq(r.status, 1);
    res_free(&r);
}

Test(store_cli, secret_never_from_argv)
{
    res_t r;

    must(ARGS("store", "init", "--store", "s"), NULL);
    r = run(ARGS("store", "set", "--store", "s", "h", "u", "thesecret"), NULL);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "never taken from the command line") != NULL);
    res_free(&r);
}

Test(store_cli, permissions_refused)
{
    char key[600];
    res_t r;

    must(ARGS("store", "init", "--store", "p"), NULL);
    snprintf(key, sizeof(key), "%s/p.key", tmp);
    cr_assert_eq(chmod(key, 0440), 0);
    r = run(ARGS("store", "list", "--store", "p"), NULL);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "refused") != NULL, "%s", r.err);
    res_free(&r);
    cr_assert_eq(chmod(key, 0400), 0);
    must(ARGS("store", "list", "--store", "p"), NULL);
}

Test(store_cli, passphrase_store_and_rekey)
{
    char pf[600], pf2[600];
    res_t r;

    write_file("pass", "first passphrase\n", pf, sizeof(pf));
    write_file("pass2", "second passphrase\n", pf2, sizeof(pf2));
    must(ARGS("store", "init", "--store", "pp", "--passphrase-file", pf,
              "--kdf", "pbkdf2", "--kdf-cost", "1000"),
         NULL);
    must(ARGS("store", "set", "--store", "pp", "--passphrase-file", pf, "h",
              "u"),
         "v\n");
    r = run(ARGS("store", "list", "--store", "pp"), NULL);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "protected by a passphrase") != NULL, "%s", r.err);
    res_free(&r);
    must(ARGS("store", "rekey", "--store", "pp", "--passphrase-file", pf,
              "--new-passphrase-file", pf2, "--kdf", "scrypt", "--kdf-cost",
              "10"),
         NULL);
    r = run(ARGS("store", "list", "--store", "pp", "--passphrase-file", pf),
            NULL);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "wrong key or passphrase") != NULL, "%s", r.err);
    res_free(&r);
    setenv("CREDSTACK_STORE_PASSPHRASE", "second passphrase", 1);
    r = run(ARGS("store", "get", "--store", "pp", "h", "u", "--show-secret"),
            NULL);
    unsetenv("CREDSTACK_STORE_PASSPHRASE");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "v\n");
    res_free(&r);
}

/* Many processes set different entries at once: none is lost, and a reader
 * never fails. */
Test(store_cli, concurrent_writers)
{
    int n = under_valgrind() ? 8 : 40;
    pid_t pids[64], reader;
    int st, fails = 0;
    cs_store *s;
    char user[32];

    must(ARGS("store", "init", "--store", "conc"), NULL);
    must(ARGS("store", "set", "--store", "conc", "h", "seed"), "x\n");
    reader = fork();
    cr_assert(reader >= 0);
    if (reader == 0) {
        /* Read until killed; exit 1 at the first failure. */
        for (;;) {
            char *path = NULL, *key = NULL;
            cs_store *rs = NULL;
            cs_store_unlock un = {0};
            char e[1024];
            cs_store_locate("conc", tmp, &path, &key, e, sizeof(e));
            un.key_file = key;
            if (cs_store_open(path, &un, &rs, e, sizeof(e)) != CREDSTACK_OK) {
                fprintf(stderr, "reader: %s\n", e);
                _exit(1);
            }
            cs_store_free(rs);
            free(path);
            free(key);
        }
    }
    for (int i = 0; i < n; i++) {
        char val[32];
        snprintf(user, sizeof(user), "user%d", i);
        snprintf(val, sizeof(val), "secret-%d\n", i);
        pids[i] = start(ARGS("store", "set", "--store", "conc", "h", user), val,
                        NULL, NULL);
    }
    for (int i = 0; i < n; i++) {
        cr_assert_eq(waitpid(pids[i], &st, 0), pids[i]);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            fails++;
    }
    cr_assert_eq(fails, 0, "%d writers failed", fails);
    /* The reader must still be running (it exits only on a failure). */
    cr_assert_eq(waitpid(reader, &st, WNOHANG), 0, "the reader failed");
    kill(reader, SIGKILL);
    waitpid(reader, &st, 0);
    s = open_store("conc");
    cr_assert_eq(s->ncreds, (size_t)n + 1);
    for (int i = 0; i < n; i++) {
        char val[32];
        long k;
        snprintf(user, sizeof(user), "user%d", i);
        snprintf(val, sizeof(val), "secret-%d", i);
        k = cs_store_find(s, "h", user, 0);
        cr_assert(k >= 0, "%s was lost", user);
        cr_assert_str_eq(s->creds[k].secret, val);
    }
    cs_store_free(s);
}

/* A writer killed at random points: the store is always readable, old or new.
 */
Test(store_cli, crash_safety)
{
    int rounds = under_valgrind() ? 12 : 50;
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    int state = 0, saw_old = 0, saw_new = 0;
    /* Start-up takes much longer under valgrind: kill over a wider range. */
    long max_us = under_valgrind() ? 3000000 : 40000;
    char pad[4096];

    cr_log_info("crash_safety seed %u", seed);
    srand(seed);
    /* Bigger entries make the write window wider. */
    memset(pad, 'p', sizeof(pad) - 1);
    pad[sizeof(pad) - 1] = '\0';
    must(ARGS("store", "init", "--store", "crash"), NULL);
    must(ARGS("store", "set", "--store", "crash", "h", "u"), "v0\n");
    for (int i = 1; i <= rounds; i++) {
        char val[32], big[5000];
        pid_t pid;
        int st;
        cs_store *s;
        long k;

        snprintf(val, sizeof(val), "v%d", i);
        snprintf(big, sizeof(big), "%s-%d\n", pad, i);
        /* Some filler entries too, so the file is not tiny. */
        if (i % 10 == 1) {
            char user[32];
            snprintf(user, sizeof(user), "filler%d", i);
            must(ARGS("store", "set", "--store", "crash", "h", user), big);
        }
        pid = start(ARGS("store", "set", "--store", "crash", "h", "u"), val,
                    NULL, NULL);
        usleep((useconds_t)(rand() % max_us));
        kill(pid, SIGKILL);
        cr_assert_eq(waitpid(pid, &st, 0), pid);
        s = open_store("crash");
        k = cs_store_find(s, "h", "u", 0);
        cr_assert(k >= 0, "round %d: the entry is gone", i);
        if (strcmp(s->creds[k].secret, val) == 0) {
            state = i;
            saw_new++;
        } else {
            char prev[32];
            snprintf(prev, sizeof(prev), "v%d", state);
            /* The old state is the previous round's outcome. */
            cr_assert_str_eq(s->creds[k].secret, prev,
                             "round %d: neither old nor new", i);
            saw_old++;
        }
        cs_store_free(s);
    }
    cr_log_info("crash_safety: %d rounds kept the old state, %d the new",
                saw_old, saw_new);
    /* The store is still writable: no lock or temporary was left behind. */
    must(ARGS("store", "set", "--store", "crash", "h", "u"), "final\n");
    {
        cs_store *s = open_store("crash");
        cr_assert_str_eq(s->creds[cs_store_find(s, "h", "u", 0)].secret,
                         "final");
        cs_store_free(s);
    }
}

/* The library's rekey in place in a child killed (SIGKILL) before its n-th
 * step (the seam of store/store_sys.h, built into this test only);
 * whether it got that far. */
static long kill_at, steps_seen;

static int kill_hook(const char *op, const char *file)
{
    (void)op;
    (void)file;
    if (++steps_seen == kill_at)
        raise(SIGKILL);
    return 0;
}

static int rekey_killed_at(const char *name, long n)
{
    char *path = NULL, *key = NULL;
    pid_t pid;
    int st;

    cr_assert_eq(cs_store_locate(name, tmp, &path, &key, err, sizeof(err)),
                 CREDSTACK_OK);
    fflush(NULL);
    pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        cs_store_unlock un = {key, NULL, 0};
        kill_at = n;
        cs_store_fault_hook = kill_hook;
        _exit(cs_store_rekey(path, &un, &un, NULL, NULL, 0, err, sizeof(err)) ==
                      CREDSTACK_OK
                  ? 0
                  : 1);
    }
    free(path);
    free(key);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
        return 1;
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the rekey failed");
    return 0;
}

/* A rekey in place killed at each step: the `credstack store` command that
 * follows (list, get, set or rekey, in turn) reads the store, settles the
 * state and says what it did; the entries are intact. */
Test(store_cli, rekey_killed_at_every_step_then_any_command)
{
    static const char *const cmds[] = {"list", "get", "set", "rekey"};
    char knew[600];
    int recovered = 0;

    snprintf(knew, sizeof(knew), "%s/rk.key.new", tmp);
    must(ARGS("store", "init", "--store", "rk"), NULL);
    must(ARGS("store", "set", "--store", "rk", "h", "keep"), "kept\n");
    must(ARGS("store", "set", "--store", "rk", "h", "u"), "v\n");
    for (long n = 1;; n++) {
        const char *cmd = cmds[n % 4];
        int dirty;
        res_t r;

        if (!rekey_killed_at("rk", n))
            break;
        dirty = access(knew, F_OK) == 0;
        if (strcmp(cmd, "set") == 0)
            r = run(ARGS("store", "set", "--store", "rk", "h", "u"), "v\n");
        else if (strcmp(cmd, "get") == 0)
            r = run(ARGS("store", "get", "--store", "rk", "h", "keep",
                         "--show-secret"),
                    NULL);
        else
            r = run(ARGS("store", cmd, "--store", "rk"), NULL);
        cr_assert_eq(r.status, 0, "killed at step %ld, then %s: %s", n, cmd,
                     r.err);
        if (strcmp(cmd, "get") == 0)
            cr_assert_str_eq(r.out, "kept\n");
        if (strcmp(cmd, "list") == 0)
            cr_assert(strstr(r.out, "h\tkeep\tpassword") != NULL, "%s", r.out);
        if (dirty) {
            cr_assert(strstr(r.err, "recovered: ") != NULL &&
                          strstr(r.err, "rk.key.new") != NULL,
                      "killed at step %ld, then %s: said nothing: %s", n, cmd,
                      r.err);
            cr_assert_neq(access(knew, F_OK), 0, "%s is left", knew);
            recovered++;
        }
        res_free(&r);
        r = run(
            ARGS("store", "get", "--store", "rk", "h", "u", "--show-secret"),
            NULL);
        cr_assert_eq(r.status, 0, "killed at step %ld, then %s: %s", n, cmd,
                     r.err);
        cr_assert_str_eq(r.out, "v\n");
        res_free(&r);
    }
    cr_assert(recovered > 0, "no step left a <key>.new to settle");
}

/* ---- secret-source-localstore, through credstack get-password ---- */

static char conf[600], stack[600];

/* A config with body, and a stack whose checkout echoes [test] echo as the
 * module sees it once the secret source has run. */
static void module_setup(const char *body)
{
    write_file("credstack.conf", body, conf, sizeof(conf));
    write_file("stack",
               "secret   required secret-source-localstore\n"
               "checkout required test-result echo=yes\n",
               stack, sizeof(stack));
}

static res_t get_password(int trace)
{
    return run(trace ? ARGS("get-password", "--config", conf, "--stack", stack,
                            "-g", "gw", "-u", "root", "-H", "h1", "--trace")
                     : ARGS("get-password", "--config", conf, "--stack", stack,
                            "-g", "gw", "-u", "root", "-H", "h1"),
               NULL);
}

static void store_with_key(const char *name)
{
    must(ARGS("store", "init", "--store", name), NULL);
    must(ARGS("store", "set", "--store", name, "--type", "private-key",
              "--key-type", "ssh-ed25519", "test", "echo"),
         "KEY-FROM-STORE\n");
}

/* Seed semantics: a store entry overrides the option of the configuration. */
Test(store_cli, store_overrides_configuration)
{
    res_t r;

    store_with_key("tpamstore");
    module_setup("[test]\necho = inline-key\n"
                 "[plugin]\ncred_store = tpamstore\n");
    r = get_password(1);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "KEY-FROM-STORE\n\n");
    /* The trace and the log never carry the secret. */
    cr_assert(strstr(r.err, "KEY-FROM-STORE") == NULL, "%s", r.err);
    res_free(&r);
}

/* Later generation: "$" takes the option from the store. */
Test(store_cli, dollar_takes_from_store)
{
    res_t r;

    store_with_key("gen2");
    module_setup("[test]\necho = $\n"
                 "[credential_store]\nname = gen2\n");
    r = get_password(0);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "KEY-FROM-STORE\n\n");
    res_free(&r);
}

Test(store_cli, dollar_missing_from_store_is_an_error)
{
    res_t r;
    char want[800];

    must(ARGS("store", "init", "--store", "empty"), NULL);
    module_setup("[test]\necho = $\n"
                 "[credential_store]\nname = empty\n");
    r = get_password(0);
    cr_assert_eq(r.status, 2, "%s", r.out);
    snprintf(want, sizeof(want),
             "credential store 'empty' (%s/empty.store) has no entry for "
             "host 'test' user 'echo'",
             tmp);
    cr_assert(strstr(r.err, want) != NULL, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    res_free(&r);
}

/* "$$" is a literal "$", not a store reference. */
Test(store_cli, double_dollar_is_literal)
{
    res_t r;

    must(ARGS("store", "init", "--store", "lit"), NULL);
    module_setup("[test]\necho = $$\n"
                 "[credential_store]\nname = lit\n");
    r = get_password(0);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "$\n");
    res_free(&r);
}

Test(store_cli, require_argument)
{
    res_t r;

    store_with_key("req");
    module_setup("[test]\nsecret = x\n"
                 "[credential_store]\nname = req\n");
    write_file("stack",
               "secret   required secret-source-localstore "
               "require=test.echo,test.secret\n"
               "checkout required test-result echo=yes\n",
               stack, sizeof(stack));
    r = get_password(0);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "no entry for host 'test' user 'secret'") != NULL,
              "%s", r.err);
    res_free(&r);
}

Test(store_cli, no_store_configured)
{
    res_t r;

    module_setup("[test]\necho = $\n");
    r = get_password(0);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "[credential_store] name") != NULL, "%s", r.err);
    res_free(&r);
}

Test(store_cli, missing_store_file)
{
    res_t r;

    module_setup("[test]\necho = $\n"
                 "[credential_store]\nname = nosuch\n");
    r = get_password(0);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "credential store 'nosuch'") != NULL &&
                  strstr(r.err, "does not exist") != NULL,
              "%s", r.err);
    res_free(&r);
}

Test(store_cli, tampered_store_is_an_error)
{
    char path[600];
    int fd;
    res_t r;

    store_with_key("tam");
    snprintf(path, sizeof(path), "%s/tam.store", tmp);
    fd = open(path, O_RDWR);
    cr_assert(fd >= 0);
    {
        /* Flip a bit: writing a fixed byte changes nothing 1 time in 256. */
        unsigned char b;
        cr_assert_eq(pread(fd, &b, 1, 70), 1);
        b ^= 0x01;
        cr_assert_eq(pwrite(fd, &b, 1, 70), 1);
    }
    close(fd);
    module_setup("[test]\necho = $\n"
                 "[credential_store]\nname = tam\n");
    r = get_password(0);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "wrong key or passphrase, or the file was "
                            "modified") != NULL,
              "%s", r.err);
    res_free(&r);
}

/* A [tpam] configuration selects the TPAM modules' stack, whose secret
 * sources come first; a secret written inline draws a warning that never
 * shows it. */
Test(store_cli, selected_stack_and_inline_warning)
{
    res_t r;

    write_file("d.conf", "[tpam]\nserver = tpam\nserver_user_key = $\n", conf,
               sizeof(conf));
    r = run(ARGS("check", "--no-load", "--config", conf), NULL);
    cr_assert(strstr(r.out, "selected by [tpam] at ") != NULL &&
                  strstr(r.out, "secret-source-localstore") != NULL,
              "%s\n%s", r.out, r.err);
    res_free(&r);
    module_setup("[test]\nsecret = INLINE-SECRET\n");
    r = get_password(0);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err,
                     "test.secret is written in the configuration "
                     "itself; the credential store is the safer place") != NULL,
              "%s", r.err);
    cr_assert(strstr(r.err, "INLINE-SECRET") == NULL, "%s", r.err);
    res_free(&r);
}
