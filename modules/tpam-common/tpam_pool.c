/* SPDX-License-Identifier: MIT */
/* tpam_pool.c: warm SSH sessions to each TPAM server, shared by every
 * request and module of a process: the entries (one per server and key), how
 * a request attaches to a server, submits a command and waits, and their
 * state for --status.
 *
 * libssh sessions are not thread-safe, so each server's sessions belong to
 * one I/O thread: requests put commands on a queue and wait; the thread opens
 * one exec channel per command (at most TPAM_POOL_CHANNELS at once on a
 * session), drives them all with libssh's non-blocking calls and poll(), and
 * completes each command with its output or error.  Connecting (key
 * exchange, host key, authentication) is blocking in libssh, so it runs in a
 * short-lived connector thread that hands the authenticated session over.
 * tpam_pool_io.c is that thread, tpam_pool_chan.c its channels,
 * tpam_pool_job.c a command's part that they share. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <credstack/credstack.h>

#include "tpam_pool_int.h"
#include "tpam_pool_io.h"
#include "tpam_pool_job.h"
#include "tpam_text.h"

static pthread_mutex_t pools_lock = PTHREAD_MUTEX_INITIALIZER;
static tpam_pool *pools;

static int same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Start the I/O thread on first use (lock held): never at open, so that a
 * process may still fork (the agent detaches after opening). */
static int ensure_thread_locked(tpam_pool *p, char *err, size_t errlen)
{
    int rc;

    if (p->started)
        return CREDSTACK_OK;
    rc = pool_io_start(p);
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
        pool_wake(p);
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

tpam_pool *tpam_pool_new_observed(const struct tpam_pool_key *key,
                                  tpam_observe_fn observe, void *user)
{
    struct tpam_pool_key k;
    tpam_pool *p;

    if (key == NULL || key->host == NULL)
        return NULL;
    k = *key;
    k.backoff_ms = 0;
    /* Not on the process's list: no request finds it. */
    p = pool_new(&k);
    if (p != NULL) {
        p->refs = 1;
        p->observe = observe;
        p->observe_user = user;
    }
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
    left = p->backoff_until - credstack_now_ms();
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
        if (p->connecting == 0) {
            p->want_connect = 1;
            pool_wake(p);
        }
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

int tpam_pool_is_up(tpam_pool *p)
{
    int up;

    pthread_mutex_lock(&p->lock);
    up = p->up > 0 && !p->stopping;
    pthread_mutex_unlock(&p->lock);
    return up;
}

/* A command built with a refused value is never sent. */
static int refused(const tpam_cmd *cmd, char *err, size_t errlen)
{
    return tpam_errf(err, errlen, CREDSTACK_ERR_REFUSED,
                     "TPAM command %s holds a refused value; not sent",
                     tpam_cmd_name(cmd));
}

/* Fill in a job for cmd (whose line is not refused). */
static void job_init(pool_job *job, const tpam_cmd *cmd, long timeout_ms)
{
    memset(job, 0, sizeof(*job));
    job->status = TPAM_STATUS_NONE;
    job->line = tpam_cmd_str(cmd);
    job->name = tpam_cmd_name(cmd);
    job->timeout_ms = timeout_ms > 0 ? timeout_ms : TPAM_COMMAND_TIMEOUT_MS;
    job->deadline = credstack_now_ms() + job->timeout_ms;
    pthread_cond_init(&job->cv, NULL);
}

/* Hand job to the I/O thread (lock held). */
static int enqueue_locked(tpam_pool *p, pool_job *job, char *err, size_t errlen)
{
    int ret = ensure_thread_locked(p, err, errlen);

    if (ret != CREDSTACK_OK)
        return ret;
    if (p->sub_tail != NULL)
        p->sub_tail->next = job;
    else
        p->sub_head = job;
    p->sub_tail = job;
    pool_wake(p);
    return CREDSTACK_OK;
}

int tpam_pool_run(tpam_pool *p, const tpam_cmd *cmd, long timeout_ms,
                  char **out, size_t *len_out, char *err, size_t errlen)
{
    int status;

    return tpam_pool_run_status(p, cmd, timeout_ms, out, len_out, &status, err,
                                errlen);
}

int tpam_pool_run_status(tpam_pool *p, const tpam_cmd *cmd, long timeout_ms,
                         char **out, size_t *len_out, int *status_out,
                         char *err, size_t errlen)
{
    pool_job job;
    int ret;

    if (status_out != NULL)
        *status_out = TPAM_STATUS_NONE;
    if (p == NULL || cmd == NULL || out == NULL || len_out == NULL ||
        status_out == NULL)
        return tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                         "no TPAM server, command or output");
    *out = NULL;
    *len_out = 0;
    if (tpam_cmd_str(cmd) == NULL)
        return refused(cmd, err, errlen);
    job_init(&job, cmd, timeout_ms);
    pthread_mutex_lock(&p->lock);
    ret = enqueue_locked(p, &job, err, errlen);
    if (ret == CREDSTACK_OK) {
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
        *status_out = job.status;
    } else {
        tpam_errf(err, errlen, ret, "%s", job.err);
    }
    return ret;
}

/* ---- commands that run while their caller goes on ---- */

struct tpam_pool_job {
    pool_job job; /* the I/O thread's part; line and name point below */
    tpam_pool *p; /* a reference, given back by tpam_pool_job_free() */
    char *line, *name;
};

int tpam_pool_submit(tpam_pool *p, const tpam_cmd *cmd, long timeout_ms,
                     tpam_pool_job **job_out, char *err, size_t errlen)
{
    tpam_pool_job *a = NULL;
    int ret;

    *job_out = NULL;
    if (p == NULL || cmd == NULL)
        return tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                         "no TPAM server or command");
    if (tpam_cmd_str(cmd) == NULL)
        return refused(cmd, err, errlen);
    a = calloc(1, sizeof(*a));
    if (a == NULL || (a->line = strdup(tpam_cmd_str(cmd))) == NULL ||
        (a->name = strdup(tpam_cmd_name(cmd))) == NULL) {
        if (a != NULL) {
            free(a->line);
            free(a);
        }
        return tpam_errf(err, errlen, CREDSTACK_ERR_NOMEM, "out of memory");
    }
    job_init(&a->job, cmd, timeout_ms);
    a->job.line = a->line;
    a->job.name = a->name;
    tpam_pool_ref(p);
    a->p = p;
    pthread_mutex_lock(&p->lock);
    ret = enqueue_locked(p, &a->job, err, errlen);
    pthread_mutex_unlock(&p->lock);
    if (ret != CREDSTACK_OK) {
        a->job.done = 1; /* never queued: nothing to wait for */
        tpam_pool_job_free(a);
        return ret;
    }
    *job_out = a;
    return CREDSTACK_OK;
}

int tpam_pool_job_wait(tpam_pool_job *a, const char **out, size_t *len_out,
                       int *status_out, char *err, size_t errlen)
{
    pthread_mutex_lock(&a->p->lock);
    while (!a->job.done)
        pthread_cond_wait(&a->job.cv, &a->p->lock);
    pthread_mutex_unlock(&a->p->lock);
    /* Done: the I/O thread no longer touches the job. */
    *out = a->job.out;
    *len_out = a->job.len;
    if (status_out != NULL)
        *status_out =
            a->job.rc == CREDSTACK_OK ? a->job.status : TPAM_STATUS_NONE;
    if (a->job.rc != CREDSTACK_OK)
        tpam_errf(err, errlen, a->job.rc, "%s", a->job.err);
    return a->job.rc;
}

void tpam_pool_job_free(tpam_pool_job *a)
{
    const char *out;
    size_t len;

    if (a == NULL)
        return;
    (void)tpam_pool_job_wait(a, &out, &len, NULL, NULL, 0);
    if (a->job.out != NULL)
        tpam_free_wiped(a->job.out, a->job.cap);
    pthread_cond_destroy(&a->job.cv);
    tpam_pool_release(a->p);
    free(a->line);
    free(a->name);
    free(a);
}

void tpam_pool_output_free(char *out, size_t len)
{
    if (out != NULL)
        tpam_free_wiped(out, len + 1);
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
    left = p->backoff_until - credstack_now_ms();
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
        snprintf(state, sizeof(state), "up, %u session%s (at most %u)",
                 s.sessions, s.sessions == 1 ? "" : "s", p->max_sessions);
    } else if (s.connecting > 0) {
        snprintf(state, sizeof(state), "connecting");
    } else {
        snprintf(state, sizeof(state), "down%s%s", last[0] ? ": " : "", last);
    }
    snprintf(buf, len,
             "%s: %s; %u channel%s in use (at most %d a session, peak %u), "
             "%u queued; %lu handshake%s, %lu command%s so far",
             p->where, state, s.in_use, s.in_use == 1 ? "" : "s",
             TPAM_POOL_CHANNELS, s.peak_in_use, s.queued, s.handshakes,
             s.handshakes == 1 ? "" : "s", s.commands,
             s.commands == 1 ? "" : "s");
}
