/* SPDX-License-Identifier: MIT */
/* tpam_pool_chan.h: a pooled session's channels (tpam_pool_chan.c), run by
 * the I/O thread only. */
#ifndef TPAM_POOL_CHAN_H
#define TPAM_POOL_CHAN_H

#include "tpam_pool_int.h"

/* Take an authenticated connection into the I/O thread's care (a new
 * session); on failure it is closed and p->up given back. */
void pool_adopt_client(tpam_pool *p, tpam_conn *client);

/* Give waiting commands channels on the least busy sessions with room; 1
 * when any was given one. */
int pool_assign(tpam_pool *p, long long now);

/* Move one busy slot along (open, exec, read, close, timeouts); sets
 * *progress when anything changed. */
void pool_step_slot(tpam_pool *p, pool_session *s, pool_slot *sl, long long now,
                    int *progress);

/* Channels open or closing on s. */
int pool_slot_count(const pool_session *s);

/* Whether libssh says s is disconnected or in error. */
int pool_session_broken(pool_session *s);

/* Mark s lost, with why (the first reason wins). */
void pool_session_lost(pool_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Close s and free it: its commands whose channel had not opened go back to
 * the queue once when requeue is set (for a new connection); the others, and
 * every command whose exec was sent, fail with "connection lost".
 */
void pool_session_close(tpam_pool *p, pool_session *s, int requeue);

#endif /* TPAM_POOL_CHAN_H */
