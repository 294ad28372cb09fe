/* SPDX-License-Identifier: MIT */
/* agent_exec.h: how a command that starts the agent runs it (agent_exec.c).
 */
#ifndef CREDSTACK_CLI_AGENT_EXEC_H
#define CREDSTACK_CLI_AGENT_EXEC_H

/*
 * In the child spawn() forked: become `self argv...` (execv).  Returns only
 * when that failed.  A build configured with --enable-test-hooks lets the
 * test harness put a checker in front of it (agent_exec.c).
 */
void cli_agent_exec(const char *self, char *const argv[]);

/* How long a new agent may take to open its stack and listen. */
#define CLI_AGENT_START_MS 10000

/*
 * How long a command waits for the agent it started: CLI_AGENT_START_MS;
 * six times that for an agent the test hook runs under a checker
 * (valgrind), only in a build configured with --enable-test-hooks.
 */
long cli_agent_start_ms(void);

#endif
