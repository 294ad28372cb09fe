/* SPDX-License-Identifier: MIT */
/* actions.c: control words and [result=action ...] lists, turned into
 * per-result action tables. */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Indexed by credstack_result; a result outside it is treated as ERROR. */
static const char *const result_names[CREDSTACK_RESULT_COUNT] = {
    [CREDSTACK_RESULT_SUCCESS] = "success",
    [CREDSTACK_RESULT_DENIED] = "denied",
    [CREDSTACK_RESULT_IGNORE] = "ignore",
    [CREDSTACK_RESULT_ERROR] = "error",
};

static const char *const action_names[CS_ACTION_COUNT] = {
    [CS_ACTION_IGNORE] = "ignore", [CS_ACTION_OK] = "ok",
    [CS_ACTION_DONE] = "done",     [CS_ACTION_BAD] = "bad",
    [CS_ACTION_DIE] = "die",
};

/*
 * The control words.  Unlike Linux-PAM, an error is never ignored: a broken
 * backend must not be papered over by the next line (fail closed).
 */
static const struct {
    const char *word;
    cs_action actions[CREDSTACK_RESULT_COUNT];
} controls[] = {
    {"required",
     {CS_ACTION_OK, CS_ACTION_BAD, CS_ACTION_IGNORE, CS_ACTION_BAD}},
    {"requisite",
     {CS_ACTION_OK, CS_ACTION_DIE, CS_ACTION_IGNORE, CS_ACTION_DIE}},
    {"sufficient",
     {CS_ACTION_DONE, CS_ACTION_IGNORE, CS_ACTION_IGNORE, CS_ACTION_BAD}},
    {"optional",
     {CS_ACTION_OK, CS_ACTION_IGNORE, CS_ACTION_IGNORE, CS_ACTION_BAD}},
};

const char *cs_result_name(int result)
{
    if (result < 0 || result >= CREDSTACK_RESULT_COUNT)
        return "out-of-range";
    return result_names[result];
}

const char *cs_action_name(cs_action action)
{
    if ((int)action < 0 || action >= CS_ACTION_COUNT)
        return "?";
    return action_names[action];
}

static int lookup(const char *const *names, int count, const char *word,
                  size_t len)
{
    for (int i = 0; i < count; i++)
        if (strlen(names[i]) == len && strncmp(names[i], word, len) == 0)
            return i;
    return -1;
}

/* Parse "[success=done denied=die default=bad]". */
static int parse_bracket(const char *control, cs_action *actions, char *err,
                         size_t errlen)
{
    size_t len = strlen(control);
    int seen[CREDSTACK_RESULT_COUNT] = {0};
    int have_default = 0;
    cs_action def = CS_ACTION_BAD;
    const char *p = control + 1;
    const char *end = control + len - 1;

    if (len < 2 || control[len - 1] != ']') {
        snprintf(err, errlen, "control '%s' lacks its closing ']'", control);
        return CREDSTACK_ERR_STACK;
    }
    while (p < end) {
        const char *tok, *eq;
        size_t toklen;
        int r, a;

        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p >= end)
            break;
        tok = p;
        while (p < end && *p != ' ' && *p != '\t')
            p++;
        toklen = (size_t)(p - tok);
        eq = memchr(tok, '=', toklen);
        if (eq == NULL) {
            snprintf(err, errlen, "control item '%.*s' is not result=action",
                     (int)toklen, tok);
            return CREDSTACK_ERR_STACK;
        }
        a = lookup(action_names, CS_ACTION_COUNT, eq + 1,
                   (size_t)(tok + toklen - eq - 1));
        if (a < 0) {
            snprintf(err, errlen,
                     "unknown action '%.*s' (use ok, done, bad, die, ignore)",
                     (int)(tok + toklen - eq - 1), eq + 1);
            return CREDSTACK_ERR_STACK;
        }
        if ((size_t)(eq - tok) == 7 && strncmp(tok, "default", 7) == 0) {
            /* As for results: a second default would silently win. */
            if (have_default) {
                snprintf(err, errlen, "result 'default' given twice");
                return CREDSTACK_ERR_STACK;
            }
            have_default = 1;
            def = (cs_action)a;
            continue;
        }
        r = lookup(result_names, CREDSTACK_RESULT_COUNT, tok,
                   (size_t)(eq - tok));
        if (r < 0) {
            snprintf(err, errlen,
                     "unknown result '%.*s' (use success, denied, ignore, "
                     "error, default)",
                     (int)(eq - tok), tok);
            return CREDSTACK_ERR_STACK;
        }
        if (seen[r]) {
            snprintf(err, errlen, "result '%s' given twice", result_names[r]);
            return CREDSTACK_ERR_STACK;
        }
        seen[r] = 1;
        actions[r] = (cs_action)a;
    }
    /* Unlisted results take the default, which fails closed when absent. */
    for (int r = 0; r < CREDSTACK_RESULT_COUNT; r++)
        if (!seen[r])
            actions[r] = have_default ? def : CS_ACTION_BAD;
    /* An error is never a positive result, whatever the list says. */
    if (actions[CREDSTACK_RESULT_ERROR] == CS_ACTION_OK ||
        actions[CREDSTACK_RESULT_ERROR] == CS_ACTION_DONE ||
        actions[CREDSTACK_RESULT_ERROR] == CS_ACTION_IGNORE) {
        snprintf(err, errlen,
                 "error=%s refused: an error must be bad or die (fail closed)",
                 action_names[actions[CREDSTACK_RESULT_ERROR]]);
        return CREDSTACK_ERR_STACK;
    }
    return CREDSTACK_OK;
}

int cs_actions_from_control(const char *control, cs_action *actions, char *err,
                            size_t errlen)
{
    if (control[0] == '[')
        return parse_bracket(control, actions, err, errlen);
    for (size_t i = 0; i < sizeof(controls) / sizeof(controls[0]); i++) {
        if (strcmp(control, controls[i].word) == 0) {
            memcpy(actions, controls[i].actions, sizeof(controls[i].actions));
            return CREDSTACK_OK;
        }
    }
    snprintf(err, errlen,
             "unknown control '%s' (use required, requisite, sufficient, "
             "optional or [result=action ...])",
             control);
    return CREDSTACK_ERR_STACK;
}
