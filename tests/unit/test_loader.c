/* SPDX-License-Identifier: MIT */
/* test_loader.c: the module loader refuses wrong ABIs, missing symbols, renamed
 * and unsafe modules, unsafe directories on the way, and swaps mid-load. */
/* Long file: one short test per case of the file under test, over one
 * fixture; the sections are marked by their "----" headings. */
#include "autoconf.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <credstack/credstack.h>

#include "testutil.h"

#define CS_TEST_ERRLEN 2048

typedef struct opened {
    char *dir;
    char *cfg;
    char *stack;
    credstack_handle *h;
    int rc;
} opened;

/* Open a handle on a one-config, one-stack temp dir with the given module dir.
 */
static void open_with(opened *o, const char *module_dir, const char *config,
                      const char *stack)
{
    memset(o, 0, sizeof(*o));
    o->dir = tu_tmpdir();
    o->cfg = tu_write(o->dir, "c.ini",
                      config ? config : "[logging]\nlog_level = critical\n");
    o->stack = tu_write(o->dir, "s.stack", stack);
    if (module_dir)
        cr_assert_eq(setenv("CREDSTACK_MODULE_DIR", module_dir, 1), 0);
    else
        unsetenv("CREDSTACK_MODULE_DIR");
    o->rc = credstack_open(&o->h, o->cfg, o->stack, CREDSTACK_OPEN_LOG_STDERR);
}

static void opened_free(opened *o)
{
    credstack_close(o->h);
    free(o->cfg);
    free(o->stack);
    tu_rmtree(o->dir);
}

/* run-test's private module directory: every module, the broken ones too
 * (CREDSTACK_MODULE_DIR itself is changed by the tests). */
static char *broken_dir(void)
{
    return strdup(tu_env("CREDSTACK_TEST_MODULES"));
}

static void expect_refused(const opened *o, const char *pieces[])
{
    const char *msg = credstack_error(o->h);

    cr_expect_eq(o->rc, CREDSTACK_ERR_MODULE, "rc %d: %s", o->rc, msg);
    for (size_t i = 0; pieces[i]; i++)
        cr_expect(strstr(msg, pieces[i]) != NULL, "'%s' lacks '%s'", msg,
                  pieces[i]);
}

/* ---- the broken modules of tests/modules ---- */

struct broken_case {
    const char *module;
    const char *why;
};

static const struct broken_case broken[] = {
    {"test-badabi", "built for module ABI 43, this credstack speaks ABI 2"},
    /* A module of credstack 0.1 (options read at request time). */
    {"test-oldabi", "built for module ABI 1 (credstack 0.1, options read at "
                    "request time), this credstack speaks ABI 2; rebuild"},
    {"test-nosym", "no symbol credstack_module_entry; not a credstack module"},
    {"test-renamed",
     "the file calls itself 'test-result'; refusing a renamed module"},
    {"test-norun", "no run function"},
    {"test-small", "ops structure too small"},
    {"test-nullops", "entry point returned NULL"},
};

Test(loader, broken_modules)
{
    char *mdir = broken_dir();

    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        char line[256], path[4200];
        const char *pieces[] = {"s.stack:2:", path, broken[i].why, NULL};
        opened o;

        snprintf(line, sizeof(line), "# broken\ncheckout required %s\n",
                 broken[i].module);
        snprintf(path, sizeof(path), "module %s (%s/%s.so)", broken[i].module,
                 mdir, broken[i].module);
        open_with(&o, mdir, NULL, line);
        expect_refused(&o, pieces);
        opened_free(&o);
    }
    free(mdir);
}

Test(loader, wrong_abi_names_file_and_abi)
{
    char *mdir = broken_dir();
    char *la = tu_path(mdir, "test-badabi.so");
    opened o;
    const char *pieces[] = {la, "ABI", "rebuild the module", NULL};

    open_with(&o, mdir, NULL, "resolve required test-badabi\n");
    expect_refused(&o, pieces);
    opened_free(&o);
    free(la);
    free(mdir);
}

Test(loader, missing_module)
{
    char *mdir = broken_dir();
    char want[4200];
    opened o;

    open_with(&o, mdir, NULL, "# x\nresolve required no-such-module\n");
    snprintf(want, sizeof(want),
             "module no-such-module: no no-such-module.so in %s", mdir);
    {
        const char *pieces[] = {"s.stack:2:", want, NULL};
        expect_refused(&o, pieces);
    }
    opened_free(&o);
    free(mdir);
}

/* A private module dir holding a copy of test-result.so. */
static char *copy_test_result(const char *dir, const char *sub)
{
    char *mods = tu_path(dir, sub);
    char *from = tu_path(tu_env("CREDSTACK_TEST_MODULES"), "test-result.so");
    char *to = tu_path(mods, "test-result.so");

    cr_assert_eq(mkdir(mods, 0755), 0);
    cr_assert_eq(tu_copy(from, to), 0, "copy %s", from);
    cr_assert_eq(chmod(to, 0644), 0);
    free(from);
    free(to);
    return mods;
}

static const char *const good_stack =
    "checkout required test-result password=p\n";

Test(loader, safe_copy_loads_and_runs)
{
    char *tmp = tu_tmpdir();
    char *mods = copy_test_result(tmp, "mods");
    credstack_request *req = NULL;
    opened o;

    open_with(&o, mods, NULL, good_stack);
    cr_assert_eq(o.rc, CREDSTACK_OK, "%s", credstack_error(o.h));
    cr_assert_eq(credstack_request_new(o.h, &req), CREDSTACK_OK);
    cr_assert_eq(credstack_run(o.h, req), CREDSTACK_OK);
    cr_assert_str_eq(credstack_request_get(req, CREDSTACK_ITEM_PASSWORD), "p");
    credstack_request_free(req);
    opened_free(&o);
    free(mods);
    tu_rmtree(tmp);
}

Test(loader, group_or_world_writable_file_refused)
{
    static const mode_t modes[] = {0664, 0646, 0666, 0775};

    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        char *tmp = tu_tmpdir();
        char *mods = copy_test_result(tmp, "mods");
        char *so = tu_path(mods, "test-result.so");
        char mode[32];
        opened o;

        cr_assert_eq(chmod(so, modes[i]), 0);
        snprintf(mode, sizeof(mode), "(mode %04o)", (unsigned)modes[i]);
        open_with(&o, mods, NULL, good_stack);
        {
            const char *pieces[] = {"s.stack:1:", so,
                                    "refused: writable by group or others",
                                    mode, NULL};
            expect_refused(&o, pieces);
        }
        opened_free(&o);
        free(so);
        free(mods);
        tu_rmtree(tmp);
    }
}

Test(loader, group_writable_dir_refused)
{
    char *tmp = tu_tmpdir();
    char *mods = copy_test_result(tmp, "mods");
    char want[4200];
    opened o;

    cr_assert_eq(chmod(mods, 0775), 0);
    open_with(&o, mods, NULL, good_stack);
    snprintf(want, sizeof(want),
             "%s: refused: writable by group or others (mode 0775)", mods);
    {
        const char *pieces[] = {want, NULL};
        expect_refused(&o, pieces);
    }
    opened_free(&o);
    free(mods);
    tu_rmtree(tmp);
}

/*
 * Only <dir>/<name>.so is a module: a libtool .la (and the build tree's
 * <name>/.libs/ layout) is not looked at, so nothing else can be loaded
 * than the file checked.
 */
Test(loader, libtool_la_is_not_a_module)
{
    char *tmp = tu_tmpdir();
    char *mods = tu_path(tmp, "mods");
    char *sub = tu_path(mods, "test-result");
    char *libs = tu_path(sub, ".libs");
    char *from = tu_path(tu_env("CREDSTACK_TEST_MODULES"), "test-result.so");
    char *so = tu_path(libs, "test-result.so");
    char *la = NULL, *flat_la = NULL, want[4200];
    opened o;

    cr_assert(mkdir(mods, 0755) == 0 && mkdir(sub, 0755) == 0 &&
              mkdir(libs, 0755) == 0);
    cr_assert_eq(tu_copy(from, so), 0);
    la = tu_write(sub, "test-result.la", "dlname='test-result.so'\n");
    flat_la = tu_write(mods, "test-result.la", "dlname='test-result.so'\n");
    open_with(&o, mods, NULL, good_stack);
    snprintf(want, sizeof(want), "no test-result.so in %s", mods);
    {
        const char *pieces[] = {want, NULL};
        expect_refused(&o, pieces);
    }
    opened_free(&o);
    free(sub);
    free(libs);
    free(from);
    free(so);
    free(la);
    free(flat_la);
    free(mods);
    tu_rmtree(tmp);
}

Test(loader, not_a_regular_file)
{
    char *tmp = tu_tmpdir();
    char *mods = tu_path(tmp, "mods");
    char *so = tu_path(mods, "test-result.so");
    opened o;

    cr_assert(mkdir(mods, 0755) == 0 && mkdir(so, 0755) == 0);
    open_with(&o, mods, NULL, good_stack);
    {
        const char *pieces[] = {so, "not a regular file", NULL};
        expect_refused(&o, pieces);
    }
    opened_free(&o);
    free(so);
    free(mods);
    tu_rmtree(tmp);
}

Test(loader, not_a_shared_object)
{
    char *tmp = tu_tmpdir();
    char *mods = tu_path(tmp, "mods");
    char *so = NULL;
    opened o;

    cr_assert_eq(mkdir(mods, 0755), 0);
    so = tu_write(mods, "test-result.so", "#!/bin/sh\necho not ELF\n");
    open_with(&o, mods, NULL, good_stack);
    {
        const char *pieces[] = {"s.stack:1:", "cannot load", so, NULL};
        expect_refused(&o, pieces);
    }
    opened_free(&o);
    free(so);
    free(mods);
    tu_rmtree(tmp);
}

Test(loader, init_failure_names_the_module)
{
    opened o;

    open_with(&o, tu_env("CREDSTACK_TEST_MODULES"), NULL,
              "resolve required test-result\n"
              "checkout required test-result init=fail\n");
    {
        const char *pieces[] = {
            "s.stack:2: test-result: initialisation failed as asked", NULL};
        expect_refused(&o, pieces);
    }
    opened_free(&o);
}

Test(loader, init_error_code_passes_through)
{
    opened o;

    /* A declared argument with a bad value is refused at open. */
    open_with(&o, tu_env("CREDSTACK_TEST_MODULES"), NULL,
              "resolve required resolver-dns case=sideways\n");
    cr_assert_eq(o.rc, CREDSTACK_ERR_CONFIG, "%s", credstack_error(o.h));
    cr_assert(strstr(credstack_error(o.h),
                     "s.stack:1: resolver-dns.case: 'sideways' is not one "
                     "of: keep, upper"),
              "%s", credstack_error(o.h));
    opened_free(&o);
}

/* Without CREDSTACK_MODULE_DIR, [credstack] module_dir is read, relative to the
 * config file. */
Test(loader, module_dir_from_config_relative)
{
    char *tmp = tu_tmpdir();
    char *mods = copy_test_result(tmp, "mods");
    char *cfg = tu_write(tmp, "c.ini",
                         "[credstack]\nmodule_dir = mods\n"
                         "[logging]\nlog_level = critical\n");
    char *st = tu_write(tmp, "s.stack", good_stack);
    credstack_handle *h = NULL;
    char *text = NULL, want[4200];
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    unsetenv("CREDSTACK_MODULE_DIR");
    cr_assert_eq(credstack_open(&h, cfg, st, CREDSTACK_OPEN_LOG_STDERR),
                 CREDSTACK_OK, "%s", credstack_error(h));
    cr_assert_eq(credstack_print_stack(h, out), CREDSTACK_OK);
    fclose(out);
    snprintf(want, sizeof(want), "# module directory: %s\n", mods);
    cr_assert(strstr(text, want), "%s", text);
    cr_assert(strstr(text, "checkout   required    test-result password=p\n"),
              "%s", text);
    credstack_close(h);
    free(text);
    free(cfg);
    free(st);
    free(mods);
    tu_rmtree(tmp);
}

/* The environment wins over the configuration. */
Test(loader, module_dir_env_wins)
{
    char *tmp = tu_tmpdir();
    char *cfg = tu_write(tmp, "c.ini",
                         "[credstack]\nmodule_dir = /nowhere\n"
                         "[logging]\nlog_level = critical\n");
    char *st = tu_write(tmp, "s.stack", good_stack);
    credstack_handle *h = NULL;

    cr_assert_eq(
        setenv("CREDSTACK_MODULE_DIR", tu_env("CREDSTACK_TEST_MODULES"), 1), 0);
    cr_assert_eq(credstack_open(&h, cfg, st, CREDSTACK_OPEN_LOG_STDERR),
                 CREDSTACK_OK, "%s", credstack_error(h));
    credstack_close(h);
    unsetenv("CREDSTACK_MODULE_DIR");
    cr_assert_eq(credstack_open(&h, cfg, st, CREDSTACK_OPEN_LOG_STDERR),
                 CREDSTACK_ERR_MODULE);
    cr_assert(strstr(credstack_error(h), "in /nowhere"), "%s",
              credstack_error(h));
    credstack_close(h);
    free(cfg);
    free(st);
    tu_rmtree(tmp);
}

/* ---- every directory from / down: ownership and modes ---- */

/* tmp/a/mods holding a copy of test-result.so; a is returned in *a_out. */
static char *nested_mods(const char *tmp, char **a_out)
{
    char *a = tu_path(tmp, "a");
    char *mods = NULL;

    cr_assert_eq(mkdir(a, 0755), 0);
    mods = copy_test_result(a, "mods");
    *a_out = a;
    return mods;
}

/* Open with mods and expect success (rc OK) or the refusal naming `want`. */
static void expect_open(const char *mods, const char *want)
{
    opened o;

    open_with(&o, mods, NULL, good_stack);
    if (want == NULL) {
        cr_expect_eq(o.rc, CREDSTACK_OK, "%s: %s", mods, credstack_error(o.h));
    } else {
        const char *pieces[] = {want, NULL};
        expect_refused(&o, pieces);
    }
    opened_free(&o);
}

Test(loader, group_or_world_writable_ancestor_refused)
{
    static const mode_t modes[] = {0775, 0757, 0777, 0770};

    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        char *tmp = tu_tmpdir(), *a = NULL;
        char *mods = nested_mods(tmp, &a);
        char want[4200];

        cr_assert_eq(chmod(a, modes[i]), 0);
        snprintf(want, sizeof(want),
                 "%s: refused: writable by group or others (mode %04o)", a,
                 (unsigned)modes[i]);
        expect_open(mods, want);
        free(a);
        free(mods);
        tu_rmtree(tmp);
    }
}

/*
 * A sticky ancestor (as /tmp, 1777) may be writable by others: nobody but
 * the owner of an entry (checked: root or us) can rename or remove it there.
 * The module directory itself gets no such exception.
 */
Test(loader, sticky_ancestor_accepted_sticky_module_dir_refused)
{
    char *tmp = tu_tmpdir(), *a = NULL;
    char *mods = nested_mods(tmp, &a);
    char want[4200];

    cr_assert_eq(chmod(a, 01777), 0);
    expect_open(mods, NULL);
    cr_assert_eq(chmod(a, 0755), 0);
    cr_assert_eq(chmod(mods, 01777), 0);
    snprintf(want, sizeof(want),
             "%s: refused: writable by group or others (mode 1777)", mods);
    expect_open(mods, want);
    free(a);
    free(mods);
    tu_rmtree(tmp);
}

/* Owned by someone else than root or us: refused, however safe the modes
 * (root only: only root can give a file away). */
Test(loader, ancestor_dir_or_file_of_another_user_refused)
{
    char *tmp = NULL, *a = NULL, *mods = NULL, *so = NULL;
    char want[4200];

    if (geteuid() != 0)
        cr_skip_test("needs root to chown a directory to another user");
    tmp = tu_tmpdir();
    mods = nested_mods(tmp, &a);
    so = tu_path(mods, "test-result.so");
    cr_assert_eq(chown(a, 65534, 65534), 0);
    snprintf(want, sizeof(want), "%s: refused: owned by uid 65534", a);
    expect_open(mods, want);
    cr_assert_eq(chown(a, 0, 0), 0);
    cr_assert_eq(chown(mods, 65534, 65534), 0);
    snprintf(want, sizeof(want), "%s: refused: owned by uid 65534", mods);
    expect_open(mods, want);
    cr_assert_eq(chown(mods, 0, 0), 0);
    cr_assert_eq(chown(so, 65534, 65534), 0);
    snprintf(want, sizeof(want), "%s: refused: owned by uid 65534", so);
    expect_open(mods, want);
    free(so);
    free(a);
    free(mods);
    tu_rmtree(tmp);
}

/* The module file must not be a symbolic link, even to a safe copy. */
Test(loader, module_file_symlink_refused)
{
    char *tmp = tu_tmpdir();
    char *mods = copy_test_result(tmp, "mods");
    char *so = tu_path(mods, "test-result.so");
    char *real = tu_path(mods, "real.so");
    char want[4200];

    cr_assert_eq(rename(so, real), 0);
    cr_assert_eq(symlink("real.so", so), 0);
    snprintf(want, sizeof(want), "%s: refused: a symbolic link", so);
    expect_open(mods, want);
    free(so);
    free(real);
    free(mods);
    tu_rmtree(tmp);
}

/*
 * A symbolic link on the way to the module directory is followed, and what
 * it points to is checked like the rest: from a safe place to a safe place
 * it works; in a writable directory, or to a directory below a writable one,
 * it is refused.
 */
Test(loader, symlinked_directories_checked_on_both_sides)
{
    char *tmp = tu_tmpdir(), *a = NULL;
    char *mods = nested_mods(tmp, &a);
    char *pub = tu_path(tmp, "pub");
    char *link = tu_path(tmp, "link");
    char *publink = tu_path(pub, "link");
    char *pubmods = NULL, *via = NULL, want[4200];

    cr_assert_eq(mkdir(pub, 0755), 0);
    /* Relative and absolute link targets, then a path through the link. */
    cr_assert_eq(symlink("a/mods", link), 0);
    expect_open(link, NULL);
    cr_assert_eq(unlink(link), 0);
    cr_assert_eq(symlink(a, link), 0);
    via = tu_path(link, "mods");
    expect_open(via, NULL);
    /* The link itself in a world-writable directory. */
    cr_assert_eq(symlink(mods, publink), 0);
    cr_assert_eq(chmod(pub, 0777), 0);
    snprintf(want, sizeof(want),
             "%s: refused: writable by group or others (mode 0777)", pub);
    expect_open(publink, want);
    /* A safe link to a module directory below a writable directory. */
    pubmods = copy_test_result(pub, "mods");
    cr_assert_eq(unlink(link), 0);
    cr_assert_eq(symlink(pubmods, link), 0);
    expect_open(link, want);
    free(via);
    free(pubmods);
    free(publink);
    free(link);
    free(pub);
    free(a);
    free(mods);
    tu_rmtree(tmp);
}

/*
 * A relative module directory is relative to the configuration file; with a
 * relative configuration path that is the current directory, whose ancestors
 * are checked too.  ".." is walked (and checked) like any other component.
 */
static void expect_open_relative(const char *cfg, const char *stack,
                                 const char *mods, const char *want)
{
    credstack_handle *h = NULL;
    int rc;

    cr_assert_eq(setenv("CREDSTACK_MODULE_DIR", mods, 1), 0);
    rc = credstack_open(&h, cfg, stack, CREDSTACK_OPEN_LOG_STDERR);
    if (want == NULL)
        cr_expect_eq(rc, CREDSTACK_OK, "%s: %s", mods, credstack_error(h));
    else
        cr_expect(rc == CREDSTACK_ERR_MODULE &&
                      strstr(credstack_error(h), want) != NULL,
                  "%s: rc %d: '%s' lacks '%s'", mods, rc, credstack_error(h),
                  want);
    credstack_close(h);
}

Test(loader, relative_module_dir)
{
    char *tmp = tu_tmpdir(), *a = NULL;
    char *mods = nested_mods(tmp, &a);
    char *b = tu_path(tmp, "b");
    char *cfg = NULL, *st = NULL, want[4200];

    char *other = tu_tmpdir(),
         *safe_st = tu_write(other, "s.stack", good_stack);

    cr_assert_eq(mkdir(b, 0755), 0);
    cfg = tu_write(b, "c.ini", "[logging]\nlog_level = critical\n");
    st = tu_write(b, "s.stack", good_stack);
    cr_assert_eq(chdir(b), 0);
    expect_open_relative("c.ini", "s.stack", "../a/mods", NULL);
    expect_open_relative("./c.ini", "s.stack", "./../a/./mods/.", NULL);
    cr_assert_eq(chmod(tmp, 0777), 0);
    snprintf(want, sizeof(want),
             "%s: refused: writable by group or others (mode 0777)", tmp);
    /* (the stack from elsewhere: below tmp, it is refused first) */
    expect_open_relative("c.ini", safe_st, "../a/mods", want);
    cr_assert_eq(chmod(tmp, 0700), 0);
    cr_assert_eq(chdir("/"), 0);
    free(cfg);
    free(st);
    free(safe_st);
    tu_rmtree(other);
    free(b);
    free(a);
    free(mods);
    tu_rmtree(tmp);
}

/* A FIFO in place of the module: refused at once, not waited on. */
Test(loader, fifo_refused_without_hanging, .timeout = 30)
{
    char *tmp = tu_tmpdir();
    char *mods = tu_path(tmp, "mods");
    char *so = tu_path(mods, "test-result.so");
    char want[4200];

    cr_assert_eq(mkdir(mods, 0755), 0);
    cr_assert_eq(mkfifo(so, 0644), 0);
    snprintf(want, sizeof(want), "%s: not a regular file", so);
    expect_open(mods, want);
    free(so);
    free(mods);
    tu_rmtree(tmp);
}

/* Several modules in one stack, and handles opened one after another: each
 * module loaded through its own descriptor is the one asked for. */
Test(loader, many_modules_many_handles)
{
    for (int i = 0; i < 5; i++) {
        credstack_request *req = NULL;
        opened o;

        open_with(&o, tu_env("CREDSTACK_TEST_MODULES"), NULL,
                  "map required prefix prefix=PSM\n"
                  "authorize required auth-gateway\n"
                  "checkout required test-echo items=gateway_user,system\n");
        cr_assert_eq(o.rc, CREDSTACK_OK, "%s", credstack_error(o.h));
        cr_assert_eq(credstack_request_new(o.h, &req), CREDSTACK_OK);
        cr_assert_eq(
            credstack_request_set(req, CREDSTACK_ITEM_GATEWAY_USER, "gw"),
            CREDSTACK_OK);
        cr_assert_eq(
            credstack_request_set(req, CREDSTACK_ITEM_TARGET_USER, "root"),
            CREDSTACK_OK);
        cr_assert_eq(credstack_request_set(req, CREDSTACK_ITEM_SYSTEM, "x"),
                     CREDSTACK_OK);
        cr_assert_eq(credstack_run(o.h, req), CREDSTACK_OK, "%s",
                     credstack_error(o.h));
        cr_assert_str_eq(credstack_request_get(req, CREDSTACK_ITEM_PASSWORD),
                         "gw|PSM_x");
        credstack_request_free(req);
        opened_free(&o);
    }
}

/* ---- races: what is checked is what is loaded ----
 *
 * A process swaps two entries (renameat2 RENAME_EXCHANGE) in a loop while the
 * loader opens handles.  One entry is safe; the other is "evil": the
 * test-evil module, which leaves a marker when it is merely mapped, in a
 * place the checks refuse (writable by others).  A loader that checks a path
 * and then loads the path (stat, then dlopen) loads the evil file whenever
 * the swap falls between the two; one that loads the descriptor it checked
 * never does.
 */

typedef struct swapper {
    pid_t pid;
    long *count; /* swaps done, shared with the swapping process */
} swapper;

static swapper swap_start(const char *a, const char *b)
{
    swapper s;

    s.count = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert(s.count != MAP_FAILED);
    *s.count = 0;
    fflush(NULL);
    s.pid = fork();
    cr_assert(s.pid >= 0);
    if (s.pid == 0) {
        for (;;)
            if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0)
                __atomic_add_fetch(s.count, 1, __ATOMIC_RELAXED);
            else
                _exit(1);
    }
    /* The race starts once the swapping does. */
    while (__atomic_load_n(s.count, __ATOMIC_RELAXED) < 2) {
        int st;
        cr_assert_eq(waitpid(s.pid, &st, WNOHANG), 0,
                     "the swapping process ended: renameat2 failed");
        sched_yield();
    }
    return s;
}

static long swap_stop(swapper *s)
{
    long n;

    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    n = __atomic_load_n(s->count, __ATOMIC_RELAXED);
    munmap(s->count, sizeof(long));
    return n;
}

/* How many times the evil module was loaded (bytes in the marker). */
static long evil_loads(const char *marker)
{
    struct stat st;

    return stat(marker, &st) == 0 ? (long)st.st_size : 0;
}

/* The evil module's file at `to`, with `mode`. */
static void copy_evil(const char *to, mode_t mode)
{
    char *from = tu_path(tu_env("CREDSTACK_TEST_MODULES"), "test-evil.so");

    cr_assert_eq(tu_copy(from, to), 0, "copy %s", from);
    cr_assert_eq(chmod(to, mode), 0);
    free(from);
}

static bool under_valgrind(void)
{
    const char *vg = getenv("CREDSTACK_VALGRIND");
    return vg && strcmp(vg, "1") == 0;
}

static int race_rounds(void)
{
    return under_valgrind() ? 100 : 10000;
}

/*
 * Valgrind asserts when a file it has mapped is swapped for another under
 * it (its debug-info bookkeeping sees overlapping mappings), so the races
 * that swap module files run only natively and under ASan.
 */
static void skip_file_swaps_under_valgrind(void)
{
    if (under_valgrind())
        cr_skip_test("valgrind cannot follow a mapped file being swapped");
}

/*
 * Open a handle on `mods` `rounds` times while the swapper runs; returns how
 * often it worked.  The last error is kept in last_err.
 */
static int race(const char *tmp, const char *mods, const char *a, const char *b,
                int rounds, char *last_err, size_t cap)
{
    char *cfg = tu_write(tmp, "c.ini", "[logging]\nlog_level = critical\n");
    char *st = tu_write(tmp, "s.stack", good_stack);
    char *marker = tu_path(tmp, "evil-marker");
    int ok = 0;
    long swaps, evil;
    swapper s;

    cr_assert_eq(setenv("CREDSTACK_TEST_EVIL_MARKER", marker, 1), 0);
    cr_assert_eq(setenv("CREDSTACK_MODULE_DIR", mods, 1), 0);
    last_err[0] = '\0';
    s = swap_start(a, b);
    for (int i = 0; i < rounds; i++) {
        credstack_handle *h = NULL;
        if (credstack_open(&h, cfg, st, CREDSTACK_OPEN_LOG_STDERR) ==
            CREDSTACK_OK)
            ok++;
        else
            snprintf(last_err, cap, "%s", credstack_error(h));
        credstack_close(h);
    }
    swaps = swap_stop(&s);
    evil = evil_loads(marker);
    cr_expect_eq(evil, 0,
                 "the evil module was loaded %ld times in %d rounds (%ld "
                 "swaps)",
                 evil, rounds, swaps);
    cr_expect(swaps > rounds / 4, "only %ld swaps in %d rounds: no race", swaps,
              rounds);
    free(cfg);
    free(st);
    free(marker);
    return ok;
}

/* The module file swapped with an evil file that is writable by others. */
Test(loader, race_file_swapped_after_the_check, .timeout = 300)
{
    skip_file_swaps_under_valgrind();
    char *tmp = tu_tmpdir();
    char *mods = copy_test_result(tmp, "mods");
    char *so = tu_path(mods, "test-result.so");
    char *evil = tu_path(mods, "evil");
    char err[CS_TEST_ERRLEN];
    int ok;

    copy_evil(evil, 0666);
    ok = race(tmp, mods, so, evil, race_rounds(), err, sizeof(err));
    /* Only the good file loads; the evil one, when opened, is refused. */
    cr_expect(ok > 0 || strstr(err, "writable by group or others"), "%s", err);
    free(so);
    free(evil);
    free(mods);
    tu_rmtree(tmp);
}

/* The module file swapped with a symbolic link to an evil file. */
Test(loader, race_file_swapped_for_a_symlink, .timeout = 300)
{
    skip_file_swaps_under_valgrind();
    char *tmp = tu_tmpdir();
    char *mods = copy_test_result(tmp, "mods");
    char *so = tu_path(mods, "test-result.so");
    char *link = tu_path(mods, "link");
    char *evil = tu_path(tmp, "evil.so");
    char err[CS_TEST_ERRLEN];

    copy_evil(evil, 0666);
    cr_assert_eq(symlink(evil, link), 0);
    race(tmp, mods, so, link, race_rounds(), err, sizeof(err));
    free(so);
    free(link);
    free(evil);
    free(mods);
    tu_rmtree(tmp);
}

/*
 * The module directory, below a directory anyone may write to, swapped with
 * an attacker's directory (itself writable by others, as an attacker's own
 * would be).  Every round is refused: the writable ancestor is.
 */
Test(loader, race_directory_swapped_below_a_writable_ancestor, .timeout = 300)
{
    char *tmp = tu_tmpdir();
    char *pub = tu_path(tmp, "pub");
    char *mods = NULL, *evil = NULL, *evil_so = NULL, want[4200];
    char err[CS_TEST_ERRLEN];
    int ok;

    cr_assert_eq(mkdir(pub, 0755), 0);
    mods = copy_test_result(pub, "mods");
    evil = tu_path(pub, "evil");
    evil_so = tu_path(evil, "test-result.so");
    cr_assert_eq(mkdir(evil, 0755), 0);
    copy_evil(evil_so, 0644);
    cr_assert(chmod(evil, 0777) == 0 && chmod(pub, 0777) == 0);
    ok = race(tmp, mods, mods, evil, race_rounds(), err, sizeof(err));
    snprintf(want, sizeof(want),
             "%s: refused: writable by group or others (mode 0777)", pub);
    cr_expect_eq(ok, 0, "loaded %d times below %s", ok, pub);
    cr_expect(strstr(err, want) != NULL, "%s", err);
    free(evil_so);
    free(evil);
    free(mods);
    free(pub);
    tu_rmtree(tmp);
}
