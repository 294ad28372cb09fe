/* SPDX-License-Identifier: MIT */
/* tpam_retrieve.c: the shapes of TPAM's error lines (tpam-cli.md's texts and
 * the generic ones, in any letter case) and what a Retrieve answer may be: one
 * non-empty line that looks like no error, or nothing. */
#include "tpam_output.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <credstack/credstack.h>

#include "tpam_line.h"
#include "tpam_text.h"

/* ---- error shapes (tpam-cli.md's texts and the generic ones) ---- */

/* ASCII letters without case, whatever the locale. */
static int tpam_ieq_n(const char *a, const char *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i];
        unsigned char y = (unsigned char)b[i];

        if (x >= 'A' && x <= 'Z') {
            x = (unsigned char)(x - 'A' + 'a');
        }
        if (y >= 'A' && y <= 'Z') {
            y = (unsigned char)(y - 'A' + 'a');
        }
        if (x != y) {
            return 0;
        }
    }
    return 1;
}

static int tpam_line_starts(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);

    return len >= n && tpam_ieq_n(s, prefix, n);
}

static int tpam_line_has(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    size_t i;

    for (i = 0; n <= len && i <= len - n; i++) {
        if (tpam_ieq_n(s + i, needle, n)) {
            return 1;
        }
    }
    return 0;
}

enum tpam_shape_test {
    TPAM_SHAPE_PREFIX,   /* the line begins with `text` */
    TPAM_SHAPE_CONTAINS, /* the line holds `text` somewhere */
    TPAM_SHAPE_NO_LIST,  /* "No <things> to list" */
    TPAM_SHAPE_TICKET,   /* "Ticket ..." saying required/not found/failed */
};

/*
 * The shapes of an error line, tested in this order on the normalised line
 * (tpam_line_normalise(): no invisible characters, Unicode spaces as
 * spaces, no spaces or quotes around it), ASCII letters compared without
 * case.  A prefix is a prefix,
 * not a word: "Errorless-Pass#2024" starts with "error" and is refused (exit
 * 3, the class named).  Deliberate: TPAM's error texts are not all known, and
 * "Errors:", "Failure", "Failed" must not pass for passwords; a password that
 * begins with one of these words (in any case) cannot be checked out through
 * credstack and has to be changed.  A password is never shown either way.
 */
static const struct tpam_shape {
    enum tpam_shape_test test;
    const char *text;
    int rc;
    const char *cls; /* the class named in messages (a fixed text) */
} tpam_shapes[] = {
    /* The vendor plugin's own test: any line saying "not authorized". */
    {TPAM_SHAPE_CONTAINS, "not authorized", CREDSTACK_ERR_DENIED,
     "says 'not authorized'"},
    {TPAM_SHAPE_PREFIX, "you are not", CREDSTACK_ERR_DENIED,
     "starts with 'you are not'"},
    {TPAM_SHAPE_CONTAINS, "usage:", CREDSTACK_ERR_BACKEND,
     "a usage message ('Usage:')"},
    {TPAM_SHAPE_PREFIX, "usage", CREDSTACK_ERR_BACKEND, "starts with 'usage'"},
    {TPAM_SHAPE_PREFIX, "error", CREDSTACK_ERR_BACKEND, "starts with 'error'"},
    {TPAM_SHAPE_PREFIX, "fail", CREDSTACK_ERR_BACKEND,
     "starts with 'fail' (failed, failure)"},
    {TPAM_SHAPE_PREFIX, "invalid", CREDSTACK_ERR_BACKEND,
     "starts with 'invalid'"},
    {TPAM_SHAPE_PREFIX, "denied", CREDSTACK_ERR_BACKEND,
     "starts with 'denied'"},
    {TPAM_SHAPE_PREFIX, "access denied", CREDSTACK_ERR_BACKEND,
     "starts with 'access denied'"},
    {TPAM_SHAPE_PREFIX, "permission denied", CREDSTACK_ERR_BACKEND,
     "starts with 'permission denied'"},
    {TPAM_SHAPE_PREFIX, "exception", CREDSTACK_ERR_BACKEND,
     "starts with 'exception'"},
    {TPAM_SHAPE_PREFIX, "unknown", CREDSTACK_ERR_BACKEND,
     "starts with 'unknown'"},
    {TPAM_SHAPE_PREFIX, "fatal", CREDSTACK_ERR_BACKEND, "starts with 'fatal'"},
    {TPAM_SHAPE_PREFIX, "warning", CREDSTACK_ERR_BACKEND,
     "starts with 'warning'"},
    {TPAM_SHAPE_NO_LIST, NULL, CREDSTACK_ERR_BACKEND, "'No ... to list'"},
    {TPAM_SHAPE_TICKET, NULL, CREDSTACK_ERR_BACKEND,
     "'Ticket ... required/not found/failed'"},
    {TPAM_SHAPE_PREFIX, "reason code", CREDSTACK_ERR_BACKEND,
     "'Reason Codes ... required'"},
};

/* "No <things> to list" in any letter case, trailing blanks ignored. */
int tpam_output_is_no_list(const char *s, size_t len)
{
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
        len--;
    }
    return len > strlen("No  to list") && tpam_line_starts(s, len, "no ") &&
           tpam_ieq_n(s + len - 8, " to list", 8) &&
           memchr(s, '\t', len) == NULL;
}

static int tpam_shape_matches(const struct tpam_shape *sh, const char *s,
                              size_t len)
{
    switch (sh->test) {
    case TPAM_SHAPE_PREFIX:
        return tpam_line_starts(s, len, sh->text);
    case TPAM_SHAPE_CONTAINS:
        return tpam_line_has(s, len, sh->text);
    case TPAM_SHAPE_NO_LIST:
        return tpam_output_is_no_list(s, len);
    case TPAM_SHAPE_TICKET:
        return tpam_line_starts(s, len, "ticket") &&
               (tpam_line_has(s, len, "required") ||
                tpam_line_has(s, len, "not found") ||
                tpam_line_has(s, len, "failed") ||
                tpam_line_has(s, len, "invalid"));
    }
    return 0;
}

/* Beyond the known shapes: several words, one of them an error word. */
static const char tpam_cls_message[] =
    "reads as a message (several words, one of them like 'error', 'failed', "
    "'timed out')";
/* No memory to normalise a copy: refused, unchecked. */
static const char tpam_cls_unchecked[] = "could not be checked (out of memory)";

/* The class of a normalised line (the shapes only), or NULL. */
static const char *tpam_norm_class(const char *line, size_t len, int *rc_out)
{
    size_t i;

    for (i = 0; i < sizeof(tpam_shapes) / sizeof(tpam_shapes[0]); i++) {
        if (tpam_shape_matches(&tpam_shapes[i], line, len)) {
            *rc_out = tpam_shapes[i].rc;
            return tpam_shapes[i].cls;
        }
    }
    *rc_out = CREDSTACK_OK;
    return NULL;
}

const char *tpam_output_error_class(const char *line, size_t len, int *rc_out)
{
    char *norm = malloc(len + 1);
    const char *cls;
    int rc = CREDSTACK_ERR_BACKEND;

    cls = tpam_cls_unchecked;
    if (norm != NULL) {
        size_t n = tpam_line_normalise(line, len, norm);

        cls = tpam_norm_class(norm, n, &rc);
        tpam_free_wiped(norm, len + 1);
    }
    if (rc_out != NULL) {
        *rc_out = rc;
    }
    return cls;
}

/* ---- Retrieve ---- */

/* What was wrong with a Retrieve answer (fixed texts, never the output). */
static const char *const tpam_retrieve_shapes[] = {
    "printed nothing",
    "output contains a NUL byte",
    "printed only empty lines",
    "printed a blank line (spaces or quotes only)",
    "printed more than one line",
    "answered an error line",
    "refused the checkout",
    "output ends in the middle of its line (truncated)",
    "output contains control or format (invisible) characters",
};
enum {
    TPAM_RS_NOTHING,
    TPAM_RS_NUL,
    TPAM_RS_EMPTY_LINES,
    TPAM_RS_BLANK,
    TPAM_RS_LINES,
    TPAM_RS_ERROR_LINE,
    TPAM_RS_REFUSED,
    TPAM_RS_TRUNCATED,
    TPAM_RS_CONTROL,
};

int tpam_retrieve_known_text(const char *p)
{
    size_t i;

    if (p == NULL) {
        return 1;
    }
    for (i = 0;
         i < sizeof(tpam_retrieve_shapes) / sizeof(tpam_retrieve_shapes[0]);
         i++) {
        if (p == tpam_retrieve_shapes[i]) {
            return 1;
        }
    }
    for (i = 0; i < sizeof(tpam_shapes) / sizeof(tpam_shapes[0]); i++) {
        if (p == tpam_shapes[i].cls) {
            return 1;
        }
    }
    return p == tpam_cls_message || p == tpam_cls_unchecked;
}

/*
 * The class of one line of a Retrieve answer: the known shapes, then a
 * message (several words, one an error word); NULL when neither.  *blank
 * says whether nothing is left once normalised (spaces, quotes, invisible
 * characters only).
 */
static const char *tpam_retrieve_line_class(const char *line, size_t len,
                                            int *rc_out, int *blank)
{
    char *norm = malloc(len + 1);
    const char *cls;
    size_t n;

    *blank = 0;
    if (norm == NULL) {
        *rc_out = CREDSTACK_ERR_BACKEND;
        return tpam_cls_unchecked;
    }
    n = tpam_line_normalise(line, len, norm);
    *blank = n == 0;
    cls = tpam_norm_class(norm, n, rc_out);
    if (cls == NULL && tpam_line_reads_as_message(norm, n)) {
        *rc_out = CREDSTACK_ERR_BACKEND;
        cls = tpam_cls_message;
    }
    tpam_free_wiped(norm, len + 1);
    return cls;
}

static void tpam_verdict(tpam_retrieve_verdict *v, int rc, int shape,
                         const char *cls)
{
    v->rc = rc;
    v->shape = tpam_retrieve_shapes[shape];
    v->cls = cls;
}

void tpam_retrieve_classify(const char *out, size_t len,
                            tpam_retrieve_verdict *v)
{
    const char *p = out;
    const char *end = out + len;
    const char *first_cls = NULL;
    int first_rc = CREDSTACK_OK;
    size_t pw_off = 0;
    size_t pw_len = 0;
    int pw_ended = 0;
    int pw_blank = 0;

    memset(v, 0, sizeof(*v));
    if (out == NULL || len == 0) {
        tpam_verdict(v, CREDSTACK_ERR_BACKEND, TPAM_RS_NOTHING, NULL);
        return;
    }
    if (memchr(out, '\0', len) != NULL) {
        tpam_verdict(v, CREDSTACK_ERR_BACKEND, TPAM_RS_NUL, NULL);
        return;
    }
    /* Leading empty lines, as some TPAM outputs have; never a password. */
    for (;;) {
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
            p += 2;
        } else if (p < end && p[0] == '\n') {
            p++;
        } else {
            break;
        }
    }
    if (p == end) {
        tpam_verdict(v, CREDSTACK_ERR_BACKEND, TPAM_RS_EMPTY_LINES, NULL);
        return;
    }
    /* Every line from here on counts, empty ones included. */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl != NULL ? nl : end) - p);
        const char *cls = NULL;
        int rc = CREDSTACK_OK;
        int blank = 0;

        if (n > 0 && p[n - 1] == '\r' && nl != NULL) {
            n--;
        }
        cls = tpam_retrieve_line_class(p, n, &rc, &blank);
        if (cls != NULL && first_cls == NULL) {
            first_cls = cls;
            first_rc = rc;
        }
        if (v->lines == 0) {
            pw_off = (size_t)(p - out);
            pw_len = n;
            pw_ended = nl != NULL;
            pw_blank = blank;
        }
        v->lines++;
        p = nl != NULL ? nl + 1 : end;
    }
    if (v->lines > 1) {
        /* Which line would be the password?  None: fail closed. */
        tpam_verdict(v, CREDSTACK_ERR_BACKEND, TPAM_RS_LINES, first_cls);
        return;
    }
    if (first_cls != NULL) {
        tpam_verdict(v, first_rc,
                     first_rc == CREDSTACK_ERR_DENIED ? TPAM_RS_REFUSED
                                                      : TPAM_RS_ERROR_LINE,
                     first_cls);
        return;
    }
    /*
     * No line end: the output was cut (a dropped channel, a short write),
     * as the table parser also assumes.  A cut password is a wrong one;
     * handing it out would fail the login, or lock the account out.
     */
    if (!pw_ended) {
        tpam_verdict(v, CREDSTACK_ERR_BACKEND, TPAM_RS_TRUNCATED, NULL);
        return;
    }
    /*
     * A control or an invisible (format) character has no place in a
     * password a person types, and hides text from the shapes above (a
     * zero-width space inside "error"): refused, whatever it says.
     */
    if (tpam_line_has_control(out + pw_off, pw_len)) {
        tpam_verdict(v, CREDSTACK_ERR_BACKEND, TPAM_RS_CONTROL, NULL);
        return;
    }
    if (pw_blank) {
        /* Empty, spaces or quotes only: no password, whatever TPAM meant. */
        tpam_verdict(v, CREDSTACK_ERR_BACKEND, TPAM_RS_BLANK, NULL);
        return;
    }
    v->rc = CREDSTACK_OK;
    v->off = pw_off;
    v->len = pw_len;
}

void tpam_retrieve_message(const tpam_retrieve_verdict *v, char *err,
                           size_t errlen)
{
    if (v->rc == CREDSTACK_OK) {
        tpam_errf(err, errlen, CREDSTACK_OK,
                  "TPAM Retrieve printed a password");
    } else if (v->shape == tpam_retrieve_shapes[TPAM_RS_LINES]) {
        tpam_errf(err, errlen, v->rc,
                  "TPAM Retrieve printed %zu lines, not one (%s%s); no "
                  "password taken from it",
                  v->lines, v->cls != NULL ? "an error line, class: " : "",
                  v->cls != NULL ? v->cls : "no error shape");
    } else if (v->cls != NULL) {
        tpam_errf(err, errlen, v->rc,
                  "TPAM Retrieve %s (class: %s); no password taken from it",
                  v->shape, v->cls);
    } else {
        tpam_errf(err, errlen, v->rc,
                  "TPAM Retrieve %s; no password taken from it", v->shape);
    }
}

int tpam_retrieve_parse(const char *out, size_t len, char **password_out,
                        char *err, size_t errlen)
{
    tpam_retrieve_verdict v;

    if (password_out == NULL || (out == NULL && len > 0)) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                         "no TPAM output to parse");
    }
    *password_out = NULL;
    tpam_retrieve_classify(out, len, &v);
    if (v.rc != CREDSTACK_OK) {
        /* The message names the class only: a refused line is never shown. */
        tpam_retrieve_message(&v, err, errlen);
        return v.rc;
    }
    *password_out = strndup(out + v.off, v.len);
    if (*password_out == NULL) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_NOMEM,
                         "out of memory reading the TPAM Retrieve output");
    }
    return CREDSTACK_OK;
}
