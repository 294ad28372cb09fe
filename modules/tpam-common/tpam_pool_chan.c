/* SPDX-License-Identifier: MIT */
/* tpam_pool_chan.c: the channels of one pooled SSH session: one exec channel
 * per TPAM command, driven by libssh's non-blocking calls (open, exec, read,
 * close), at most TPAM_POOL_CHANNELS at once; run by the I/O thread only. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <credstack/credstack.h>

#include "tpam_pool_chan.h"
#include "tpam_pool_job.h"
#include "tpam_text.h"

static void on_channel_close(ssh_session session, ssh_channel channel,
                             void *userdata)
{
    (void)session;
    (void)channel;
    ((pool_slot *)userdata)->remote_closed = 1;
}

/* The command's exit status (RFC 4254 6.10): it follows the output. */
static void on_exit_status(ssh_session session, ssh_channel channel,
                           int exit_status, void *userdata)
{
    (void)session;
    (void)channel;
    ((pool_slot *)userdata)->status =
        exit_status >= 0 && exit_status <= 255 ? exit_status : 255;
}

static void on_exit_signal(ssh_session session, ssh_channel channel,
                           const char *signal, int core, const char *errmsg,
                           const char *lang, void *userdata)
{
    (void)session;
    (void)channel;
    (void)signal;
    (void)core;
    (void)errmsg;
    (void)lang;
    ((pool_slot *)userdata)->status = TPAM_STATUS_SIGNAL;
}

/* Tell the entry's observer (check --connect) that a command got further. */
static void observe(tpam_pool *p, tpam_step step, const pool_job *j)
{
    if (p->observe != NULL)
        p->observe(p->observe_user, step, j->name);
}

/* Hand a complete answer, with its exit status, to its waiter. */
static void finish_answer(tpam_pool *p, pool_slot *sl)
{
    pool_job *j = sl->job;

    if (pool_job_reserve(j, 0) != CREDSTACK_OK) {
        pool_finish(p, j, CREDSTACK_ERR_NOMEM,
                    "out of memory reading the TPAM answer");
        return;
    }
    j->out[j->len] = '\0';
    observe(p, TPAM_STEP_ANSWERED, j);
    pthread_mutex_lock(&p->lock);
    j->status = sl->status;
    pool_finish_locked(j, CREDSTACK_OK);
    pthread_mutex_unlock(&p->lock);
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

int pool_session_broken(pool_session *s)
{
    return !ssh_is_connected(s->ssh) ||
           (ssh_get_status(s->ssh) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0;
}

void pool_session_lost(pool_session *s, const char *fmt, ...)
{
    va_list ap;

    if (s->dead)
        return;
    s->dead = 1;
    va_start(ap, fmt);
    vsnprintf(s->why, sizeof(s->why), fmt, ap);
    va_end(ap);
}

int pool_slot_count(const pool_session *s)
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
void pool_session_close(tpam_pool *p, pool_session *s, int requeue)
{
    long long now = credstack_now_ms();
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
                pool_finish(p, j, CREDSTACK_ERR_BACKEND,
                            "connection to TPAM at %s lost during %s: %s",
                            p->where, j->name, s->why[0] ? s->why : "closed");
            }
        }
        /* ssh_free() frees the channels; callbacks first, they point here. */
        if (sl->ch != NULL && sl->has_cb)
            ssh_remove_channel_callbacks(sl->ch, &sl->cb);
        memset(sl, 0, sizeof(*sl));
    }
    while (nback > 0)
        pool_pend_push_front(p, back[--nback]);
    if (s->ev != NULL) {
        ssh_event_remove_session(s->ev, s->ssh);
        ssh_event_free(s->ev);
    }
    tpam_conn_close(s->client);
    free(s);
}

/* Take an authenticated client into the I/O thread's care. */
void pool_adopt_client(tpam_pool *p, tpam_conn *client)
{
    pool_session *s = calloc(1, sizeof(*s));

    if (s != NULL && p->nsessions < TPAM_POOL_SESSIONS_MAX) {
        s->client = client;
        s->ssh = tpam_conn_ssh(client);
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
    tpam_conn_close(client);
    pthread_mutex_lock(&p->lock);
    p->up--;
    snprintf(p->last_error, sizeof(p->last_error),
             "cannot keep the session to TPAM at %s (out of memory)", p->where);
    pthread_mutex_unlock(&p->lock);
}

/* Give a waiting command a channel on the least busy session with room. */
int pool_assign(tpam_pool *p, long long now)
{
    int progress = 0;

    while (p->pend_head != NULL) {
        pool_session *best = NULL;
        int best_used = 0;
        pool_slot *sl = NULL;
        pool_job *j;

        for (unsigned i = 0; i < p->nsessions; i++) {
            pool_session *s = p->sessions[i];
            int used = pool_slot_count(s);
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
        j = pool_pend_pop(p);
        sl->ch = ssh_channel_new(best->ssh);
        if (sl->ch == NULL) {
            pool_pend_push_front(p, j);
            pool_session_lost(best, "no new channel: %s",
                              ssh_get_error(best->ssh));
            continue;
        }
        ssh_callbacks_init(&sl->cb);
        sl->cb.userdata = sl;
        sl->cb.channel_close_function = on_channel_close;
        sl->cb.channel_exit_status_function = on_exit_status;
        sl->cb.channel_exit_signal_function = on_exit_signal;
        sl->status = TPAM_STATUS_NONE;
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
    int others = pool_slot_count(s) - 1;

    sl->job = NULL;
    slot_free(sl);
    if (j == NULL)
        return;
    if (others > 0) {
        s->bound = others;
        pool_pend_push_front(p, j);
        return;
    }
    pool_finish(p, j, CREDSTACK_ERR_BACKEND,
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
                credstack_wipe(tmp, sizeof(tmp));
                pool_finish(p, j, CREDSTACK_ERR_BACKEND,
                            "TPAM at %s printed more than %u bytes for %s",
                            p->where, TPAM_OUTPUT_MAX, j->name);
                return -1;
            }
            if (pool_job_reserve(j, (size_t)n) != CREDSTACK_OK) {
                credstack_wipe(tmp, sizeof(tmp));
                pool_finish(p, j, CREDSTACK_ERR_NOMEM,
                            "out of memory reading the TPAM answer");
                return -1;
            }
            memcpy(j->out + j->len, tmp, (size_t)n);
            j->len += (size_t)n;
            continue;
        }
        credstack_wipe(tmp, sizeof(tmp));
        /* Standard error is read and dropped: it must not fill the window. */
        while (ssh_channel_read_nonblocking(sl->ch, tmp, sizeof(tmp), 1) > 0)
            *progress = 1;
        credstack_wipe(tmp, sizeof(tmp));
        if (n == SSH_EOF || (n == 0 && ssh_channel_is_eof(sl->ch)))
            return 1;
        if (n == SSH_ERROR) {
            if (pool_session_broken(s)) {
                pool_session_lost(s, "%s", ssh_get_error(s->ssh));
                return 0;
            }
            pool_finish(p, j, CREDSTACK_ERR_BACKEND, "TPAM at %s failed %s: %s",
                        p->where, j->name, ssh_get_error(s->ssh));
            return -1;
        }
        return 0;
    }
}

/* Move one slot along; sets *progress when anything changed. */
void pool_step_slot(tpam_pool *p, pool_session *s, pool_slot *sl, long long now,
                    int *progress)
{
    pool_job *j = sl->job;
    int rc;

    if (j != NULL && now >= j->deadline &&
        (sl->state == SLOT_EXEC || sl->state == SLOT_READING ||
         sl->state == SLOT_OPENING || sl->state == SLOT_STATUS)) {
        static const char *const steps[] = {"", "channel open", "exec",
                                            "reading the answer",
                                            "waiting for its exit status"};
        pool_finish(p, j, CREDSTACK_ERR_TIMEOUT,
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
                pool_session_lost(s, "no channel confirmed within %ld ms",
                                  p->connect_ms);
            return;
        }
        *progress = 1;
        if (rc != SSH_OK) {
            if (pool_session_broken(s))
                pool_session_lost(s, "%s", ssh_get_error(s->ssh));
            else
                open_refused(p, s, sl);
            return;
        }
        if (j == NULL) {
            slot_close(sl, now);
            return;
        }
        observe(p, TPAM_STEP_CHANNEL_OPEN, j);
        sl->state = SLOT_EXEC;
        sl->since = now;
        j->exec_sent = 1;
        pthread_mutex_lock(&p->lock);
        p->commands++;
        pthread_mutex_unlock(&p->lock);
        tpam_count_command();
        /* fall through */
    case SLOT_EXEC:
        rc = ssh_channel_request_exec(sl->ch, j->line);
        if (rc == SSH_AGAIN)
            return;
        *progress = 1;
        if (rc != SSH_OK) {
            if (pool_session_broken(s)) {
                pool_session_lost(s, "%s", ssh_get_error(s->ssh));
                return;
            }
            pool_finish(p, j, CREDSTACK_ERR_BACKEND,
                        "TPAM at %s refused to run %s: %s", p->where, j->name,
                        ssh_get_error(s->ssh));
            slot_close(sl, now);
            return;
        }
        observe(p, TPAM_STEP_EXEC_SENT, j);
        sl->state = SLOT_READING;
        /* fall through */
    case SLOT_READING:
        rc = read_answer(p, s, sl, progress);
        if (rc == 0)
            return;
        *progress = 1;
        if (rc < 0) {
            slot_close(sl, now);
            return;
        }
        /* The output is complete; its exit status may still be on the way
         * (a command that printed a password-looking line and failed). */
        sl->state = SLOT_STATUS;
        /* fall through */
    case SLOT_STATUS:
        if (sl->status == TPAM_STATUS_NONE && !sl->remote_closed) {
            if (pool_session_broken(s))
                pool_session_lost(s, "%s", ssh_get_error(s->ssh));
            return;
        }
        *progress = 1;
        finish_answer(p, sl);
        slot_close(sl, now);
        return;
    case SLOT_CLOSING:
        if (sl->remote_closed || now - sl->since >= POOL_CLOSE_WAIT_MS ||
            pool_session_broken(s)) {
            slot_free(sl);
            *progress = 1;
        }
        return;
    default:
        return;
    }
}
