/* SPDX-License-Identifier: MIT */
/* test_faults.c: faults injected through tpam-sim, sshd and the environment: no
 * password, a clear error, back within the timeout. */
/* Long file: one short test per case of the file under test, over one
 * fixture; the sections are marked by their "----" headings. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "hardening.h"

/* The command timeout the faults run against, in seconds. */
#define COMMAND_TIMEOUT 2

static char *tmp, *conf;
static void fixture_restore(void);

static const char *argv_name(int i)
{
    return i == 0 ? "get-password" : "hook";
}

/* Slack on top of a timeout: process start-up and the steps before the
 * fault; valgrind makes every step many times slower. */
static long long slack_ms(void)
{
    return hz_valgrind() ? 30000 : 4000;
}

static void setup(void)
{
    tu_load_harness();
    tmp = tu_tmpdir();
    /* A generous connect timeout so that only the faulted command times
     * out, even under valgrind. */
    conf = hz_write_config(tmp, "gateway", hz_valgrind() ? 60 : 10,
                           COMMAND_TIMEOUT, 0, NULL);
    hz_faults(NULL);
    hz_log_clear();
}

static void teardown(void)
{
    char *stores = tu_path(tmp, "stores");

    /* A failed store test may leave its tmpfs mounted. */
    umount2(stores, MNT_DETACH);
    free(stores);
    hz_faults(NULL);
    fixture_restore();
    free(conf);
    tu_rmtree(tmp);
}

TestSuite(faults, .init = setup, .fini = teardown, .timeout = 600);

/* Run the good request of the fixture with `faults` in place; check the
 * common promises and return the run for the fault's own checks. */
static tu_run faulted(const char *faults, const char *config, long long *ms)
{
    long long t0;
    tu_run r;

    hz_faults(faults);
    t0 = hz_now_ms();
    r = hz_get_password(config, "bob", "root", "10.20.30.40");
    *ms = hz_now_ms() - t0;
    hz_faults(NULL);
    cr_expect_str_eq(r.out, "", "%s: something printed on stdout", faults);
    cr_expect(strstr(r.err, "db02-Root!pw") == NULL, "%s: password in %s",
              faults, r.err);
    cr_expect_eq(r.status, 3, "%s: exit %d: %s", faults, r.status, r.err);
    return r;
}

/* Whether a tpam-sim of this harness is still running (not a zombie). */
static int sim_alive(void)
{
    const char *state = tu_env("TPAM_STATE");
    DIR *d = opendir("/proc");
    struct dirent *e;
    int found = 0;

    cr_assert_not_null(d);
    while (!found && (e = readdir(d)) != NULL) {
        char path[300], buf[4096];
        FILE *f;
        size_t n;

        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
        if ((f = fopen(path, "r")) == NULL)
            continue;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        /* cmdline is NUL-separated: look at every argument. */
        for (size_t i = 0; i < n; i += strlen(buf + i) + 1) {
            buf[n] = '\0';
            if (strcmp(buf + i, state) == 0 && strstr(buf, "tpam-sim"))
                found = 1;
        }
    }
    closedir(d);
    return found;
}

Test(faults, the_good_request_works)
{
    tu_run r = hz_get_password(conf, "bob", "root", "10.20.30.40");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "db02-Root!pw\n");
    tu_run_free(&r);
}

/* The appliance's sshd dies in the middle of Retrieve. */
Test(faults, sshd_killed_mid_command)
{
    long long ms;
    tu_run r = faulted("drop=1\ncommand=Retrieve\n", conf, &ms);

    cr_expect(strstr(r.err, "lost") != NULL, "%s", r.err);
    cr_expect(ms < COMMAND_TIMEOUT * 1000 + slack_ms(), "took %lld ms", ms);
    tu_run_free(&r);
    /* The next request gets a fresh connection and works. */
    r = hz_get_password(conf, "bob", "root", "10.20.30.40");
    cr_expect_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
}

/* A channel that never answers: each command type, bounded by command_timeout.
 */
Test(faults, channel_never_answers)
{
    static const char *const cmds[] = {"ListSystems", "Retrieve"};

    for (size_t i = 0; i < 2; i++) {
        char f[128];
        long long ms;
        tu_run r;

        snprintf(f, sizeof(f), "hang=1\ncommand=%s\n", cmds[i]);
        r = faulted(f, conf, &ms);
        cr_expect(strstr(r.err, "did not answer") != NULL, "%s: %s", cmds[i],
                  r.err);
        cr_expect(strstr(r.err, "timed out") != NULL, "%s: %s", cmds[i], r.err);
        cr_expect(ms >= COMMAND_TIMEOUT * 1000 - 100, "%s: only %lld ms",
                  cmds[i], ms);
        cr_expect(ms < COMMAND_TIMEOUT * 1000 + slack_ms(), "%s: took %lld ms",
                  cmds[i], ms);
        tu_run_free(&r);
        /* The hung simulator goes away with the channel: nothing left behind.
         */
        for (int k = 0; k < 100 && sim_alive(); k++)
            usleep(50000);
        cr_expect(!sim_alive(), "%s: a tpam-sim is still running", cmds[i]);
    }
}

/* A TPAM address that accepts TCP and then says nothing (not even an SSH
 * banner): bounded by connect_timeout. */
Test(faults, server_never_speaks)
{
    struct sockaddr_in sa = {0};
    socklen_t slen = sizeof(sa);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    char port[16], *c;
    long long t0, ms;
    tu_run r;
    FILE *f;

    cr_assert(s >= 0);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(listen(s, 8), 0);
    cr_assert_eq(getsockname(s, (struct sockaddr *)&sa, &slen), 0);
    snprintf(port, sizeof(port), "%u", ntohs(sa.sin_port));
    free(conf);
    conf = hz_write_config(tmp, "gateway", COMMAND_TIMEOUT, COMMAND_TIMEOUT, 0,
                           NULL);
    /* Point server_port, and the host key line's [host]:port, at the
     * silent socket. */
    c = tu_slurp(conf);
    f = fopen(conf, "w");
    cr_assert(c && f);
    {
        char *line = strstr(c, "server_port = ");
        char *eol = strchr(line, '\n');
        char *hk = strstr(c, "server_public_key = [127.0.0.1]:");
        char *key = hk ? strchr(hk, ' ') : NULL;
        cr_assert(hk > eol && key != NULL);
        key = strchr(key + 3, ' '); /* after "= [127.0.0.1]:PORT" */
        cr_assert_not_null(key);
        fprintf(f, "%.*sserver_port = %s%.*s", (int)(line - c), c, port,
                (int)(hk - eol), eol);
        fprintf(f, "server_public_key = [127.0.0.1]:%s%s", port, key);
    }
    fclose(f);
    free(c);
    hz_log_clear();
    t0 = hz_now_ms();
    r = hz_get_password(conf, "bob", "root", "10.20.30.40");
    ms = hz_now_ms() - t0;
    close(s);
    cr_expect_eq(r.status, 3, "exit %d: %s", r.status, r.err);
    cr_expect_str_eq(r.out, "");
    cr_expect(strstr(r.err, "timed out") != NULL, "%s", r.err);
    cr_expect(ms < COMMAND_TIMEOUT * 1000 + slack_ms(), "took %lld ms", ms);
    tu_run_free(&r);
}

/* Half a line, then EOF: never half a password. */
Test(faults, half_line_then_eof)
{
    static const char *const cmds[] = {"ListSystems", "Retrieve"};

    for (size_t i = 0; i < 2; i++) {
        char f[128];
        long long ms;
        tu_run r;

        snprintf(f, sizeof(f), "half_line=1\ncommand=%s\n", cmds[i]);
        r = faulted(f, conf, &ms);
        cr_expect(strstr(r.err, "truncated") != NULL, "%s: %s", cmds[i], r.err);
        /* The first half of the password must not be shown either. */
        cr_expect(strstr(r.err, "db02-R") == NULL, "%s: %s", cmds[i], r.err);
        tu_run_free(&r);
    }
}

/* Other broken answers, each refused as a whole. */
Test(faults, broken_answers)
{
    static const char *const fs[] = {
        "garbage=1\ncommand=Retrieve\n", "empty=1\ncommand=Retrieve\n",
        "garbage=1\ncommand=ListSystems\n", "empty=1\ncommand=ListSystems\n"};

    for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
        long long ms;
        tu_run r = faulted(fs[i], conf, &ms);
        cr_expect(strstr(r.err, "backend error") != NULL, "%s: %s", fs[i],
                  r.err);
        tu_run_free(&r);
    }
}

/* The appliance's host key changes between two requests: the second is
 * refused before authenticating, and nothing is sent. */
Test(faults, host_key_changed_between_requests)
{
    const char *dir = tu_env("TPAM_DIR");
    char *key = tu_path(dir, "ssh_host_ed25519_key");
    char *pub = tu_path(dir, "ssh_host_ed25519_key.pub");
    char *spare = tu_path(dir, "spare_host_ed25519_key");
    char *spare_pub = tu_path(dir, "spare_host_ed25519_key.pub");
    char *save = tu_path(tmp, "host_key.save");
    char *save_pub = tu_path(tmp, "host_key.pub.save");
    char *log;
    tu_run r;

    r = hz_get_password(conf, "bob", "root", "10.20.30.40");
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    /* sshd re-executes itself for each connection and reads its host keys
     * again: swapping the file changes the key the next client sees. */
    cr_assert(tu_copy(key, save) == 0 && tu_copy(pub, save_pub) == 0);
    cr_assert(tu_copy(spare, key) == 0 && tu_copy(spare_pub, pub) == 0);
    chmod(key, 0600);
    hz_log_clear();
    r = hz_get_password(conf, "bob", "root", "10.20.30.40");
    log = hz_log();
    /* Put the real key back before asserting anything. */
    cr_assert(tu_copy(save, key) == 0 && tu_copy(save_pub, pub) == 0);
    chmod(key, 0600);
    cr_expect_eq(r.status, 3, "exit %d: %s", r.status, r.err);
    cr_expect_str_eq(r.out, "");
    cr_expect(strstr(r.err, "host key mismatch") != NULL, "%s", r.err);
    cr_expect_str_eq(log, "", "commands sent to the wrong host:\n%s", log);
    free(log);
    tu_run_free(&r);
    r = hz_get_password(conf, "bob", "root", "10.20.30.40");
    cr_expect_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    free(key);
    free(pub);
    free(spare);
    free(spare_pub);
    free(save);
    free(save_pub);
}

/* A module directory where the stack's last module has gone missing: the
 * stack fails closed before anything is asked of TPAM. */
Test(faults, module_missing_at_run_time)
{
    static const char *const mods[] = {"secret-source-localstore",
                                       "reuse-gateway",
                                       "resolver-tpam",
                                       "resolver-dns",
                                       "prefix",
                                       "maptoreal",
                                       "auth-gateway",
                                       "auth-approval",
                                       "auth-policy"}; /* no checkout-tpam */
    const char *built = tu_env("CREDSTACK_MODULE_DIR");
    char *mdir = tu_path(tmp, "modules"), env[600];
    const char *argv[] = {"get-password", "--config",
                          conf,           "--gateway-user",
                          "bob",          "--target-user",
                          "root",         "--target-host",
                          "10.20.30.40",  NULL};
    const char *envv[] = {env, NULL};
    char *log;
    tu_run r;

    cr_assert_eq(mkdir(mdir, 0755), 0);
    for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
        char from[600], to[600];
        snprintf(from, sizeof(from), "%s/%s.so", built, mods[i]);
        snprintf(to, sizeof(to), "%s/%s.so", mdir, mods[i]);
        cr_assert_eq(tu_copy(from, to), 0, "%s", from);
        chmod(to, 0755);
    }
    snprintf(env, sizeof(env), "CREDSTACK_MODULE_DIR=%s", mdir);
    r = tu_credstack(argv, NULL, envv);
    log = hz_log();
    cr_expect_eq(r.status, 2, "exit %d: %s", r.status, r.err);
    cr_expect_str_eq(r.out, "");
    cr_expect(strstr(r.err, "checkout-tpam") != NULL, "%s", r.err);
    cr_expect_str_eq(log, "", "TPAM was asked:\n%s", log);
    free(log);
    tu_run_free(&r);
    free(mdir);
}

/* ---- the credential store's directory read-only, then full ---- */

/* A small tmpfs for the store; the test is skipped where mounting is not
 * allowed (not root, or a container without CAP_SYS_ADMIN). */
static char *store_fs(void)
{
    char *dir = tu_path(tmp, "stores");

    cr_assert_eq(mkdir(dir, 0700), 0);
    if (mount("credstack-test", dir, "tmpfs", 0, "size=256k,mode=0700") != 0) {
        int e = errno;
        rmdir(dir);
        free(dir);
        cr_skip_test("cannot mount a tmpfs for the store (%s)", strerror(e));
    }
    return dir;
}

static tu_run store_cmd(const char *dir, const char *const *argv,
                        const char *in)
{
    char env[600];
    const char *envv[] = {env, NULL};

    snprintf(env, sizeof(env), "CREDSTACK_STORE_DIR=%s", dir);
    return tu_credstack(argv, in, envv);
}

/* Store entries left in dir other than the store and its key (temporaries). */
static int stray_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    cr_assert_not_null(d);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && strcmp(e->d_name, "t.store") != 0 &&
            strcmp(e->d_name, "t.key") != 0 &&
            strcmp(e->d_name, "t.store.lock") != 0)
            n++;
    closedir(d);
    return n;
}

Test(faults, store_directory_read_only_or_full)
{
    char *dir = store_fs(), *sconf, *filler, env[600], big[8192];
    const char *envv[] = {env, NULL};
    const char *getpw[] = {"get-password", "--config",
                           NULL,           "--gateway-user",
                           "bob",          "--target-user",
                           "root",         "--target-host",
                           "10.20.30.40",  NULL};
    tu_run r;
    FILE *f;

    sconf = hz_write_config(tmp, "gateway", hz_valgrind() ? 60 : 10,
                            hz_valgrind() ? 60 : 10, 1,
                            "[credential_store]\nname = t\n");
    getpw[2] = sconf;
    snprintf(env, sizeof(env), "CREDSTACK_STORE_DIR=%s", dir);
    r = store_cmd(dir, (const char *[]){"store", "init", "--store", "t", NULL},
                  NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    {
        char *key = tu_slurp(tu_env("TPAM_CLIENT_KEY_ED25519"));
        r = store_cmd(dir,
                      (const char *[]){"store", "set", "--store", "t", "--type",
                                       "private-key", "tpam", "server_user_key",
                                       NULL},
                      key);
        free(key);
    }
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);

    /* Read-only: writing fails clearly; reading still works. */
    cr_assert_eq(
        mount("credstack-test", dir, "tmpfs", MS_REMOUNT | MS_RDONLY, NULL), 0,
        "remount ro: %s", strerror(errno));
    r = store_cmd(
        dir,
        (const char *[]){"store", "set", "--store", "t", "tpam", "other", NULL},
        "pw\n");
    cr_expect_neq(r.status, 0, "a write to a read-only store succeeded");
    cr_expect(strstr(r.err, "Read-only file system") != NULL, "%s", r.err);
    tu_run_free(&r);
    r = tu_credstack(getpw, NULL, envv);
    cr_expect_eq(r.status, 0, "read-only store: %s", r.err);
    cr_expect_str_eq(r.out, "db02-Root!pw\n");
    tu_run_free(&r);
    cr_assert_eq(mount("credstack-test", dir, "tmpfs", MS_REMOUNT, NULL), 0);

    /* Full: a write fails clearly, leaves no temporary behind, and the old
     * store still opens. */
    filler = tu_path(dir, "filler");
    f = fopen(filler, "w");
    cr_assert_not_null(f);
    memset(big, 'x', sizeof(big));
    while (fwrite(big, 1, sizeof(big), f) == sizeof(big) && fflush(f) == 0)
        ;
    fclose(f);
    memset(big, 'p', sizeof(big) - 2);
    big[sizeof(big) - 2] = '\n';
    big[sizeof(big) - 1] = '\0';
    r = store_cmd(
        dir,
        (const char *[]){"store", "set", "--store", "t", "tpam", "other", NULL},
        big);
    cr_expect_neq(r.status, 0, "a write to a full store succeeded");
    cr_expect(strstr(r.err, "No space left") != NULL, "%s", r.err);
    tu_run_free(&r);
    remove(filler);
    cr_expect_eq(stray_files(dir), 0, "temporaries left in %s", dir);
    r = tu_credstack(getpw, NULL, envv);
    cr_expect_eq(r.status, 0, "after a full disk: %s", r.err);
    cr_expect_str_eq(r.out, "db02-Root!pw\n");
    tu_run_free(&r);

    umount(dir);
    free(filler);
    free(sconf);
    free(dir);
}

/* ---- a password that is not UTF-8 ---- */

/* fixture.default plus `extra` as the simulator's data; the default comes
 * back in teardown (saved_fixture). */
static char *saved_fixture;

static void fixture_with(const char *extra)
{
    FILE *f;

    if (saved_fixture == NULL)
        saved_fixture = tu_slurp(tu_env("TPAM_FIXTURE"));
    cr_assert_not_null(saved_fixture);
    f = fopen(tu_env("TPAM_FIXTURE"), "w");
    cr_assert_not_null(f);
    fputs(saved_fixture, f);
    fputs(extra, f);
    cr_assert_eq(fclose(f), 0);
}

static void fixture_restore(void)
{
    FILE *f;

    if (saved_fixture == NULL)
        return;
    f = fopen(tu_env("TPAM_FIXTURE"), "w");
    if (f != NULL) {
        fputs(saved_fixture, f);
        fclose(f);
    }
    free(saved_fixture);
    saved_fixture = NULL;
}

/*
 * SPS takes passwords as JSON text: a password that is not UTF-8 cannot be
 * passed on.  The hook says so and exits 3 (it used to answer an empty list
 * with no word); the message never carries the bytes.  get-password, which
 * writes bytes, still prints it; a UTF-8 non-ASCII password goes through.
 */
Test(faults, hook_non_utf8_password_is_an_error)
{
    static const char latin1_pw[] = "caf\xe9-Latin1-pw";
    static const char utf8_pw[] = "r\xc3\xb6\xc3\xb6t-UTF8-pw";
    static const struct {
        const char *account;
        const char *pw;
        int ok;
    } cases[] = {
        {"latin1", latin1_pw, 0},
        {"lonecont", "x\x80y-Cont-pw", 0},
        {"surrogate", "\xed\xa0\x80-Surr-pw", 0},
        {"overlong", "\xc0\xaf-Over-pw", 0},
        {"utf8", utf8_pw, 1},
    };
    char extra[1024] = "";
    size_t o = 0;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        o += (size_t)snprintf(extra + o, sizeof(extra) - o,
                              "\n[account]\nSystemName=web01\nAccountName=%s\n"
                              "Password=%s\n",
                              cases[i].account, cases[i].pw);
    fixture_with(extra);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char json[512], want[256];
        const char *tail = strchr(cases[i].pw, '-'); /* the ASCII part */
        tu_run r;

        /* The backend does hand it out. */
        r = hz_get_password(conf, "bob", cases[i].account, "10.20.30.41");
        snprintf(want, sizeof(want), "%s\n", cases[i].pw);
        cr_expect_eq(r.status, 0, "%s: %s", cases[i].account, r.err);
        cr_expect_str_eq(r.out, want, "%s", cases[i].account);
        tu_run_free(&r);

        snprintf(json, sizeof(json),
                 "{\"gateway_username\": \"bob\", \"target_username\": "
                 "\"%s\", \"server_ip\": \"10.20.30.41\"}",
                 cases[i].account);
        r = hz_hook(conf, json);
        if (cases[i].ok) {
            snprintf(want, sizeof(want), "{\"passwords\":[\"%s\"]",
                     cases[i].pw);
            cr_expect_eq(r.status, 0, "%s: %s", cases[i].account, r.err);
            cr_expect(strncmp(r.out, want, strlen(want)) == 0, "%s: %s",
                      cases[i].account, r.out);
        } else {
            cr_expect_eq(r.status, 3, "%s: exit %d: %s", cases[i].account,
                         r.status, r.err);
            cr_expect(strstr(r.out, "\"passwords\":[]") != NULL, "%s: %s",
                      cases[i].account, r.out);
            cr_expect(strstr(r.err, "not valid UTF-8") != NULL,
                      "%s: no clear message: %s", cases[i].account, r.err);
            cr_expect(strstr(r.err, tail) == NULL &&
                          strstr(r.out, tail) == NULL,
                      "%s: the password shown: %s", cases[i].account, r.err);
        }
        tu_run_free(&r);
    }
    fixture_restore();
}

/* ---- no core file holding the key or a password ---- */

/*
 * Start `credstack argv...` (through the test wrapper) in directory cwd, with
 * core files allowed as far as we can (RLIMIT_CORE raised to the hard limit),
 * stdin from the file `in` (NULL: /dev/null), stdout and stderr into cwd, as
 * user `uid` (-1: as we are).  Returns the pid; the caller reaps it.
 */
static pid_t spawn_in(const char *cwd, const char *const *argv, const char *in,
                      int uid)
{
    const char *wrapper = getenv("CREDSTACK_TEST_WRAPPER");
    char *w = strdup(wrapper ? wrapper : ""), *save = NULL;
    const char *av[64];
    size_t n = 0;
    pid_t pid;

    cr_assert_not_null(w);
    for (char *t = strtok_r(w, " \t", &save); t;
         t = strtok_r(NULL, " \t", &save))
        av[n++] = t;
    av[n++] = tu_env("CREDSTACK_BIN");
    for (size_t i = 0; argv[i]; i++)
        av[n++] = argv[i];
    av[n] = NULL;
    cr_assert(n < 64);
    fflush(NULL);
    pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        struct rlimit all = {RLIM_INFINITY, RLIM_INFINITY};

        if (setrlimit(RLIMIT_CORE, &all) != 0 &&
            getrlimit(RLIMIT_CORE, &all) == 0) {
            all.rlim_cur = all.rlim_max;
            setrlimit(RLIMIT_CORE, &all);
        }
        if (chdir(cwd) != 0 ||
            dup2(open(in ? in : "/dev/null", O_RDONLY), 0) != 0 ||
            dup2(open("out", O_WRONLY | O_CREAT | O_TRUNC, 0644), 1) != 1 ||
            dup2(open("err", O_WRONLY | O_CREAT | O_TRUNC, 0644), 2) != 2)
            _exit(126);
        if (uid >= 0 && (setgroups(0, NULL) != 0 || setresgid(uid, uid, uid) ||
                         setresuid(uid, uid, uid) != 0))
            _exit(126);
        execvp(av[0], (char *const *)av);
        _exit(127);
    }
    free(w);
    return pid;
}

/* Wait until the simulator has been sent `command` (the request is then in
 * the middle: key read, session open), or the process has ended. */
static int wait_for_command(pid_t pid, const char *command)
{
    for (;;) {
        char *log = hz_log();
        int seen = strstr(log, command) != NULL;
        free(log);
        if (seen)
            return 1;
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return 0;
        usleep(2000);
    }
}

/* The "Max core file size" line of /proc/PID/limits: soft and hard. */
static void core_limits(pid_t pid, char *soft, char *hard, size_t cap)
{
    char path[64], line[256];
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
    f = fopen(path, "r");
    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    soft[0] = hard[0] = '\0';
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "Max core file size", 18) == 0 &&
            sscanf(line + 18, "%31s %31s", soft, hard) == 2)
            break;
    fclose(f);
    (void)cap;
}

/* Files in dir whose name starts with "core" or "vgcore". */
static int core_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    cr_assert_not_null(d);
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, "core", 4) == 0 ||
            strncmp(e->d_name, "vgcore", 6) == 0)
            n++;
    closedir(d);
    return n;
}

/* Whether uid could run the credstack under test: a tree unpacked under a
 * 0700 directory (mktemp -d, as .ci/run's archive step does) is closed to
 * other users, and no setup of ours should open it. */
static int can_run_as(int uid)
{
    int status = 0;
    pid_t pid = fork();

    cr_assert(pid >= 0);
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setresgid(uid, uid, uid) != 0 ||
            setresuid(uid, uid, uid) != 0)
            _exit(2);
        _exit(access(tu_env("CREDSTACK_BIN"), X_OK) == 0 ? 0 : 1);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* A directory for a run mid-request: a hung Retrieve (hang=1), the
 * configuration and the hook's request readable by any user, the directory
 * writable by any (a core file could be written there, by us or by nobody). */
typedef struct midreq {
    char *dir, *conf, *req;
} midreq;

static void midreq_setup(midreq *m)
{
    m->dir = tu_tmpdir();
    m->conf = hz_write_config(m->dir, "gateway", hz_valgrind() ? 60 : 10, 120,
                              0, NULL);
    m->req = tu_write(m->dir, "request.json",
                      "{\"gateway_username\": \"bob\", \"target_username\": "
                      "\"root\", \"server_ip\": \"10.20.30.40\"}");
    cr_assert(chmod(m->dir, 0777) == 0 && chmod(m->conf, 0644) == 0 &&
              chmod(m->req, 0644) == 0);
}

static void midreq_free(midreq *m)
{
    free(m->req);
    free(m->conf);
    tu_rmtree(m->dir);
}

/* Start command i (0 get-password, 1 the hook) as uid (-1: as we are) and
 * wait until it has sent Retrieve, which hangs: the key is in memory. */
static pid_t start_mid_request(const midreq *m, int i, int uid)
{
    const char *getpw[] = {
        "get-password",  "--config", m->conf,         "--gateway-user", "bob",
        "--target-user", "root",     "--target-host", "10.20.30.40",    NULL};
    const char *hook[] = {"hook", "get-password-list", "--config", m->conf,
                          NULL};
    pid_t pid;

    hz_log_clear();
    hz_faults("hang=1\ncommand=Retrieve\n");
    pid = spawn_in(m->dir, i == 0 ? getpw : hook, i == 0 ? NULL : m->req, uid);
    if (!wait_for_command(pid, "Retrieve")) {
        char *err = tu_path(m->dir, "err"), *text = tu_slurp(err);
        cr_assert_fail("%s ended before Retrieve; stderr:\n%s", argv_name(i),
                       text ? text : "(none)");
    }
    return pid;
}

/* SIGQUIT to pid: it must die of it, without a core. */
static void quit_without_core(const midreq *m, int i, pid_t pid)
{
    int status = 0;

    kill(pid, SIGQUIT);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    hz_faults(NULL);
    cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGQUIT,
              "%s: not killed by SIGQUIT (status 0x%x)", argv_name(i), status);
    cr_expect(!WCOREDUMP(status), "%s: dumped core", argv_name(i));
    cr_expect_eq(core_files(m->dir), 0, "%s: a core file in %s", argv_name(i),
                 m->dir);
}

/*
 * kill -QUIT in the middle of a request (Retrieve hangs; the CLI user's key
 * is in memory): no core file.  Every credstack command turns core dumps off
 * (RLIMIT_CORE 0, hard limit too) and makes itself non-dumpable before
 * anything else.  The test raises the limit before starting credstack, so
 * that an unhardened credstack dumps core here (the kernel reports it in the
 * wait status, whatever core_pattern says).
 */
Test(faults, sigquit_mid_request_leaves_no_core)
{
    midreq m;

    midreq_setup(&m);
    for (int i = 0; i < 2; i++) {
        char soft[32], hard[32];
        pid_t pid = start_mid_request(&m, i, -1);

        core_limits(pid, soft, hard, sizeof(soft));
        cr_expect(strcmp(soft, "0") == 0 && strcmp(hard, "0") == 0,
                  "%s: core file size limits %s %s, want 0 0", argv_name(i),
                  soft, hard);
        quit_without_core(&m, i, pid);
    }
    midreq_free(&m);
}

/*
 * Non-dumpable (PR_SET_DUMPABLE 0), seen from outside: the process's /proc
 * files belong to root instead of its user.  Seen only when that user is
 * not root: as ourselves when we are not root; as root, the commands run as
 * nobody (uid 65534), who must be able to reach the binary (every directory
 * above the build tree searchable by others: .ci/run's archive step
 * unpacks under a 0755 directory so).  Where it cannot, the test is skipped
 * with that reason, which fails in CI (tests/skips.allowed does not name it).
 */
Test(faults, not_dumpable_seen_from_outside)
{
    int uid = geteuid() == 0 ? 65534 : -1;
    midreq m;

    if (uid >= 0 && !can_run_as(uid))
        cr_skip_test("uid 65534 cannot reach %s (a directory above it is "
                     "closed to others): non-dumpable not seen from outside",
                     tu_env("CREDSTACK_BIN"));
    midreq_setup(&m);
    for (int i = 0; i < 2; i++) {
        char status_path[64];
        struct stat st;
        pid_t pid = start_mid_request(&m, i, uid);

        snprintf(status_path, sizeof(status_path), "/proc/%d/status", (int)pid);
        cr_assert_eq(stat(status_path, &st), 0);
        cr_expect_eq(st.st_uid, 0,
                     "%s as uid %d: %s owned by uid %u: the process is "
                     "dumpable",
                     argv_name(i), uid >= 0 ? uid : (int)geteuid(), status_path,
                     (unsigned)st.st_uid);
        quit_without_core(&m, i, pid);
    }
    midreq_free(&m);
}
