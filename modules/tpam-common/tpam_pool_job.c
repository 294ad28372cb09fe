/* SPDX-License-Identifier: MIT */
/* tpam_pool_job.c: one command in the session pool: waking the I/O thread
 * for it, its queue, its output buffer, and its completion. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <credstack/credstack.h>

#include "tpam_pool_int.h"
#include "tpam_text.h"

void pool_wake(tpam_pool *p)
{
    char c = 1;

    /* The pipe is non-blocking: a full pipe already means "wake up". */
    (void)!write(p->wake[1], &c, 1);
}

/* Complete a job (the lock is held): its waiter may go at once. */
void pool_finish_locked(pool_job *j, int rc)
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

void pool_finish(tpam_pool *p, pool_job *j, int rc, const char *fmt, ...)
{
    va_list ap;

    if (fmt != NULL) {
        va_start(ap, fmt);
        vsnprintf(j->err, sizeof(j->err), fmt, ap);
        va_end(ap);
    }
    pthread_mutex_lock(&p->lock);
    pool_finish_locked(j, rc);
    pthread_mutex_unlock(&p->lock);
}

void pool_pend_push_back(tpam_pool *p, pool_job *j)
{
    j->next = NULL;
    if (p->pend_tail != NULL)
        p->pend_tail->next = j;
    else
        p->pend_head = j;
    p->pend_tail = j;
}

void pool_pend_push_front(tpam_pool *p, pool_job *j)
{
    j->next = p->pend_head;
    p->pend_head = j;
    if (p->pend_tail == NULL)
        p->pend_tail = j;
}

pool_job *pool_pend_pop(tpam_pool *p)
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

/* Grow a job's output buffer; the old one is wiped. */
int pool_job_reserve(pool_job *j, size_t more)
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
