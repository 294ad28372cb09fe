/* SPDX-License-Identifier: MIT */
/* agentfix.h: a private agent directory for a test, get-password through it,
 * and every agent it started stopped at the end (test_agent_inputs.c,
 * test_agent_trust.c). */
#ifndef CREDSTACK_AGENTFIX_H
#define CREDSTACK_AGENTFIX_H

#include "testutil.h"

typedef struct afix {
    char *dir;      /* a private temporary directory */
    char *agentdir; /* dir/agent: CREDSTACK_AGENT_DIR */
    char *env;      /* "CREDSTACK_AGENT_DIR=..." */
} afix;

void afix_setup(afix *f);

/* Stop every agent with a socket in the agent directory, then remove dir. */
void afix_free(afix *f);

/*
 * get-password --config cfg [--stack stack] for gateway user gw, target
 * root at 10.1.2.3, with the agent directory and env (NULL-terminated,
 * may be NULL) in the environment.
 */
tu_run afix_get(afix *f, const char *cfg, const char *stack,
                const char *const *env);

/* `credstack agent --config cfg [--stack stack] what` (--status, --stop). */
tu_run afix_agent(afix *f, const char *cfg, const char *stack, const char *what,
                  const char *const *env);

/* The pid of the agent serving cfg (and stack), from --status; 0: none. */
int afix_agent_pid(afix *f, const char *cfg, const char *stack,
                   const char *const *env);

/* The number of agent sockets in the agent directory, and the first one's
 * path in path (when path is not NULL). */
int afix_sockets(afix *f, char *path, size_t len);

/* Milliseconds on a monotonic clock. */
long long afix_now_ms(void);

/* Sleep ms milliseconds. */
void afix_sleep_ms(long ms);

#endif /* CREDSTACK_AGENTFIX_H */
