/* SPDX-License-Identifier: MIT */
/* tpam_output.c: parses what TPAM CLI commands print (list tables, Retrieve).
 */
#include "tpam_output.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <credstack/credstack.h>

#include "tpam_text.h"

struct tpam_table {
    char *raw;   /* the output, cut into cells in place */
    char *trim;  /* a copy of raw whose cells are trimmed of spaces */
    size_t size; /* bytes of raw and of trim, for wiping */
    size_t ncols;
    size_t nrows;  /* data rows; row 0 of the arrays is the header */
    char **cells;  /* (nrows + 1) * ncols pointers into raw */
    char **tcells; /* the same cells in trim */
};

/* memmem() without relying on a GNU extension being declared. */
static const char *tpam_find(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    size_t i;

    for (i = 0; n <= len && i <= len - n; i++) {
        if (memcmp(hay + i, needle, n) == 0) {
            return hay + i;
        }
    }
    return NULL;
}

static int tpam_is_no_list_nocase(const char *s, size_t len);

/* Empty, or only spaces: skipped before the header and after the last row. */
static int tpam_is_blank(const char *s)
{
    while (*s == ' ') {
        s++;
    }
    return *s == '\0';
}

/*
 * A usage message: the first non-blank line mentions "Usage:", or some line
 * begins with it.  A cell deeper in a table that merely contains the word
 * (a description, a custom field) is data, not a usage message.
 */
static int tpam_is_usage(const char *out, size_t len)
{
    const char *p = out;
    const char *end = out + len;
    int first = 1;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl != NULL ? nl : end;
        const char *s = p;

        while (s < le && (*s == ' ' || *s == '\t' || *s == '\r')) {
            s++;
        }
        if (s < le) {
            if (first && tpam_find(s, (size_t)(le - s), "Usage:") != NULL) {
                return 1;
            }
            if (le - s >= 6 && strncmp(s, "Usage:", 6) == 0) {
                return 1;
            }
            first = 0;
        }
        p = nl != NULL ? nl + 1 : end;
    }
    return 0;
}

/* The first non-blank line of the output, escaped, for a message. */
static const char *tpam_first_line(char *dst, size_t dstlen, const char *out,
                                   size_t len)
{
    const char *p = out;
    const char *end = out + len;
    const char *nl = NULL;

    while (p < end && (*p == '\r' || *p == '\n' || *p == ' ')) {
        p++;
    }
    nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL) {
        nl = end;
    }
    if (nl > p && nl[-1] == '\r') {
        nl--;
    }
    return tpam_escape(dst, dstlen, p, (size_t)(nl - p), 80);
}

static size_t tpam_count_fields(const char *line)
{
    size_t n = 1;

    for (; *line != '\0'; line++) {
        n += *line == '\t';
    }
    return n;
}

/* Cut line at its tabs into n cells; a tab after the last cell is cut off too.
 */
static void tpam_cut_fields(char *line, char **dst, size_t n)
{
    char *p = line;
    char *tab = NULL;
    size_t k;

    for (k = 0; k < n; k++) {
        dst[k] = p;
        tab = strchr(p, '\t');
        if (tab != NULL) {
            *tab = '\0';
            p = tab + 1;
        } else {
            p += strlen(p);
        }
    }
}

/* Field count of a line once an extra trailing tab is set aside. */
static size_t tpam_row_fields(const char *line, size_t expected)
{
    size_t n = tpam_count_fields(line);
    size_t len = strlen(line);

    if (n > 1 && n == expected + 1 && line[len - 1] == '\t') {
        n--;
    }
    return n;
}

int tpam_table_parse(const char *out, size_t len, tpam_table **t_out, char *err,
                     size_t errlen)
{
    char shown[256];
    tpam_table *t = NULL;
    char **lines = NULL;
    size_t nlines = 0;
    size_t first;
    size_t last;
    size_t i;
    size_t k;
    int ret = CREDSTACK_OK;

    if (t_out == NULL || (out == NULL && len > 0)) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                         "no TPAM output to parse");
    }
    *t_out = NULL;
    if (out == NULL) {
        out = "";
    }
    if (memchr(out, '\0', len) != NULL) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                         "TPAM output contains a NUL byte");
    }
    if (tpam_is_usage(out, len)) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                         "TPAM printed a usage message: \"%s\"",
                         tpam_first_line(shown, sizeof(shown), out, len));
    }

    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        ret = CREDSTACK_ERR_NOMEM;
        goto done;
    }
    t->size = len + 1;
    t->raw = malloc(t->size);
    t->trim = malloc(t->size);
    lines = calloc(len + 1, sizeof(*lines));
    if (t->raw == NULL || t->trim == NULL || lines == NULL) {
        ret = CREDSTACK_ERR_NOMEM;
        goto done;
    }
    memcpy(t->raw, out, len);
    t->raw[len] = '\0';

    /* Split into lines in place, CRLF or LF. */
    for (char *p = t->raw;;) {
        char *nl = strchr(p, '\n');
        size_t n;

        lines[nlines++] = p;
        if (nl != NULL) {
            *nl = '\0';
        }
        n = strlen(p);
        if (n > 0 && p[n - 1] == '\r') {
            p[n - 1] = '\0';
        }
        if (nl == NULL) {
            break;
        }
        p = nl + 1;
    }
    for (first = 0; first < nlines && tpam_is_blank(lines[first]); first++) {
    }
    for (last = nlines; last > first && tpam_is_blank(lines[last - 1]);
         last--) {
    }
    if (first == last) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                        "TPAM printed no header row (empty output)");
        goto done;
    }
    if (tpam_is_no_list_nocase(lines[first], strlen(lines[first]))) {
        tpam_escape(shown, sizeof(shown), lines[first], strlen(lines[first]),
                    80);
        if (last - first == 1) {
            ret = tpam_errf(err, errlen, CREDSTACK_ERR_NOTFOUND, "TPAM: %s",
                            shown);
        } else {
            ret =
                tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                          "TPAM printed \"%s\" followed by more lines", shown);
        }
        goto done;
    }

    /*
     * An error text where the header should be ("ERROR: database connection
     * failed"): a header has tabs, and no list's first column is named like
     * an error.  Named by its class, not echoed, as for Retrieve.
     */
    {
        int cls_rc = CREDSTACK_OK;
        const char *cls = tpam_output_error_class(
            lines[first], strlen(lines[first]), &cls_rc);

        if (cls != NULL || strchr(lines[first], '\t') == NULL) {
            ret = tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                            "TPAM printed %s where a table should be%s%s%s",
                            cls != NULL ? "an error line"
                                        : "a line of text without tabs",
                            cls != NULL ? " (class: " : "",
                            cls != NULL ? cls : "", cls != NULL ? ")" : "");
            goto done;
        }
    }

    /*
     * Every line of a table ends with a line end; a last line without one
     * is a cut answer (a dropped connection, a killed TPAM), whose last
     * cell or header cannot be trusted.
     */
    if (last == nlines) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                        "TPAM output ends in the middle of line %zu "
                        "(truncated)",
                        last);
        goto done;
    }

    /* The header: an extra trailing tab is not a column. */
    t->ncols = tpam_count_fields(lines[first]);
    if (t->ncols > 1 && lines[first][strlen(lines[first]) - 1] == '\t') {
        t->ncols--;
    }
    t->nrows = last - first - 1;
    for (i = first + 1; i < last; i++) {
        size_t n = tpam_row_fields(lines[i], t->ncols);

        if (n != t->ncols) {
            ret = tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                            "TPAM output row %zu (line %zu) has %zu fields, "
                            "the header has %zu",
                            i - first, i + 1, n, t->ncols);
            goto done;
        }
    }
    t->cells = calloc((t->nrows + 1) * t->ncols, sizeof(*t->cells));
    t->tcells = calloc((t->nrows + 1) * t->ncols, sizeof(*t->tcells));
    if (t->cells == NULL || t->tcells == NULL) {
        ret = CREDSTACK_ERR_NOMEM;
        goto done;
    }
    for (i = first; i < last; i++) {
        tpam_cut_fields(lines[i], t->cells + (i - first) * t->ncols, t->ncols);
    }

    /* The trimmed view: same cuts in a copy, spaces cut off at both ends. */
    memcpy(t->trim, t->raw, t->size);
    for (k = 0; k < (t->nrows + 1) * t->ncols; k++) {
        char *c = t->trim + (t->cells[k] - t->raw);
        size_t n;

        while (*c == ' ') {
            c++;
        }
        n = strlen(c);
        while (n > 0 && c[n - 1] == ' ') {
            c[--n] = '\0';
        }
        t->tcells[k] = c;
    }
    for (k = 0; k < t->ncols && t->tcells[k][0] == '\0'; k++) {
    }
    if (k == t->ncols) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                        "TPAM output has no header row (the first line has no "
                        "column names)");
        goto done;
    }

done:
    free(lines);
    if (ret == CREDSTACK_ERR_NOMEM) {
        tpam_errf(err, errlen, ret, "out of memory parsing TPAM output");
    }
    if (ret != CREDSTACK_OK) {
        tpam_table_free(t);
        return ret;
    }
    *t_out = t;
    return CREDSTACK_OK;
}

size_t tpam_table_rows(const tpam_table *t)
{
    return t != NULL ? t->nrows : 0;
}

size_t tpam_table_cols(const tpam_table *t)
{
    return t != NULL ? t->ncols : 0;
}

int tpam_table_col(const tpam_table *t, const char *name)
{
    size_t k;

    if (t == NULL || name == NULL) {
        return -1;
    }
    for (k = 0; k < t->ncols; k++) {
        if (strcasecmp(t->tcells[k], name) == 0) {
            return (int)k;
        }
    }
    return -1;
}

const char *tpam_table_header(const tpam_table *t, int col)
{
    if (t == NULL || col < 0 || (size_t)col >= t->ncols) {
        return NULL;
    }
    return t->cells[col];
}

const char *tpam_table_cell(const tpam_table *t, size_t row, int col)
{
    if (t == NULL || col < 0 || (size_t)col >= t->ncols || row >= t->nrows) {
        return NULL;
    }
    return t->cells[(row + 1) * t->ncols + (size_t)col];
}

const char *tpam_table_cell_trimmed(const tpam_table *t, size_t row, int col)
{
    if (t == NULL || col < 0 || (size_t)col >= t->ncols || row >= t->nrows) {
        return NULL;
    }
    return t->tcells[(row + 1) * t->ncols + (size_t)col];
}

void tpam_table_free(tpam_table *t)
{
    if (t == NULL) {
        return;
    }
    tpam_free_wiped(t->raw, t->size);
    tpam_free_wiped(t->trim, t->size);
    free(t->cells);
    free(t->tcells);
    free(t);
}

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
 * The shapes of an error line, tested in this order on the line without its
 * leading spaces, ASCII letters compared without case.  A prefix is a prefix,
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
static int tpam_is_no_list_nocase(const char *s, size_t len)
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
        return tpam_is_no_list_nocase(s, len);
    case TPAM_SHAPE_TICKET:
        return tpam_line_starts(s, len, "ticket") &&
               (tpam_line_has(s, len, "required") ||
                tpam_line_has(s, len, "not found") ||
                tpam_line_has(s, len, "failed") ||
                tpam_line_has(s, len, "invalid"));
    }
    return 0;
}

const char *tpam_output_error_class(const char *line, size_t len, int *rc_out)
{
    size_t i;

    while (len > 0 && *line == ' ') {
        line++;
        len--;
    }
    for (i = 0; i < sizeof(tpam_shapes) / sizeof(tpam_shapes[0]); i++) {
        if (tpam_shape_matches(&tpam_shapes[i], line, len)) {
            if (rc_out != NULL) {
                *rc_out = tpam_shapes[i].rc;
            }
            return tpam_shapes[i].cls;
        }
    }
    if (rc_out != NULL) {
        *rc_out = CREDSTACK_OK;
    }
    return NULL;
}

/* ---- Retrieve ---- */

/* What was wrong with a Retrieve answer (fixed texts, never the output). */
static const char *const tpam_retrieve_shapes[] = {
    "printed nothing",
    "output contains a NUL byte",
    "printed only empty lines",
    "printed a blank line (spaces only)",
    "printed more than one line",
    "answered an error line",
    "refused the checkout",
    "output ends in the middle of its line (truncated)",
    "output contains control characters",
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
    return 0;
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
    size_t i;

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

        if (n > 0 && p[n - 1] == '\r' && nl != NULL) {
            n--;
        }
        cls = tpam_output_error_class(p, n, &rc);
        if (cls != NULL && first_cls == NULL) {
            first_cls = cls;
            first_rc = rc;
        }
        if (v->lines == 0) {
            pw_off = (size_t)(p - out);
            pw_len = n;
            pw_ended = nl != NULL;
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
    for (i = 0; i < pw_len; i++) {
        unsigned char c = (unsigned char)out[pw_off + i];

        if (c < 0x20 || c == 0x7f) {
            tpam_verdict(v, CREDSTACK_ERR_BACKEND, TPAM_RS_CONTROL, NULL);
            return;
        }
    }
    for (i = 0; i < pw_len && out[pw_off + i] == ' '; i++) {
    }
    if (i == pw_len) {
        /* Empty, or spaces only: no password, whatever TPAM meant. */
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
