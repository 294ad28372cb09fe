/* SPDX-License-Identifier: MIT */
/* tpam_output.h: parses what TPAM CLI commands print (list tables, Retrieve).
 */
#ifndef TPAM_OUTPUT_H
#define TPAM_OUTPUT_H

#include <stddef.h>

typedef struct tpam_table tpam_table;

/*
 * Parse the output of a TPAM list command: a tab-separated header row, then
 * one row per line; CRLF or LF; leading blank lines skipped; the extra
 * trailing tab of every line accepted or not.  Returns CREDSTACK_OK with
 * *t_out set (free with tpam_table_free()), CREDSTACK_ERR_NOTFOUND when the
 * whole output is "No <things> to list", or CREDSTACK_ERR_BACKEND (a usage
 * message, a NUL byte, no header, a row whose field count differs from the
 * header's) with a message in err.  CREDSTACK_ERR_NOMEM when out of memory.
 */
int tpam_table_parse(const char *out, size_t len, tpam_table **t_out, char *err,
                     size_t errlen);

/* Number of data rows (the header is not counted). */
size_t tpam_table_rows(const tpam_table *t);

/* Number of columns. */
size_t tpam_table_cols(const tpam_table *t);

/*
 * The index of the column named `name` (compared without case, header names
 * trimmed of spaces), or -1 when absent.  The first one wins.
 */
int tpam_table_col(const tpam_table *t, const char *name);

/* A header name as printed (untrimmed), or NULL when col is out of range. */
const char *tpam_table_header(const tpam_table *t, int col);

/* A cell as printed (untrimmed), or NULL when row or col is out of range. */
const char *tpam_table_cell(const tpam_table *t, size_t row, int col);

/* A cell without its leading and trailing spaces (numbers are padded). */
const char *tpam_table_cell_trimmed(const tpam_table *t, size_t row, int col);

/* Wipe (ListAccounts prints passwords) and free.  NULL is a no-op. */
void tpam_table_free(tpam_table *t);

/*
 * Parse the output of Retrieve.  The password is the only line (ended by
 * CRLF or LF, which is stripped; leading empty lines skipped) when it is not
 * one of TPAM's error lines; a line without its end counts as truncated.
 * CREDSTACK_OK with *password_out set (a secret: free it with
 * tpam_free_secret()), CREDSTACK_ERR_DENIED for a refusal TPAM printed (not
 * authorized, ticket or reason required, ...), CREDSTACK_ERR_NOTFOUND for
 * "No ... to list", CREDSTACK_ERR_BACKEND for anything else (no output,
 * several lines, no line end, a usage message, an error line, control
 * characters).  On failure *password_out is NULL and err never holds output
 * that could be a password.
 */
int tpam_retrieve_parse(const char *out, size_t len, char **password_out,
                        char *err, size_t errlen);

#endif /* TPAM_OUTPUT_H */
