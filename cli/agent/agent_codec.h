/* SPDX-License-Identifier: MIT */
/* agent_codec.h: every message of the agent's protocol, built and read in
 * one place (agent_codec.c): the caller's requests (run, status, stop), the
 * agent's replies (stale, accepted, answer, status, stopping) and the
 * caller-resolved values the agent reads on its standard input.  The
 * framing is agent_proto.c's; no other file names a field. */
#ifndef CREDSTACK_CLI_AGENT_CODEC_H
#define CREDSTACK_CLI_AGENT_CODEC_H

#include <stddef.h>

#include <jansson.h>

#include <credstack/credstack.h>

/* ---- caller to agent ---- */

typedef enum cli_agent_op {
    CLI_AGENT_OP_RUN = 1, /* run a request */
    CLI_AGENT_OP_STATUS,  /* --status */
    CLI_AGENT_OP_STOP     /* --stop */
} cli_agent_op;

typedef struct cli_agent_req {
    cli_agent_op op;
    /* CLI_AGENT_OP_RUN only: */
    const char *digest; /* which configuration the caller means */
    int trace;
    int log_level; /* 0: as configured */
    const char *items[CREDSTACK_ITEM_COUNT];
} cli_agent_req;

/*
 * A new message for r, or NULL: out of memory, or an item that is not UTF-8
 * (JSON carries UTF-8 only: such a request runs in the caller rather than
 * arrive without that item).
 */
json_t *cli_agent_req_encode(const cli_agent_req *r);

/*
 * Read a request.  CREDSTACK_OK with r filled (strings borrowed from m);
 * CREDSTACK_ERR_INVALID when m is no request: an unknown op, or a run
 * without a digest or with a member of the wrong type (r->op still says
 * which op it was, when known, so that a bad run can be told "stale").
 */
int cli_agent_req_decode(json_t *m, cli_agent_req *r);

/* ---- agent to caller ---- */

typedef enum cli_agent_reply_kind {
    CLI_AGENT_REPLY_STALE = 1, /* not from this handle: run it yourself */
    CLI_AGENT_REPLY_ACCEPTED,  /* it runs, within budget_ms */
    CLI_AGENT_REPLY_ANSWER,    /* the request's outcome */
    CLI_AGENT_REPLY_STATUS,    /* --status */
    CLI_AGENT_REPLY_STOPPING   /* --stop */
} cli_agent_reply_kind;

/* Two strings: a status line (module, line) or an input (what, path). */
typedef struct cli_agent_pair {
    const char *first, *second;
} cli_agent_pair;

typedef struct cli_agent_status {
    long long pid, uptime_s, requests, p50_ms, p99_ms, running;
    const char *socket, *log;
    cli_agent_pair *lines, *inputs;
    size_t nlines, ninputs;
} cli_agent_status;

typedef struct cli_agent_reply {
    cli_agent_reply_kind kind;
    long long budget_ms; /* ACCEPTED */
    /* ANSWER: rc as credstack_run(); password (a secret: NULL when the
     * agent sent none) and log hold any bytes; all three new strings. */
    int rc;
    char *password, *error, *log;
    cli_agent_status status; /* STATUS: strings borrowed from the message */
} cli_agent_reply;

json_t *cli_agent_stale_encode(void);
json_t *cli_agent_accepted_encode(long long budget_ms);
/* error may be NULL; password and log may hold any bytes but NUL. */
json_t *cli_agent_answer_encode(int rc, const char *password, const char *error,
                                const char *log);
json_t *cli_agent_status_encode(const cli_agent_status *s);
json_t *cli_agent_stopping_encode(void);

/*
 * Read a reply.  CREDSTACK_OK with r filled (free with
 * cli_agent_reply_clear()); CREDSTACK_ERR_INVALID when m is no reply or a
 * member has the wrong type; CREDSTACK_ERR_NOMEM.
 */
int cli_agent_reply_decode(json_t *m, cli_agent_reply *r);

/* Wipe the answer's secrets and free what decoding allocated. */
void cli_agent_reply_clear(cli_agent_reply *r);

/* ---- the caller's values, on the agent's standard input ---- */

/* {"SECTION": {"OPTION": "VALUE"}} for v, as a new string (wipe and free
 * it); NULL on out of memory or a value that is not UTF-8. */
char *cli_agent_values_encode(const credstack_value *v, size_t n);

/*
 * Read them back: *vals_out (free()) borrows from *keep_out (wipe with
 * cli_agent_wipe_json(), then json_decref()), both set on success.
 * CREDSTACK_OK; CREDSTACK_ERR_INVALID when the text is no such object.
 */
int cli_agent_values_decode(const char *text, size_t len, json_t **keep_out,
                            credstack_value **vals_out, size_t *n_out);

/* Wipe the string values of a message in place (before json_decref()). */
void cli_agent_wipe_json(json_t *v);

#endif /* CREDSTACK_CLI_AGENT_CODEC_H */
