/* SPDX-License-Identifier: MIT */
/* test_inputs.c: credstack_inputs() lists every file a handle's answers
 * depend on, however the stack was found, and credstack_inputs_changed()
 * sees each of them change (issue 16, items 1 and 2); the request budget
 * sums what the active modules declared. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <credstack/credstack.h>

#include "testutil.h"

/* "what path\n" for each input. */
static void collect(const char *path, const char *what, void *user)
{
    FILE *m = user;

    fprintf(m, "%s %s\n", what, path);
}

static char *inputs_of(credstack_handle *h)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);

    cr_assert_not_null(m);
    cr_assert_eq(credstack_inputs(h, collect, m), CREDSTACK_OK);
    fclose(m);
    return text;
}

static credstack_handle *open_ok(const char *cfg, const char *stack)
{
    credstack_handle *h = NULL;
    int rc = credstack_open(&h, cfg, stack, CREDSTACK_OPEN_LOG_STDERR);

    cr_assert_eq(rc, CREDSTACK_OK, "open: %s", credstack_error(h));
    return h;
}

/*
 * Past the file system clock's tick: a file rewritten within the tick it
 * was recorded in, with the same size, keeps its times (the documented
 * limit of a stat(2) check; the agent's digest covers the configuration's
 * content for that reason).
 */
static void next_tick(void)
{
    struct timespec ts = {0, 20 * 1000000};

    nanosleep(&ts, NULL);
}

static void expect_unchanged(credstack_handle *h)
{
    char why[1024];

    cr_expect_eq(credstack_inputs_changed(h, why, sizeof(why)), 0,
                 "changed right after open: %s", why);
}

/* Something changed, and why names want. */
static void expect_changed(credstack_handle *h, const char *want)
{
    char why[1024];

    cr_expect_eq(credstack_inputs_changed(h, why, sizeof(why)), 1,
                 "a change to %s not seen", want);
    cr_expect(strstr(why, want) != NULL, "why: '%s', want '%s'", why, want);
}

/* A stack named by [credstack] stack (relative: from the configuration's
 * directory), not given by the caller: the case the agent missed. */
Test(inputs, stack_named_by_the_configuration)
{
    char *dir = tu_tmpdir();
    char *cfg = tu_write(dir, "c.ini", "[credstack]\nstack = s.stack\n");
    char *stack =
        tu_write(dir, "s.stack", "checkout required test-result password=a\n");
    credstack_handle *h = open_ok(cfg, NULL);
    char *list = inputs_of(h), want[1200];

    snprintf(want, sizeof(want), "configuration %s\n", cfg);
    cr_expect(strstr(list, want) != NULL, "%s", list);
    snprintf(want, sizeof(want), "stack %s\n", stack);
    cr_expect(strstr(list, want) != NULL, "%s", list);
    snprintf(want, sizeof(want), "module %s/test-result.so\n",
             tu_env("CREDSTACK_MODULE_DIR"));
    cr_expect(strstr(list, want) != NULL, "%s", list);
    cr_expect(strstr(list, "library ") != NULL &&
                  strstr(list, "/libcredstack.so") != NULL,
              "no libcredstack among the libraries:\n%s", list);
    expect_unchanged(h);
    /* Same size, other text: what a changed authorization looks like. */
    next_tick();
    free(
        tu_write(dir, "s.stack", "checkout required test-result password=b\n"));
    expect_changed(h, stack);
    free(list);
    credstack_close(h);
    free(cfg);
    free(stack);
    tu_rmtree(dir);
}

/* A stack a section selects in the stack directory: the file and the
 * directory (a second candidate changes what a fresh open does). */
Test(inputs, stack_chosen_in_the_stack_directory)
{
    char *dir = tu_tmpdir(), *stacks = tu_path(dir, "stacks");
    char *cfg, *stack, *list, want[1200];
    credstack_handle *h;

    cr_assert_eq(mkdir(stacks, 0755), 0);
    stack = tu_write(stacks, "test.stack",
                     "checkout required test-result password=a\n");
    cfg = tu_write(dir, "c.ini", "[credstack]\nstack_dir = stacks\n[test]\n");
    /* The environment wins over stack_dir; this test is about the option. */
    unsetenv("CREDSTACK_STACK_DIR");
    h = open_ok(cfg, NULL);
    list = inputs_of(h);
    snprintf(want, sizeof(want), "stack directory %s/stacks\n", dir);
    cr_expect(strstr(list, want) != NULL, "%s", list);
    snprintf(want, sizeof(want), "stack %s/stacks/test.stack\n", dir);
    cr_expect(strstr(list, want) != NULL, "%s", list);
    expect_unchanged(h);
    free(tu_write(stacks, "credstack.stack", "# another candidate\n"));
    expect_changed(h, "stacks");
    free(list);
    credstack_close(h);
    free(cfg);
    free(stack);
    free(stacks);
    tu_rmtree(dir);
}

/* The configuration and the module file, each replaced or touched. */
Test(inputs, configuration_and_module)
{
    char *dir = tu_tmpdir(), *mods = tu_path(dir, "mods"), *so, from[1200];
    char *cfg = tu_write(dir, "c.ini", "[test]\necho = a\n");
    char *stack = tu_write(dir, "s.stack", "checkout required test-result\n");
    credstack_handle *h;

    cr_assert_eq(mkdir(mods, 0755), 0);
    so = tu_path(mods, "test-result.so");
    snprintf(from, sizeof(from), "%s/test-result.so",
             tu_env("CREDSTACK_TEST_MODULES"));
    cr_assert_eq(tu_copy(from, so), 0);
    setenv("CREDSTACK_MODULE_DIR", mods, 1);
    h = open_ok(cfg, stack);
    expect_unchanged(h);
    /* A module replaced as a package manager does: a new inode. */
    {
        char *tmp = tu_path(mods, "new.so");
        cr_assert_eq(tu_copy(from, tmp), 0);
        cr_assert_eq(rename(tmp, so), 0);
        free(tmp);
    }
    expect_changed(h, so);
    credstack_close(h);
    h = open_ok(cfg, stack);
    expect_unchanged(h);
    /* The whole configuration counts, however long. */
    {
        size_t n = 2u << 20;
        char *big = malloc(n + 64);
        cr_assert_not_null(big);
        memset(big, '#', n);
        for (size_t i = 79; i < n; i += 80)
            big[i] = '\n';
        snprintf(big + n, 64, "\n[test]\necho = b\n");
        free(tu_write(dir, "c.ini", big));
        free(big);
    }
    expect_changed(h, cfg);
    credstack_close(h);
    free(so);
    free(mods);
    free(cfg);
    free(stack);
    tu_rmtree(dir);
}

/* The budget: what active lines declared, 30 s for one that says nothing
 * (here none does not), nothing for an inactive line. */
Test(inputs, request_budget)
{
    char *dir = tu_tmpdir();
    char *cfg = tu_write(dir, "c.ini", "[test]\necho = a\n");
    char *stack =
        tu_write(dir, "s.stack",
                 "map optional test-result budget_ms=250\n"
                 "map optional test-result sleep_ms=100\n"
                 "map optional test-result budget_ms=999 @if=test.echo=other\n"
                 "checkout required test-result password=x budget_ms=1000\n");
    credstack_handle *h = open_ok(cfg, stack);

    cr_expect_eq(credstack_request_budget_ms(h), 250 + 5100 + 1000);
    cr_expect_eq(credstack_request_budget_ms(NULL), 0);
    credstack_close(h);
    free(cfg);
    free(stack);
    tu_rmtree(dir);
}

Test(inputs, no_handle)
{
    char why[64];

    cr_expect_eq(credstack_inputs(NULL, collect, NULL), CREDSTACK_ERR_INVALID);
    cr_expect_eq(credstack_inputs_changed(NULL, why, sizeof(why)), 1);
}
