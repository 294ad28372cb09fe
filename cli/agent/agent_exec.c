/* SPDX-License-Identifier: MIT */
/* agent_exec.c: the exec that starts `credstack agent`, and the one test
 * hook on that path.
 *
 * A test must see how every agent it used ended, and under valgrind the
 * agent must run under valgrind too (tests/run-test).  The hook is compiled
 * only with configure --enable-test-hooks (tools/dev.sh builds so; release
 * and Debian builds do not), and even then it only reads the caller's own
 * environment, which could already preload anything into the agent: it
 * gives nobody a power they did not have. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <credstack/module.h>

#include "agent_exec.h"

#ifdef CREDSTACK_TEST_HOOKS
/*
 * CREDSTACK_TEST_AGENT_WRAPPER set (maybe empty): the agent is orphaned at
 * once, so that the harness's subreaper (tests/harness/reaper) also sees
 * how its first process ends; the caller still waits for the agent's
 * "ready" on its pipe, as without the hook.  A non-empty value is a command
 * prefix of blank-separated words (valgrind and its options).
 */
static void test_hook(const char *self, char *const argv[])
{
    const char *wrap = credstack_getenv("CREDSTACK_TEST_AGENT_WRAPPER");
    char *words, *save = NULL, **av;
    size_t n = 0, nargs = 0;
    pid_t pid;

    if (wrap == NULL)
        return;
    pid = fork();
    if (pid != 0)
        _exit(pid < 0 ? 127 : 0);
    while (argv[nargs] != NULL)
        nargs++;
    words = strdup(wrap);
    av = calloc(strlen(wrap) / 2 + nargs + 2, sizeof(*av));
    if (words == NULL || av == NULL)
        _exit(127);
    for (char *w = strtok_r(words, " \t", &save); w != NULL;
         w = strtok_r(NULL, " \t", &save))
        av[n++] = w;
    if (n == 0)
        return; /* no prefix: the plain exec below */
    av[n++] = (char *)self;
    for (size_t i = 1; i < nargs; i++)
        av[n++] = argv[i];
    av[n] = NULL;
    execvp(av[0], av);
    _exit(127);
}
#endif

long cli_agent_start_ms(void)
{
#ifdef CREDSTACK_TEST_HOOKS
    /* An agent under valgrind on a busy CI machine takes tens of seconds
     * to load its modules; the test would then see it run in-process. */
    const char *wrap = credstack_getenv("CREDSTACK_TEST_AGENT_WRAPPER");

    if (wrap != NULL && wrap[strspn(wrap, " \t")] != '\0')
        return 6 * CLI_AGENT_START_MS;
#endif
    return CLI_AGENT_START_MS;
}

void cli_agent_exec(const char *self, char *const argv[])
{
#ifdef CREDSTACK_TEST_HOOKS
    test_hook(self, argv);
#endif
    execv(self, argv);
}
