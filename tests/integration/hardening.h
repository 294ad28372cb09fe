/* SPDX-License-Identifier: MIT */
/* hardening.h: helpers of the hardening tests (hostile inputs, faults, stress)
 * against sshd + tpam-sim. */
#ifndef CREDSTACK_HARDENING_H
#define CREDSTACK_HARDENING_H

#include <stddef.h>

#include "../unit/testutil.h"

/*
 * Write DIR/credstack.conf for the harness: the given authorization
 * (gateway, approval, policy), the timeouts in seconds, the CLI user's key
 * inline or (key_in_store) as "$", and `extra` text appended after [tpam]
 * (may be NULL: it may start new sections).  Returns the path (free it).
 */
char *hz_write_config(const char *dir, const char *authorization, int connect_s,
                      int command_s, int key_in_store, const char *extra);

/* Empty the simulator's command log, and remove or write its faults file. */
void hz_log_clear(void);
void hz_faults(const char *text);

/* The commands in the simulator's log, one a line, without the ppids (free it).
 */
char *hz_log(void);

/* Whether the test runs under valgrind (CREDSTACK_VALGRIND=1): slower. */
int hz_valgrind(void);

/* Monotonic milliseconds. */
long long hz_now_ms(void);

/* `credstack get-password` for the harness's config. */
tu_run hz_get_password(const char *conf, const char *gw, const char *user,
                       const char *host);

/* `credstack hook get-password-list` with this JSON on stdin. */
tu_run hz_hook(const char *conf, const char *json);

/*
 * Whether `text` appears in the simulator's log in any form the log writes
 * it (as is, or with control bytes written \t \n \xNN): then a command was
 * built from it.
 */
int hz_log_mentions(const char *log, const char *text, size_t len);

#endif /* CREDSTACK_HARDENING_H */
