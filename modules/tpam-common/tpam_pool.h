/* SPDX-License-Identifier: MIT */
/* tpam_pool.h: warm SSH sessions to each TPAM server, shared by every
 * request and module of a process, with one I/O thread per server. */
#ifndef TPAM_POOL_H
#define TPAM_POOL_H

#include <stddef.h>

#include "tpam_command.h"
#include "tpam_connect.h"

/*
 * At most this many commands (exec channels) run at once on one SSH session;
 * the rest wait in a queue.  OpenSSH's sshd allows 10 sessions (channels) per
 * connection by default (MaxSessions); 8 leaves room for a session that is
 * still closing on the server's side.
 */
#define TPAM_POOL_CHANNELS 8

/* [tpam] max_sessions: SSH sessions per server, opened only under load. */
#define TPAM_POOL_SESSIONS_DEFAULT 4
#define TPAM_POOL_SESSIONS_MAX 16

/* [tpam] failover_backoff, seconds. */
#define TPAM_POOL_BACKOFF_DEFAULT 30
#define TPAM_POOL_BACKOFF_MAX 86400

/*
 * What names one pooled server: requests and handles whose options agree on
 * all of it share its sessions.  The strings are copied (the key wiped when
 * the entry goes).
 */
struct tpam_pool_key {
    const char *host;
    unsigned port;
    const char *user;
    const char *user_key;          /* secret */
    const char *server_public_key; /* the server's known_hosts line */
    long connect_timeout_ms;
    long backoff_ms;       /* 0: a failed server is never skipped */
    unsigned max_sessions; /* 1..TPAM_POOL_SESSIONS_MAX */
};

typedef struct tpam_pool tpam_pool;

/*
 * The process-wide entry for key, created on the first call (nothing
 * connects yet), with one more reference.  NULL when out of memory.  Each
 * reference is given back with tpam_pool_release(); the last one closes the
 * server's sessions, stops its I/O thread and wipes what it holds.
 */
tpam_pool *tpam_pool_acquire(const struct tpam_pool_key *key);

/*
 * An entry of its own for key, shared with nobody (check --connect): every
 * step of its path to TPAM -- connect, host key, authentication, each
 * command's channel, exec and answer -- is told to observe (from the pool's
 * threads, before the call that waits for that step returns).  Never in
 * backoff.  NULL when out of memory; give it back with tpam_pool_release().
 */
tpam_pool *tpam_pool_new_observed(const struct tpam_pool_key *key,
                                  tpam_observe_fn observe, void *user);

/* One more reference to p (a request that uses it). */
void tpam_pool_ref(tpam_pool *p);

/* Give a reference back.  NULL is a no-op. */
void tpam_pool_release(tpam_pool *p);

/* "host:port" of the server, for messages and the BACKEND item. */
const char *tpam_pool_where(const tpam_pool *p);

/*
 * Whether the server is in backoff: its last connection attempt failed to
 * reach it or timed out less than failover_backoff ago.  *left_ms (may be
 * NULL) gets the time left; err (may be NULL) that attempt's message.
 */
int tpam_pool_in_backoff(tpam_pool *p, long long *left_ms, char *err,
                         size_t errlen);

/*
 * Make sure the server has an authenticated session, connecting one (in a
 * thread of the pool, bounded by connect_timeout) when none is up; requests
 * that wait at once share one attempt.  CREDSTACK_OK, or the attempt's
 * code (CREDSTACK_ERR_HOSTKEY, _TIMEOUT, _BACKEND, ...) with err.  A server
 * that could not be reached or timed out goes into backoff; a wrong host key
 * or a refused key does not (they are errors to fix, not outages).
 */
int tpam_pool_attach(tpam_pool *p, char *err, size_t errlen);

/*
 * Run one command on one of the server's sessions (a new exec channel; it
 * waits in the queue while every session has TPAM_POOL_CHANNELS commands
 * running) and collect its standard output:
 * timeout_ms bounds the whole command, queueing included; free the output
 * with tpam_pool_output_free().  A lost connection fails the commands it
 * was running; a command whose channel had not opened yet is tried once
 * more on a new connection, never one whose exec was sent.  Returns
 * CREDSTACK_OK, CREDSTACK_ERR_REFUSED (not sent), CREDSTACK_ERR_TIMEOUT,
 * CREDSTACK_ERR_BACKEND, CREDSTACK_ERR_NOMEM, or a connection attempt's
 * code when the session was lost and a new one could not be opened.
 */
int tpam_pool_run(tpam_pool *p, const tpam_cmd *cmd, long timeout_ms,
                  char **out, size_t *len_out, char *err, size_t errlen);

/* Whether the server has an authenticated session up now (no attempt). */
int tpam_pool_is_up(tpam_pool *p);

/*
 * A command that runs while its caller goes on: tpam_pool_submit() queues
 * cmd as tpam_pool_run() does (the job keeps a copy of its line and a
 * reference to p) and returns at once; tpam_pool_job_wait() waits for its
 * end and returns what tpam_pool_run_status() would have, with *out
 * pointing at the output the job still owns (read it as often as needed)
 * and *status_out (may be NULL) the exit status;
 * tpam_pool_job_free() waits for the end too, then wipes and frees it.
 * Every job must be freed, by the thread that submitted it or another.
 */
typedef struct tpam_pool_job tpam_pool_job;
int tpam_pool_submit(tpam_pool *p, const tpam_cmd *cmd, long timeout_ms,
                     tpam_pool_job **job_out, char *err, size_t errlen);
int tpam_pool_job_wait(tpam_pool_job *job, const char **out, size_t *len_out,
                       int *status_out, char *err, size_t errlen);
void tpam_pool_job_free(tpam_pool_job *job);

/*
 * tpam_pool_run(), and the command's exit status in *status_out (0..255,
 * TPAM_STATUS_NONE when the server closed the channel without one,
 * TPAM_STATUS_SIGNAL when a signal ended it).  The status follows the
 * output on the channel: a command is complete when it (or the close) has
 * come, within timeout_ms.
 */
int tpam_pool_run_status(tpam_pool *p, const tpam_cmd *cmd, long timeout_ms,
                         char **out, size_t *len_out, int *status_out,
                         char *err, size_t errlen);

/* Wipe and free an output of tpam_pool_run().  NULL is a no-op. */
void tpam_pool_output_free(char *out, size_t len);

/*
 * One line of the server's state for credstack agent --status: sessions up
 * (or down, or in backoff until when, and why), channels in use and their
 * peak, commands queued, handshakes and commands so far.
 */
void tpam_pool_status(tpam_pool *p, char *buf, size_t len);

/* What the server's state says in numbers (tests, status). */
struct tpam_pool_stats {
    unsigned sessions;    /* authenticated sessions up */
    unsigned connecting;  /* attempts under way */
    unsigned in_use;      /* channels open or closing */
    unsigned peak_in_use; /* most channels at once on one session */
    unsigned queued;      /* commands waiting for a channel */
    unsigned long handshakes, commands;
    long long backoff_left_ms; /* 0: not in backoff */
};
void tpam_pool_stats(tpam_pool *p, struct tpam_pool_stats *s);

#endif /* TPAM_POOL_H */
