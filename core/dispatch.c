/* SPDX-License-Identifier: MIT */
/* dispatch.c: credstack_run(): runs a request through the stack's active lines,
 * stage by stage, reading only the action tables. */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "internal.h"

/* The outcome of one stage group so far. */
typedef struct stage_state {
    int positive; /* some line said ok or done */
    int failed;   /* some line said bad */
    int fail_rc;  /* the code of the first failure */
    const credstack_module *fail_mod;
    cs_error fail_why; /* what the failing line explained */
} stage_state;

static FILE *trace_of(const credstack_handle *h, const credstack_request *req)
{
    return req->own_trace ? req->trace : h->trace;
}

/* One line per module run; only non-secret items are shown. */
static void trace_line(credstack_handle *h, const credstack_request *req,
                       const credstack_module *mod, int result,
                       cs_action action)
{
    FILE *t = trace_of(h, req);
    const cs_line *l = mod->line;
    const char *sys = credstack_request_get(req, CREDSTACK_ITEM_SYSTEM);
    const char *acct = credstack_request_get(req, CREDSTACK_ITEM_ACCOUNT);
    const char *kind = credstack_request_get(req, CREDSTACK_ITEM_AUTH_KIND);
    const char *detail = credstack_request_get(req, CREDSTACK_ITEM_AUTH_DETAIL);

    if (t == NULL || req->lookahead)
        return;
    fprintf(t,
            "trace: %s:%u: %-9s %-10s %-24s -> %s (%s) [system=%s "
            "account=%s auth=%s%s%s]%s%s\n",
            l->file, l->lineno, l->stage, l->control, l->module,
            cs_result_name(result), cs_action_name(action), sys ? sys : "-",
            acct ? acct : "-", kind ? kind : "-", detail ? "," : "",
            detail ? detail : "", req->why.msg[0] ? ": " : "", req->why.msg);
    fflush(t);
}

static void trace_text(credstack_handle *h, const credstack_request *req,
                       const char *text)
{
    FILE *t = trace_of(h, req);

    if (t != NULL && !req->lookahead) {
        fprintf(t, "trace: %s\n", text);
        fflush(t);
    }
}

/* Whether a stage may end with no positive result (only lines whose denial
 * is ignored: sufficient and optional). */
static int stage_may_pass_empty(const credstack_handle *h, size_t first,
                                size_t end)
{
    for (size_t i = first; i < end; i++) {
        const cs_action *a = h->stack.lines[i].actions;
        if (h->mods[i].active && a[CREDSTACK_RESULT_DENIED] != CS_ACTION_IGNORE)
            return 0;
    }
    return 1;
}

static int stage_fail(credstack_handle *h, credstack_request *req,
                      const stage_state *st, const char *stage)
{
    const credstack_module *m = st->fail_mod;
    char text[CS_ERRLEN + 64];

    credstack_request_set(req, CREDSTACK_ITEM_PASSWORD, NULL);
    if (st->fail_rc == CREDSTACK_ERR_DENIED)
        cs_error_set(&req->err, st->fail_rc, st->fail_why.where,
                     "%s: %s:%u: %s", stage, m->line->file, m->line->lineno,
                     st->fail_why.msg[0] ? st->fail_why.msg
                                         : "denied or not found");
    else
        cs_error_set(&req->err, st->fail_rc, st->fail_why.where,
                     "%s (%s:%u): %s", m->line->module, m->line->file,
                     m->line->lineno,
                     st->fail_why.msg[0] ? st->fail_why.msg
                                         : "failed and gave no reason");
    snprintf(text, sizeof(text), "stage %s failed: %s", stage,
             credstack_strerror(st->fail_rc));
    trace_text(h, req, text);
    return st->fail_rc;
}

/* The index of the next active line at or after i (nlines when none). */
static size_t next_active(const credstack_handle *h, size_t i)
{
    while (i < h->stack.nlines && !h->mods[i].active)
        i++;
    return i;
}

/* Whether a line may run in a look-ahead pass: its module says it knows
 * the pass, or it has no run() (a secret source, whose work was done). */
static int lookahead_ok(const credstack_module *mod)
{
    const struct credstack_module_ops *ops = mod->dso->ops;

    return ops->run == NULL || (CS_OPS_HAS(ops, flags) &&
                                (ops->flags & CREDSTACK_MODULE_LOOKAHEAD));
}

/* Run one line; returns its result (out-of-range results become ERROR). */
static int run_line(credstack_request *req, credstack_module *mod)
{
    int result;

    memset(&req->why, 0, sizeof(req->why));
    req->running = mod;
    /* A secret source without run(): its work was done at open. */
    result = mod->dso->ops->run == NULL
                 ? CREDSTACK_RESULT_SUCCESS
                 : (int)mod->dso->ops->run(mod, req, mod->data);
    req->running = NULL;
    if (result < 0 || result >= CREDSTACK_RESULT_COUNT) {
        snprintf(req->why.msg, sizeof(req->why.msg),
                 "returned %d, outside the result range", result);
        req->why.code = CREDSTACK_ERR_MODULE;
        result = CREDSTACK_RESULT_ERROR;
    }
    if (result == CREDSTACK_RESULT_ERROR && req->why.code == CREDSTACK_OK)
        req->why.code = CREDSTACK_ERR_MODULE;
    return result;
}

static int dispatch(credstack_handle *h, credstack_request *req)
{
    size_t i = next_active(h, 0);

    while (i < h->stack.nlines) {
        const char *stage = h->stack.lines[i].stage;
        size_t end = i;
        stage_state st;
        int stage_done = 0;

        memset(&st, 0, sizeof(st));
        /* A stage is a run of active lines with one stage name. */
        while (end < h->stack.nlines &&
               (!h->mods[end].active ||
                strcmp(h->stack.lines[end].stage, stage) == 0))
            end++;
        while (end > i && !h->mods[end - 1].active)
            end--;
        for (size_t j = i; j < end && !stage_done; j++) {
            credstack_module *mod = &h->mods[j];
            int result;
            cs_action action;

            if (!mod->active)
                continue;
            /* A look-ahead ends before a line that does not know it. */
            if (req->lookahead && !lookahead_ok(mod))
                return CREDSTACK_ERR_DENIED;
            result = run_line(req, mod);
            /* ... and where a module could not go on, or at a credential
             * (never kept: the real pass decides). */
            if (req->lookahead &&
                (result == CREDSTACK_RESULT_ERROR ||
                 credstack_request_get(req, CREDSTACK_ITEM_PASSWORD) != NULL))
                return CREDSTACK_ERR_DENIED;
            action = mod->line->actions[result];
            trace_line(h, req, mod, result, action);
            /* Only a success that counts may leave a credential behind. */
            if (result != CREDSTACK_RESULT_SUCCESS ||
                (action != CS_ACTION_OK && action != CS_ACTION_DONE))
                credstack_request_set(req, CREDSTACK_ITEM_PASSWORD, NULL);
            switch (action) {
            case CS_ACTION_IGNORE:
                break;
            case CS_ACTION_OK:
                st.positive = 1;
                break;
            case CS_ACTION_DONE:
                st.positive = 1;
                stage_done = 1;
                break;
            case CS_ACTION_BAD:
            case CS_ACTION_DIE:
            default:
                if (!st.failed) {
                    st.failed = 1;
                    /* Only an error result carries the module's code; a
                     * result the table turns into failure is a denial. */
                    st.fail_rc = result == CREDSTACK_RESULT_ERROR
                                     ? req->why.code
                                     : CREDSTACK_ERR_DENIED;
                    st.fail_mod = mod;
                    st.fail_why = req->why;
                }
                if (action != CS_ACTION_BAD)
                    return stage_fail(h, req, &st, stage);
                break;
            }
            if (result == CREDSTACK_RESULT_SUCCESS &&
                credstack_request_get(req, CREDSTACK_ITEM_PASSWORD) != NULL) {
                char text[128];
                /* A final credential ends the run, unless the stage failed. */
                if (st.failed)
                    return stage_fail(h, req, &st, stage);
                snprintf(text, sizeof(text), "%s produced the credential",
                         mod->line->module);
                trace_text(h, req, text);
                return CREDSTACK_OK;
            }
        }
        if (st.failed)
            return stage_fail(h, req, &st, stage);
        if (!st.positive && !stage_may_pass_empty(h, i, end)) {
            cs_error_set(&req->err, CREDSTACK_ERR_DENIED, NULL,
                         "stage %s (%s:%u): no module gave a positive result",
                         stage, h->stack.lines[i].file,
                         h->stack.lines[i].lineno);
            trace_text(h, req, req->err.msg);
            return CREDSTACK_ERR_DENIED;
        }
        i = next_active(h, end);
    }
    cs_error_set(&req->err, CREDSTACK_ERR_DENIED, NULL,
                 "the stack ended without a credential");
    trace_text(h, req, req->err.msg);
    return CREDSTACK_ERR_DENIED;
}

/*
 * Whether to look ahead: the cache holds entries (only an agent's outlives a
 * request) and some active line knows the pass.
 */
static int lookahead_wanted(credstack_handle *h)
{
    cs_cache *c;

    pthread_mutex_lock(&h->lock);
    c = h->cache;
    pthread_mutex_unlock(&h->lock);
    if (cs_cache_count(c) == 0)
        return 0;
    for (size_t i = 0; i < h->stack.nlines; i++)
        if (h->mods[i].active && h->mods[i].dso->ops->run != NULL &&
            lookahead_ok(&h->mods[i]))
            return 1;
    return 0;
}

/*
 * The look-ahead pass (module.h, credstack_request_lookahead()): the lines
 * run with the cache's lookups so that the backend queries the request will
 * need start at once and side by side.  Nothing it decides is kept: the
 * items go back to what the caller set, its explanations are cleared, its
 * log lines and trace were never written, and the real pass then runs every
 * line from the first.  A cached lookup thus only starts work; the real
 * pass's own answers release a secret.
 */
static void lookahead(credstack_handle *h, credstack_request *req)
{
    char *saved[CREDSTACK_ITEM_COUNT] = {NULL};

    for (int i = 0; i < CREDSTACK_ITEM_COUNT; i++) {
        if (req->items[i] != NULL &&
            (saved[i] = cs_strdup(req->items[i])) == NULL) {
            for (int k = 0; k < i; k++)
                cs_free_secret(saved[k]);
            return; /* out of memory: no look-ahead, nothing lost */
        }
    }
    req->lookahead = 1;
    cs_lookahead_set(1);
    (void)dispatch(h, req);
    cs_lookahead_set(0);
    req->lookahead = 0;
    for (int i = 0; i < CREDSTACK_ITEM_COUNT; i++) {
        cs_free_secret(req->items[i]);
        req->items[i] = saved[i];
    }
    credstack_wipe(&req->why, sizeof(req->why));
    credstack_wipe(&req->err, sizeof(req->err));
}

int credstack_run(credstack_handle *h, credstack_request *req)
{
    long long started = credstack_now_ms();
    int ret;

    if (h == NULL || req == NULL || req->h != h)
        return CREDSTACK_ERR_INVALID;
    memset(&req->err, 0, sizeof(req->err));
    if (h->mods == NULL) {
        cs_error_set(&req->err, CREDSTACK_ERR_INVALID, NULL,
                     "the handle was opened without loading modules");
        return CREDSTACK_ERR_INVALID;
    }
    /* The account starts as the target user; map modules may change it. */
    if (req->items[CREDSTACK_ITEM_ACCOUNT] == NULL &&
        req->items[CREDSTACK_ITEM_TARGET_USER] != NULL) {
        ret = credstack_request_set(req, CREDSTACK_ITEM_ACCOUNT,
                                    req->items[CREDSTACK_ITEM_TARGET_USER]);
        if (ret != CREDSTACK_OK)
            return ret;
    }
    if (req->log != NULL)
        cs_log_capture(req->log, req->log_level);
    if (lookahead_wanted(h))
        lookahead(h, req);
    ret = dispatch(h, req);
    cs_audit(h, req, ret, started);
    cs_log_capture(NULL, 0);
    return ret;
}
