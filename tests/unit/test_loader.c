/* SPDX-License-Identifier: MIT */
/* test_loader.c: the module loader refuses wrong ABIs, missing symbols, renamed
 * and unsafe modules. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include <credstack/credstack.h>

#include "testutil.h"

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

static char *broken_dir(void)
{
    return tu_path(tu_env("CREDSTACK_TEST_BUILDDIR"), "tests/modules");
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
        snprintf(path, sizeof(path), "module %s (%s/%s/%s.la)",
                 broken[i].module, mdir, broken[i].module, broken[i].module);
        open_with(&o, mdir, NULL, line);
        expect_refused(&o, pieces);
        opened_free(&o);
    }
    free(mdir);
}

Test(loader, wrong_abi_names_file_and_abi)
{
    char *mdir = broken_dir();
    char *la = tu_path(mdir, "test-badabi/test-badabi.la");
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
             "module no-such-module: no no-such-module.so or "
             "no-such-module.la in %s",
             mdir);
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
    char *from = tu_path(tu_env("CREDSTACK_TEST_BUILDDIR"),
                         "modules/test-result/.libs/test-result.so");
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
 * The build tree's layout (<dir>/<name>/<name>.la, object in .libs/): every
 * directory on the way from the module directory down is checked.
 */
static char *copy_la_layout(const char *tmp)
{
    char *mods = tu_path(tmp, "mods");
    char *sub = tu_path(mods, "test-result");
    char *libs = tu_path(sub, ".libs");
    char *src_la = tu_path(tu_env("CREDSTACK_TEST_BUILDDIR"),
                           "modules/test-result/test-result.la");
    char *src_so = tu_path(tu_env("CREDSTACK_TEST_BUILDDIR"),
                           "modules/test-result/.libs/test-result.so");
    char *dst_la = tu_path(sub, "test-result.la");
    char *dst_so = tu_path(libs, "test-result.so");

    cr_assert(mkdir(mods, 0755) == 0 && mkdir(sub, 0755) == 0 &&
              mkdir(libs, 0755) == 0);
    cr_assert_eq(tu_copy(src_la, dst_la), 0);
    cr_assert_eq(tu_copy(src_so, dst_so), 0);
    cr_assert(chmod(dst_la, 0644) == 0 && chmod(dst_so, 0644) == 0);
    free(sub);
    free(libs);
    free(src_la);
    free(src_so);
    free(dst_la);
    free(dst_so);
    return mods;
}

Test(loader, la_layout_loads)
{
    char *tmp = tu_tmpdir();
    char *mods = copy_la_layout(tmp);
    opened o;

    open_with(&o, mods, NULL, good_stack);
    cr_assert_eq(o.rc, CREDSTACK_OK, "%s", credstack_error(o.h));
    opened_free(&o);
    free(mods);
    tu_rmtree(tmp);
}

Test(loader, la_layout_unsafe_dirs_refused)
{
    static const char *const subs[] = {"", "/test-result", "/test-result/.libs",
                                       "/test-result/test-result.la",
                                       "/test-result/.libs/test-result.so"};

    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        char *tmp = tu_tmpdir();
        char *mods = copy_la_layout(tmp);
        char victim[4200];
        opened o;

        snprintf(victim, sizeof(victim), "%s%s", mods, subs[i]);
        {
            struct stat st;
            cr_assert_eq(stat(victim, &st), 0);
            cr_assert_eq(chmod(victim, S_ISDIR(st.st_mode) ? 0775 : 0664), 0);
        }
        open_with(&o, mods, NULL, good_stack);
        {
            const char *pieces[] = {victim,
                                    "refused: writable by group or "
                                    "others",
                                    NULL};
            expect_refused(&o, pieces);
        }
        opened_free(&o);
        free(mods);
        tu_rmtree(tmp);
    }
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

    open_with(&o, tu_env("CREDSTACK_MODULE_DIR"), NULL,
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
    open_with(&o, tu_env("CREDSTACK_MODULE_DIR"), NULL,
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
        setenv("CREDSTACK_MODULE_DIR", tu_env("CREDSTACK_MODULE_DIR"), 1), 0);
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
