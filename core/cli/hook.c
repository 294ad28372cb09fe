/* SPDX-License-Identifier: MIT */
/* hook.c: `credstack hook`: answers one SPS plugin hook, JSON in on stdin and
 * out on stdout. */
#include "autoconf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <credstack/module.h>

#include "cli.h"

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
        "server_username, server_hostname/server_ip win over target_username\n"
        "and target_host when present.  A member credstack_values, an object\n"
        "{\"SECTION\": {\"OPTION\": \"VALUE\", ...}, ...}, carries values the\n"
        "caller resolved itself (the SPS plugin: options written \"$\", taken\n"
        "from SPS's credential store); they are never logged and are wiped\n"
        "after use.  Denied or not found: an empty list\n"
        "and exit 0; a broken request or configuration: exit 2; a backend\n"
        "failure: exit 3 (with an empty list on stdout in both cases).\n",
        out);
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

/* The reply's cookie: the caller's, with the call count increased (as the
 * vendor's plugin). */
json_t *cli_hook_next_cookie(json_t *in, const char *key)
{
    json_t *c = json_object_get(in, key);
    json_t *out = json_is_object(c) ? json_deep_copy(c) : json_object();
    json_int_t n = 0;

    if (out == NULL)
        return NULL;
    if (json_is_integer(json_object_get(out, "call_count")))
        n = json_integer_value(json_object_get(out, "call_count"));
    if (strcmp(key, "cookie") == 0)
        json_object_set_new(out, "call_count", json_integer(n + 1));
    return out;
}

int cli_hook_request_from_json(json_t *in, cli_hook_request *r)
{
    static const char *const user_keys[] = {"server_username",
                                            "target_username", NULL};
    static const char *const host_keys[] = {"server_hostname", "server_ip",
                                            "target_host", NULL};
    static const char *const port_keys[] = {"server_port", "target_port", NULL};
    const char **it = r->items;
    int bad = 0;

    memset(r, 0, sizeof(*r));
    if (!json_is_object(in))
        return CREDSTACK_ERR_INVALID;
    it[CREDSTACK_ITEM_GATEWAY_USER] = member(in, "gateway_username", &bad);
    it[CREDSTACK_ITEM_GATEWAY_PASSWORD] = member(in, "gateway_password", &bad);
    it[CREDSTACK_ITEM_TARGET_USER] = first_of(in, user_keys, &bad);
    it[CREDSTACK_ITEM_TARGET_HOST] = first_of(in, host_keys, &bad);
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

static int run_password(json_t *in, const char *config, const char *stack,
                        int trace, json_t *list)
{
    /* The items the hook passes on, in the order they are set. */
    static const credstack_item passed[] = {
        CREDSTACK_ITEM_GATEWAY_USER, CREDSTACK_ITEM_GATEWAY_PASSWORD,
        CREDSTACK_ITEM_TARGET_USER,  CREDSTACK_ITEM_TARGET_HOST,
        CREDSTACK_ITEM_TARGET_PORT,  CREDSTACK_ITEM_PROTOCOL,
        CREDSTACK_ITEM_CLIENT_IP,    CREDSTACK_ITEM_SESSION_ID};
    credstack_handle *h = NULL;
    credstack_request *req = NULL;
    credstack_value *values = NULL;
    size_t nvalues = 0;
    cli_hook_request r;
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
        return rc;
    }
    rc = cli_open("hook", &h, config, stack, CREDSTACK_OPEN_LOG_STDERR, values,
                  nvalues);
    free(values);
    if (rc != CREDSTACK_OK)
        return rc;
    if (trace)
        credstack_set_trace(h, stderr);
    if ((rc = credstack_request_new(h, &req)) != CREDSTACK_OK)
        goto done;
    for (size_t i = 0; i < sizeof(passed) / sizeof(passed[0]); i++)
        if ((rc = credstack_request_set(req, passed[i], r.items[passed[i]])) !=
            CREDSTACK_OK)
            goto done;
    rc = credstack_run(h, req);
    if (rc == CREDSTACK_OK) {
        const char *pw = credstack_request_get(req, CREDSTACK_ITEM_PASSWORD);
        if (json_array_append_new(list, json_string(pw)) != 0)
            rc = CREDSTACK_ERR_NOMEM;
    } else if (rc == CREDSTACK_ERR_DENIED) {
        fprintf(stderr, "credstack hook: no password: %s\n",
                credstack_request_error(req));
    } else {
        fprintf(stderr, "credstack hook: %s: %s\n", credstack_strerror(rc),
                credstack_request_error(req));
    }
done:
    credstack_request_free(req);
    credstack_close(h);
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
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        case 'V':
            cli_version(stdout);
            return CLI_EXIT_OK;
        default:
            usage(stderr);
            return CLI_EXIT_CONFIG;
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
        fprintf(stderr,
                "credstack hook: the request is not a JSON object: "
                "line %d column %d: %s\n",
                jerr.line, jerr.column, in ? "not an object" : jerr.text);
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
