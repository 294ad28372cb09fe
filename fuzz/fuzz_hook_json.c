/* SPDX-License-Identifier: MIT */
/* fuzz_hook_json.c: libFuzzer harness of `credstack hook`'s JSON input:
 * parsing, the request mapping and the reply's cookies. */
#include "autoconf.h"

#include <stdio.h>

#include <jansson.h>

#include <credstack/credstack.h>

#include "cli.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    cli_hook_request r;
    json_t *in, *reply;
    char *text;

    /* Exactly as cli_hook() reads stdin. */
    in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (cli_hook_request_from_json(in, &r) == CREDSTACK_OK) {
        /* What the hook passes on must be C strings without a NUL inside
         * (jansson refuses \u0000 without JSON_ALLOW_NUL). */
        for (int i = 0; i < CREDSTACK_ITEM_COUNT; i++)
            if (r.items[i] != NULL)
                (void)strlen(r.items[i]);
        if (r.items[CREDSTACK_ITEM_GATEWAY_USER] == NULL ||
            r.items[CREDSTACK_ITEM_TARGET_USER] == NULL ||
            r.items[CREDSTACK_ITEM_TARGET_HOST] == NULL ||
            *r.items[CREDSTACK_ITEM_TARGET_USER] == '\0' ||
            *r.items[CREDSTACK_ITEM_TARGET_HOST] == '\0')
            abort();
    }
    /* The reply is built whatever the request was, broken ones included. */
    reply = json_object();
    if (reply == NULL)
        abort();
    json_object_set_new(reply, "passwords", json_array());
    json_object_set_new(reply, "cookie", cli_hook_next_cookie(in, "cookie"));
    json_object_set_new(reply, "session_cookie",
                        cli_hook_next_cookie(in, "session_cookie"));
    text = json_dumps(reply, JSON_COMPACT);
    if (text == NULL)
        abort();
    free(text);
    json_decref(reply);
    json_decref(in);
    return 0;
}
