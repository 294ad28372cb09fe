/* SPDX-License-Identifier: MIT */
/* testutil.c: helpers of the core's Criterion tests: temp dirs, files, spawning
 * the credstack command. */
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
#include <unistd.h>

#include <criterion/criterion.h>

#include "testutil.h"

extern char **environ;

const char *tu_env(const char *name)
{
    const char *v = getenv(name);

    cr_assert(v != NULL && *v != '\0',
              "%s is not set: run the tests through make check "
              "(tests/run-test)",
              name);
    return v;
}

char *tu_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *dir = NULL;

    if (base == NULL || *base == '\0')
        base = "/tmp";
    cr_assert(asprintf(&dir, "%s/credstack-test.XXXXXX", base) > 0);
    cr_assert_not_null(mkdtemp(dir), "mkdtemp %s: %s", dir, strerror(errno));
    /* mkdtemp gives 0700; the loader wants no group/other write anyway. */
    return dir;
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    /* A test may have taken write permission away to check refusals. */
    if (flag == FTW_DP || flag == FTW_D)
        chmod(path, 0700);
    return remove(path) == 0 || errno == ENOENT ? 0 : 0;
}

void tu_rmtree(char *dir)
{
    if (dir == NULL)
        return;
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

char *tu_path(const char *dir, const char *name)
{
    char *p = NULL;

    cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
    return p;
}

char *tu_write_len(const char *dir, const char *name, const char *text,
                   size_t len)
{
    char *path = tu_path(dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
    cr_assert_eq(write(fd, text, len), (ssize_t)len, "write %s", path);
    close(fd);
    return path;
}

char *tu_write(const char *dir, const char *name, const char *text)
{
    return tu_write_len(dir, name, text, strlen(text));
}

int tu_truncate(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    return fd < 0 ? -1 : close(fd);
}

int tu_copy(const char *from, const char *to)
{
    char buf[65536];
    ssize_t got;
    int in = open(from, O_RDONLY | O_CLOEXEC), out;
    int ret = 0;

    if (in < 0)
        return -1;
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        close(in);
        return -1;
    }
    while ((got = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t)got) != got)
            ret = -1;
    if (got < 0)
        ret = -1;
    close(in);
    close(out);
    return ret;
}

char *tu_slurp(const char *path)
{
    FILE *f = fopen(path, "re");
    char *buf = NULL;
    size_t len = 0;

    if (f == NULL)
        return NULL;
    FILE *mem = open_memstream(&buf, &len);
    int c;
    while ((c = fgetc(f)) != EOF)
        fputc(c, mem);
    fclose(mem);
    fclose(f);
    return buf;
}

int tu_count(const char *hay, const char *needle)
{
    int n = 0;
    size_t nl = strlen(needle);

    if (hay == NULL || nl == 0)
        return 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + nl, needle))
        n++;
    return n;
}

/* Append to a growing buffer. */
typedef struct buf {
    char *data;
    size_t len, cap;
} buf;

static void buf_add(buf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->data = realloc(b->data, b->cap);
        cr_assert_not_null(b->data);
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static tu_credstack_fn credstack_override;

void tu_credstack_override(tu_credstack_fn fn)
{
    credstack_override = fn;
}

tu_run tu_credstack(const char *const *argv, const char *in,
                    const char *const *env)
{
    if (credstack_override != NULL)
        return credstack_override(argv, in, env);
    return tu_credstack_once(argv, in, env);
}

static tu_run spawn(const char *const *argv, const char *in,
                    const char *const *env, int wrapped);

tu_run tu_credstack_once(const char *const *argv, const char *in,
                         const char *const *env)
{
    return spawn(argv, in, env, 1);
}

tu_run tu_credstack_unwrapped(const char *const *argv, const char *in,
                              const char *const *env)
{
    return spawn(argv, in, env, 0);
}

static tu_run spawn(const char *const *argv, const char *in,
                    const char *const *env, int wrapped)
{
    const char *bin = tu_env("CREDSTACK_BIN");
    const char *wrapper = getenv("CREDSTACK_TEST_WRAPPER");

    /* Unwrapped while the wrapper is valgrind: the test program runs under
     * valgrind --trace-children too, which would follow the libtool
     * script's sed and the binary; run-test has it skip env and all below. */
    if (!wrapped)
        wrapper = wrapper != NULL && *wrapper != '\0' ? "env" : NULL;
    char *wcopy = NULL, *save = NULL;
    char **av = NULL, **ev = NULL;
    size_t na = 0, ne = 0, nenv = 0, nargs = 0;
    int pin[2], pout[2], perr[2], st = 0;
    pid_t pid;
    buf out = {0}, err = {0};
    size_t inlen = in ? strlen(in) : 0, inoff = 0;
    tu_run r = {0};

    while (argv[nargs])
        nargs++;
    while (environ[nenv])
        nenv++;
    /* Split the wrapper on spaces: run-test builds it from plain words. */
    wcopy = strdup(wrapper ? wrapper : "");
    av = calloc(strlen(wcopy) + nargs + 3, sizeof(*av));
    cr_assert(wcopy && av);
    for (char *w = strtok_r(wcopy, " \t", &save); w;
         w = strtok_r(NULL, " \t", &save))
        av[na++] = w;
    av[na++] = (char *)bin;
    for (size_t i = 0; i < nargs; i++)
        av[na++] = (char *)argv[i];
    av[na] = NULL;

    /* Build the environment before fork: the child only execs. */
    ev = calloc(nenv + 32, sizeof(*ev));
    cr_assert_not_null(ev);
    for (size_t i = 0; env && env[i]; i++) {
        cr_assert(i < 30);
        ev[ne++] = (char *)env[i];
    }
    for (size_t i = 0; i < nenv; i++) {
        size_t klen = strcspn(environ[i], "=");
        int shadowed = 0;
        for (size_t j = 0; env && env[j]; j++)
            if (strncmp(env[j], environ[i], klen + 1) == 0)
                shadowed = 1;
        if (!shadowed)
            ev[ne++] = environ[i];
    }
    ev[ne] = NULL;

    cr_assert(pipe2(pin, O_CLOEXEC) == 0 && pipe2(pout, O_CLOEXEC) == 0 &&
              pipe2(perr, O_CLOEXEC) == 0);
    fflush(NULL);
    pid = fork();
    cr_assert(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        dup2(pin[0], 0);
        dup2(pout[1], 1);
        dup2(perr[1], 2);
        execvpe(av[0], av, ev);
        dprintf(2, "exec %s: %s\n", av[0], strerror(errno));
        _exit(127);
    }
    close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    /* The child may block on a full pipe: feed and drain together. */
    signal(SIGPIPE, SIG_IGN);
    if (inlen == 0) {
        close(pin[1]);
        pin[1] = -1;
    }
    for (;;) {
        struct pollfd fds[3] = {
            {pout[0], POLLIN, 0}, {perr[0], POLLIN, 0}, {pin[1], POLLOUT, 0}};
        int open_fds = (pout[0] >= 0) + (perr[0] >= 0) + (pin[1] >= 0);

        if (open_fds == 0)
            break;
        if (poll(fds, 3, -1) < 0) {
            cr_assert(errno == EINTR, "poll: %s", strerror(errno));
            continue;
        }
        for (int i = 0; i < 2; i++) {
            int *fd = i == 0 ? &pout[0] : &perr[0];
            if (*fd >= 0 && fds[i].revents) {
                char tmp[4096];
                ssize_t got = read(*fd, tmp, sizeof(tmp));
                if (got > 0) {
                    buf_add(i == 0 ? &out : &err, tmp, (size_t)got);
                } else {
                    close(*fd);
                    *fd = -1;
                }
            }
        }
        if (pin[1] >= 0 && fds[2].revents) {
            ssize_t put = write(pin[1], in + inoff, inlen - inoff);
            if (put > 0)
                inoff += (size_t)put;
            if (put <= 0 || inoff == inlen) {
                close(pin[1]);
                pin[1] = -1;
            }
        }
    }
    while (waitpid(pid, &st, 0) < 0)
        cr_assert(errno == EINTR);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    buf_add(&out, "", 0);
    buf_add(&err, "", 0);
    r.out = out.data;
    r.err = err.data;
    free(av);
    free(ev);
    free(wcopy);
    tu_checker_verdict(r.status, r.err, argv[0] ? argv[0] : "");
    return r;
}

void tu_checker_verdict(int status, const char *err, const char *what)
{
    static const char *const reports[] = {
        "ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error: "};
    static const int crashes[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    const char *seen = NULL;

    for (size_t i = 0; err != NULL && i < sizeof(reports) / sizeof(*reports);
         i++)
        if (strstr(err, reports[i]) != NULL)
            seen = reports[i];
    if (status == 86 || status == 87 || status == 99)
        seen = status == 99 ? "valgrind's error exit" : "a sanitizer's exit";
    for (size_t i = 0; i < sizeof(crashes) / sizeof(*crashes); i++)
        if (status == 128 + crashes[i])
            seen = strsignal(crashes[i]);
    cr_assert(seen == NULL,
              "credstack %s: exit %d: %s (a memory checker's verdict or a "
              "crash); its stderr:\n%s",
              what, status, seen ? seen : "", err ? err : "");
}

void tu_run_free(tu_run *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

void tu_load_harness(void)
{
    const char *dir = getenv("TPAM_HARNESS_DIR");
    char *path, line[8192];
    FILE *f;

    if (dir == NULL || *dir == '\0')
        cr_skip_test("TPAM_HARNESS_DIR is not set (no sshd + tpam-sim "
                     "harness; run through make check, see tests/harness)");
    path = tu_path(dir, "env");
    f = fopen(path, "re");
    cr_assert_not_null(f, "no %s: is the harness running?", path);
    free(path);
    while (fgets(line, sizeof(line), f)) {
        char *eq = strchr(line, '='), *v, *end;
        if (eq == NULL || line[0] == '#' || strncmp(line, "export", 6) == 0)
            continue;
        *eq = '\0';
        v = eq + 1;
        v[strcspn(v, "\n")] = '\0';
        if (*v == '\'' && (end = strrchr(v + 1, '\'')) != NULL) {
            *end = '\0';
            v++;
        }
        setenv(line, v, 1);
    }
    fclose(f);
}

char *tu_ini_value(const char *path)
{
    char *text = tu_slurp(path), *out = NULL, *save = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    int first = 1;

    cr_assert_not_null(text, "cannot read %s", path);
    cr_assert_not_null(m);
    for (char *l = strtok_r(text, "\n", &save); l;
         l = strtok_r(NULL, "\n", &save)) {
        fprintf(m, "%s%s\n", first ? "" : "    ", l);
        first = 0;
    }
    fclose(m);
    free(text);
    return out;
}
