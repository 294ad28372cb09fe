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

#endif
