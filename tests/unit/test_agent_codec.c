/* SPDX-License-Identifier: MIT */
/* test_agent_codec.c: every message of the agent's protocol survives a round
 * trip through its one codec (cli/agent/agent_codec.c), and a malformed
 * message of each type is refused. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "agent_codec.h"

/* A message as it crosses the socket: encoded, dumped, parsed again. */
static json_t *wire(json_t *m)
{
    char *text;
    json_t *back;
    json_error_t err;

    cr_assert_not_null(m);
    text = json_dumps(m, JSON_COMPACT);
    cr_assert_not_null(text);
    back = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    cr_assert_not_null(back, "%s", text);
    free(text);
    json_decref(m);
    return back;
}

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *m = json_loads(text, 0, &err);

    cr_assert_not_null(m, "%s: %s", text, err.text);
    return m;
}

Test(agent_codec, run_request_round_trip)
{
    cli_agent_req q, back;
    json_t *m;

    memset(&q, 0, sizeof(q));
    q.op = CLI_AGENT_OP_RUN;
    q.digest = "abc123";
    q.trace = 1;
    q.log_level = 10;
    q.items[CREDSTACK_ITEM_GATEWAY_USER] = "gw";
    q.items[CREDSTACK_ITEM_TARGET_USER] = "root";
    m = wire(cli_agent_req_encode(&q));
    cr_assert_eq(cli_agent_req_decode(m, &back), CREDSTACK_OK);
    cr_expect_eq(back.op, CLI_AGENT_OP_RUN);
    cr_expect_str_eq(back.digest, "abc123");
    cr_expect_eq(back.trace, 1);
    cr_expect_eq(back.log_level, 10);
    for (int i = 0; i < CREDSTACK_ITEM_COUNT; i++) {
        if (q.items[i] == NULL)
            cr_expect_null(back.items[i], "item %d", i);
        else
            cr_expect_str_eq(back.items[i], q.items[i]);
    }
    json_decref(m);
}

Test(agent_codec, status_and_stop_requests_round_trip)
{
    cli_agent_op ops[] = {CLI_AGENT_OP_STATUS, CLI_AGENT_OP_STOP};

    for (size_t i = 0; i < 2; i++) {
        cli_agent_req q = {.op = ops[i]}, back;
        json_t *m = wire(cli_agent_req_encode(&q));

        cr_assert_eq(cli_agent_req_decode(m, &back), CREDSTACK_OK);
        cr_expect_eq(back.op, ops[i]);
        json_decref(m);
    }
}

Test(agent_codec, a_request_with_an_item_not_utf8_is_not_sent)
{
    cli_agent_req q;

    memset(&q, 0, sizeof(q));
    q.op = CLI_AGENT_OP_RUN;
    q.digest = "d";
    q.items[CREDSTACK_ITEM_TARGET_USER] = "r\xffoot";
    cr_expect_null(cli_agent_req_encode(&q));
}

Test(agent_codec, malformed_requests_are_refused)
{
    static const char *const bad[] = {
        "{}",
        "{\"op\":\"dance\"}",
        "{\"op\":1}",
        "{\"op\":\"run\"}",
        "{\"op\":\"run\",\"digest\":7}",
        "{\"op\":\"run\",\"digest\":\"d\",\"items\":[]}",
        "{\"op\":\"run\",\"digest\":\"d\",\"items\":{\"target_user\":1}}",
        "{\"op\":\"run\",\"digest\":\"d\",\"trace\":\"yes\"}",
        "{\"op\":\"run\",\"digest\":\"d\",\"log_level\":\"info\"}",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *m = parse(bad[i]);
        cli_agent_req r;

        cr_expect_eq(cli_agent_req_decode(m, &r), CREDSTACK_ERR_INVALID, "%s",
                     bad[i]);
        json_decref(m);
    }
}

Test(agent_codec, flag_replies_round_trip)
{
    cli_agent_reply r;
    json_t *m;

    m = wire(cli_agent_stale_encode());
    cr_assert_eq(cli_agent_reply_decode(m, &r), CREDSTACK_OK);
    cr_expect_eq(r.kind, CLI_AGENT_REPLY_STALE);
    cli_agent_reply_clear(&r);
    json_decref(m);
    m = wire(cli_agent_stopping_encode());
    cr_assert_eq(cli_agent_reply_decode(m, &r), CREDSTACK_OK);
    cr_expect_eq(r.kind, CLI_AGENT_REPLY_STOPPING);
    cli_agent_reply_clear(&r);
    json_decref(m);
    m = wire(cli_agent_accepted_encode(45000));
    cr_assert_eq(cli_agent_reply_decode(m, &r), CREDSTACK_OK);
    cr_expect_eq(r.kind, CLI_AGENT_REPLY_ACCEPTED);
    cr_expect_eq(r.budget_ms, 45000);
    cli_agent_reply_clear(&r);
    json_decref(m);
}

static void answer_round_trip(int rc, const char *pw, const char *error,
                              const char *log)
{
    cli_agent_reply r;
    json_t *m = wire(cli_agent_answer_encode(rc, pw, error, log));

    cr_assert_eq(cli_agent_reply_decode(m, &r), CREDSTACK_OK);
    cr_expect_eq(r.kind, CLI_AGENT_REPLY_ANSWER);
    cr_expect_eq(r.rc, rc);
    if (pw == NULL)
        cr_expect_null(r.password);
    else
        cr_expect_str_eq(r.password, pw);
    cr_expect_str_eq(r.error, error ? error : "");
    cr_expect_str_eq(r.log, log);
    cli_agent_reply_clear(&r);
    json_decref(m);
}

Test(agent_codec, answers_round_trip_any_bytes)
{
    answer_round_trip(CREDSTACK_OK, "hunter2", NULL, "");
    /* Not UTF-8: carried as hex, given back byte for byte. */
    answer_round_trip(CREDSTACK_OK, "p\xe9\xffss", NULL, "a line \xfe\n");
    answer_round_trip(CREDSTACK_ERR_DENIED, NULL, "no rule allows it",
                      "credstack: info: audit: ...\n");
}

Test(agent_codec, malformed_answers_are_refused)
{
    static const char *const bad[] = {
        "{\"password\":\"x\"}",
        "{\"rc\":\"0\",\"password\":\"x\"}",
        "{\"rc\":0,\"password\":7}",
        "{\"rc\":0,\"password\":{\"hex\":\"6\"}}",
        "{\"rc\":0,\"password\":{\"hex\":\"6x\"}}",
        "{\"rc\":0,\"password\":{\"hex\":\"6100\"}}",
        "{\"rc\":0,\"password\":{\"hex\":\"61\",\"more\":1}}",
        "{\"rc\":0,\"password\":\"x\",\"log\":[]}",
        "{\"rc\":1,\"error\":5}",
        "{\"stale\":\"yes\"}",
        "{\"accepted\":true,\"budget_ms\":\"soon\"}",
        "{\"accepted\":true}",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *m = parse(bad[i]);
        cli_agent_reply r;

        cr_expect_eq(cli_agent_reply_decode(m, &r), CREDSTACK_ERR_INVALID, "%s",
                     bad[i]);
        cr_expect_null(r.password);
        json_decref(m);
    }
}

Test(agent_codec, status_round_trip)
{
    cli_agent_pair lines[] = {{"core", "cache: 2 entries"},
                              {"checkout-tpam", "sessions: 1 warm"}};
    cli_agent_pair inputs[] = {{"configuration", "/etc/credstack.conf"}};
    cli_agent_status st = {.pid = 4242,
                           .uptime_s = 60,
                           .requests = 7,
                           .p50_ms = 3,
                           .p99_ms = -1,
                           .running = 1,
                           .socket = "/run/credstack/agent-x.sock",
                           .log = "/run/credstack/agent-x.log",
                           .lines = lines,
                           .nlines = 2,
                           .inputs = inputs,
                           .ninputs = 1};
    cli_agent_reply r;
    json_t *m = wire(cli_agent_status_encode(&st));

    cr_assert_eq(cli_agent_reply_decode(m, &r), CREDSTACK_OK);
    cr_expect_eq(r.kind, CLI_AGENT_REPLY_STATUS);
    cr_expect_eq(r.status.pid, 4242);
    cr_expect_eq(r.status.uptime_s, 60);
    cr_expect_eq(r.status.requests, 7);
    cr_expect_eq(r.status.p50_ms, 3);
    cr_expect_eq(r.status.p99_ms, -1);
    cr_expect_eq(r.status.running, 1);
    cr_expect_str_eq(r.status.socket, st.socket);
    cr_expect_str_eq(r.status.log, st.log);
    cr_assert_eq(r.status.nlines, 2);
    cr_expect_str_eq(r.status.lines[1].first, "checkout-tpam");
    cr_expect_str_eq(r.status.lines[1].second, "sessions: 1 warm");
    cr_assert_eq(r.status.ninputs, 1);
    cr_expect_str_eq(r.status.inputs[0].first, "configuration");
    cr_expect_str_eq(r.status.inputs[0].second, "/etc/credstack.conf");
    cli_agent_reply_clear(&r);
    json_decref(m);
}

Test(agent_codec, malformed_status_is_refused)
{
    static const char *const bad[] = {
        "{\"pid\":1}",
        "{\"pid\":1,\"uptime_s\":1,\"requests\":1,\"p50_ms\":1,\"p99_ms\":1,"
        "\"running\":0,\"socket\":\"s\",\"log\":\"l\",\"lines\":[[\"a\"]],"
        "\"inputs\":[]}",
        "{\"pid\":1,\"uptime_s\":1,\"requests\":1,\"p50_ms\":1,\"p99_ms\":1,"
        "\"running\":0,\"socket\":\"s\",\"log\":\"l\",\"lines\":[],"
        "\"inputs\":{}}",
        "{\"pid\":\"1\",\"uptime_s\":1,\"requests\":1,\"p50_ms\":1,"
        "\"p99_ms\":1,\"running\":0,\"socket\":\"s\",\"log\":\"l\","
        "\"lines\":[],\"inputs\":[]}",
        "{\"pid\":1,\"uptime_s\":1,\"requests\":1,\"p50_ms\":1,\"p99_ms\":1,"
        "\"running\":0,\"log\":\"l\",\"lines\":[],\"inputs\":[]}",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *m = parse(bad[i]);
        cli_agent_reply r;

        cr_expect_eq(cli_agent_reply_decode(m, &r), CREDSTACK_ERR_INVALID, "%s",
                     bad[i]);
        json_decref(m);
    }
}

Test(agent_codec, values_round_trip)
{
    credstack_value v[] = {{"tpam", "key", "s3cret"},
                           {"tpam", "user", "svc"},
                           {"other", "x", "y"}};
    char *text = cli_agent_values_encode(v, 3);
    credstack_value *back = NULL;
    json_t *keep = NULL;
    size_t n = 0;

    cr_assert_not_null(text);
    cr_assert_eq(cli_agent_values_decode(text, strlen(text), &keep, &back, &n),
                 CREDSTACK_OK);
    cr_assert_eq(n, 3);
    for (size_t i = 0; i < 3; i++) {
        int found = 0;
        for (size_t j = 0; j < n; j++)
            found += strcmp(back[j].section, v[i].section) == 0 &&
                     strcmp(back[j].option, v[i].option) == 0 &&
                     strcmp(back[j].value, v[i].value) == 0;
        cr_expect_eq(found, 1, "%s.%s", v[i].section, v[i].option);
    }
    free(back);
    cli_agent_wipe_json(keep);
    json_decref(keep);
    free(text);
}

Test(agent_codec, malformed_values_are_refused)
{
    static const char *const bad[] = {"[]", "{\"tpam\":\"key\"}",
                                      "{\"tpam\":{\"key\":1}}", "not json",
                                      "{\"a\":{\"b\":\"c\"},\"a\":{}}"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        credstack_value *back = NULL;
        json_t *keep = NULL;
        size_t n = 0;

        cr_expect_eq(
            cli_agent_values_decode(bad[i], strlen(bad[i]), &keep, &back, &n),
            CREDSTACK_ERR_INVALID, "%s", bad[i]);
        cr_expect_null(keep);
        cr_expect_null(back);
    }
}
