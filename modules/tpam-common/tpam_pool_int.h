/* SPDX-License-Identifier: MIT */
/* tpam_pool_int.h: the session pool's private types and functions, shared
 * by tpam_pool.c (entries, API), tpam_pool_io.c (I/O thread, connectors) and
 * tpam_pool_chan.c (a session's channels). */
#ifndef TPAM_POOL_INT_H
#define TPAM_POOL_INT_H

#include <pthread.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include "tpam_client.h"
#include "tpam_pool.h"

/* How long a finished or abandoned channel may take to be closed by the
 * server before its slot is given to another command anyway. */
#define POOL_CLOSE_WAIT_MS 5000
/* The I/O thread looks at its clocks at least this often. */
#define POOL_POLL_MAX_MS 5000
/* The stack of the I/O and connector threads (libssh, OpenSSL: 1 MiB is
 * far more than they use, an eighth of the default). */
#define POOL_STACK_SIZE (1024u * 1024u)
/* A session that could not be added waits this long before another try. */
#define POOL_GROW_RETRY_MS 1000

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

/* What a channel slot of a session is doing. */
enum {
    SLOT_FREE = 0,
    SLOT_OPENING, /* channel open sent */
    SLOT_EXEC,    /* exec request sent */
    SLOT_READING, /* reading the answer */
    SLOT_STATUS,  /* answer read: waiting for its exit status (or close) */
    SLOT_CLOSING  /* done: until the server closes its side too */
};

typedef struct pool_slot {
    int state;
    ssh_channel ch;
    pool_job *job; /* NULL when its command ended (a timeout) */
    long long since;
    int remote_closed;
    int status; /* exit-status or exit-signal seen: TPAM_STATUS_NONE if not */
    int has_cb;
    struct ssh_channel_callbacks_struct cb;
} pool_slot;

typedef struct pool_session {
    tpam_client *client;
    ssh_session ssh;
    ssh_event ev;
    struct ssh_counter_struct rx; /* packets received: progress */
    int bound; /* channels at once: TPAM_POOL_CHANNELS, less if refused */
    int dead;
    char why[300];
    pool_slot slots[TPAM_POOL_CHANNELS];
} pool_session;

/* A connection attempt, in its own thread. */
typedef struct pool_connector {
    struct pool_connector *next;
    struct tpam_pool *p;
    pthread_t thread;
    int finished;
} pool_connector;

/* An authenticated client waiting to be adopted by the I/O thread. */
typedef struct pool_adopt {
    struct pool_adopt *next;
    tpam_client *client;
} pool_adopt;

struct tpam_pool {
    struct tpam_pool *next; /* the process's list, under pools_lock */
    unsigned refs;          /* under pools_lock */
    /* The key (constant). */
    char host[256];
    unsigned port;
    char *user;
    char *user_key; /* secret: wiped when the entry goes */
    char *hostkey;
    long connect_ms;
    long backoff_ms;
    unsigned max_sessions;
    char where[300];

    pthread_mutex_t lock;
    pthread_cond_t cv; /* a connection attempt ended */
    int wake[2];       /* a pipe: wakes the I/O thread */
    pthread_t thread;
    int started;

    /* Under lock. */
    int stopping;
    pool_job *sub_head, *sub_tail; /* commands handed in */
    pool_adopt *adopt;
    pool_connector *connectors;
    unsigned up; /* sessions authenticated (adopted or about to be) */
    unsigned connecting;
    int want_connect;
    unsigned long attempt_gen;
    int attempt_rc;
    char attempt_err[512];
    int fail_pending;
    long long backoff_until;
    long long grow_block_until;
    char last_error[512];
    unsigned long handshakes, commands;
    unsigned in_use, peak, queued;

    /* The I/O thread's own. */
    pool_job *pend_head, *pend_tail; /* waiting for a channel */
    pool_session *sessions[TPAM_POOL_SESSIONS_MAX];
    unsigned nsessions;
};

/* Wake the I/O thread (any thread; lock held or not). */
void pool_wake(tpam_pool *p);

/* Start fn in a thread that takes no signals, with a stack of
 * POOL_STACK_SIZE.  0 or an errno value. */
int pool_start_thread(pthread_t *t, void *(*fn)(void *), void *arg);

/* The I/O thread of p (tpam_pool_io.c). */
void *pool_io_main(void *arg);

/* Complete a command with rc (and, for pool_finish(), its message): its
 * waiter may go at once, and the I/O thread forgets it.  pool_finish()
 * takes the lock, pool_finish_locked() needs it held. */
void pool_finish_locked(pool_job *j, int rc);
void pool_finish(tpam_pool *p, pool_job *j, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The queue of commands waiting for a channel (the I/O thread's own). */
void pool_pend_push_front(tpam_pool *p, pool_job *j);
pool_job *pool_pend_pop(tpam_pool *p);

/* ---- a session's channels (tpam_pool_chan.c, the I/O thread) ---- */

/* Take an authenticated client into the I/O thread's care (a new session);
 * on failure it is closed and p->up given back. */
void pool_adopt_client(tpam_pool *p, tpam_client *client);

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

#endif /* TPAM_POOL_INT_H */
