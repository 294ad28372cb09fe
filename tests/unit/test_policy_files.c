/* SPDX-License-Identifier: MIT */
/* test_policy_files.c: every file credstack loads or reads for policy passes
 * the loader's owner and mode checks (issue 16 item 11): a module's private
 * library (checked before it is mapped), and stack files, given, named by
 * [credstack] stack or selected from the stack directory. */
#include "autoconf.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <credstack/credstack.h>

#include "testutil.h"

static char *tmp;

static void setup(void)
{
    tmp = tu_tmpdir();
    cr_assert_eq(
        setenv("CREDSTACK_MODULE_DIR", tu_env("CREDSTACK_TEST_MODULES"), 1), 0);
}

static void teardown(void)
{
    tu_rmtree(tmp);
    tmp = NULL;
}

TestSuite(policy_files, .init = setup, .fini = teardown, .timeout = 120);

/* Open a handle on cfg (written in tmp) and stack (NULL: none given). */
static int open_handle(credstack_handle **h, const char *cfg_text,
                       const char *stack)
{
    char *cfg = tu_write(tmp, "c.ini", cfg_text);
    int rc = credstack_open(h, cfg, stack, CREDSTACK_OPEN_LOG_STDERR);

    free(cfg);
    return rc;
}

static void expect_error(credstack_handle *h, int rc, int want_rc,
                         const char *const *pieces)
{
    const char *msg = credstack_error(h);

    cr_expect_eq(rc, want_rc, "rc %d, want %d: %s", rc, want_rc, msg);
    for (size_t i = 0; pieces[i] != NULL; i++)
        cr_expect(msg != NULL && strstr(msg, pieces[i]) != NULL,
                  "'%s' lacks '%s'", msg, pieces[i]);
}

/* ---- a module's private library ---- */

/* The built libcstest-private.so, copied to dir/name with mode. */
static char *copy_private(const char *dir, const char *name, mode_t mode)
{
    char *from = NULL, *to = tu_path(dir, name);

    cr_assert(asprintf(&from, "%s/tests/modules/test-withlib/.libs/%s",
                       tu_env("CREDSTACK_TEST_BUILDDIR"),
                       "libcstest-private.so") > 0);
    cr_assert_eq(tu_copy(from, to), 0, "copy %s", from);
    cr_assert_eq(chmod(to, mode), 0);
    free(from);
    return to;
}

static int marker_exists(const char *marker)
{
    struct stat st;

    return stat(marker, &st) == 0;
}

/*
 * test-withlib needs libcstest-private.so, found first through
 * LD_LIBRARY_PATH (as the tests find libcredstack-tpam.so).  Writable by
 * group or others, in a directory writable by them, or another user's:
 * refused with the library's name, and never mapped (its constructor leaves
 * a marker).  Safe: loaded, and the module answers from it.
 */
Test(policy_files, private_library_checked_before_it_is_mapped)
{
    char *lib = tu_path(tmp, "lib"), *marker = tu_path(tmp, "marker");
    char *so, *path = NULL, mode[64];
    const char *old = getenv("LD_LIBRARY_PATH");
    const char *stack_text = "checkout required test-withlib\n";
    char *stack = tu_write(tmp, "s.stack", stack_text);
    credstack_handle *h = NULL;
    credstack_request *req = NULL;
    int rc;

    cr_assert_eq(mkdir(lib, 0755), 0);
    so = copy_private(lib, "libcstest-private.so", 0664);
    cr_assert(asprintf(&path, "%s%s%s", lib, old ? ":" : "", old ? old : "") >
              0);
    cr_assert_eq(setenv("LD_LIBRARY_PATH", path, 1), 0);
    cr_assert_eq(setenv("CREDSTACK_TEST_PRIVATE_MARKER", marker, 1), 0);

    /* The file writable by its group. */
    rc = open_handle(&h, "[logging]\nlog_level = critical\n", stack);
    {
        const char *const pieces[] = {"s.stack:1:", "module test-withlib", so,
                                      "refused: writable by group or others "
                                      "(mode 0664)",
                                      NULL};
        expect_error(h, rc, CREDSTACK_ERR_MODULE, pieces);
    }
    credstack_close(h);
    cr_expect(!marker_exists(marker), "the unsafe library was mapped");

    /* Its directory writable by its group. */
    cr_assert_eq(chmod(so, 0644), 0);
    cr_assert_eq(chmod(lib, 0775), 0);
    snprintf(mode, sizeof(mode),
             "%s: refused: writable by group or others "
             "(mode 0775)",
             lib);
    rc = open_handle(&h, "[logging]\nlog_level = critical\n", stack);
    {
        const char *const pieces[] = {"module test-withlib", so, mode, NULL};
        expect_error(h, rc, CREDSTACK_ERR_MODULE, pieces);
    }
    credstack_close(h);
    cr_expect(!marker_exists(marker), "the unsafe library was mapped");
    cr_assert_eq(chmod(lib, 0755), 0);

    /* Another user's (root's tests only: chown needs it). */
    if (geteuid() == 0) {
        struct passwd *nobody = getpwnam("nobody");

        cr_assert_not_null(nobody);
        cr_assert_eq(chown(so, nobody->pw_uid, nobody->pw_gid), 0);
        rc = open_handle(&h, "[logging]\nlog_level = critical\n", stack);
        {
            const char *const pieces[] = {so, "refused: owned by uid", NULL};
            expect_error(h, rc, CREDSTACK_ERR_MODULE, pieces);
        }
        credstack_close(h);
        cr_expect(!marker_exists(marker), "the unsafe library was mapped");
        cr_assert_eq(chown(so, 0, 0), 0);
    }

    /* Safe: loaded, and it is the one the module uses. */
    rc = open_handle(&h, "[logging]\nlog_level = critical\n", stack);
    cr_assert_eq(rc, CREDSTACK_OK, "%s", credstack_error(h));
    cr_expect(marker_exists(marker), "the library was not loaded from %s", lib);
    cr_assert_eq(credstack_request_new(h, &req), CREDSTACK_OK);
    cr_assert_eq(credstack_run(h, req), CREDSTACK_OK, "%s", credstack_error(h));
    cr_expect_str_eq(credstack_request_get(req, CREDSTACK_ITEM_PASSWORD),
                     "from-the-private-library");
    credstack_request_free(req);
    credstack_close(h);
    free(path);
    free(so);
    free(stack);
    free(marker);
    free(lib);
}

/* A symbolic link to the library (root's or ours) is followed, and where it
 * points is checked the same way. */
Test(policy_files, private_library_through_a_link)
{
    char *lib = tu_path(tmp, "lib"), *real = tu_path(tmp, "real");
    char *so = NULL, *link = tu_path(lib, "libcstest-private.so"), *path = NULL;
    const char *old = getenv("LD_LIBRARY_PATH");
    char *stack = tu_write(tmp, "s.stack", "checkout required test-withlib\n");
    credstack_handle *h = NULL;
    char want[4200];
    int rc;

    cr_assert(mkdir(lib, 0755) == 0 && mkdir(real, 0755) == 0);
    cr_assert_eq(chmod(real, 0775), 0); /* (mkdir's mode meets the umask) */
    so = copy_private(real, "libcstest-private.so.1", 0644);
    cr_assert_eq(symlink("../real/libcstest-private.so.1", link), 0);
    cr_assert(asprintf(&path, "%s%s%s", lib, old ? ":" : "", old ? old : "") >
              0);
    cr_assert_eq(setenv("LD_LIBRARY_PATH", path, 1), 0);
    /* The target's directory is writable by its group. */
    rc = open_handle(&h, "[logging]\nlog_level = critical\n", stack);
    snprintf(want, sizeof(want),
             "refused: writable by group or others (mode 0775)");
    {
        const char *const pieces[] = {link, "/real", want, NULL};
        expect_error(h, rc, CREDSTACK_ERR_MODULE, pieces);
    }
    credstack_close(h);
    cr_assert_eq(chmod(real, 0755), 0);
    rc = open_handle(&h, "[logging]\nlog_level = critical\n", stack);
    cr_expect_eq(rc, CREDSTACK_OK, "%s", credstack_error(h));
    credstack_close(h);
    free(path);
    free(so);
    free(link);
    free(stack);
    free(real);
    free(lib);
}

/* ---- stack files and their directories ---- */

/* A good stack of the test-result module. */
static const char stack_text[] = "checkout required test-result password=p\n";

/* The ways a stack is named: --stack, [credstack] stack, the stack dir. */
enum { BY_ARG, BY_OPTION, BY_DIR, N_WAYS };

static int open_stack_by(credstack_handle **h, int way, const char *dir,
                         const char *file)
{
    char *path = tu_path(dir, file), *cfg = NULL;
    int rc;

    switch (way) {
    case BY_ARG:
        rc = open_handle(h, "[logging]\nlog_level = critical\n", path);
        break;
    case BY_OPTION:
        cr_assert(asprintf(&cfg,
                           "[credstack]\nstack = %s\n[logging]\n"
                           "log_level = critical\n",
                           path) > 0);
        rc = open_handle(h, cfg, NULL);
        break;
    default:
        /* [test] selects <stack dir>/test.stack. */
        cr_assert_eq(setenv("CREDSTACK_STACK_DIR", dir, 1), 0);
        rc = open_handle(
            h, "[test]\necho = x\n[logging]\nlog_level = critical\n", NULL);
        break;
    }
    free(cfg);
    free(path);
    return rc;
}

Test(policy_files, stack_files_and_directories_are_checked)
{
    static const char *const ways[] = {"--stack", "[credstack] stack",
                                       "the stack directory"};
    char *dir = tu_path(tmp, "stacks");

    cr_assert_eq(mkdir(dir, 0755), 0);
    for (int way = 0; way < N_WAYS; way++) {
        char *file = tu_write(dir, "test.stack", stack_text);
        credstack_handle *h = NULL;
        char want[4200];
        int rc;

        /* Safe: opens. */
        rc = open_stack_by(&h, way, dir, "test.stack");
        cr_expect_eq(rc, CREDSTACK_OK, "%s: %s", ways[way], credstack_error(h));
        credstack_close(h);
        /* The file writable by others, or by its group. */
        for (int m = 0; m < 2; m++) {
            mode_t mode = m == 0 ? 0666 : 0664;

            cr_assert_eq(chmod(file, mode), 0);
            snprintf(want, sizeof(want),
                     "%s: stack file refused: %s: refused: writable by group "
                     "or others (mode %04o)",
                     file, file, (unsigned)mode);
            rc = open_stack_by(&h, way, dir, "test.stack");
            {
                const char *const pieces[] = {want, NULL};
                expect_error(h, rc, CREDSTACK_ERR_STACK, pieces);
            }
            credstack_close(h);
        }
        cr_assert_eq(chmod(file, 0644), 0);
        /* Its directory writable by its group. */
        cr_assert_eq(chmod(dir, 0775), 0);
        snprintf(want, sizeof(want),
                 "stack file refused: %s: refused: writable by group or "
                 "others (mode 0775)",
                 dir);
        rc = open_stack_by(&h, way, dir, "test.stack");
        {
            const char *const pieces[] = {file, want, NULL};
            expect_error(h, rc, CREDSTACK_ERR_STACK, pieces);
        }
        credstack_close(h);
        cr_assert_eq(chmod(dir, 0755), 0);
        free(file);
    }
    free(dir);
}

/* A stack that is a symbolic link (root's or ours) is followed and its
 * target checked; a link to an unsafe place is refused. */
Test(policy_files, stack_through_a_link)
{
    char *dir = tu_path(tmp, "stacks"), *pub = tu_path(tmp, "pub");
    char *target = NULL, *link = tu_path(dir, "test.stack");
    credstack_handle *h = NULL;
    char want[4200];
    int rc;

    cr_assert(mkdir(dir, 0755) == 0 && mkdir(pub, 0755) == 0);
    target = tu_write(pub, "real.stack", stack_text);
    cr_assert_eq(chmod(target, 0644), 0);
    cr_assert_eq(symlink("../pub/real.stack", link), 0);
    rc = open_stack_by(&h, BY_DIR, dir, "test.stack");
    cr_expect_eq(rc, CREDSTACK_OK, "%s", credstack_error(h));
    credstack_close(h);
    cr_assert_eq(chmod(pub, 0777), 0);
    snprintf(want, sizeof(want),
             "refused: writable by group or others (mode "
             "0777)");
    rc = open_stack_by(&h, BY_DIR, dir, "test.stack");
    {
        const char *const pieces[] = {link, "/pub", want, NULL};
        expect_error(h, rc, CREDSTACK_ERR_STACK, pieces);
    }
    credstack_close(h);
    cr_assert_eq(chmod(pub, 0755), 0);
    free(target);
    free(link);
    free(pub);
    free(dir);
}

/* "what path\n" of each input of h. */
static void collect_input(const char *path, const char *what, void *user)
{
    fprintf(user, "%s %s\n", what, path);
}

static char *inputs_of(credstack_handle *h)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);

    cr_assert_not_null(m);
    cr_assert_eq(credstack_inputs(h, collect_input, m), CREDSTACK_OK);
    fclose(m);
    return text;
}

/*
 * A private library loaded through its checked descriptor is known to the
 * dynamic linker as /proc/self/fd/N, which the inputs skip: the loader
 * records its file instead, for the first handle that loads it and for a
 * later one of the same process (which finds it loaded), so that an agent
 * sees the library replaced.
 */
Test(policy_files, private_library_is_an_input_of_every_handle)
{
    char *lib = tu_path(tmp, "lib"), *so = NULL, *path = NULL, *want = NULL;
    const char *old = getenv("LD_LIBRARY_PATH");
    char *stack = tu_write(tmp, "s.stack", "checkout required test-withlib\n");

    cr_assert(mkdir(lib, 0755) == 0);
    cr_assert_eq(chmod(lib, 0755), 0);
    so = copy_private(lib, "libcstest-private.so", 0644);
    cr_assert(asprintf(&path, "%s%s%s", lib, old ? ":" : "", old ? old : "") >
              0);
    cr_assert_eq(setenv("LD_LIBRARY_PATH", path, 1), 0);
    cr_assert(asprintf(&want, "library %s\n", so) > 0);
    for (int round = 0; round < 2; round++) {
        credstack_handle *h = NULL;
        char *text;
        int rc = open_handle(&h, "[logging]\nlog_level = critical\n", stack);

        cr_assert_eq(rc, CREDSTACK_OK, "open %d: %s", round,
                     credstack_error(h));
        text = inputs_of(h);
        cr_expect(strstr(text, want) != NULL, "handle %d: no '%s' in:\n%s",
                  round, so, text);
        free(text);
        credstack_close(h);
    }
    free(want);
    free(path);
    free(so);
    free(stack);
    free(lib);
}
