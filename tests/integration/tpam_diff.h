/* SPDX-License-Identifier: MIT */
/* tpam_diff.h: the differential mode of the end-to-end TPAM tests
 * (tpam_diff.c); tpam_e2e.c turns it on in programs built with
 * -DTPAM_E2E_DIFFERENTIAL. */
#ifndef CREDSTACK_TESTS_TPAM_DIFF_H
#define CREDSTACK_TESTS_TPAM_DIFF_H

/* From now on every request runs with agent = off and agent = auto and the
 * two are compared; the agents live in dir/agent. */
void tpam_diff_setup(const char *dir);
/* Stop the test's agents; requests run once again. */
void tpam_diff_teardown(void);
/* sshd connections the agents' runs made, which the test must not see. */
int tpam_diff_sshd_extra(void);
/* The commands.log lines the last agent = auto run added (TPAM's commands
 * as the agent sent them); the test's own view keeps only the one-shot's. */
const char *tpam_diff_agent_commands(void);

#endif
