/* SPDX-License-Identifier: MIT */
/* tpam_command.c: builds TPAM CLI command lines from allow-listed, quoted
 * values. */
/* Long file: one allow-list and quoting rule per TPAM command and argument
 * (tpam-cli.md), kept side by side so that they can be read against the
 * vendor's text. */
#include "tpam_command.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <credstack/credstack.h>

#include "tpam_text.h"

struct tpam_cmd {
    char *name; /* the command word, for messages */
    char *buf;  /* the command line built so far */
    size_t len;
    size_t cap;
    int poisoned; /* an add failed: never hand the line out */
};

static const char *const tpam_kind_names[TPAM_FIELD_COUNT] = {
    [TPAM_FIELD_SYSTEM] = "system name",
    [TPAM_FIELD_ACCOUNT] = "account name",
    [TPAM_FIELD_USER] = "user name",
    [TPAM_FIELD_ADDRESS] = "network address",
    [TPAM_FIELD_POLICY] = "policy name",
    [TPAM_FIELD_REQUEST_ID] = "request id",
    [TPAM_FIELD_REASON] = "reason text",
    [TPAM_FIELD_FLAG] = "flag",
    [TPAM_FIELD_KEYWORD] = "keyword",
};

/* What each allow-list says, for the refusal message. */
static const char *const tpam_kind_allowed[TPAM_FIELD_COUNT] = {
    [TPAM_FIELD_SYSTEM] = "letters, digits and . _ - +",
    [TPAM_FIELD_ACCOUNT] = "letters, digits and . _ - @, and '$' as the "
                           "last character",
    [TPAM_FIELD_USER] = "letters, digits and @ . - _",
    [TPAM_FIELD_ADDRESS] = "an IPv4 or IPv6 address or a host name of "
                           "letters, digits, . and -",
    [TPAM_FIELD_POLICY] = "letters, digits, space and . _ - ( )",
    [TPAM_FIELD_REQUEST_ID] = "digits, or digits-digits",
    [TPAM_FIELD_REASON] = "user name, SPS, letters, digits, space, "
                          "commas and . _ - ( ) @",
    [TPAM_FIELD_FLAG] = "one letter",
    [TPAM_FIELD_KEYWORD] = "letters and digits",
};

const char *tpam_field_kind_name(tpam_field_kind kind)
{
    if ((unsigned)kind >= TPAM_FIELD_COUNT) {
        return "value";
    }
    return tpam_kind_names[kind];
}

static int tpam_is_alnum(unsigned char c)
{
    /* Not isalnum(): it depends on the locale, this must not. */
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9');
}

static int tpam_is_alpha(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/*
 * The per-kind allow-lists.  The characters every kind refuses (quotes, *,
 * !, backslash, controls, non-ASCII) are refused before this is asked.
 *
 * USER has no backslash although gateway users may be DOMAIN\user: TPAM's
 * tokenizer is undocumented.  If it treats \ as an escape (as a shell
 * would), "DOM\bob" reaches TPAM as "DOMbob", another user's name in a
 * --UserName filter; if it follows the Windows argv rules, a trailing \
 * inside a quoted value escapes the closing quote and swallows the rest of
 * the line.  Neither can be ruled out, so the backslash is refused.
 */
static int tpam_kind_allows(tpam_field_kind kind, unsigned char c)
{
    if (tpam_is_alnum(c)) {
        return kind != TPAM_FIELD_FLAG || tpam_is_alpha(c);
    }
    switch (kind) {
    case TPAM_FIELD_SYSTEM:
        return c == '.' || c == '_' || c == '-' || c == '+';
    case TPAM_FIELD_ACCOUNT:
        return c == '.' || c == '_' || c == '-' || c == '@' || c == '$';
    case TPAM_FIELD_USER:
        return c == '@' || c == '.' || c == '-' || c == '_';
    case TPAM_FIELD_ADDRESS:
        return c == '.' || c == '-' || c == ':';
    case TPAM_FIELD_POLICY:
        return c == ' ' || c == '.' || c == '_' || c == '-' || c == '(' ||
               c == ')';
    case TPAM_FIELD_REQUEST_ID:
        return c == '-';
    case TPAM_FIELD_REASON:
        /* The union of its checked parts (USER, KEYWORD, POLICY, REQUEST_ID) +
         * comma. */
        return c == ',' || c == ' ' || c == '.' || c == '_' || c == '-' ||
               c == '(' || c == ')' || c == '@';
    case TPAM_FIELD_FLAG:
    case TPAM_FIELD_KEYWORD:
    case TPAM_FIELD_COUNT:
        break;
    }
    return 0;
}

/* Why a byte is refused by every kind, or NULL when it is not. */
static const char *tpam_always_refused(unsigned char c)
{
    switch (c) {
    case '\0':
        return "contains a NUL byte";
    case '\r':
    case '\n':
        return "contains a line break";
    case '\t':
        return "contains a tab";
    case '"':
        return "contains a double quote (TPAM has no escape for it)";
    case '\'':
        return "contains a quote";
    case '`':
        return "contains a backquote";
    case '\\':
        return "contains a backslash (TPAM's handling of it is unknown)";
    case '*':
        return "contains '*' (a TPAM wildcard)";
    case '!':
        return "contains '!' (TPAM's \"no membership\" marker)";
    default:
        break;
    }
    if (c < 0x20 || c == 0x7f) {
        return "contains a control character";
    }
    if (c >= 0x80) {
        return "contains a non-ASCII byte";
    }
    return NULL;
}

/* Structure rules of an address, once its characters passed. */
static const char *tpam_address_problem(const char *v, size_t len)
{
    char copy[TPAM_VALUE_MAX + 1];
    unsigned char bin[16];
    size_t i;
    size_t label = 0;
    int only_digits_dots = 1;

    memcpy(copy, v, len);
    copy[len] = '\0';
    if (memchr(v, ':', len) != NULL) {
        if (inet_pton(AF_INET6, copy, bin) != 1) {
            return "is not a valid IPv6 address";
        }
        return NULL;
    }
    for (i = 0; i < len; i++) {
        if (v[i] != '.' && (v[i] < '0' || v[i] > '9')) {
            only_digits_dots = 0;
        }
    }
    if (only_digits_dots) {
        /* glibc's inet_pton takes only a strict dotted quad: no octal, no short
         * forms. */
        if (inet_pton(AF_INET, copy, bin) != 1) {
            return "is not a valid IPv4 address";
        }
        return NULL;
    }
    for (i = 0; i <= len; i++) {
        if (i == len || v[i] == '.') {
            if (label == 0) {
                return "has an empty host name label";
            }
            if (label > 63) {
                return "has a host name label longer than 63 characters";
            }
            label = 0;
        } else {
            label++;
        }
    }
    return NULL;
}

/* Structure rules of a request id: digits, or groups of digits joined by -. */
static const char *tpam_request_id_problem(const char *v, size_t len)
{
    size_t i;

    if (v[0] == '-' || v[len - 1] == '-') {
        return "is not digits or digits-digits";
    }
    for (i = 1; i < len; i++) {
        if (v[i] == '-' && v[i - 1] == '-') {
            return "is not digits or digits-digits";
        }
    }
    for (i = 0; i < len; i++) {
        if (v[i] != '-' && (v[i] < '0' || v[i] > '9')) {
            return "is not digits or digits-digits";
        }
    }
    return NULL;
}

/* Shared rules of values that may hold spaces (POLICY, REASON). */
static const char *tpam_spaces_problem(const char *v, size_t len)
{
    size_t i;

    if (v[0] == ' ' || v[len - 1] == ' ') {
        return "begins or ends with a space";
    }
    /*
     * Inside double quotes " -x" should be data, but TPAM's tokenizer is
     * not documented: never let a quoted value look like a new option.
     */
    for (i = 0; i + 1 < len; i++) {
        if (v[i] == ' ' && v[i + 1] == '-') {
            return "has a space followed by '-', which TPAM could read as an "
                   "option";
        }
    }
    return NULL;
}

static int tpam_refuse(const char *field, const char *value, size_t len,
                       tpam_field_kind kind, const char *why, char *err,
                       size_t errlen)
{
    char shown[TPAM_SHOW_MAX * 4 + 8];

    tpam_escape(shown, sizeof(shown), value, len, TPAM_SHOW_MAX);
    return tpam_errf(err, errlen, CREDSTACK_ERR_REFUSED,
                     "refused %s for TPAM option %s: it %s (value \"%s\")",
                     tpam_field_kind_name(kind), field, why, shown);
}

int tpam_value_check(const char *field, const char *value, size_t len,
                     tpam_field_kind kind, char *err, size_t errlen)
{
    char why[160];
    const char *problem = NULL;
    /* A reason text is composed of three parts that are each <= TPAM_VALUE_MAX.
     */
    size_t max =
        kind == TPAM_FIELD_REASON ? 3 * TPAM_VALUE_MAX + 8 : TPAM_VALUE_MAX;
    size_t i;

    if (field == NULL) {
        field = "(unnamed)";
    }
    if (value == NULL || (unsigned)kind >= TPAM_FIELD_COUNT) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                         "no value or bad kind for TPAM option %s", field);
    }
    if (len == 0) {
        return tpam_refuse(field, value, len, kind, "is empty", err, errlen);
    }
    if (len > max) {
        snprintf(why, sizeof(why), "is too long (%zu bytes, at most %zu)", len,
                 max);
        return tpam_refuse(field, value, len, kind, why, err, errlen);
    }
    for (i = 0; i < len; i++) {
        problem = tpam_always_refused((unsigned char)value[i]);
        if (problem != NULL) {
            return tpam_refuse(field, value, len, kind, problem, err, errlen);
        }
    }
    if (value[0] == '-') {
        return tpam_refuse(field, value, len, kind,
                           "begins with '-' (TPAM would read it as an option)",
                           err, errlen);
    }
    if (kind == TPAM_FIELD_ADDRESS && memchr(value, '%', len) != NULL) {
        return tpam_refuse(field, value, len, kind,
                           "has an IPv6 zone id ('%...'), which TPAM does not "
                           "know",
                           err, errlen);
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];

        if (!tpam_kind_allows(kind, c)) {
            if (c == ' ') {
                snprintf(why, sizeof(why), "contains a space (allowed: %s)",
                         tpam_kind_allowed[kind]);
            } else {
                snprintf(why, sizeof(why), "contains '%c' (allowed: %s)", c,
                         tpam_kind_allowed[kind]);
            }
            return tpam_refuse(field, value, len, kind, why, err, errlen);
        }
    }
    switch (kind) {
    case TPAM_FIELD_ADDRESS:
        problem = tpam_address_problem(value, len);
        break;
    case TPAM_FIELD_REQUEST_ID:
        problem = tpam_request_id_problem(value, len);
        break;
    case TPAM_FIELD_ACCOUNT:
        /*
         * '$' ends Windows machine and managed service accounts (HOST$).
         * Anywhere else it could start a variable ($HOME, $x) if anything
         * between us and TPAM's parser is a shell: refused, and a '$' value
         * is always sent double-quoted.
         */
        if (memchr(value, '$', len - 1) != NULL) {
            problem = "contains '$' before its end (a '$' is accepted only as "
                      "the last character, as in HOST$, and is then sent "
                      "double-quoted)";
        }
        break;
    case TPAM_FIELD_POLICY:
    case TPAM_FIELD_REASON:
        problem = tpam_spaces_problem(value, len);
        break;
    case TPAM_FIELD_FLAG:
        problem = len != 1 ? "is not a single letter" : NULL;
        break;
    default:
        break;
    }
    if (problem != NULL) {
        return tpam_refuse(field, value, len, kind, problem, err, errlen);
    }
    return CREDSTACK_OK;
}

int tpam_policy_name_check(const char *field, const char *policy, char *err,
                           size_t errlen)
{
    size_t len;
    size_t i;
    const char *why = NULL;

    if (field == NULL) {
        field = "policy";
    }
    if (policy == NULL) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                         "no policy name for %s", field);
    }
    len = strlen(policy);
    if (len == 0) {
        why = "is empty";
    } else if (len > TPAM_VALUE_MAX) {
        why = "is longer than 128 bytes";
    } else if (policy[0] == ' ' || policy[len - 1] == ' ') {
        why = "begins or ends with a space (TPAM's cells are compared "
              "without them, so it could never match)";
    }
    for (i = 0; why == NULL && i < len; i++) {
        unsigned char c = (unsigned char)policy[i];

        if (c == '"') {
            why = "contains a double quote";
        } else if (c < 0x20 || c == 0x7f) {
            why = "contains a control character";
        }
    }
    if (why != NULL) {
        char shown[TPAM_SHOW_MAX * 4 + 8];

        tpam_escape(shown, sizeof(shown), policy, len, TPAM_SHOW_MAX);
        return tpam_errf(err, errlen, CREDSTACK_ERR_REFUSED,
                         "refused policy name %s: it %s (value \"%s\")", field,
                         why, shown);
    }
    return CREDSTACK_OK;
}

char *tpam_policy_reason_form(const char *policy, char *out, size_t outlen)
{
    size_t max = outlen - 1 < TPAM_VALUE_MAX ? outlen - 1 : TPAM_VALUE_MAX;
    size_t o = 0;
    const char *p;

    for (p = policy != NULL ? policy : ""; *p != '\0' && o < max; p++) {
        unsigned char c = (unsigned char)*p;
        int ok = tpam_kind_allows(TPAM_FIELD_POLICY, c) &&
                 tpam_always_refused(c) == NULL;

        if (ok && c == ' ' && o == 0) {
            ok = 0; /* no leading space */
        }
        if (ok && c == '-' && (o == 0 || out[o - 1] == ' ')) {
            ok = 0; /* no leading '-', no " -" (an option to TPAM) */
        }
        if (ok) {
            out[o++] = (char)c;
        } else if (o == 0 || out[o - 1] != '_') {
            out[o++] = '_';
        }
    }
    while (o > 0 && out[o - 1] == ' ') {
        out[--o] = '\0';
    }
    if (o == 0) {
        out[o++] = '_';
    }
    out[o] = '\0';
    return out;
}

static int tpam_is_word(const char *s, int digits_ok)
{
    size_t i;

    if (s == NULL || !tpam_is_alpha((unsigned char)s[0])) {
        return 0;
    }
    for (i = 0; s[i] != '\0'; i++) {
        if (i >= 64) {
            return 0;
        }
        if (!(digits_ok ? tpam_is_alnum((unsigned char)s[i])
                        : tpam_is_alpha((unsigned char)s[i]))) {
            return 0;
        }
    }
    return 1;
}

static int tpam_cmd_append(tpam_cmd *cmd, const char *s, size_t n)
{
    char *nb = NULL;
    size_t ncap;

    if (cmd->len + n + 1 > cmd->cap) {
        ncap = (cmd->len + n + 1) * 2;
        nb = realloc(cmd->buf, ncap);
        if (nb == NULL) {
            return CREDSTACK_ERR_NOMEM;
        }
        cmd->buf = nb;
        cmd->cap = ncap;
    }
    memcpy(cmd->buf + cmd->len, s, n);
    cmd->len += n;
    cmd->buf[cmd->len] = '\0';
    return CREDSTACK_OK;
}

tpam_cmd *tpam_cmd_new(const char *command)
{
    tpam_cmd *cmd = NULL;

    if (!tpam_is_word(command, 0)) {
        return NULL;
    }
    cmd = calloc(1, sizeof(*cmd));
    if (cmd == NULL) {
        return NULL;
    }
    cmd->name = strdup(command);
    if (cmd->name == NULL ||
        tpam_cmd_append(cmd, command, strlen(command)) != CREDSTACK_OK) {
        tpam_cmd_free(cmd);
        return NULL;
    }
    return cmd;
}

void tpam_cmd_free(tpam_cmd *cmd)
{
    if (cmd == NULL) {
        return;
    }
    free(cmd->name);
    free(cmd->buf);
    free(cmd);
}

/*
 * Append " --option value", quoting a value with a space or a '$'; value is
 * checked.
 */
static int tpam_cmd_append_option(tpam_cmd *cmd, const char *option,
                                  const char *value, size_t vlen)
{
    int quote =
        memchr(value, ' ', vlen) != NULL || memchr(value, '$', vlen) != NULL;
    size_t olen = strlen(option);
    size_t saved = cmd->len;
    int ret;

    ret = tpam_cmd_append(cmd, " --", 3);
    if (ret == CREDSTACK_OK) {
        ret = tpam_cmd_append(cmd, option, olen);
    }
    if (ret == CREDSTACK_OK) {
        ret = tpam_cmd_append(cmd, quote ? " \"" : " ", quote ? 2 : 1);
    }
    if (ret == CREDSTACK_OK) {
        ret = tpam_cmd_append(cmd, value, vlen);
    }
    if (ret == CREDSTACK_OK && quote) {
        ret = tpam_cmd_append(cmd, "\"", 1);
    }
    if (ret != CREDSTACK_OK) {
        cmd->len = saved;
        cmd->buf[saved] = '\0';
    }
    return ret;
}

int tpam_cmd_add(tpam_cmd *cmd, const char *option, const char *value,
                 tpam_field_kind kind, char *err, size_t errlen)
{
    int ret;

    if (cmd == NULL) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                         "no TPAM command to add an option to");
    }
    if (!tpam_is_word(option, 1)) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                        "bad TPAM option name for command %s", cmd->name);
        goto done;
    }
    if (kind == TPAM_FIELD_REASON) {
        /* Only the library composes a reason, from parts it checked itself. */
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                        "TPAM option %s: a reason text is built with "
                        "tpam_cmd_add_reason()",
                        option);
        goto done;
    }
    ret = tpam_value_check(option, value, value ? strlen(value) : 0, kind, err,
                           errlen);
    if (ret != CREDSTACK_OK) {
        goto done;
    }
    ret = tpam_cmd_append_option(cmd, option, value, strlen(value));
    if (ret != CREDSTACK_OK) {
        tpam_errf(err, errlen, ret, "out of memory building TPAM command %s",
                  cmd->name);
    }

done:
    if (ret != CREDSTACK_OK) {
        cmd->poisoned = 1;
    }
    return ret;
}

int tpam_cmd_add_reason(tpam_cmd *cmd, const char *option, const char *user,
                        const char *kind, const char *detail,
                        tpam_field_kind detail_kind, char *err, size_t errlen)
{
    char reason[3 * TPAM_VALUE_MAX + 16];
    int ret;

    if (cmd == NULL) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                         "no TPAM command to add an option to");
    }
    if (!tpam_is_word(option, 1) ||
        (detail != NULL && detail_kind != TPAM_FIELD_POLICY &&
         detail_kind != TPAM_FIELD_REQUEST_ID)) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                        "bad TPAM option name or reason detail kind for "
                        "command %s",
                        cmd->name);
        goto done;
    }
    ret = tpam_value_check("ReasonText (user)", user, user ? strlen(user) : 0,
                           TPAM_FIELD_USER, err, errlen);
    if (ret == CREDSTACK_OK) {
        ret =
            tpam_value_check("ReasonText (kind)", kind, kind ? strlen(kind) : 0,
                             TPAM_FIELD_KEYWORD, err, errlen);
    }
    if (ret == CREDSTACK_OK && detail != NULL) {
        ret = tpam_value_check("ReasonText (detail)", detail, strlen(detail),
                               detail_kind, err, errlen);
    }
    if (ret != CREDSTACK_OK) {
        goto done;
    }
    /* Each part is at most TPAM_VALUE_MAX bytes, so this cannot truncate. */
    snprintf(reason, sizeof(reason), "%s,SPS,%s%s%s", user, kind,
             detail ? "," : "", detail ? detail : "");
    /* Belt and braces: the composed text passes its own allow-list too. */
    ret = tpam_value_check(option, reason, strlen(reason), TPAM_FIELD_REASON,
                           err, errlen);
    if (ret == CREDSTACK_OK) {
        ret = tpam_cmd_append_option(cmd, option, reason, strlen(reason));
        if (ret != CREDSTACK_OK) {
            tpam_errf(err, errlen, ret,
                      "out of memory building TPAM command %s", cmd->name);
        }
    }

done:
    if (ret != CREDSTACK_OK) {
        cmd->poisoned = 1;
    }
    return ret;
}

const char *tpam_cmd_str(const tpam_cmd *cmd)
{
    if (cmd == NULL || cmd->poisoned) {
        return NULL;
    }
    return cmd->buf;
}

const char *tpam_cmd_name(const tpam_cmd *cmd)
{
    return cmd != NULL ? cmd->name : "(none)";
}
