/* SPDX-License-Identifier: MIT */
/* agent_codec.c: the one place that builds and reads each message of the
 * agent's protocol (agent_codec.h), so that a field written on one side is
 * read with the same name and type on the other.  Messages may carry
 * passwords: what is decoded is copied into strings the callers wipe. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include <credstack/module.h>

#include "agent_codec.h"

/* ---- bytes: text that may hold any bytes but NUL ---- */

/*
 * Stored under key as a JSON string when it is UTF-8, else as {"hex":
 * "..."}, since JSON carries UTF-8 only (a password from the backend, log
 * lines).  CREDSTACK_OK or _ERR_NOMEM.
 */
static int set_bytes(json_t *obj, const char *key, const char *text)
{
    static const char digits[] = "0123456789abcdef";
    json_t *v = json_string(text);
    size_t n = strlen(text);
    char *hex;

    if (v == NULL) {
        /* Not UTF-8: two hex digits a byte. */
        if ((hex = malloc(2 * n + 1)) == NULL)
            return CREDSTACK_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
            hex[2 * i] = digits[(unsigned char)text[i] >> 4];
            hex[2 * i + 1] = digits[(unsigned char)text[i] & 15];
        }
        hex[2 * n] = '\0';
        v = json_pack("{s:s}", "hex", hex);
        credstack_wipe(hex, 2 * n);
        free(hex);
    }
    if (v == NULL || json_object_set_new(obj, key, v) != 0)
        return CREDSTACK_ERR_NOMEM;
    return CREDSTACK_OK;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/*
 * What set_bytes() stored under key, as a new string in *out (NULL when
 * absent).  CREDSTACK_ERR_INVALID when malformed, _ERR_NOMEM.
 */
static int get_bytes(json_t *obj, const char *key, char **out)
{
    json_t *v = json_object_get(obj, key);
    const char *hex;
    size_t n;
    char *s;

    *out = NULL;
    if (v == NULL)
        return CREDSTACK_OK;
    if (json_is_string(v))
        return (*out = strdup(json_string_value(v))) ? CREDSTACK_OK
                                                     : CREDSTACK_ERR_NOMEM;
    hex = json_string_value(json_object_get(v, "hex"));
    if (!json_is_object(v) || json_object_size(v) != 1 || hex == NULL ||
        (n = strlen(hex)) % 2 != 0)
        return CREDSTACK_ERR_INVALID;
    if ((s = malloc(n / 2 + 1)) == NULL)
        return CREDSTACK_ERR_NOMEM;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        /* A NUL byte would cut the text: malformed as well. */
        if (hi < 0 || lo < 0 || (hi | lo) == 0) {
            credstack_wipe(s, i);
            free(s);
            return CREDSTACK_ERR_INVALID;
        }
        s[i] = (char)(hi << 4 | lo);
    }
    s[n / 2] = '\0';
    *out = s;
    return CREDSTACK_OK;
}

/* A member that must be absent or of the type the test accepts. */
static int absent_or(json_t *obj, const char *key, int (*is)(const json_t *))
{
    json_t *v = json_object_get(obj, key);

    return v == NULL || is(v);
}

static int is_string(const json_t *v)
{
    return json_is_string(v);
}
static int is_integer(const json_t *v)
{
    return json_is_integer(v);
}
static int is_boolean(const json_t *v)
{
    return json_is_boolean(v);
}
static int is_object(const json_t *v)
{
    return json_is_object(v);
}

/* ---- requests ---- */

static const char *const op_names[] = {NULL, "run", "status", "stop"};

json_t *cli_agent_req_encode(const cli_agent_req *r)
{
    json_t *req, *items;

    if (r->op < CLI_AGENT_OP_RUN || r->op > CLI_AGENT_OP_STOP)
        return NULL;
    if (r->op != CLI_AGENT_OP_RUN)
        return json_pack("{s:s}", "op", op_names[r->op]);
    if (r->digest == NULL)
        return NULL;
    items = json_object();
    req = json_pack("{s:s,s:s,s:b,s:i}", "op", "run", "digest", r->digest,
                    "trace", r->trace, "log_level", r->log_level);
    if (items == NULL || req == NULL) {
        json_decref(items);
        json_decref(req);
        return NULL;
    }
    for (int i = 0; i < CREDSTACK_ITEM_COUNT; i++) {
        if (r->items[i] != NULL &&
            json_object_set_new(items, credstack_item_name(i),
                                json_string(r->items[i])) != 0) {
            cli_agent_wipe_json(items);
            json_decref(items);
            cli_agent_wipe_json(req);
            json_decref(req);
            return NULL;
        }
    }
    if (json_object_set_new(req, "items", items) != 0) {
        cli_agent_wipe_json(req);
        json_decref(req);
        return NULL;
    }
    return req;
}

int cli_agent_req_decode(json_t *m, cli_agent_req *r)
{
    const char *op = json_string_value(json_object_get(m, "op"));
    json_t *items = json_object_get(m, "items");

    memset(r, 0, sizeof(*r));
    for (int i = CLI_AGENT_OP_RUN; op != NULL && i <= CLI_AGENT_OP_STOP; i++)
        if (strcmp(op, op_names[i]) == 0)
            r->op = (cli_agent_op)i;
    if (r->op == 0)
        return CREDSTACK_ERR_INVALID;
    if (r->op != CLI_AGENT_OP_RUN)
        return CREDSTACK_OK;
    r->digest = json_string_value(json_object_get(m, "digest"));
    if (r->digest == NULL || !absent_or(m, "trace", is_boolean) ||
        !absent_or(m, "log_level", is_integer) ||
        !absent_or(m, "items", is_object))
        return CREDSTACK_ERR_INVALID;
    r->trace = json_is_true(json_object_get(m, "trace"));
    if (json_is_integer(json_object_get(m, "log_level")))
        r->log_level = (int)json_integer_value(json_object_get(m, "log_level"));
    for (int i = 0; i < CREDSTACK_ITEM_COUNT; i++) {
        json_t *v = json_object_get(items, credstack_item_name(i));
        if (v != NULL && !json_is_string(v))
            return CREDSTACK_ERR_INVALID;
        r->items[i] = json_string_value(v);
    }
    return CREDSTACK_OK;
}

/* ---- replies ---- */

json_t *cli_agent_stale_encode(void)
{
    return json_pack("{s:b}", "stale", 1);
}

json_t *cli_agent_accepted_encode(long long budget_ms)
{
    return json_pack("{s:b,s:I}", "accepted", 1, "budget_ms",
                     (json_int_t)budget_ms);
}

json_t *cli_agent_stopping_encode(void)
{
    return json_pack("{s:b}", "stopping", 1);
}

json_t *cli_agent_answer_encode(int rc, const char *password, const char *error,
                                const char *log)
{
    json_t *out = json_pack("{s:i}", "rc", rc);
    int ret = out ? CREDSTACK_OK : CREDSTACK_ERR_NOMEM;

    /* Bytes as they are: JSON alone would drop a password (or a log line)
     * that is not UTF-8, which one-shot prints. */
    if (ret == CREDSTACK_OK && password != NULL)
        ret = set_bytes(out, "password", password);
    if (ret == CREDSTACK_OK && error != NULL)
        json_object_set_new(out, "error", json_string(error));
    if (ret == CREDSTACK_OK)
        ret = set_bytes(out, "log", log ? log : "");
    if (ret != CREDSTACK_OK && out != NULL) {
        cli_agent_wipe_json(out);
        json_decref(out);
        out = NULL;
    }
    return out;
}

static json_t *pairs_encode(const cli_agent_pair *p, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < n; i++) {
        json_t *l = json_pack("[ss]", p[i].first, p[i].second);
        if (l == NULL || json_array_append_new(a, l) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

json_t *cli_agent_status_encode(const cli_agent_status *s)
{
    json_t *lines = pairs_encode(s->lines, s->nlines);
    json_t *inputs = pairs_encode(s->inputs, s->ninputs);

    if (lines == NULL || inputs == NULL) {
        json_decref(lines);
        json_decref(inputs);
        return NULL;
    }
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:s,s:o,s:o}", "pid",
                     (json_int_t)s->pid, "uptime_s", (json_int_t)s->uptime_s,
                     "requests", (json_int_t)s->requests, "p50_ms",
                     (json_int_t)s->p50_ms, "p99_ms", (json_int_t)s->p99_ms,
                     "running", (json_int_t)s->running, "socket", s->socket,
                     "log", s->log, "lines", lines, "inputs", inputs);
}

static int pairs_decode(json_t *a, cli_agent_pair **out, size_t *n)
{
    size_t i;
    json_t *l;

    *out = NULL;
    *n = 0;
    if (!json_is_array(a))
        return CREDSTACK_ERR_INVALID;
    if (json_array_size(a) == 0)
        return CREDSTACK_OK;
    if ((*out = calloc(json_array_size(a), sizeof(**out))) == NULL)
        return CREDSTACK_ERR_NOMEM;
    json_array_foreach(a, i, l)
    {
        const char *x = json_string_value(json_array_get(l, 0));
        const char *y = json_string_value(json_array_get(l, 1));
        if (json_array_size(l) != 2 || x == NULL || y == NULL)
            return CREDSTACK_ERR_INVALID;
        (*out)[i].first = x;
        (*out)[i].second = y;
        *n = i + 1;
    }
    return CREDSTACK_OK;
}

static int status_decode(json_t *m, cli_agent_status *s)
{
    static const char *const ints[] = {"pid",    "uptime_s", "requests",
                                       "p50_ms", "p99_ms",   "running"};
    long long *dst[] = {&s->pid,    &s->uptime_s, &s->requests,
                        &s->p50_ms, &s->p99_ms,   &s->running};
    int ret;

    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        json_t *v = json_object_get(m, ints[i]);
        if (!json_is_integer(v))
            return CREDSTACK_ERR_INVALID;
        *dst[i] = (long long)json_integer_value(v);
    }
    s->socket = json_string_value(json_object_get(m, "socket"));
    s->log = json_string_value(json_object_get(m, "log"));
    if (s->socket == NULL || s->log == NULL)
        return CREDSTACK_ERR_INVALID;
    ret = pairs_decode(json_object_get(m, "lines"), &s->lines, &s->nlines);
    if (ret == CREDSTACK_OK)
        ret =
            pairs_decode(json_object_get(m, "inputs"), &s->inputs, &s->ninputs);
    return ret;
}

static int answer_decode(json_t *m, cli_agent_reply *r)
{
    json_t *rc = json_object_get(m, "rc");
    const char *error;
    int ret;

    if (!json_is_integer(rc) || !absent_or(m, "error", is_string))
        return CREDSTACK_ERR_INVALID;
    r->rc = (int)json_integer_value(rc);
    ret = get_bytes(m, "password", &r->password);
    if (ret == CREDSTACK_OK)
        ret = get_bytes(m, "log", &r->log);
    error = json_string_value(json_object_get(m, "error"));
    if (ret == CREDSTACK_OK && (r->error = strdup(error ? error : "")) == NULL)
        ret = CREDSTACK_ERR_NOMEM;
    return ret;
}

int cli_agent_reply_decode(json_t *m, cli_agent_reply *r)
{
    int ret;

    memset(r, 0, sizeof(*r));
    if (!json_is_object(m))
        return CREDSTACK_ERR_INVALID;
    if (json_is_true(json_object_get(m, "stale"))) {
        r->kind = CLI_AGENT_REPLY_STALE;
        return CREDSTACK_OK;
    }
    if (json_is_true(json_object_get(m, "stopping"))) {
        r->kind = CLI_AGENT_REPLY_STOPPING;
        return CREDSTACK_OK;
    }
    if (json_is_true(json_object_get(m, "accepted"))) {
        json_t *b = json_object_get(m, "budget_ms");
        if (!json_is_integer(b))
            return CREDSTACK_ERR_INVALID;
        r->kind = CLI_AGENT_REPLY_ACCEPTED;
        r->budget_ms = (long long)json_integer_value(b);
        return CREDSTACK_OK;
    }
    if (json_object_get(m, "pid") != NULL) {
        r->kind = CLI_AGENT_REPLY_STATUS;
        ret = status_decode(m, &r->status);
    } else {
        r->kind = CLI_AGENT_REPLY_ANSWER;
        ret = answer_decode(m, r);
    }
    if (ret != CREDSTACK_OK)
        cli_agent_reply_clear(r);
    return ret;
}

static void free_secret(char *s)
{
    if (s != NULL) {
        credstack_wipe(s, strlen(s));
        free(s);
    }
}

void cli_agent_reply_clear(cli_agent_reply *r)
{
    free_secret(r->password);
    free_secret(r->log);
    free(r->error);
    free(r->status.lines);
    free(r->status.inputs);
    memset(r, 0, sizeof(*r));
}

/* ---- caller values ---- */

char *cli_agent_values_encode(const credstack_value *v, size_t n)
{
    json_t *all = json_object();
    char *text = NULL;
    int ok = all != NULL;

    for (size_t i = 0; ok && i < n; i++) {
        json_t *s = json_object_get(all, v[i].section);
        if (s == NULL) {
            s = json_object();
            ok = s != NULL && json_object_set_new(all, v[i].section, s) == 0;
        }
        ok = ok &&
             json_object_set_new(s, v[i].option, json_string(v[i].value)) == 0;
    }
    if (ok)
        text = json_dumps(all, JSON_COMPACT);
    if (all != NULL)
        cli_agent_wipe_json(all);
    json_decref(all);
    return text;
}

int cli_agent_values_decode(const char *text, size_t len, json_t **keep_out,
                            credstack_value **vals_out, size_t *n_out)
{
    const char *section, *option;
    json_t *all, *opts, *v;
    json_error_t jerr;
    credstack_value *vals = NULL;
    size_t count = 0, n = 0;

    *keep_out = NULL;
    *vals_out = NULL;
    *n_out = 0;
    all = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(all))
        goto bad;
    json_object_foreach(all, section, opts)
    {
        if (!json_is_object(opts))
            goto bad;
        count += json_object_size(opts);
    }
    if (count > 0 && (vals = calloc(count, sizeof(*vals))) == NULL) {
        cli_agent_wipe_json(all);
        json_decref(all);
        return CREDSTACK_ERR_NOMEM;
    }
    json_object_foreach(all, section, opts){
        json_object_foreach(opts, option, v){if (!json_is_string(v)) goto bad;
    vals[n].section = section;
    vals[n].option = option;
    vals[n++].value = json_string_value(v);
}
}
*keep_out = all;
*vals_out = vals;
*n_out = n;
return CREDSTACK_OK;
bad : free(vals);
if (all != NULL)
    cli_agent_wipe_json(all);
json_decref(all);
return CREDSTACK_ERR_INVALID;
}

void cli_agent_wipe_json(json_t *v)
{
    const char *key;
    json_t *member;
    size_t i;

    if (json_is_string(v)) {
        credstack_wipe((char *)json_string_value(v), json_string_length(v));
    } else if (json_is_object(v)) {
        json_object_foreach(v, key, member)
        {
            cli_agent_wipe_json(member);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, member)
        {
            cli_agent_wipe_json(member);
        }
    }
}
