/* SPDX-License-Identifier: MIT */
/* test_agent_inputs.c: the agent answers only from files it has re-checked
 * (issue 16, items 1 and 2): a stack named by the configuration or chosen in
 * the stack directory, a module file, the store, all of a long
 * configuration; a configuration reached through a link uses the link's
 * directory, as a one-shot run does; relative paths print the same both
 * ways.  Each case gave the old answer through the agent before. */
#include "autoconf.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "agentfix.h"

#define ENV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Past the file system clock's tick, so that a rewrite of the same size
 * changes the file's times (a stat(2) check's documented limit). */
static void next_tick(void)
{
    afix_sleep_ms(20);
}

static void expect_out(tu_run *r, const char *want, const char *what)
{
    cr_expect_eq(r->status, 0, "%s: exit %d: %s", what, r->status, r->err);
    cr_expect_str_eq(r->out, want, "%s: %s", what, r->err);
    tu_run_free(r);
}

/* The case of the issue: [credstack] stack names the stack, and changing it
 * must change the answer at the next request. */
Test(agent_inputs, stack_named_by_the_configuration)
{
    afix f;
    char *cfg, *stack;
    tu_run r;
    int pid;

    afix_setup(&f);
    cfg = tu_write(f.dir, "c.ini",
                   "[credstack]\nagent = auto\nstack = s.stack\n");
    stack = tu_write(f.dir, "s.stack",
                     "checkout required test-result password=one\n");
    r = afix_get(&f, cfg, NULL, NULL);
    expect_out(&r, "one\n", "first");
    pid = afix_agent_pid(&f, cfg, NULL, NULL);
    cr_assert_gt(pid, 0, "no agent answered");
    /* The agent lists what it watches. */
    r = afix_agent(&f, cfg, NULL, "--status", NULL);
    cr_expect(strstr(r.out, "input: stack ") != NULL &&
                  strstr(r.out, "/s.stack\n") != NULL,
              "%s", r.out);
    cr_expect(strstr(r.out, "input: module ") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "input: library ") != NULL, "%s", r.out);
    tu_run_free(&r);
    next_tick();
    free(tu_write(f.dir, "s.stack",
                  "checkout required test-result password=two\n"));
    r = afix_get(&f, cfg, NULL, NULL);
    expect_out(&r, "two\n", "after the stack changed");
    free(cfg);
    free(stack);
    afix_free(&f);
}

/* A stack a section chose in the stack directory: its content, and the
 * directory (a second candidate makes a fresh open refuse). */
Test(agent_inputs, stack_chosen_in_the_stack_directory)
{
    afix f;
    char *cfg, *stacks, *envdir, *stack;
    tu_run r;

    afix_setup(&f);
    stacks = tu_path(f.dir, "stacks");
    cr_assert_eq(mkdir(stacks, 0755), 0);
    cr_assert(asprintf(&envdir, "CREDSTACK_STACK_DIR=%s", stacks) > 0);
    cfg = tu_write(f.dir, "c.ini", "[credstack]\nagent = auto\n[test]\n");
    stack = tu_write(stacks, "test.stack",
                     "checkout required test-result password=one\n");
    r = afix_get(&f, cfg, NULL, ENV(envdir));
    expect_out(&r, "one\n", "first");
    cr_assert_gt(afix_agent_pid(&f, cfg, NULL, ENV(envdir)), 0);
    next_tick();
    free(tu_write(stacks, "test.stack",
                  "checkout required test-result password=two\n"));
    r = afix_get(&f, cfg, NULL, ENV(envdir));
    expect_out(&r, "two\n", "after the chosen stack changed");
    cr_assert_gt(afix_agent_pid(&f, cfg, NULL, ENV(envdir)), 0);
    free(tu_write(stacks, "credstack.stack", "# a second candidate\n"));
    r = afix_get(&f, cfg, NULL, ENV(envdir));
    cr_expect_eq(r.status, 2, "a second candidate: exit %d: %s", r.status,
                 r.err);
    cr_expect(strstr(r.err, "each select a stack") != NULL, "%s", r.err);
    cr_expect_str_eq(r.out, "");
    tu_run_free(&r);
    free(envdir);
    free(stack);
    free(stacks);
    free(cfg);
    afix_free(&f);
}

/* A module file replaced (a new inode, as a package upgrade does) by one
 * that a fresh open refuses: the agent must not keep the old one. */
Test(agent_inputs, module_file_replaced)
{
    afix f;
    char *cfg, *stack, *mods, *envmods, *so, *tmp, from[1200];
    tu_run r;

    afix_setup(&f);
    mods = tu_path(f.dir, "mods");
    cr_assert_eq(mkdir(mods, 0755), 0);
    so = tu_path(mods, "test-result.so");
    tmp = tu_path(mods, "new.so");
    snprintf(from, sizeof(from), "%s/test-result.so",
             tu_env("CREDSTACK_TEST_MODULES"));
    cr_assert_eq(tu_copy(from, so), 0);
    cr_assert(asprintf(&envmods, "CREDSTACK_MODULE_DIR=%s", mods) > 0);
    cfg = tu_write(f.dir, "c.ini", "[credstack]\nagent = auto\n");
    stack = tu_write(f.dir, "s.stack",
                     "checkout required test-result password=pw\n");
    r = afix_get(&f, cfg, stack, ENV(envmods));
    expect_out(&r, "pw\n", "first");
    cr_assert_gt(afix_agent_pid(&f, cfg, stack, ENV(envmods)), 0);
    snprintf(from, sizeof(from), "%s/test-echo.so",
             tu_env("CREDSTACK_TEST_MODULES"));
    cr_assert_eq(tu_copy(from, tmp), 0);
    cr_assert_eq(rename(tmp, so), 0);
    r = afix_get(&f, cfg, stack, ENV(envmods));
    cr_expect_eq(r.status, 2, "the replaced module: exit %d: %s", r.status,
                 r.err);
    cr_expect(strstr(r.err, "calls itself 'test-echo'") != NULL, "%s", r.err);
    cr_expect_str_eq(r.out, "");
    tu_run_free(&r);
    free(envmods);
    free(tmp);
    free(so);
    free(mods);
    free(cfg);
    free(stack);
    afix_free(&f);
}

/* A configuration reached through a link in another directory: relative
 * paths in it are taken from the link's directory, by one-shot and agent
 * alike, and the two names are two agents. */
Test(agent_inputs, link_keeps_its_directory)
{
    afix f;
    char *a, *b, *cfg, *link, *sa, *sb;
    tu_run r;

    afix_setup(&f);
    a = tu_path(f.dir, "a");
    b = tu_path(f.dir, "b");
    cr_assert(mkdir(a, 0755) == 0 && mkdir(b, 0755) == 0);
    cfg = tu_write(a, "c.ini", "[credstack]\nagent = auto\nstack = s.stack\n");
    sa = tu_write(a, "s.stack", "checkout required test-result password=A\n");
    sb = tu_write(b, "s.stack", "checkout required test-result password=B\n");
    link = tu_path(b, "link.ini");
    cr_assert_eq(symlink(cfg, link), 0);
    r = afix_get(&f, cfg, NULL, NULL);
    expect_out(&r, "A\n", "the file itself");
    r = afix_get(&f, link, NULL, NULL);
    expect_out(&r, "B\n", "through the link (one-shot reads b/s.stack)");
    cr_expect_eq(afix_sockets(&f, NULL, 0), 2, "one agent per name");
    free(a);
    free(b);
    free(cfg);
    free(link);
    free(sa);
    free(sb);
    afix_free(&f);
}

/* All of a configuration counts, not its first MiB. */
Test(agent_inputs, whole_configuration)
{
    size_t pad = (1u << 20) + 4096;
    afix f;
    char *text, *cfg, *stack;
    tu_run r;

    afix_setup(&f);
    text = malloc(pad + 256);
    cr_assert_not_null(text);
    strcpy(text, "[credstack]\nagent = auto\n");
    for (size_t n = strlen(text); n < pad; n += 64) {
        memset(text + n, '#', 63);
        text[n + 63] = '\n';
        text[n + 64] = '\0';
    }
    stack = tu_write(f.dir, "s.stack",
                     "checkout required test-result "
                     "echo=yes\n");
    cfg = tu_write(f.dir, "c.ini", "");
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(text);
        snprintf(text + n, 256, "[test]\necho = %s\n", i ? "two" : "one");
        free(tu_write(f.dir, "c.ini", text));
        text[n] = '\0';
        r = afix_get(&f, cfg, stack, NULL);
        expect_out(&r, i ? "two\n" : "one\n", i ? "after the change" : "first");
        next_tick();
    }
    free(text);
    free(cfg);
    free(stack);
    afix_free(&f);
}

/* The credential store under a relative store_dir (from the configuration's
 * directory): an entry changed in it is seen at the next request. */
Test(agent_inputs, store_under_a_relative_store_dir)
{
    afix f;
    char *cfg, *stack, *stores, *dirarg;
    tu_run r;

    afix_setup(&f);
    stores = tu_path(f.dir, "stores");
    cr_assert_eq(mkdir(stores, 0700), 0);
    cr_assert(asprintf(&dirarg, "--store-dir=%s", stores) > 0);
    r = tu_credstack(ENV("store", "init", "--store", "st", dirarg), NULL, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    cfg = tu_write(f.dir, "c.ini",
                   "[credstack]\nagent = auto\nstore_dir = stores\n"
                   "[credential_store]\nname = st\n[test]\necho = $\n");
    stack = tu_write(f.dir, "s.stack",
                     "secret required secret-source-localstore\n"
                     "checkout required test-result echo=yes\n");
    for (int i = 0; i < 2; i++) {
        r = tu_credstack(
            ENV("store", "set", "--store", "st", dirarg, "test", "echo"),
            i ? "two\n" : "one\n", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        tu_run_free(&r);
        r = afix_get(&f, cfg, stack, ENV("CREDSTACK_STORE_DIR="));
        expect_out(&r, i ? "two\n" : "one\n",
                   i ? "after the store changed" : "first");
        if (i == 0)
            cr_assert_gt(
                afix_agent_pid(&f, cfg, stack, ENV("CREDSTACK_STORE_DIR=")), 0);
    }
    free(dirarg);
    free(stores);
    free(cfg);
    free(stack);
    afix_free(&f);
}

/* A path relative to the working directory (from here to dir/name). */
static char *relative(const char *dir, const char *name)
{
    char cwd[PATH_MAX], *out = NULL;
    size_t up = 0;

    cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
    for (const char *p = cwd; *p; p++)
        up += *p == '/' && p[1] != '\0';
    out = calloc(1, up * 3 + strlen(dir) + strlen(name) + 8);
    cr_assert_not_null(out);
    strcpy(out, ".");
    for (size_t i = 0; i < up + (strcmp(cwd, "/") != 0); i++)
        strcat(out, "/..");
    strcat(out, dir);
    strcat(out, "/");
    strcat(out, name);
    return out;
}

/* The audit line's latency figures, which may differ, made one '#'. */
static void latency_out(char *err)
{
    for (char *p = err; (p = strstr(p, "latency_ms=")) != NULL;) {
        char *q = p += strlen("latency_ms=");
        while (*q >= '0' && *q <= '9')
            q++;
        if (q == p)
            continue;
        *p++ = '#';
        memmove(p, q, strlen(q) + 1);
    }
}

/* Relative --config and --stack: the same log lines either way (they name
 * the files the same way). */
Test(agent_inputs, relative_paths_print_the_same)
{
    afix f;
    char *on, *off, *stack, *ron, *roff, *rstack;
    tu_run a, b;

    afix_setup(&f);
    on = tu_write(f.dir, "on.ini", "[credstack]\nagent = auto\n");
    off = tu_write(f.dir, "off.ini", "[credstack]\nagent = off\n");
    stack = tu_write(f.dir, "s.stack",
                     "checkout required test-result result=denied\n");
    /* From a directory the file checks accept: a relative path is walked
     * from the working directory, and the build tree may be writable by
     * its group (a git archive unpacked with umask 002), which refuses the
     * stack in both modes alike. */
    cr_assert_eq(chdir(f.dir), 0);
    ron = relative(f.dir, "on.ini");
    roff = relative(f.dir, "off.ini");
    rstack = relative(f.dir, "s.stack");
    a = afix_get(&f, roff, rstack, NULL);
    b = afix_get(&f, ron, rstack, NULL);
    cr_expect_eq(a.status, 1, "%s", a.err);
    cr_expect_eq(b.status, 1, "%s", b.err);
    cr_assert_gt(afix_agent_pid(&f, ron, rstack, NULL), 0);
    /* The lines name the stack file; only the audit's latency differs. */
    latency_out(a.err);
    latency_out(b.err);
    cr_expect_str_eq(a.err, b.err, "one-shot:\n%s\nagent:\n%s", a.err, b.err);
    tu_run_free(&a);
    tu_run_free(&b);
    free(ron);
    free(roff);
    free(rstack);
    free(on);
    free(off);
    free(stack);
    afix_free(&f);
}
