/* SPDX-License-Identifier: MIT */
/* tpam_pool_job.h: one command in the session pool, as the I/O thread and
 * its waiter share it: its queue, its output and its completion (the
 * bottom of the pool: it calls no other file of it). */
#ifndef TPAM_POOL_JOB_H
#define TPAM_POOL_JOB_H

#include <pthread.h>
#include <stddef.h>

struct tpam_pool;

/* One command, on the stack of the request that waits for it. */
typedef struct pool_job {
    struct pool_job *next;
    const char *line; /* the command line (the caller's) */
    const char *name; /* the command's name, for messages */
    long timeout_ms;
    long long deadline;
    int retried;   /* already moved to a new connection once */
    int exec_sent; /* the command may have run: never sent again */
    /* The outcome, set by the I/O thread under the pool's lock. */
    int done;
    int rc;
    int status; /* the command's exit status; TPAM_STATUS_* when none */
    char *out;
    size_t len, cap;
    char err[512];
    pthread_cond_t cv;
} pool_job;
/* Wake the I/O thread (any thread; lock held or not). */
void pool_wake(struct tpam_pool *p);

/* Complete a command with rc (and, for pool_finish(), its message): its
 * waiter may go at once, and the I/O thread forgets it.  pool_finish()
 * takes the lock, pool_finish_locked() needs it held. */
void pool_finish_locked(pool_job *j, int rc);
void pool_finish(struct tpam_pool *p, pool_job *j, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The queue of commands waiting for a channel (the I/O thread's own). */
void pool_pend_push_back(struct tpam_pool *p, pool_job *j);
void pool_pend_push_front(struct tpam_pool *p, pool_job *j);
pool_job *pool_pend_pop(struct tpam_pool *p);

/* Room for more bytes of output (and a NUL); the old buffer is wiped (it
 * may hold a password).  CREDSTACK_OK or CREDSTACK_ERR_NOMEM. */
int pool_job_reserve(pool_job *j, size_t more);

#endif /* TPAM_POOL_JOB_H */
