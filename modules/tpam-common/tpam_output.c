/* SPDX-License-Identifier: MIT */
/* tpam_output.c: parses the tables TPAM's list commands print; what an error
 * line or a Retrieve answer looks like is tpam_retrieve.c's. */
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
    if (tpam_output_is_no_list(lines[first], strlen(lines[first]))) {
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
