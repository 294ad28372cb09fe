/* SPDX-License-Identifier: MIT */
/* tpam_pool_int.h: the session pool's private types, shared by tpam_pool.c
 * (entries, API), tpam_pool_io.c (I/O thread, connectors),
 * tpam_pool_chan.c (a session's channels) and tpam_pool_job.c (commands and
 * their queue).  Each file's functions are declared in its own header:
 * tpam_pool.c uses tpam_pool_io.h, which uses tpam_pool_chan.h, and all use
 * tpam_pool_job.h, never the other way round. */
#ifndef TPAM_POOL_INT_H
#define TPAM_POOL_INT_H

#include <pthread.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include "tpam_connect.h"
#include "tpam_pool.h"
#include "tpam_pool_job.h"

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
    tpam_conn *client;
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
    tpam_conn *client;
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
    tpam_observe_fn observe; /* check --connect: its own entry only */
    void *observe_user;
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

#endif /* TPAM_POOL_INT_H */
