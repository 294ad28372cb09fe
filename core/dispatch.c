/* SPDX-License-Identifier: MIT */
/* dispatch.c: runs a request through the stack, stage by stage, reading only
 * the action tables. */
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
} stage_state;

/*
 * Only an error result carries the module's code; any other result that the
 * line's table turns into a failure ([ignore=bad], [success=die], default=bad)
 * is a denial, not a module error.
 */
static int result_rc(const credstack_module *mod, int result)
{
    return result == CREDSTACK_RESULT_ERROR ? mod->rc : CREDSTACK_ERR_DENIED;
}

/* One line per module run; only non-secret items are shown. */
static void trace_line(credstack_handle *h, const credstack_request *req,
                       const credstack_module *mod, int result,
                       cs_action action)
{
    const cs_line *l = mod->line;
    const char *sys = credstack_request_get(req, CREDSTACK_ITEM_SYSTEM);
    const char *acct = credstack_request_get(req, CREDSTACK_ITEM_ACCOUNT);
    const char *why = credstack_request_get(req, CREDSTACK_ITEM_REASON);

    if (h->trace == NULL)
        return;
    fprintf(h->trace,
            "trace: %s:%u: %-9s %-10s %-24s -> %s (%s) [system=%s "
            "account=%s reason=%s]%s%s\n",
            l->file, l->lineno, l->stage, l->control, l->module,
            cs_result_name(result), cs_action_name(action), sys ? sys : "-",
            acct ? acct : "-", why ? why : "-", mod->note[0] ? ": " : "",
            mod->note);
    fflush(h->trace);
}

/* Whether a stage may end with no positive result (only sufficient/optional
 * lines). */
static int stage_may_pass_empty(const credstack_handle *h, size_t first,
                                size_t end)
{
    for (size_t i = first; i < end; i++) {
        const cs_action *a = h->stack.lines[i].actions;
        if (a[CREDSTACK_RESULT_DENIED] != CS_ACTION_IGNORE)
            return 0;
    }
    return 1;
}

static int stage_fail(credstack_handle *h, credstack_request *req,
                      const stage_state *st, const char *stage)
{
    credstack_request_set(req, CREDSTACK_ITEM_PASSWORD, NULL);
    if (st->fail_rc == CREDSTACK_ERR_DENIED && st->fail_mod != NULL) {
        cs_set_error(h, "%s: %s:%u: %s", stage, st->fail_mod->line->file,
                     st->fail_mod->line->lineno,
                     st->fail_mod->note[0] ? st->fail_mod->note
                                           : "denied or not found");
    }
    if (st->fail_rc != CREDSTACK_ERR_DENIED && h->err[0] == '\0' &&
        st->fail_mod != NULL)
        cs_set_error(h, "%s: %s:%u: module %s failed: %s", stage,
                     st->fail_mod->line->file, st->fail_mod->line->lineno,
                     st->fail_mod->line->module,
                     st->fail_mod->note[0] ? st->fail_mod->note
                                           : "it gave no reason");
    if (h->trace)
        fprintf(h->trace, "trace: stage %s failed: %s\n", stage,
                credstack_strerror(st->fail_rc));
    return st->fail_rc;
}

int cs_dispatch(credstack_handle *h, credstack_request *req)
{
    size_t i = 0;

    h->err[0] = '\0';
    while (i < h->stack.nlines) {
        const char *stage = h->stack.lines[i].stage;
        size_t end = i;
        stage_state st = {0, 0, CREDSTACK_OK, NULL};
        int stage_done = 0;

        while (end < h->stack.nlines &&
               strcmp(h->stack.lines[end].stage, stage) == 0)
            end++;
        for (size_t j = i; j < end && !stage_done; j++) {
            credstack_module *mod = &h->mods[j];
            int result;
            cs_action action;

            mod->note[0] = '\0';
            mod->rc = CREDSTACK_ERR_MODULE;
            mod->req = req;
            result = (int)mod->dso->ops->run(mod, req, mod->data);
            mod->req = NULL;
            /* Fail closed on a result outside the enum. */
            if (result < 0 || result >= CREDSTACK_RESULT_COUNT) {
                snprintf(mod->note, sizeof(mod->note),
                         "returned %d, outside the result range", result);
                cs_set_error(h, "%s: %s:%u: module %s %s", stage,
                             mod->line->file, mod->line->lineno,
                             mod->line->module, mod->note);
                result = CREDSTACK_RESULT_ERROR;
            }
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
                    st.fail_rc = result_rc(mod, result);
                    st.fail_mod = mod;
                }
                if (action != CS_ACTION_BAD)
                    return stage_fail(h, req, &st, stage);
                break;
            }
            if (result == CREDSTACK_RESULT_SUCCESS &&
                credstack_request_get(req, CREDSTACK_ITEM_PASSWORD) != NULL) {
                /* A final credential ends the run, unless the stage failed. */
                if (st.failed)
                    return stage_fail(h, req, &st, stage);
                if (h->trace)
                    fprintf(h->trace, "trace: %s produced the credential\n",
                            mod->line->module);
                return CREDSTACK_OK;
            }
        }
        if (st.failed)
            return stage_fail(h, req, &st, stage);
        if (!st.positive && !stage_may_pass_empty(h, i, end)) {
            cs_set_error(h,
                         "stage %s (%s:%u): no module gave a positive "
                         "result",
                         stage, h->stack.lines[i].file,
                         h->stack.lines[i].lineno);
            if (h->trace)
                fprintf(h->trace, "trace: %s\n", h->err);
            return CREDSTACK_ERR_DENIED;
        }
        i = end;
    }
    cs_set_error(h, "the stack ended without a credential");
    if (h->trace)
        fprintf(h->trace, "trace: %s\n", h->err);
    return CREDSTACK_ERR_DENIED;
}
