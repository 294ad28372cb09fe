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
 * whole output is "No <things> to list" (any letter case), or
 * CREDSTACK_ERR_BACKEND (a usage message, an error line or a line without
 * tabs where the header should be, a NUL byte, no header, a row whose field
 * count differs from the header's) with a message in err; an error line is
 * named by its class, never echoed.  CREDSTACK_ERR_NOMEM when out of memory.
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
 * The class of an error line (tpam-cli.md's texts and the generic shapes:
 * starts with error, fail, invalid, denied, exception, usage, unknown,
 * "you are not", says "not authorized", "No ... to list", "Ticket ...
 * required/not found", "Reason Codes are required"), in any letter case,
 * matched on the line normalised by tpam_line_normalise() (no invisible
 * characters, Unicode spaces as spaces, no spaces or quotes around it): a
 * fixed text naming the class, with *rc_out CREDSTACK_ERR_DENIED (not
 * authorized) or CREDSTACK_ERR_BACKEND; NULL (and CREDSTACK_OK) when
 * line[0..len) has no error shape.
 */
const char *tpam_output_error_class(const char *line, size_t len, int *rc_out);

/* Whether a line is "No <things> to list" (any letter case, trailing blanks
 * ignored): nothing matched. */
int tpam_output_is_no_list(const char *s, size_t len);

/* What tpam_retrieve_classify() made of a Retrieve answer. */
typedef struct tpam_retrieve_verdict {
    int rc;     /* CREDSTACK_OK: out[off..off + len) is the password */
    size_t off; /* the password line, when rc is CREDSTACK_OK */
    size_t len;
    size_t lines;      /* lines after the leading empty ones */
    const char *shape; /* what was wrong (a fixed text), NULL for a password */
    const char *cls;   /* the error class matched (a fixed text), or NULL */
} tpam_retrieve_verdict;

/*
 * Classify the output of Retrieve.  A password is exactly one non-empty line
 * (leading empty lines skipped; its CRLF or LF end required and stripped)
 * that is not blank (nor spaces and quotes only), has no control or format
 * character (tpam_line_has_control(): BOM, zero-width, bidi...), has no
 * error shape (tpam_output_error_class()) and does not read as a message
 * (tpam_line_reads_as_message(): several words, one of them an error word).
 * Anything else is refused: CREDSTACK_ERR_DENIED for a single "not
 * authorized" / "you are not" line, CREDSTACK_ERR_BACKEND for the rest (no
 * output, a NUL byte, several lines whatever they say, an error line, a
 * message, a line without its end, control or format characters).  The
 * command's exit status is the caller's to check (tpam_module_retrieve()).
 */
void tpam_retrieve_classify(const char *out, size_t len,
                            tpam_retrieve_verdict *v);

/*
 * The message of a refused verdict, made of fixed texts and numbers only:
 * never a byte of the output.
 */
void tpam_retrieve_message(const tpam_retrieve_verdict *v, char *err,
                           size_t errlen);

/* Non-zero when p is NULL or one of the fixed texts a verdict points to. */
int tpam_retrieve_known_text(const char *p);

/*
 * Parse the output of Retrieve (tpam_retrieve_classify()).  CREDSTACK_OK
 * with *password_out set (a secret: free it with tpam_free_secret()), else
 * the verdict's code with tpam_retrieve_message() in err and *password_out
 * NULL.  CREDSTACK_ERR_INVALID on misuse, CREDSTACK_ERR_NOMEM.
 */
int tpam_retrieve_parse(const char *out, size_t len, char **password_out,
                        char *err, size_t errlen);

#endif /* TPAM_OUTPUT_H */
