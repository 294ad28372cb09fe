/* SPDX-License-Identifier: MIT */
/* hook.c: `credstack hook`: answers one SPS plugin hook, JSON in on stdin and
 * out on stdout. */
/* Long file: the hook protocol is one contract (design.md, "Command line"):
 * reading and checking every request member, the cookie, and the one reply
 * shape per hook; split, each part would need the others' private types. */
#include "autoconf.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <credstack/module.h>

#include "agent.h"

/* The largest json_int_t (long long or long, as jansson was built). */
#if JSON_INTEGER_IS_LONG_LONG
#define CLI_JSON_INT_MAX LLONG_MAX
#else
#define CLI_JSON_INT_MAX LONG_MAX
#endif

static void usage(FILE *out)
{
    fputs(
        "Usage: credstack hook HOOK --config FILE [--stack FILE] [--trace]\n"
        "\n"
        "Answer one SPS credential-store hook.  Reads one JSON object with\n"
        "the hook's keyword arguments on stdin and writes one JSON object\n"
        "on stdout.  HOOK is one of:\n"
        "  get-password-list        {\"passwords\": [...], \"cookie\": "
        "{...},\n"
        "                            \"session_cookie\": {...}}\n"
        "  get-private-key-list     {\"private_keys\": [...], ...}\n"
        "  authentication-completed {\"cookie\": {...}, ...}\n"
        "  session-ended            {\"cookie\": {...}, ...}\n"
        "\n"
        "server_username and server_port win over target_username and\n"
        "target_port when present.  The connect address is authoritative:\n"
        "server_ip, else a target_host that is an address; a host name that\n"
        "came with an address is ignored (shown by --trace).  Only a request\n"
        "with nothing but a name (server_hostname, else target_host) uses it.\n"
        "A member credstack_values, an object {\"SECTION\": {\"OPTION\":\n"
        "\"VALUE\", ...}, ...}, carries values the caller resolved itself\n"
        "(the SPS plugin: options written \"$\", taken from SPS's credential\n"
        "store); they are never logged and are wiped after use.\n"
        "Denied or not found: an empty list and exit 0; a broken request or\n"
        "configuration: exit 2; a backend failure: exit 3 (with an empty\n"
        "list on stdout in both cases).\n",
        out);
}

/*
 * Why the request is not JSON, in fixed words and a position only: jansson's
 * own text quotes the input ("invalid token near 'hunter2'"), which may hold
 * the gateway password, and on SPS standard error goes to the system log.
 */
static const char *json_problem(const json_error_t *e)
{
#if JANSSON_VERSION_HEX >= 0x020b00
    switch (json_error_code(e)) {
    case json_error_invalid_utf8:
        return "invalid UTF-8";
    case json_error_premature_end_of_input:
        return "the input ends too early";
    case json_error_end_of_input_expected:
        return "more text after the JSON value";
    case json_error_duplicate_key:
        return "a member named twice";
    case json_error_null_character:
    case json_error_null_byte_in_key:
        return "a NUL byte";
    case json_error_numeric_overflow:
        return "a number out of range";
    case json_error_stack_overflow:
        return "nested too deeply";
    case json_error_out_of_memory:
        return "out of memory";
    default:
        break;
    }
#else
    (void)e;
#endif
    return "a syntax error";
}

/* A string member, or NULL; *bad is set when present with another type. */
static const char *member(json_t *obj, const char *key, int *bad)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v))
        return NULL;
    if (json_is_string(v))
        return json_string_value(v);
    *bad = 1;
    return NULL;
}

/* The first present, non-empty member among keys. */
static const char *first_of(json_t *obj, const char *const *keys, int *bad)
{
    for (; *keys; keys++) {
        const char *v = member(obj, *keys, bad);
        if (v != NULL && *v != '\0')
            return v;
    }
    return NULL;
}

/* A port: SPS sends a number, older callers a string. */
static const char *port_of(json_t *obj, const char *const *keys, char *buf,
                           size_t len, int *bad)
{
    for (; *keys; keys++) {
        json_t *v = json_object_get(obj, *keys);
        if (json_is_integer(v)) {
            snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            return buf;
        }
        if (json_is_string(v) && json_string_length(v) > 0)
            return json_string_value(v);
        if (v != NULL && !json_is_null(v) && !json_is_string(v))
            *bad = 1;
    }
    return NULL;
}

/* Wipe a secret string jansson holds before it is freed. */
static void wipe_member(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    if (json_is_string(v))
        credstack_wipe((char *)json_string_value(v), json_string_length(v));
}

/*
 * The reply's cookie: the caller's, with the call count increased (as the
 * vendor's plugin).  A count that is not a non-negative integer starts again
 * at 1; one at the top of the integer range stays there (no overflow).
 */
json_t *cli_hook_next_cookie(json_t *in, const char *key)
{
    json_t *c = json_object_get(in, key);
    json_t *out = json_is_object(c) ? json_deep_copy(c) : json_object();
    json_t *count = NULL;
    json_int_t n = 0;

    if (out == NULL)
        return NULL;
    if (strcmp(key, "cookie") != 0)
        return out;
    count = json_object_get(out, "call_count");
    if (json_is_integer(count) && json_integer_value(count) > 0)
        n = json_integer_value(count);
    if (n < CLI_JSON_INT_MAX)
        n++;
    if (json_object_set_new(out, "call_count", json_integer(n)) != 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/*
 * Whether a host text is, or tries to be, an address rather than a name: it
 * has a ':' (IPv6, bracketed, with a zone id, host:port) or nothing but
 * digits and dots (IPv4, and inet_aton's shorthands, which the modules
 * refuse).  Such a text is never overridden by a name that came with it.
 */
static int looks_like_address(const char *host)
{
    if (host == NULL || *host == '\0')
        return 0;
    if (strchr(host, ':') != NULL)
        return 1;
    return host[strspn(host, "0123456789.")] == '\0';
}

/*
 * The target host.  The address the gateway connects to is authoritative
 * (design.md, pipeline step 3): server_ip, else a target_host that is an
 * address.  Only a request without any address uses a name (server_hostname,
 * else target_host).  A name that came with an address is kept in
 * r->ignored[] to be shown in the trace, never used.
 */
static const char *choose_host(json_t *in, cli_hook_request *r, int *bad)
{
    const char *ip = member(in, "server_ip", bad);
    const char *name = member(in, "server_hostname", bad);
    const char *target = member(in, "target_host", bad);
    const char *host = NULL;
    size_t n = 0;

    if (ip && *ip)
        host = ip;
    else if (looks_like_address(target))
        host = target;
    else if (name && *name)
        host = name;
    else if (target && *target)
        host = target;
    if (host != NULL && (host == ip || host == target)) {
        if (name && *name && strcmp(name, host) != 0) {
            r->ignored_key[n] = "server_hostname";
            r->ignored[n++] = name;
        }
        if (target && *target && host != target && strcmp(target, host) != 0) {
            r->ignored_key[n] = "target_host";
            r->ignored[n++] = target;
        }
    }
    return host;
}

int cli_hook_request_from_json(json_t *in, cli_hook_request *r)
{
    static const char *const user_keys[] = {"server_username",
                                            "target_username", NULL};
    static const char *const port_keys[] = {"server_port", "target_port", NULL};
    const char **it = r->items;
    int bad = 0;

    memset(r, 0, sizeof(*r));
    if (!json_is_object(in))
        return CREDSTACK_ERR_INVALID;
    it[CREDSTACK_ITEM_GATEWAY_USER] = member(in, "gateway_username", &bad);
    it[CREDSTACK_ITEM_GATEWAY_PASSWORD] = member(in, "gateway_password", &bad);
    it[CREDSTACK_ITEM_TARGET_USER] = first_of(in, user_keys, &bad);
    it[CREDSTACK_ITEM_TARGET_HOST] = choose_host(in, r, &bad);
    it[CREDSTACK_ITEM_TARGET_PORT] =
        port_of(in, port_keys, r->portbuf, sizeof(r->portbuf), &bad);
    it[CREDSTACK_ITEM_PROTOCOL] = member(in, "protocol", &bad);
    it[CREDSTACK_ITEM_CLIENT_IP] = member(in, "client_ip", &bad);
    it[CREDSTACK_ITEM_SESSION_ID] = member(in, "session_id", &bad);
    if (bad || it[CREDSTACK_ITEM_GATEWAY_USER] == NULL ||
        it[CREDSTACK_ITEM_TARGET_USER] == NULL ||
        it[CREDSTACK_ITEM_TARGET_HOST] == NULL)
        return CREDSTACK_ERR_INVALID;
    return CREDSTACK_OK;
}

/*
 * The caller-resolved values of the request (credstack_values), as pointers
 * into the JSON object; *n_out of them in a new array (free() it, the
 * strings stay the object's).  CREDSTACK_ERR_INVALID when the member is
 * there but not an object of objects of strings.
 */
static int caller_values(json_t *in, credstack_value **out, size_t *n_out)
{
    json_t *all = json_object_get(in, "credstack_values");
    const char *section, *option;
    json_t *options, *value;
    size_t n = 0;

    *out = NULL;
    *n_out = 0;
    if (all == NULL || json_is_null(all))
        return CREDSTACK_OK;
    if (!json_is_object(all))
        return CREDSTACK_ERR_INVALID;
    json_object_foreach(all, section, options)
    {
        if (!json_is_object(options))
            return CREDSTACK_ERR_INVALID;
        json_object_foreach(options, option, value)
        {
            if (!json_is_string(value))
                return CREDSTACK_ERR_INVALID;
            n++;
        }
    }
    if (n == 0)
        return CREDSTACK_OK;
    *out = calloc(n, sizeof(**out));
    if (*out == NULL)
        return CREDSTACK_ERR_NOMEM;
    json_object_foreach(all, section, options)
    {
        json_object_foreach(options, option, value)
        {
            credstack_value *v = &(*out)[(*n_out)++];
            v->section = section;
            v->option = option;
            v->value = json_string_value(value);
        }
    }
    return CREDSTACK_OK;
}

/* Wipe every caller-resolved value jansson holds. */
static void wipe_caller_values(json_t *in)
{
    json_t *all = json_object_get(in, "credstack_values");
    const char *key;
    json_t *options, *value;

    if (!json_is_object(all))
        return;
    json_object_foreach(all, key, options)
    {
        const char *option;
        if (!json_is_object(options))
            continue;
        json_object_foreach(options, option, value)
        {
            if (json_is_string(value))
                credstack_wipe((char *)json_string_value(value),
                               json_string_length(value));
        }
    }
}

/* A value from the request, shown safely: printable ASCII, at most 64
 * characters, anything else as \xNN (a name must not forge a log line). */
static void shown(const char *v, char *buf, size_t cap)
{
    size_t o = 0;

    for (size_t i = 0; v[i] != '\0' && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)v[i];
        if (i == 64) {
            snprintf(buf + o, cap - o, "...");
            return;
        }
        if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'')
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
        else
            buf[o++] = (char)c;
    }
    buf[o] = '\0';
}

/* A password is JSON text for SPS: it must be valid UTF-8 (RFC 3629). */
static int is_utf8(const unsigned char *s)
{
    while (*s) {
        size_t len;
        unsigned min;
        unsigned cp;

        if (*s < 0x80) {
            s++;
            continue;
        }
        if ((*s & 0xe0) == 0xc0) {
            len = 2, min = 0x80, cp = *s & 0x1f;
        } else if ((*s & 0xf0) == 0xe0) {
            len = 3, min = 0x800, cp = *s & 0x0f;
        } else if ((*s & 0xf8) == 0xf0) {
            len = 4, min = 0x10000, cp = *s & 0x07;
        } else {
            return 0;
        }
        for (size_t i = 1; i < len; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        s += len;
    }
    return 1;
}

static int run_password(json_t *in, const char *config, const char *stack,
                        int trace, json_t *list)
{
    /* The items the hook passes on. */
    static const credstack_item passed[] = {
        CREDSTACK_ITEM_GATEWAY_USER, CREDSTACK_ITEM_GATEWAY_PASSWORD,
        CREDSTACK_ITEM_TARGET_USER,  CREDSTACK_ITEM_TARGET_HOST,
        CREDSTACK_ITEM_TARGET_PORT,  CREDSTACK_ITEM_PROTOCOL,
        CREDSTACK_ITEM_CLIENT_IP,    CREDSTACK_ITEM_SESSION_ID};
    credstack_value *values = NULL;
    size_t nvalues = 0;
    cli_hook_request r;
    cli_request run;
    cli_result res = {0, NULL, NULL, 0};
    int rc;

    if (cli_hook_request_from_json(in, &r) != CREDSTACK_OK) {
        fprintf(stderr, "credstack hook: the request needs string members "
                        "gateway_username, target_username (or "
                        "server_username) and target_host (or server_ip/"
                        "server_hostname)\n");
        return CREDSTACK_ERR_INVALID;
    }
    rc = caller_values(in, &values, &nvalues);
    if (rc != CREDSTACK_OK) {
        fprintf(stderr, "credstack hook: credstack_values must be an object "
                        "of objects of strings "
                        "({\"SECTION\": {\"OPTION\": \"VALUE\"}})\n");
        free(values);
        return rc;
    }
    for (size_t i = 0; trace && i < 2 && r.ignored[i]; i++) {
        char name[300], addr[300];
        shown(r.ignored[i], name, sizeof(name));
        shown(r.items[CREDSTACK_ITEM_TARGET_HOST], addr, sizeof(addr));
        fprintf(stderr,
                "trace: hook: %s '%s' ignored; using connect address '%s'\n",
                r.ignored_key[i], name, addr);
    }
    memset(&run, 0, sizeof(run));
    run.config = config;
    run.stack = stack;
    run.values = values;
    run.nvalues = nvalues;
    run.trace = trace;
    for (size_t i = 0; i < sizeof(passed) / sizeof(passed[0]); i++)
        run.items[passed[i]] = r.items[passed[i]];
    /* A name that came with the address is shown in the audit line only. */
    run.items[CREDSTACK_ITEM_TARGET_NAME] = r.ignored[0];
    cli_run("hook", &run, &res);
    free(values);
    rc = res.rc;
    if (rc == CREDSTACK_OK) {
        if (!is_utf8((const unsigned char *)res.password)) {
            /* jansson cannot put it into JSON text, and SPS could not read
             * it: a backend answer we cannot pass on, said so (never the
             * bytes themselves). */
            fprintf(stderr,
                    "credstack hook: %s: the password is not valid UTF-8; "
                    "SPS takes passwords as JSON text, so it cannot be "
                    "passed on\n",
                    credstack_strerror(CREDSTACK_ERR_BACKEND));
            rc = CREDSTACK_ERR_BACKEND;
        } else if (json_array_append_new(list, json_string(res.password)) !=
                   0) {
            fprintf(stderr, "credstack hook: out of memory\n");
            rc = CREDSTACK_ERR_NOMEM;
        }
    } else if (res.opened && rc == CREDSTACK_ERR_DENIED) {
        fprintf(stderr, "credstack hook: no password: %s\n",
                res.error ? res.error : "");
    } else if (res.opened) {
        fprintf(stderr, "credstack hook: %s: %s\n", credstack_strerror(rc),
                res.error ? res.error : "");
    }
    cli_result_free(&res);
    return rc;
}

/* Write the reply (it may hold a password) and wipe its buffer. */
static int write_reply(json_t *reply)
{
    char *text = json_dumps(reply, JSON_COMPACT);
    int ret;

    if (text == NULL)
        return CREDSTACK_ERR_NOMEM;
    ret = cli_write_secret_line(STDOUT_FILENO, text);
    cli_free_secret(text, strlen(text));
    return ret;
}

int cli_hook(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"stack", required_argument, NULL, 's'},
        {"trace", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    static const char *const hooks[] = {
        "get-password-list", "get-private-key-list", "authentication-completed",
        "session-ended", NULL};
    const char *config = NULL, *stack = NULL, *hook = NULL;
    int trace = 0, c, which = -1, rc = CREDSTACK_OK;
    char *text = NULL;
    size_t len = 0;
    json_t *in = NULL, *reply = NULL, *list = NULL;
    json_error_t jerr;

    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:thV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 's':
            stack = optarg;
            break;
        case 't':
            trace = 1;
            break;
        default:
            return cli_usual_option(c, usage);
        }
    }
    if (optind + 1 == argc)
        hook = argv[optind];
    for (int i = 0; hook && hooks[i]; i++)
        if (strcmp(hook, hooks[i]) == 0)
            which = i;
    if (which < 0 || config == NULL) {
        fprintf(stderr, "credstack hook: %s\n",
                config == NULL ? "--config FILE is required" : "name one HOOK");
        usage(stderr);
        return CLI_EXIT_CONFIG;
    }
    rc = cli_read_all(stdin, 1024 * 1024, &text, &len);
    if (rc != CREDSTACK_OK) {
        fprintf(stderr, "credstack hook: cannot read the request on stdin "
                        "(at most 1 MiB)\n");
        return CLI_EXIT_CONFIG;
    }
    in = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    cli_free_secret(text, len);
    if (!json_is_object(in)) {
        if (in != NULL)
            fprintf(stderr, "credstack hook: the request is not a JSON "
                            "object (another JSON value)\n");
        else
            fprintf(stderr,
                    "credstack hook: the request is not a JSON object: %s "
                    "at line %d, column %d (byte %d)\n",
                    json_problem(&jerr), jerr.line, jerr.column, jerr.position);
        rc = CREDSTACK_ERR_INVALID;
        goto reply;
    }
    if (which == 0) {
        list = json_array();
        rc = list ? run_password(in, config, stack, trace, list)
                  : CREDSTACK_ERR_NOMEM;
    } else if (which == 1) {
        /* No module serves private keys yet: an empty list, as the vendor's. */
        list = json_array();
    }
reply:
    reply = json_object();
    if (reply == NULL) {
        rc = CREDSTACK_ERR_NOMEM;
        goto done;
    }
    if (which <= 1) {
        json_t *empty = json_array();
        /* On any failure the list is empty: never half an answer. */
        json_object_set_new(reply, which == 1 ? "private_keys" : "passwords",
                            rc == CREDSTACK_OK && list ? json_incref(list)
                                                       : empty);
        if (rc == CREDSTACK_OK && list)
            json_decref(empty);
    }
    json_object_set_new(reply, "cookie", cli_hook_next_cookie(in, "cookie"));
    json_object_set_new(reply, "session_cookie",
                        cli_hook_next_cookie(in, "session_cookie"));
    if (write_reply(reply) != CREDSTACK_OK && rc == CREDSTACK_OK)
        rc = CREDSTACK_ERR_IO;
done:
    if (list) {
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v)
            credstack_wipe((char *)json_string_value(v), json_string_length(v));
    }
    if (in) {
        wipe_member(in, "gateway_password");
        wipe_caller_values(in);
    }
    json_decref(list);
    json_decref(reply);
    json_decref(in);
    return rc == CREDSTACK_ERR_DENIED ? CLI_EXIT_OK : cli_exit_code(rc);
}
