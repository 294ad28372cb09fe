/* SPDX-License-Identifier: MIT */
/* tpam_e2e.h: what the end-to-end TPAM tests share (test_tpam_modules,
 * test_tpam_evidence, test_cache_tpam): the harness (sshd + tpam-sim),
 * configuration files, running credstack, and what the simulator saw.
 *
 * One harness serves a whole program; Criterion runs the tests one at a time
 * (--jobs 1), so each test may rewrite the simulator's fixture, faults and
 * commands.log, and tpam_e2e_setup() puts them back.  Built with
 * -DTPAM_E2E_DIFFERENTIAL, every request also runs through the agent and
 * must give the same (tpam_diff.h); the tests see only the one-shot run. */
#ifndef CREDSTACK_TESTS_TPAM_E2E_H
#define CREDSTACK_TESTS_TPAM_E2E_H

#include <stddef.h>

#include "../unit/testutil.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* The passwords of fixture.default that the tests expect. */
#define PW_DB02 "db02-Root!pw"
#define PW_PSM_DB02 "p@ss word;#1"
#define PW_WEB01 "web01 r00t \"quoted\" \\back\\slash"
#define PW_ORACLE "oracle-own-pw"

extern char *tmp; /* this test's private directory */

/* TestSuite(tpam, .init = tpam_e2e_setup, .fini = tpam_e2e_teardown) */
void tpam_e2e_setup(void);
void tpam_e2e_teardown(void);
void reset_sim(void);
void set_faults(const char *text);
void add_fixture(const char *text);
void clear_log(void);

typedef struct conf_opts {
    const char *hostkey;   /* env name of server_public_key; NULL: ED25519 */
    const char *userkey;   /* env name of the key file; NULL: TPAM_CLIENT_KEY */
    const char *port;      /* server_port; NULL: TPAM_PORT */
    const char *extra;     /* more [tpam] lines */
    const char *log_level; /* [logging] log_level; NULL: warning */
} conf_opts;

/* A [tpam] configuration with the CLI user's key inline; returns its path. */
char *conf_with(const conf_opts *o);
char *conf(const char *extra);

/* get-password at a log level, with --trace if asked, the gateway password
 * on stdin if given, and extra environment. */
tu_run get_password_at(const char *level, int trace, const char *cfg,
                       const char *gw, const char *tu, const char *th,
                       const char *gwpw, const char *const *env);
tu_run get_password_env(const char *cfg, const char *gw, const char *tu,
                        const char *th, const char *gwpw,
                        const char *const *env);
tu_run get_password(const char *cfg, const char *gw, const char *tu,
                    const char *th);

char *cmdlog(void);
size_t log_channels(const char *log);
size_t log_connections(const char *log);
/* The commands sent, in order and exactly, over one SSH connection. */
void expect_commands(const char *const *want);
#define EXPECT_COMMANDS(...) expect_commands(ARGV(__VA_ARGS__))
void expect_no_commands(void);
int sshd_connections(void);
void expect_password(tu_run *r, const char *pw);
void expect_status(tu_run *r, int status, const char *in_err);
/* The debug line of a list command: exactly listed rows, kept of them. */
void expect_dropped(const char *err, const char *command, size_t listed,
                    size_t kept);
/* Whether the simulator's default matching compares letter case
 * (CREDSTACK_TPAM_FILTER_CASE, set by tests/run-test for the run). */
int tpam_case_sensitive(void);

typedef struct nss {
    char *env[6];
} nss;

/* An nss_wrapper environment whose hosts file is `hosts`. */
void nss_setup(nss *n, const char *hosts);
void nss_free(nss *n);
extern const char *const dns_hosts;

#endif
