/* SPDX-License-Identifier: MIT */
/* tpam_verify.c: checks each row of a TPAM list against the request, since
 * TPAM's filters are hints and its answers evidence (design.md). */
#include "tpam_verify.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <credstack/credstack.h>

#include "tpam_command.h"
#include "tpam_text.h"

static unsigned char tpam_ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

int tpam_name_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        return 0;
    }
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        if (tpam_ascii_lower((unsigned char)*a) !=
            tpam_ascii_lower((unsigned char)*b)) {
            return 0;
        }
    }
    return *a == '\0' && *b == '\0';
}

int tpam_addr_parse(const char *text, tpam_addr *out)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
                                             0, 0, 0, 0, 0xff, 0xff};
    char copy[TPAM_VALUE_MAX + 1];
    size_t len;

    if (text == NULL || out == NULL) {
        return -1;
    }
    while (*text == ' ') {
        text++;
    }
    len = strlen(text);
    while (len > 0 && text[len - 1] == ' ') {
        len--;
    }
    if (len == 0 || len > TPAM_VALUE_MAX) {
        return -1;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    memset(out, 0, sizeof(*out));
    /* glibc's inet_pton(AF_INET) takes a strict dotted quad only. */
    if (inet_pton(AF_INET, copy, out->bytes) == 1) {
        out->family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, copy, out->bytes) == 1) {
        out->family = AF_INET6;
        if (memcmp(out->bytes, mapped, sizeof(mapped)) == 0) {
            memmove(out->bytes, out->bytes + 12, 4);
            memset(out->bytes + 4, 0, 12);
            out->family = AF_INET;
        }
        return 0;
    }
    return -1;
}

static int tpam_addr_eq(const tpam_addr *a, const tpam_addr *b)
{
    return a->family == b->family &&
           memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16) == 0;
}

int tpam_addr_text_eq(const char *a, const char *b)
{
    tpam_addr x;
    tpam_addr y;

    return tpam_addr_parse(a, &x) == 0 && tpam_addr_parse(b, &y) == 0 &&
           tpam_addr_eq(&x, &y);
}

const char *tpam_addr_str(const tpam_addr *a, char *buf, size_t len)
{
    if (len == 0) {
        return buf;
    }
    if (inet_ntop(a->family, a->bytes, buf, (socklen_t)len) == NULL) {
        snprintf(buf, len, "(bad address)");
    }
    return buf;
}

int tpam_flag_value(const char *cell)
{
    static const char *const yes[] = {"y", "yes", "true"};
    static const char *const no[] = {"n", "no", "false"};
    char word[8];
    size_t len;
    size_t i;

    if (cell == NULL) {
        return -1;
    }
    while (*cell == ' ') {
        cell++;
    }
    len = strlen(cell);
    while (len > 0 && cell[len - 1] == ' ') {
        len--;
    }
    if (len == 0 || len >= sizeof(word)) {
        return -1;
    }
    memcpy(word, cell, len);
    word[len] = '\0';
    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (tpam_name_eq(word, yes[i])) {
            return 1;
        }
        if (tpam_name_eq(word, no[i])) {
            return 0;
        }
    }
    return -1;
}

/* The column index of each match, -1 for an optional absent column. */
static int tpam_match_columns(const tpam_table *t, const tpam_match *m,
                              size_t nm, int *cols, char *err, size_t errlen)
{
    size_t i;

    for (i = 0; i < nm; i++) {
        if (m[i].want == NULL) {
            return tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                             "a row check has nothing to compare with");
        }
        if (m[i].column != NULL) {
            cols[i] = tpam_table_col(t, m[i].column);
        } else {
            cols[i] =
                m[i].position >= 0 && (size_t)m[i].position < tpam_table_cols(t)
                    ? m[i].position
                    : -1;
        }
        if (m[i].kind == TPAM_MATCH_FLAG && tpam_flag_value(m[i].want) < 0) {
            return tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                             "a row check wants a flag but has none");
        }
        /* A flag nobody printed proves nothing: its rows are refused. */
        if (cols[i] < 0 && !m[i].optional && m[i].kind != TPAM_MATCH_FLAG) {
            if (m[i].column != NULL) {
                return tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                                 "the output has no %s column", m[i].column);
            }
            return tpam_errf(err, errlen, CREDSTACK_ERR_BACKEND,
                             "the output has %zu fields per row, fewer than "
                             "%d",
                             tpam_table_cols(t), m[i].position + 1);
        }
    }
    return CREDSTACK_OK;
}

static int tpam_row_passes(const tpam_table *t, size_t r, const tpam_match *m,
                           size_t nm, const int *cols,
                           const tpam_addr *const *addrs)
{
    size_t i;

    for (i = 0; i < nm; i++) {
        const char *cell;
        tpam_addr a;

        if (cols[i] < 0) {
            if (m[i].kind == TPAM_MATCH_FLAG) {
                return 0;
            }
            continue; /* optional and absent */
        }
        cell = tpam_table_cell_trimmed(t, r, cols[i]);
        switch (m[i].kind) {
        case TPAM_MATCH_ADDRESS:
            if (tpam_addr_parse(cell, &a) != 0 || !tpam_addr_eq(&a, addrs[i])) {
                return 0;
            }
            break;
        case TPAM_MATCH_FLAG:
            if (tpam_flag_value(cell) != tpam_flag_value(m[i].want)) {
                return 0;
            }
            break;
        case TPAM_MATCH_NAME:
        default:
            if (!tpam_name_eq(cell, m[i].want)) {
                return 0;
            }
            break;
        }
    }
    return 1;
}

int tpam_table_verify(const tpam_table *t, const tpam_match *m, size_t nm,
                      size_t **rows_out, size_t *n_out, char *err,
                      size_t errlen)
{
    int *cols = NULL;
    tpam_addr *want_addr = NULL;
    const tpam_addr **addrs = NULL;
    size_t *rows = NULL;
    size_t n = 0;
    size_t i;
    int ret = CREDSTACK_OK;

    if (rows_out == NULL || n_out == NULL || t == NULL ||
        (m == NULL && nm > 0)) {
        return tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                         "nothing to verify");
    }
    *rows_out = NULL;
    *n_out = 0;
    cols = calloc(nm + 1, sizeof(*cols));
    want_addr = calloc(nm + 1, sizeof(*want_addr));
    addrs = calloc(nm + 1, sizeof(*addrs));
    rows = calloc(tpam_table_rows(t) + 1, sizeof(*rows));
    if (cols == NULL || want_addr == NULL || addrs == NULL || rows == NULL) {
        ret = tpam_errf(err, errlen, CREDSTACK_ERR_NOMEM,
                        "out of memory checking TPAM's rows");
        goto done;
    }
    ret = tpam_match_columns(t, m, nm, cols, err, errlen);
    if (ret != CREDSTACK_OK) {
        goto done;
    }
    for (i = 0; i < nm; i++) {
        if (m[i].kind != TPAM_MATCH_ADDRESS) {
            continue;
        }
        if (tpam_addr_parse(m[i].want, &want_addr[i]) != 0) {
            ret = tpam_errf(err, errlen, CREDSTACK_ERR_INVALID,
                            "a row check wants an address but has none");
            goto done;
        }
        addrs[i] = &want_addr[i];
    }
    for (i = 0; i < tpam_table_rows(t); i++) {
        if (tpam_row_passes(t, i, m, nm, cols, addrs)) {
            rows[n++] = i;
        }
    }
    if (n > 0) {
        *rows_out = rows;
        rows = NULL;
    }
    *n_out = n;

done:
    free(cols);
    free(want_addr);
    free(addrs);
    free(rows);
    return ret;
}
