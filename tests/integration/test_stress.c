/* SPDX-License-Identifier: MIT */
/* test_stress.c: N concurrent `credstack get-password` processes against sshd +
 * tpam-sim, every answer checked. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "hardening.h"

#define N_MAX 64
/* Under valgrind each process costs seconds of CPU: fewer of them. */
#define N_VALGRIND 8

/* Requests with distinct answers (fixture.default), passwords with spaces,
 * quotes and backslashes among them, and a refusal. */
static const struct {
    const char *user, *host, *out;
    int status;
} reqs[] = {
    {"root", "10.20.30.40", "db02-Root!pw\n", 0},
    {"root", "10.20.30.41", "web01 r00t \"quoted\" \\back\\slash\n", 0},
    {"root", "10.20.30.42", "App01=Secret'#; tab-less\n", 0},
    {"root", "2001:db8::5", "v6-only-pw\n", 0},
    {"a", "10.20.30.41", "single-char-account\n", 0},
    {"svc@corp", "10.20.30.41", "svc at corp\n", 0},
    {"nobody", "10.20.30.41", "", 1},
};
#define NREQ (sizeof(reqs) / sizeof(reqs[0]))

static char *tmp, *conf;

static void setup(void)
{
    tu_load_harness();
    tmp = tu_tmpdir();
    /* Timeouts for a loaded machine: 64 handshakes share two cores. */
    conf = hz_write_config(tmp, "gateway", 120, 120, 0, NULL);
    hz_faults(NULL);
    hz_log_clear();
}

static void teardown(void)
{
    free(conf);
    tu_rmtree(tmp);
}

TestSuite(stress, .init = setup, .fini = teardown, .timeout = 900);

static int n_procs(void)
{
    return hz_valgrind() ? N_VALGRIND : N_MAX;
}

/* Start one get-password with stdout and stderr in files of tmp. */
static pid_t spawn(int i, const char *user, const char *host)
{
    const char *wrapper = getenv("CREDSTACK_TEST_WRAPPER");
    char *words = strdup(wrapper ? wrapper : ""), *av[64], *save = NULL;
    char *op = NULL, *ep = NULL;
    size_t n = 0;
    pid_t pid;

    cr_assert_not_null(words);
    for (char *w = strtok_r(words, " \t", &save); w && n < 40;
         w = strtok_r(NULL, " \t", &save))
        av[n++] = w;
    av[n++] = (char *)tu_env("CREDSTACK_BIN");
    av[n++] = "get-password";
    av[n++] = "--config";
    av[n++] = conf;
    av[n++] = "--gateway-user";
    av[n++] = "bob";
    av[n++] = "--target-user";
    av[n++] = (char *)user;
    av[n++] = "--target-host";
    av[n++] = (char *)host;
    av[n] = NULL;
    cr_assert(asprintf(&op, "%s/out.%d", tmp, i) > 0 &&
              asprintf(&ep, "%s/err.%d", tmp, i) > 0);
    fflush(NULL);
    pid = fork();
    cr_assert(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int o = open(op, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(ep, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || o < 0 || e < 0)
            _exit(126);
        dup2(in, 0);
        dup2(o, 1);
        dup2(e, 2);
        execvp(av[0], av);
        _exit(127);
    }
    free(op);
    free(ep);
    free(words);
    return pid;
}

Test(stress, concurrent_get_password)
{
    int n = n_procs(), failed = 0;
    pid_t pids[N_MAX];
    int status[N_MAX];
    long long t0 = hz_now_ms();
    char *log;

    for (int i = 0; i < n; i++)
        pids[i] = spawn(i, reqs[i % NREQ].user, reqs[i % NREQ].host);
    for (int i = 0; i < n; i++) {
        int st;
        while (waitpid(pids[i], &st, 0) < 0)
            cr_assert_eq(errno, EINTR);
        status[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    cr_log_info("%d concurrent get-password: %lld ms", n, hz_now_ms() - t0);
    for (int i = 0; i < n; i++) {
        char name[32];
        char *op, *ep, *out, *err;

        snprintf(name, sizeof(name), "out.%d", i);
        op = tu_path(tmp, name);
        snprintf(name, sizeof(name), "err.%d", i);
        ep = tu_path(tmp, name);
        out = tu_slurp(op);
        err = tu_slurp(ep);
        cr_assert(out && err);
        if (status[i] != reqs[i % NREQ].status ||
            strcmp(out, reqs[i % NREQ].out) != 0) {
            failed++;
            cr_log_error("process %d (%s@%s): exit %d, out \"%s\": %s", i,
                         reqs[i % NREQ].user, reqs[i % NREQ].host, status[i],
                         out, err);
        }
        free(out);
        free(err);
        free(op);
        free(ep);
    }
    cr_expect_eq(failed, 0, "%d of %d answers wrong", failed, n);
    /* Every process got as far as its Retrieve: none was cut short. */
    log = hz_log();
    cr_expect_eq(tu_count(log, "Retrieve "), n,
                 "not one Retrieve per request:\n%s", log);
    free(log);
}
