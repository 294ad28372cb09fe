/* SPDX-License-Identifier: MIT */
/* tpam_pool.c: warm SSH sessions to each TPAM server, shared by every
 * request and module of a process, with one I/O thread per server.
 *
 * libssh sessions are not thread-safe, so each server's sessions belong to
 * one I/O thread: requests put commands on a queue and wait; the thread opens
 * one exec channel per command (at most TPAM_POOL_CHANNELS at once on a
 * session), drives them all with libssh's non-blocking calls and poll(), and
 * completes each command with its output or error.  Connecting (key
 * exchange, host key, authentication) is blocking in libssh, so it runs in a
 * short-lived connector thread that hands the authenticated session over.
 *
 * This file is longer than most: the queue, the channels' state machine, the
 * connectors and the backoff are one piece of state behind one lock, and
 * splitting them would spread that state over several files. */
#include "tpam_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include <credstack/credstack.h>

#include "tpam_client.h"
#include "tpam_text.h"

/* How long a finished or abandoned channel may take to be closed by the
 * server before its slot is given to another command anyway. */
#define POOL_CLOSE_WAIT_MS 5000
/* The I/O thread looks at its clocks at least this often. */
#define POOL_POLL_MAX_MS 5000
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
    SLOT_CLOSING  /* done: until the server closes its side too */
};

typedef struct pool_slot {
    int state;
    ssh_channel ch;
    pool_job *job; /* NULL when its command ended (a timeout) */
    long long since;
    int remote_closed;
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

static pthread_mutex_t pools_lock = PTHREAD_MUTEX_INITIALIZER;
static tpam_pool *pools;

/* ---- small helpers ---- */

static void wake(tpam_pool *p)
{
    char c = 1;

    /* The pipe is non-blocking: a full pipe already means "wake up". */
    (void)!write(p->wake[1], &c, 1);
}

static void drain_wake(tpam_pool *p)
{
    char buf[64];

    while (read(p->wake[0], buf, sizeof(buf)) > 0) {
    }
}

static int same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Start fn in a thread that takes no signals (the process's own threads
 * handle them).  0 or an errno value. */
static int start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    int rc;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(t, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

/* Complete a job (the lock is held): its waiter may go at once. */
static void finish_locked(pool_job *j, int rc)
{
    if (rc != CREDSTACK_OK && j->out != NULL) {
        tpam_free_wiped(j->out, j->cap);
        j->out = NULL;
        j->len = j->cap = 0;
    }
    j->rc = rc;
    j->done = 1;
    pthread_cond_signal(&j->cv);
}

static void finish(tpam_pool *p, pool_job *j, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void finish(tpam_pool *p, pool_job *j, int rc, const char *fmt, ...)
{
    va_list ap;

    if (fmt != NULL) {
        va_start(ap, fmt);
        vsnprintf(j->err, sizeof(j->err), fmt, ap);
        va_end(ap);
    }
    pthread_mutex_lock(&p->lock);
    finish_locked(j, rc);
    pthread_mutex_unlock(&p->lock);
}

static void pend_push_back(tpam_pool *p, pool_job *j)
{
    j->next = NULL;
    if (p->pend_tail != NULL)
        p->pend_tail->next = j;
    else
        p->pend_head = j;
    p->pend_tail = j;
}

static void pend_push_front(tpam_pool *p, pool_job *j)
{
    j->next = p->pend_head;
    p->pend_head = j;
    if (p->pend_tail == NULL)
        p->pend_tail = j;
}

static pool_job *pend_pop(tpam_pool *p)
{
    pool_job *j = p->pend_head;

    if (j != NULL) {
        p->pend_head = j->next;
        if (p->pend_head == NULL)
            p->pend_tail = NULL;
        j->next = NULL;
    }
    return j;
}

/* Grow a job's output buffer; the old one is wiped (it may hold a password).
 */
static int reserve(pool_job *j, size_t more)
{
    char *nb;
    size_t ncap;

    if (j->len + more + 1 <= j->cap)
        return CREDSTACK_OK;
    ncap = j->cap > 0 ? j->cap * 2 : 4096;
    while (ncap < j->len + more + 1)
        ncap *= 2;
    nb = malloc(ncap);
    if (nb == NULL)
        return CREDSTACK_ERR_NOMEM;
    if (j->out != NULL) {
        memcpy(nb, j->out, j->len);
        tpam_free_wiped(j->out, j->cap);
    }
    j->out = nb;
    j->cap = ncap;
    return CREDSTACK_OK;
}

/* ---- connecting ---- */

typedef struct seen_steps {
    int connected;
} seen_steps;

static void seen(void *user, tpam_client_step step, const char *detail)
{
    (void)detail;
    if (step == TPAM_STEP_CONNECTED)
        ((seen_steps *)user)->connected = 1;
}

static void *connector_main(void *arg)
{
    pool_connector *c = arg;
    tpam_pool *p = c->p;
    struct tpam_client_options o;
    tpam_client *client = NULL;
    pool_adopt *a = NULL;
    seen_steps steps = {0};
    char err[512] = "";
    int rc;

    memset(&o, 0, sizeof(o));
    o.server = p->host;
    o.port = p->port;
    o.user = p->user;
    o.user_key = p->user_key;
    o.server_public_key = p->hostkey;
    o.connect_timeout_ms = p->connect_ms;
    o.observe = seen;
    o.observe_user = &steps;
    rc = tpam_client_open(&o, &client, err, sizeof(err));
    if (rc == CREDSTACK_OK && (a = calloc(1, sizeof(*a))) == NULL) {
        tpam_client_close(client);
        rc = tpam_errf(err, sizeof(err), CREDSTACK_ERR_NOMEM,
                       "out of memory keeping the session to TPAM at %s",
                       p->where);
    }
    pthread_mutex_lock(&p->lock);
    p->connecting--;
    if (rc == CREDSTACK_OK) {
        a->client = client;
        a->next = p->adopt;
        p->adopt = a;
        p->up++;
        p->handshakes++;
        p->backoff_until = 0;
        p->attempt_rc = CREDSTACK_OK;
    } else {
        snprintf(p->last_error, sizeof(p->last_error), "%s", err);
        if (p->up == 0) {
            /* The server is unusable for now: say why to whoever waits. */
            p->attempt_rc = rc;
            snprintf(p->attempt_err, sizeof(p->attempt_err), "%s", err);
            p->fail_pending = 1;
            /*
             * Not reached, or no answer in time: skip it for a while.  A
             * wrong host key or a refused key is not an outage: it is
             * reported every time and never skipped quietly.
             */
            if (p->backoff_ms > 0 &&
                (rc == CREDSTACK_ERR_TIMEOUT ||
                 (rc == CREDSTACK_ERR_BACKEND && !steps.connected)))
                p->backoff_until = tpam_now_ms() + p->backoff_ms;
        } else {
            /* A further session for a busy server: try again later. */
            p->grow_block_until =
                tpam_now_ms() + (p->backoff_ms > POOL_GROW_RETRY_MS
                                     ? p->backoff_ms
                                     : POOL_GROW_RETRY_MS);
        }
    }
    p->attempt_gen++;
    c->finished = 1;
    pthread_cond_broadcast(&p->cv);
    wake(p);
    pthread_mutex_unlock(&p->lock);
    tpam_wipe(err, sizeof(err));
    return NULL;
}

/* Start one connection attempt (the lock is held). */
static void start_connector_locked(tpam_pool *p)
{
    pool_connector *c = calloc(1, sizeof(*c));
    int rc = c == NULL ? ENOMEM : 0;

    if (c != NULL) {
        c->p = p;
        p->connecting++;
        rc = start_thread(&c->thread, connector_main, c);
        if (rc != 0) {
            p->connecting--;
            free(c);
        } else {
            c->next = p->connectors;
            p->connectors = c;
        }
    }
    p->want_connect = 0;
    if (rc != 0 && p->up == 0) {
        p->attempt_rc = CREDSTACK_ERR_NOMEM;
        snprintf(p->attempt_err, sizeof(p->attempt_err),
                 "cannot start a thread to connect to TPAM at %s: %s", p->where,
                 strerror(rc));
        p->fail_pending = 1;
        p->attempt_gen++;
        pthread_cond_broadcast(&p->cv);
    }
}

/* ---- sessions and channels (the I/O thread) ---- */

static void on_channel_close(ssh_session session, ssh_channel channel,
                             void *userdata)
{
    (void)session;
    (void)channel;
    ((pool_slot *)userdata)->remote_closed = 1;
}

/* Forget a slot's channel (libssh frees it once the server closed it). */
static void slot_free(pool_slot *sl)
{
    if (sl->ch != NULL) {
        if (sl->has_cb)
            ssh_remove_channel_callbacks(sl->ch, &sl->cb);
        ssh_channel_free(sl->ch);
    }
    memset(sl, 0, sizeof(*sl));
}

/* Close a slot's channel and keep the slot until the server closes too. */
static void slot_close(pool_slot *sl, long long now)
{
    sl->job = NULL;
    if (sl->ch != NULL && ssh_channel_is_open(sl->ch))
        ssh_channel_close(sl->ch);
    sl->state = SLOT_CLOSING;
    sl->since = now;
}

static int session_broken(pool_session *s)
{
    return !ssh_is_connected(s->ssh) ||
           (ssh_get_status(s->ssh) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0;
}

static void session_lost(pool_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void session_lost(pool_session *s, const char *fmt, ...)
{
    va_list ap;

    if (s->dead)
        return;
    s->dead = 1;
    va_start(ap, fmt);
    vsnprintf(s->why, sizeof(s->why), fmt, ap);
    va_end(ap);
}

static int slot_count(const pool_session *s)
{
    int n = 0;

    for (int i = 0; i < TPAM_POOL_CHANNELS; i++)
        n += s->slots[i].state != SLOT_FREE;
    return n;
}

/*
 * Close a lost (or, at the end, any) session.  Its commands that had no
 * channel yet go back to the queue once, for a new connection; a command
 * whose exec was sent may have run, so it fails.
 */
static void session_close(tpam_pool *p, pool_session *s, int requeue)
{
    long long now = tpam_now_ms();
    pool_job *back[TPAM_POOL_CHANNELS];
    int nback = 0;

    for (int i = 0; i < TPAM_POOL_CHANNELS; i++) {
        pool_slot *sl = &s->slots[i];
        pool_job *j = sl->job;

        if (j != NULL) {
            if (requeue && !j->exec_sent && !j->retried && now < j->deadline) {
                j->retried = 1;
                back[nback++] = j;
            } else {
                finish(p, j, CREDSTACK_ERR_BACKEND,
                       "connection to TPAM at %s lost during %s: %s", p->where,
                       j->name, s->why[0] ? s->why : "closed");
            }
        }
        /* ssh_free() frees the channels; callbacks first, they point here. */
        if (sl->ch != NULL && sl->has_cb)
            ssh_remove_channel_callbacks(sl->ch, &sl->cb);
        memset(sl, 0, sizeof(*sl));
    }
    while (nback > 0)
        pend_push_front(p, back[--nback]);
    if (s->ev != NULL) {
        ssh_event_remove_session(s->ev, s->ssh);
        ssh_event_free(s->ev);
    }
    tpam_client_close(s->client);
    free(s);
}

/* Take an authenticated client into the I/O thread's care. */
static void adopt(tpam_pool *p, tpam_client *client)
{
    pool_session *s = calloc(1, sizeof(*s));

    if (s != NULL && p->nsessions < TPAM_POOL_SESSIONS_MAX) {
        s->client = client;
        s->ssh = tpam_client_ssh(client);
        s->bound = TPAM_POOL_CHANNELS;
        ssh_set_blocking(s->ssh, 0);
        ssh_set_counters(s->ssh, NULL, &s->rx);
        /* One event per session: its calls poll its own socket only. */
        s->ev = ssh_event_new();
        if (s->ev != NULL && ssh_event_add_session(s->ev, s->ssh) == SSH_OK) {
            p->sessions[p->nsessions++] = s;
            return;
        }
        if (s->ev != NULL)
            ssh_event_free(s->ev);
        s->ev = NULL;
        ssh_set_counters(s->ssh, NULL, NULL);
    }
    free(s);
    tpam_client_close(client);
    pthread_mutex_lock(&p->lock);
    p->up--;
    snprintf(p->last_error, sizeof(p->last_error),
             "cannot keep the session to TPAM at %s (out of memory)", p->where);
    pthread_mutex_unlock(&p->lock);
}

/* Give a waiting command a channel on the least busy session with room. */
static int assign(tpam_pool *p, long long now)
{
    int progress = 0;

    while (p->pend_head != NULL) {
        pool_session *best = NULL;
        int best_used = 0;
        pool_slot *sl = NULL;
        pool_job *j;

        for (unsigned i = 0; i < p->nsessions; i++) {
            pool_session *s = p->sessions[i];
            int used = slot_count(s);
            if (!s->dead && used < s->bound &&
                (best == NULL || used < best_used)) {
                best = s;
                best_used = used;
            }
        }
        if (best == NULL)
            break;
        for (int i = 0; i < TPAM_POOL_CHANNELS && sl == NULL; i++)
            if (best->slots[i].state == SLOT_FREE)
                sl = &best->slots[i];
        if (sl == NULL)
            break;
        j = pend_pop(p);
        sl->ch = ssh_channel_new(best->ssh);
        if (sl->ch == NULL) {
            pend_push_front(p, j);
            session_lost(best, "no new channel: %s", ssh_get_error(best->ssh));
            continue;
        }
        ssh_callbacks_init(&sl->cb);
        sl->cb.userdata = sl;
        sl->cb.channel_close_function = on_channel_close;
        sl->has_cb = ssh_set_channel_callbacks(sl->ch, &sl->cb) == SSH_OK;
        sl->job = j;
        sl->state = SLOT_OPENING;
        sl->since = now;
        progress = 1;
    }
    return progress;
}

/* The server refused a channel: with others open, its MaxSessions is lower
 * than ours; the command waits for a free channel. */
static void open_refused(tpam_pool *p, pool_session *s, pool_slot *sl)
{
    pool_job *j = sl->job;
    int others = slot_count(s) - 1;

    sl->job = NULL;
    slot_free(sl);
    if (j == NULL)
        return;
    if (others > 0) {
        s->bound = others;
        pend_push_front(p, j);
        return;
    }
    finish(p, j, CREDSTACK_ERR_BACKEND,
           "TPAM at %s refused a channel for %s: %s", p->where, j->name,
           ssh_get_error(s->ssh));
}

/* Read what the channel has; 1 when the answer is complete. */
static int read_answer(tpam_pool *p, pool_session *s, pool_slot *sl,
                       int *progress)
{
    pool_job *j = sl->job;
    char tmp[4096];

    for (;;) {
        int n = ssh_channel_read_nonblocking(sl->ch, tmp, sizeof(tmp), 0);

        if (n > 0) {
            *progress = 1;
            if (j->len + (size_t)n > TPAM_OUTPUT_MAX) {
                tpam_wipe(tmp, sizeof(tmp));
                finish(p, j, CREDSTACK_ERR_BACKEND,
                       "TPAM at %s printed more than %u bytes for %s", p->where,
                       TPAM_OUTPUT_MAX, j->name);
                return -1;
            }
            if (reserve(j, (size_t)n) != CREDSTACK_OK) {
                tpam_wipe(tmp, sizeof(tmp));
                finish(p, j, CREDSTACK_ERR_NOMEM,
                       "out of memory reading the TPAM answer");
                return -1;
            }
            memcpy(j->out + j->len, tmp, (size_t)n);
            j->len += (size_t)n;
            continue;
        }
        tpam_wipe(tmp, sizeof(tmp));
        /* Standard error is read and dropped: it must not fill the window. */
        while (ssh_channel_read_nonblocking(sl->ch, tmp, sizeof(tmp), 1) > 0)
            *progress = 1;
        tpam_wipe(tmp, sizeof(tmp));
        if (n == SSH_EOF || (n == 0 && ssh_channel_is_eof(sl->ch)))
            return 1;
        if (n == SSH_ERROR) {
            if (session_broken(s)) {
                session_lost(s, "%s", ssh_get_error(s->ssh));
                return 0;
            }
            finish(p, j, CREDSTACK_ERR_BACKEND, "TPAM at %s failed %s: %s",
                   p->where, j->name, ssh_get_error(s->ssh));
            return -1;
        }
        return 0;
    }
}

/* Move one slot along; sets *progress when anything changed. */
static void step_slot(tpam_pool *p, pool_session *s, pool_slot *sl,
                      long long now, int *progress)
{
    pool_job *j = sl->job;
    int rc;

    if (j != NULL && now >= j->deadline &&
        (sl->state == SLOT_EXEC || sl->state == SLOT_READING ||
         sl->state == SLOT_OPENING)) {
        static const char *const steps[] = {"", "channel open", "exec",
                                            "reading the answer"};
        finish(p, j, CREDSTACK_ERR_TIMEOUT,
               "TPAM at %s did not answer %s within %ld ms (%s)", p->where,
               j->name, j->timeout_ms, steps[sl->state]);
        sl->job = j = NULL;
        *progress = 1;
        if (sl->state != SLOT_OPENING) {
            slot_close(sl, now);
            return;
        }
    }
    switch (sl->state) {
    case SLOT_OPENING:
        rc = ssh_channel_open_session(sl->ch);
        if (rc == SSH_AGAIN) {
            /* sshd confirms a channel at once: silence means a dead link. */
            if (now - sl->since >= p->connect_ms)
                session_lost(s, "no channel confirmed within %ld ms",
                             p->connect_ms);
            return;
        }
        *progress = 1;
        if (rc != SSH_OK) {
            if (session_broken(s))
                session_lost(s, "%s", ssh_get_error(s->ssh));
            else
                open_refused(p, s, sl);
            return;
        }
        if (j == NULL) {
            slot_close(sl, now);
            return;
        }
        sl->state = SLOT_EXEC;
        sl->since = now;
        j->exec_sent = 1;
        pthread_mutex_lock(&p->lock);
        p->commands++;
        pthread_mutex_unlock(&p->lock);
        tpam_client_count_command();
        /* fall through */
    case SLOT_EXEC:
        rc = ssh_channel_request_exec(sl->ch, j->line);
        if (rc == SSH_AGAIN)
            return;
        *progress = 1;
        if (rc != SSH_OK) {
            if (session_broken(s)) {
                session_lost(s, "%s", ssh_get_error(s->ssh));
                return;
            }
            finish(p, j, CREDSTACK_ERR_BACKEND,
                   "TPAM at %s refused to run %s: %s", p->where, j->name,
                   ssh_get_error(s->ssh));
            slot_close(sl, now);
            return;
        }
        sl->state = SLOT_READING;
        /* fall through */
    case SLOT_READING:
        rc = read_answer(p, s, sl, progress);
        if (rc == 0)
            return;
        *progress = 1;
        if (rc > 0) {
            if (reserve(j, 0) != CREDSTACK_OK) {
                finish(p, j, CREDSTACK_ERR_NOMEM,
                       "out of memory reading the TPAM answer");
            } else {
                j->out[j->len] = '\0';
                pthread_mutex_lock(&p->lock);
                finish_locked(j, CREDSTACK_OK);
                pthread_mutex_unlock(&p->lock);
            }
        }
        slot_close(sl, now);
        return;
    case SLOT_CLOSING:
        if (sl->remote_closed || now - sl->since >= POOL_CLOSE_WAIT_MS ||
            session_broken(s)) {
            slot_free(sl);
            *progress = 1;
        }
        return;
    default:
        return;
    }
}

/* Commands that waited in the queue past their deadline. */
static void expire_pending(tpam_pool *p, long long now)
{
    pool_job *keep = NULL, *tail = NULL, *j;

    while ((j = pend_pop(p)) != NULL) {
        if (now >= j->deadline) {
            finish(p, j, CREDSTACK_ERR_TIMEOUT,
                   "TPAM at %s did not answer %s within %ld ms (waiting for "
                   "a free channel)",
                   p->where, j->name, j->timeout_ms);
            continue;
        }
        if (tail != NULL)
            tail->next = j;
        else
            keep = j;
        tail = j;
    }
    p->pend_head = keep;
    p->pend_tail = tail;
}

/* Fail every waiting command with the failed connection attempt's error. */
static void fail_pending(tpam_pool *p, int rc, const char *msg)
{
    pool_job *j;

    while ((j = pend_pop(p)) != NULL)
        finish(p, j, rc, "%s", msg);
}

static long long earliest(long long a, long long b)
{
    return a < b ? a : b;
}

/* When the loop must look again, at the latest. */
static long long next_timer(tpam_pool *p, long long now)
{
    long long t = now + POOL_POLL_MAX_MS;

    for (pool_job *j = p->pend_head; j != NULL; j = j->next)
        t = earliest(t, j->deadline);
    for (unsigned i = 0; i < p->nsessions; i++) {
        for (int k = 0; k < TPAM_POOL_CHANNELS; k++) {
            pool_slot *sl = &p->sessions[i]->slots[k];
            if (sl->job != NULL)
                t = earliest(t, sl->job->deadline);
            if (sl->state == SLOT_OPENING)
                t = earliest(t, sl->since + p->connect_ms);
            if (sl->state == SLOT_CLOSING)
                t = earliest(t, sl->since + POOL_CLOSE_WAIT_MS);
        }
    }
    return t;
}

/* What the I/O thread takes from the others, under the lock. */
static void intake_locked(tpam_pool *p, pool_connector **done_out,
                          pool_adopt **adopt_out)
{
    pool_connector **cp = &p->connectors;

    while (p->sub_head != NULL) {
        pool_job *j = p->sub_head;
        p->sub_head = j->next;
        pend_push_back(p, j);
    }
    p->sub_tail = NULL;
    *adopt_out = p->adopt;
    p->adopt = NULL;
    *done_out = NULL;
    while (*cp != NULL) {
        pool_connector *c = *cp;
        if (c->finished) {
            *cp = c->next;
            c->next = *done_out;
            *done_out = c;
        } else {
            cp = &c->next;
        }
    }
}

static void join_connectors(pool_connector *c)
{
    while (c != NULL) {
        pool_connector *next = c->next;
        pthread_join(c->thread, NULL);
        free(c);
        c = next;
    }
}

/* Decide on connection attempts and publish the numbers (lock held). */
static void plan_locked(tpam_pool *p, long long now)
{
    unsigned waiting = 0, in_use = 0;

    for (pool_job *j = p->pend_head; j != NULL; j = j->next)
        waiting++;
    for (unsigned i = 0; i < p->nsessions; i++) {
        unsigned n = (unsigned)slot_count(p->sessions[i]);
        in_use += n;
        if (n > p->peak)
            p->peak = n;
    }
    p->in_use = in_use;
    p->queued = waiting;
    if (p->up > 0)
        p->want_connect = 0;
    if (p->up == 0) {
        if ((p->want_connect || waiting > 0) && p->connecting == 0)
            start_connector_locked(p);
    } else if (waiting > 0 && p->up + p->connecting < p->max_sessions &&
               now >= p->grow_block_until) {
        /* Busy: one more session per TPAM_POOL_CHANNELS waiting commands. */
        unsigned want = (waiting + TPAM_POOL_CHANNELS - 1) / TPAM_POOL_CHANNELS;
        while (p->connecting < want &&
               p->up + p->connecting < p->max_sessions) {
            unsigned before = p->connecting;
            start_connector_locked(p);
            if (p->connecting == before)
                break;
        }
    }
}

static void *io_main(void *arg)
{
    tpam_pool *p = arg;
    pool_connector *done = NULL;
    pool_adopt *adopted = NULL;

    for (;;) {
        struct pollfd pfd[1 + TPAM_POOL_SESSIONS_MAX];
        pool_session *polled[TPAM_POOL_SESSIONS_MAX];
        unsigned npoll = 0;
        long long now, timer;
        int progress, stopping, failed = 0, failed_rc = 0;
        char failed_msg[512];

        pthread_mutex_lock(&p->lock);
        stopping = p->stopping;
        intake_locked(p, &done, &adopted);
        if (p->fail_pending && p->up == 0 && p->connecting == 0) {
            failed = 1;
            failed_rc = p->attempt_rc;
            snprintf(failed_msg, sizeof(failed_msg), "%s", p->attempt_err);
        }
        p->fail_pending = 0;
        pthread_mutex_unlock(&p->lock);
        join_connectors(done);
        while (adopted != NULL) {
            pool_adopt *a = adopted;
            adopted = a->next;
            adopt(p, a->client);
            free(a);
        }
        if (stopping)
            break;
        if (failed)
            fail_pending(p, failed_rc, failed_msg);

        /* Drive every channel until nothing moves: a packet libssh read
         * for one channel while serving another is seen before we sleep. */
        do {
            unsigned long long rx = 0, rx_after = 0;

            progress = 0;
            now = tpam_now_ms();
            expire_pending(p, now);
            progress |= assign(p, now);
            for (unsigned i = 0; i < p->nsessions; i++)
                rx += p->sessions[i]->rx.in_packets;
            for (unsigned i = 0; i < p->nsessions; i++) {
                pool_session *s = p->sessions[i];
                for (int k = 0; k < TPAM_POOL_CHANNELS && !s->dead; k++)
                    if (s->slots[k].state != SLOT_FREE)
                        step_slot(p, s, &s->slots[k], now, &progress);
                if (!s->dead && session_broken(s))
                    session_lost(s, "%s", ssh_get_error(s->ssh));
            }
            for (unsigned i = 0; i < p->nsessions; i++)
                rx_after += p->sessions[i]->rx.in_packets;
            for (unsigned i = 0; i < p->nsessions;) {
                pool_session *s = p->sessions[i];
                if (!s->dead) {
                    i++;
                    continue;
                }
                pthread_mutex_lock(&p->lock);
                snprintf(p->last_error, sizeof(p->last_error),
                         "connection to TPAM at %.160s lost: %.300s", p->where,
                         s->why);
                pthread_mutex_unlock(&p->lock);
                p->sessions[i] = p->sessions[--p->nsessions];
                session_close(p, s, 1);
                pthread_mutex_lock(&p->lock);
                p->up--;
                pthread_mutex_unlock(&p->lock);
                progress = 1;
            }
            if (rx_after != rx)
                progress = 1;
        } while (progress);

        pthread_mutex_lock(&p->lock);
        plan_locked(p, now);
        pthread_mutex_unlock(&p->lock);

        pfd[npoll].fd = p->wake[0];
        pfd[npoll].events = POLLIN;
        pfd[npoll++].revents = 0;
        for (unsigned i = 0; i < p->nsessions; i++) {
            pool_session *s = p->sessions[i];
            int fd = ssh_get_fd(s->ssh);
            if (fd < 0)
                continue;
            pfd[npoll].fd = fd;
            pfd[npoll].events = POLLIN;
            if (ssh_get_poll_flags(s->ssh) & SSH_WRITE_PENDING)
                pfd[npoll].events |= POLLOUT;
            pfd[npoll].revents = 0;
            polled[npoll - 1] = s;
            npoll++;
        }
        timer = next_timer(p, now) - tpam_now_ms();
        if (timer < 0)
            timer = 0;
        if (poll(pfd, npoll, (int)timer) > 0) {
            if (pfd[0].revents)
                drain_wake(p);
            for (unsigned i = 1; i < npoll; i++) {
                pool_session *s = polled[i - 1];
                if (pfd[i].revents == 0)
                    continue;
                /* Read and dispatch what arrived (an idle session too:
                 * the server closing it, a keepalive to answer). */
                if (ssh_event_dopoll(s->ev, 0) == SSH_ERROR ||
                    session_broken(s))
                    session_lost(s, "%s", ssh_get_error(s->ssh));
            }
        }
    }

    /* Stopping: nobody uses the server any more. */
    pthread_mutex_lock(&p->lock);
    done = p->connectors;
    p->connectors = NULL;
    pthread_mutex_unlock(&p->lock);
    join_connectors(done);
    pthread_mutex_lock(&p->lock);
    intake_locked(p, &done, &adopted);
    pthread_mutex_unlock(&p->lock);
    while (adopted != NULL) {
        pool_adopt *a = adopted;
        adopted = a->next;
        tpam_client_close(a->client);
        free(a);
    }
    fail_pending(p, CREDSTACK_ERR_BACKEND, "the TPAM sessions are closing");
    while (p->nsessions > 0) {
        pool_session *s = p->sessions[--p->nsessions];
        snprintf(s->why, sizeof(s->why), "the TPAM sessions are closing");
        session_close(p, s, 0);
    }
    return NULL;
}

/* Start the I/O thread on first use (lock held): never at open, so that a
 * process may still fork (the agent detaches after opening). */
static int ensure_thread_locked(tpam_pool *p, char *err, size_t errlen)
{
    int rc;

    if (p->started)
        return CREDSTACK_OK;
    rc = start_thread(&p->thread, io_main, p);
    if (rc != 0)
        return tpam_errf(err, errlen, CREDSTACK_ERR_NOMEM,
                         "cannot start the I/O thread for TPAM at %s: %s",
                         p->where, strerror(rc));
    p->started = 1;
    return CREDSTACK_OK;
}

/* ---- the public side ---- */

static void pool_free(tpam_pool *p)
{
    if (p == NULL)
        return;
    if (p->started) {
        pthread_mutex_lock(&p->lock);
        p->stopping = 1;
        wake(p);
        pthread_mutex_unlock(&p->lock);
        pthread_join(p->thread, NULL);
    }
    if (p->wake[0] >= 0)
        close(p->wake[0]);
    if (p->wake[1] >= 0)
        close(p->wake[1]);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cv);
    tpam_free_secret(p->user_key);
    free(p->user);
    free(p->hostkey);
    free(p);
}

static tpam_pool *pool_new(const struct tpam_pool_key *k)
{
    tpam_pool *p = calloc(1, sizeof(*p));

    if (p == NULL)
        return NULL;
    p->wake[0] = p->wake[1] = -1;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cv, NULL);
    snprintf(p->host, sizeof(p->host), "%s", k->host);
    p->port = k->port != 0 ? k->port : 22;
    p->user = strdup(k->user ? k->user : "");
    p->user_key = strdup(k->user_key ? k->user_key : "");
    p->hostkey = strdup(k->server_public_key ? k->server_public_key : "");
    p->connect_ms = k->connect_timeout_ms > 0 ? k->connect_timeout_ms
                                              : TPAM_CONNECT_TIMEOUT_MS;
    p->backoff_ms = k->backoff_ms > 0 ? k->backoff_ms : 0;
    p->max_sessions = k->max_sessions < 1 ? 1
                      : k->max_sessions > TPAM_POOL_SESSIONS_MAX
                          ? TPAM_POOL_SESSIONS_MAX
                          : k->max_sessions;
    tpam_host_port(p->where, sizeof(p->where), p->host, p->port);
    if (p->user == NULL || p->user_key == NULL || p->hostkey == NULL ||
        pipe2(p->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        pool_free(p);
        return NULL;
    }
    return p;
}

static int key_matches(const tpam_pool *p, const struct tpam_pool_key *k)
{
    unsigned port = k->port != 0 ? k->port : 22;

    return same(p->host, k->host) && p->port == port &&
           same(p->user, k->user) && same(p->user_key, k->user_key) &&
           same(p->hostkey, k->server_public_key) &&
           p->connect_ms == (k->connect_timeout_ms > 0
                                 ? k->connect_timeout_ms
                                 : TPAM_CONNECT_TIMEOUT_MS) &&
           p->backoff_ms == (k->backoff_ms > 0 ? k->backoff_ms : 0) &&
           p->max_sessions == k->max_sessions;
}

tpam_pool *tpam_pool_acquire(const struct tpam_pool_key *key)
{
    tpam_pool *p;

    if (key == NULL || key->host == NULL)
        return NULL;
    pthread_mutex_lock(&pools_lock);
    for (p = pools; p != NULL; p = p->next)
        if (key_matches(p, key))
            break;
    if (p == NULL && (p = pool_new(key)) != NULL) {
        p->next = pools;
        pools = p;
    }
    if (p != NULL)
        p->refs++;
    pthread_mutex_unlock(&pools_lock);
    return p;
}

void tpam_pool_ref(tpam_pool *p)
{
    pthread_mutex_lock(&pools_lock);
    p->refs++;
    pthread_mutex_unlock(&pools_lock);
}

void tpam_pool_release(tpam_pool *p)
{
    int last = 0;

    if (p == NULL)
        return;
    pthread_mutex_lock(&pools_lock);
    if (--p->refs == 0) {
        for (tpam_pool **pp = &pools; *pp != NULL; pp = &(*pp)->next) {
            if (*pp == p) {
                *pp = p->next;
                break;
            }
        }
        last = 1;
    }
    pthread_mutex_unlock(&pools_lock);
    if (last)
        pool_free(p);
}

const char *tpam_pool_where(const tpam_pool *p)
{
    return p != NULL ? p->where : "(no TPAM server)";
}

int tpam_pool_in_backoff(tpam_pool *p, long long *left_ms, char *err,
                         size_t errlen)
{
    long long left;
    int in;

    pthread_mutex_lock(&p->lock);
    left = p->backoff_until - tpam_now_ms();
    in = p->up == 0 && p->backoff_until != 0 && left > 0;
    if (in && err != NULL && errlen > 0)
        snprintf(err, errlen, "%s", p->attempt_err);
    pthread_mutex_unlock(&p->lock);
    if (left_ms != NULL)
        *left_ms = in ? left : 0;
    return in;
}

int tpam_pool_attach(tpam_pool *p, char *err, size_t errlen)
{
    int ret;

    pthread_mutex_lock(&p->lock);
    ret = ensure_thread_locked(p, err, errlen);
    if (ret == CREDSTACK_OK && p->up == 0) {
        unsigned long gen = p->attempt_gen;

        /* Ask for a session and wait for that attempt (or one that was
         * already under way: concurrent requests share it). */
        p->want_connect = 1;
        wake(p);
        while (p->up == 0 && p->attempt_gen == gen && !p->stopping)
            pthread_cond_wait(&p->cv, &p->lock);
        if (p->up == 0) {
            ret = p->attempt_rc != CREDSTACK_OK ? p->attempt_rc
                                                : CREDSTACK_ERR_BACKEND;
            tpam_errf(err, errlen, ret, "%s",
                      p->attempt_rc != CREDSTACK_OK
                          ? p->attempt_err
                          : "the connection to TPAM was lost as it opened");
        }
    }
    pthread_mutex_unlock(&p->lock);
    return ret;
}

int tpam_pool_run(tpam_pool *p, const tpam_cmd *cmd, long timeout_ms,
                  char **out, size_t *len_out, char *err, size_t errlen)
{
    pool_job job;
    int ret;

    if (p == NULL || cmd == NULL || out == NULL || len_out == NULL)
        return tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                         "no TPAM server, command or output");
    *out = NULL;
    *len_out = 0;
    memset(&job, 0, sizeof(job));
    job.line = tpam_cmd_str(cmd);
    job.name = tpam_cmd_name(cmd);
    if (job.line == NULL)
        return tpam_errf(err, errlen, CREDSTACK_ERR_REFUSED,
                         "TPAM command %s holds a refused value; not sent",
                         job.name);
    job.timeout_ms = timeout_ms > 0 ? timeout_ms : TPAM_COMMAND_TIMEOUT_MS;
    job.deadline = tpam_now_ms() + job.timeout_ms;
    pthread_cond_init(&job.cv, NULL);
    pthread_mutex_lock(&p->lock);
    ret = ensure_thread_locked(p, err, errlen);
    if (ret == CREDSTACK_OK) {
        if (p->sub_tail != NULL)
            p->sub_tail->next = &job;
        else
            p->sub_head = &job;
        p->sub_tail = &job;
        wake(p);
        while (!job.done)
            pthread_cond_wait(&job.cv, &p->lock);
        ret = job.rc;
    }
    pthread_mutex_unlock(&p->lock);
    pthread_cond_destroy(&job.cv);
    if (!job.done)
        return ret;
    if (ret == CREDSTACK_OK) {
        *out = job.out;
        *len_out = job.len;
    } else {
        tpam_errf(err, errlen, ret, "%s", job.err);
    }
    return ret;
}

void tpam_pool_stats(tpam_pool *p, struct tpam_pool_stats *s)
{
    long long left;

    memset(s, 0, sizeof(*s));
    pthread_mutex_lock(&p->lock);
    s->sessions = p->up;
    s->connecting = p->connecting;
    s->in_use = p->in_use;
    s->peak_in_use = p->peak;
    s->queued = p->queued;
    s->handshakes = p->handshakes;
    s->commands = p->commands;
    left = p->backoff_until - tpam_now_ms();
    if (p->up == 0 && p->backoff_until != 0 && left > 0)
        s->backoff_left_ms = left;
    pthread_mutex_unlock(&p->lock);
}

void tpam_pool_status(tpam_pool *p, char *buf, size_t len)
{
    struct tpam_pool_stats s;
    char state[700], last[512];

    tpam_pool_stats(p, &s);
    pthread_mutex_lock(&p->lock);
    snprintf(last, sizeof(last), "%s", p->last_error);
    pthread_mutex_unlock(&p->lock);
    if (s.backoff_left_ms > 0) {
        time_t until = time(NULL) + (time_t)((s.backoff_left_ms + 999) / 1000);
        struct tm tm;
        char when[16] = "";

        if (localtime_r(&until, &tm) != NULL)
            strftime(when, sizeof(when), "%H:%M:%S", &tm);
        snprintf(state, sizeof(state), "backoff for %lld s more (until %s): %s",
                 (s.backoff_left_ms + 999) / 1000, when, last);
    } else if (s.sessions > 0) {
        snprintf(state, sizeof(state), "up, %u of at most %u session%s",
                 s.sessions, p->max_sessions, s.sessions == 1 ? "" : "s");
    } else if (s.connecting > 0) {
        snprintf(state, sizeof(state), "connecting");
    } else {
        snprintf(state, sizeof(state), "down%s%s", last[0] ? ": " : "", last);
    }
    snprintf(buf, len,
             "%s: %s; %u channel%s in use (at most %d a session, peak %u), "
             "%u queued; %lu handshake%s, %lu command%s",
             p->where, state, s.in_use, s.in_use == 1 ? "" : "s",
             TPAM_POOL_CHANNELS, s.peak_in_use, s.queued, s.handshakes,
             s.handshakes == 1 ? "" : "s", s.commands,
             s.commands == 1 ? "" : "s");
}
