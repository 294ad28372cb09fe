/* SPDX-License-Identifier: MIT */
/* errors.c: return-code texts, item names, the problems found at open and
 * the error value of a run. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Indexed by credstack_rc; the sentinel keeps the table and the enum in step.
 */
static const char *const rc_texts[CREDSTACK_ERR_COUNT] = {
    [CREDSTACK_OK] = "success",
    [CREDSTACK_ERR_DENIED] = "no password (denied or not found)",
    [CREDSTACK_ERR_INVALID] = "invalid argument",
    [CREDSTACK_ERR_NOMEM] = "out of memory",
    [CREDSTACK_ERR_IO] = "input/output error",
    [CREDSTACK_ERR_CONFIG] = "configuration error",
    [CREDSTACK_ERR_STACK] = "stack file error",
    [CREDSTACK_ERR_MODULE] = "module error",
    [CREDSTACK_ERR_BACKEND] = "backend error",
    [CREDSTACK_ERR_TIMEOUT] = "backend timed out",
    [CREDSTACK_ERR_HOSTKEY] = "backend host key mismatch",
    [CREDSTACK_ERR_REFUSED] = "unsafe input refused",
    [CREDSTACK_ERR_NOTFOUND] = "not found",
};

const char *credstack_strerror(int rc)
{
    if (rc < 0 || rc >= CREDSTACK_ERR_COUNT || rc_texts[rc] == NULL)
        return "unknown error code";
    return rc_texts[rc];
}

static const char *const item_names[CREDSTACK_ITEM_COUNT] = {
    [CREDSTACK_ITEM_GATEWAY_USER] = "gateway_user",
    [CREDSTACK_ITEM_GATEWAY_PASSWORD] = "gateway_password",
    [CREDSTACK_ITEM_TARGET_USER] = "target_user",
    [CREDSTACK_ITEM_TARGET_HOST] = "target_host",
    [CREDSTACK_ITEM_TARGET_PORT] = "target_port",
    [CREDSTACK_ITEM_PROTOCOL] = "protocol",
    [CREDSTACK_ITEM_CLIENT_IP] = "client_ip",
    [CREDSTACK_ITEM_SESSION_ID] = "session_id",
    [CREDSTACK_ITEM_SYSTEM] = "system",
    [CREDSTACK_ITEM_ACCOUNT] = "account",
    [CREDSTACK_ITEM_AUTH_KIND] = "auth_kind",
    [CREDSTACK_ITEM_AUTH_DETAIL] = "auth_detail",
    [CREDSTACK_ITEM_PASSWORD] = "password",
    [CREDSTACK_ITEM_BACKEND] = "backend",
    [CREDSTACK_ITEM_TARGET_NAME] = "target_name",
};

const char *credstack_item_name(credstack_item item)
{
    if ((int)item < 0 || item >= CREDSTACK_ITEM_COUNT)
        return NULL;
    return item_names[item];
}

int cs_item_is_secret(credstack_item item)
{
    return item == CREDSTACK_ITEM_GATEWAY_PASSWORD ||
           item == CREDSTACK_ITEM_PASSWORD;
}

/*
 * Add one problem found while opening.  Problems are kept one per line in the
 * order found; an exact repeat (two modules declaring one option) is dropped.
 */
void cs_vproblem(credstack_handle *h, const char *fmt, va_list ap)
{
    char line[CS_ERRLEN];
    size_t n;
    char *grown;

    if (h == NULL)
        return;
    h->problem_reports++;
    vsnprintf(line, sizeof(line), fmt, ap);
    /* One problem, one line: a value must not forge another. */
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    n = strlen(line);
    if (h->problems != NULL) {
        for (const char *p = h->problems; *p;) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            if (len == n && memcmp(p, line, n) == 0)
                return;
            p += len + (nl != NULL);
        }
    }
    grown = realloc(h->problems, h->problems_len + n + 2);
    if (grown == NULL)
        return;
    h->problems = grown;
    if (h->problems_len > 0)
        h->problems[h->problems_len++] = '\n';
    memcpy(h->problems + h->problems_len, line, n + 1);
    h->problems_len += n;
    h->nproblems++;
}

void cs_problem(credstack_handle *h, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cs_vproblem(h, fmt, ap);
    va_end(ap);
}

void cs_error_set(cs_error *e, int code, const char *where, const char *fmt,
                  ...)
{
    va_list ap;

    e->code = code;
    snprintf(e->where, sizeof(e->where), "%s", where ? where : "");
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
}

/* A problem's "file:line:" as a sort key; line 0 when it has none. */
typedef struct problem_key {
    const char *text;
    size_t len;
    size_t file_len;
    unsigned long line;
    size_t order;
} problem_key;

static void key_of(problem_key *k)
{
    const char *p = k->text;
    const char *end = k->text + k->len;

    k->file_len = k->len;
    k->line = 0;
    /* The first ":<digits>:" ends the file name. */
    for (; p < end; p++) {
        const char *q = p + 1;
        unsigned long n = 0;
        if (*p != ':')
            continue;
        while (q < end && *q >= '0' && *q <= '9')
            n = n * 10 + (unsigned long)(*q++ - '0');
        if (q > p + 1 && q < end && *q == ':') {
            k->file_len = (size_t)(p - k->text);
            k->line = n;
            return;
        }
    }
}

static int key_cmp(const void *a, const void *b)
{
    const problem_key *x = a, *y = b;
    size_t n = x->file_len < y->file_len ? x->file_len : y->file_len;
    int c = memcmp(x->text, y->text, n);

    if (c != 0)
        return c;
    if (x->file_len != y->file_len)
        return x->file_len < y->file_len ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

void cs_problems_sort(credstack_handle *h)
{
    problem_key *keys = NULL;
    char *out = NULL;
    size_t n = 0, used = 0;

    if (h->nproblems < 2)
        return;
    keys = calloc(h->nproblems, sizeof(*keys));
    out = malloc(h->problems_len + 1);
    if (keys == NULL || out == NULL)
        goto done;
    for (const char *p = h->problems; *p && n < h->nproblems;) {
        size_t len = strcspn(p, "\n");
        keys[n].text = p;
        keys[n].len = len;
        keys[n].order = n;
        key_of(&keys[n]);
        n++;
        p += len + (p[len] == '\n');
    }
    qsort(keys, n, sizeof(*keys), key_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            out[used++] = '\n';
        memcpy(out + used, keys[i].text, keys[i].len);
        used += keys[i].len;
    }
    out[used] = '\0';
    credstack_wipe(h->problems, h->problems_len);
    free(h->problems);
    h->problems = out;
    out = NULL;
done:
    free(keys);
    free(out);
}

const char *credstack_error(const credstack_handle *h)
{
    if (h == NULL)
        return "no handle (out of memory)";
    return h->problems ? h->problems : "";
}
