/* SPDX-License-Identifier: MIT */
/* tpam_command.h: builds TPAM CLI command lines from allow-listed, quoted
 * values. */
#ifndef TPAM_COMMAND_H
#define TPAM_COMMAND_H

#include <stddef.h>

/* Longest value accepted for any field. */
#define TPAM_VALUE_MAX 128

/*
 * What a value is; each kind has its own allow-list (see tpam_command.c).
 * REASON values are composed by tpam_cmd_add_reason() only.
 */
typedef enum tpam_field_kind {
    TPAM_FIELD_SYSTEM = 0, /* letters, digits, . _ - + */
    TPAM_FIELD_ACCOUNT,    /* letters, digits, . _ - @, and $ last only */
    TPAM_FIELD_USER,       /* letters, digits, @ . - _ */
    TPAM_FIELD_ADDRESS,    /* IPv4, IPv6 (no zone id), host name */
    TPAM_FIELD_POLICY,     /* letters, digits, space, . _ - ( ): a reason
                              text's safe form of a policy name */
    TPAM_FIELD_REQUEST_ID, /* digits, or digits-digits */
    TPAM_FIELD_REASON,     /* <user>,SPS,<kind>[,<detail>] */
    TPAM_FIELD_FLAG,       /* one letter, a fixed literal such as E */
    TPAM_FIELD_KEYWORD, /* letters and digits, a fixed literal such as Active */
    TPAM_FIELD_COUNT    /* sentinel, not a kind */
} tpam_field_kind;

typedef struct tpam_cmd tpam_cmd;

/*
 * A new command line holding only `command` (letters only, e.g.
 * "ListSystems").  NULL when out of memory or when the name is not a plain
 * word.  Free with tpam_cmd_free().
 */
tpam_cmd *tpam_cmd_new(const char *command);

/* Free a command.  NULL is a no-op. */
void tpam_cmd_free(tpam_cmd *cmd);

/*
 * Append `--option value`.  The value is checked against the allow-list of
 * `kind` and double-quoted when it has a space or a '$' (an account name
 * such as HOST$: whatever reads the line, a quoted value is one word).  Returns
 * CREDSTACK_OK, CREDSTACK_ERR_REFUSED (the value is unsafe; err names the
 * option and why), CREDSTACK_ERR_INVALID (bad option name, REASON kind, NULL)
 * or CREDSTACK_ERR_NOMEM.  After any failure the command is poisoned:
 * tpam_cmd_str() returns NULL, so that it can never be sent without the
 * refused filter.
 */
int tpam_cmd_add(tpam_cmd *cmd, const char *option, const char *value,
                 tpam_field_kind kind, char *err, size_t errlen);

/*
 * Append `--option <user>,SPS,<kind>[,<detail>]`, the reason text of a
 * checkout.  user is checked as USER, kind as KEYWORD, detail (NULL for
 * none) as detail_kind (POLICY or REQUEST_ID).  Returns as tpam_cmd_add().
 */
int tpam_cmd_add_reason(tpam_cmd *cmd, const char *option, const char *user,
                        const char *kind, const char *detail,
                        tpam_field_kind detail_kind, char *err, size_t errlen);

/* The command line to send, or NULL when an add failed.  Owned by cmd. */
const char *tpam_cmd_str(const tpam_cmd *cmd);

/* The command name given to tpam_cmd_new(), for messages. */
const char *tpam_cmd_name(const tpam_cmd *cmd);

/*
 * Check value[0..len) (len explicit, so a NUL byte is seen) against the
 * allow-list of `kind`; `field` names it in the message (e.g.
 * "NetworkAddress").  CREDSTACK_OK or CREDSTACK_ERR_REFUSED.
 */
int tpam_value_check(const char *field, const char *value, size_t len,
                     tpam_field_kind kind, char *err, size_t errlen);

/*
 * Check a required access policy name (required_policy, policy=).  It is
 * only compared with TPAM's AccessPolicyName, never sent as a filter, so
 * any printable text is accepted (';' ',' '/' '#' and UTF-8 included)
 * except a double quote and control characters; it may not be empty, begin
 * or end with a space, or exceed TPAM_VALUE_MAX bytes.  `field` names it in
 * the message.  CREDSTACK_OK or CREDSTACK_ERR_REFUSED.
 */
int tpam_policy_name_check(const char *field, const char *policy, char *err,
                           size_t errlen);

/*
 * The safe form of a policy name for a reason text (`<user>,SPS,policy,
 * <safe form>`): every run of bytes outside the POLICY allow-list (letters,
 * digits, space, . _ - ( )) becomes one '_', and a leading '-', a leading or
 * trailing space and a space before '-' are replaced too, so that the result
 * always passes tpam_value_check(TPAM_FIELD_POLICY).  "DBA;night" gives
 * "DBA_night".  Written to out (at most TPAM_VALUE_MAX bytes + NUL; outlen
 * must be at least 2); returns out.
 */
char *tpam_policy_reason_form(const char *policy, char *out, size_t outlen);

/* A human name for a kind ("system name"). */
const char *tpam_field_kind_name(tpam_field_kind kind);

#endif /* TPAM_COMMAND_H */
