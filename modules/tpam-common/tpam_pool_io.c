/* SPDX-License-Identifier: MIT */
/* tpam_pool_io.c: the I/O thread of one TPAM server (its queue, its loop
 * over the sessions' sockets, when to connect) and the connector threads
 * that open and authenticate sessions for it. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <credstack/credstack.h>

#include "tpam_pool_chan.h"
#include "tpam_pool_io.h"
#include "tpam_pool_job.h"
#include "tpam_text.h"

/*
 * Start fn in a thread that takes no signals (the process's own threads
 * handle them), with a modest stack: where the agent locks its memory
 * (mlockall(MCL_FUTURE)), every page a stack touches stays resident.  0 or
 * an errno value.
 */
static int start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
    pthread_attr_t attr;
    sigset_t all, old;
    int rc;

    if ((rc = pthread_attr_init(&attr)) != 0)
        return rc;
    pthread_attr_setstacksize(&attr, POOL_STACK_SIZE);
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(t, &attr, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    return rc;
}

static void drain_wake(tpam_pool *p)
{
    char buf[64];

    while (read(p->wake[0], buf, sizeof(buf)) > 0) {
    }
}

typedef struct seen_steps {
    tpam_pool *p;
    int connected;
} seen_steps;

/* What an attempt got through (and the entry's own observer, if any). */
static void seen(void *user, tpam_step step, const char *detail)
{
    seen_steps *st = user;

    if (step == TPAM_STEP_CONNECTED)
        st->connected = 1;
    if (st->p->observe != NULL)
        st->p->observe(st->p->observe_user, step, detail);
}

static void *connector_main(void *arg)
{
    pool_connector *c = arg;
    tpam_pool *p = c->p;
    struct tpam_conn_options o;
    tpam_conn *client = NULL;
    pool_adopt *a = NULL;
    seen_steps steps = {p, 0};
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
    rc = tpam_conn_open(&o, &client, err, sizeof(err));
    if (rc == CREDSTACK_OK && (a = calloc(1, sizeof(*a))) == NULL) {
        tpam_conn_close(client);
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
                p->backoff_until = credstack_now_ms() + p->backoff_ms;
        } else {
            /* A further session for a busy server: try again later. */
            p->grow_block_until =
                credstack_now_ms() + (p->backoff_ms > POOL_GROW_RETRY_MS
                                          ? p->backoff_ms
                                          : POOL_GROW_RETRY_MS);
        }
    }
    p->attempt_gen++;
    c->finished = 1;
    pthread_cond_broadcast(&p->cv);
    pool_wake(p);
    pthread_mutex_unlock(&p->lock);
    credstack_wipe(err, sizeof(err));
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

/* Commands that waited in the queue past their deadline. */
static void expire_pending(tpam_pool *p, long long now)
{
    pool_job *keep = NULL, *tail = NULL, *j;

    while ((j = pool_pend_pop(p)) != NULL) {
        if (now >= j->deadline) {
            pool_finish(
                p, j, CREDSTACK_ERR_TIMEOUT,
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

    while ((j = pool_pend_pop(p)) != NULL)
        pool_finish(p, j, rc, "%s", msg);
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
        pool_pend_push_back(p, j);
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
        unsigned n = (unsigned)pool_slot_count(p->sessions[i]);
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
            pool_adopt_client(p, a->client);
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
            now = credstack_now_ms();
            expire_pending(p, now);
            progress |= pool_assign(p, now);
            for (unsigned i = 0; i < p->nsessions; i++)
                rx += p->sessions[i]->rx.in_packets;
            for (unsigned i = 0; i < p->nsessions; i++) {
                pool_session *s = p->sessions[i];
                for (int k = 0; k < TPAM_POOL_CHANNELS && !s->dead; k++)
                    if (s->slots[k].state != SLOT_FREE)
                        pool_step_slot(p, s, &s->slots[k], now, &progress);
                if (!s->dead && pool_session_broken(s))
                    pool_session_lost(s, "%s", ssh_get_error(s->ssh));
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
                pool_session_close(p, s, 1);
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
        timer = next_timer(p, now) - credstack_now_ms();
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
                    pool_session_broken(s))
                    pool_session_lost(s, "%s", ssh_get_error(s->ssh));
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
        tpam_conn_close(a->client);
        free(a);
    }
    fail_pending(p, CREDSTACK_ERR_BACKEND, "the TPAM sessions are closing");
    while (p->nsessions > 0) {
        pool_session *s = p->sessions[--p->nsessions];
        snprintf(s->why, sizeof(s->why), "the TPAM sessions are closing");
        pool_session_close(p, s, 0);
    }
    return NULL;
}

int pool_io_start(tpam_pool *p)
{
    return start_thread(&p->thread, io_main, p);
}
