/* SPDX-License-Identifier: MIT */
/* tpam_line.h: one line of TPAM output as the error classifier sees it
 * (tpam_retrieve.c): normalised, checked for invisible characters, and
 * judged as a message or not. */
#ifndef TPAM_LINE_H
#define TPAM_LINE_H

#include <stddef.h>

/*
 * Whether line[0..len) holds a control character (C0, DEL, C1, U+2028,
 * U+2029) or a Unicode format character (Cf: BOM, zero-width spaces and
 * joiners, bidi controls, soft hyphen, tags...), decoded as UTF-8.  Bytes
 * that are not valid UTF-8 are opaque: neither.
 */
int tpam_line_has_control(const char *line, size_t len);

/*
 * The line as the error shapes are matched against: format characters
 * dropped, controls and Unicode spaces made ASCII spaces, quotation marks
 * (ASCII, typographic, guillemets, fullwidth) made ASCII quotes, and the
 * spaces and quotes around the text removed.  out must hold len + 1 bytes;
 * it is NUL-terminated and its length returned.  It is a copy of what may
 * be a password: wipe it after use.
 */
size_t tpam_line_normalise(const char *line, size_t len, char *out);

/*
 * Whether a normalised line reads as a message: at least two words
 * (space-separated, punctuation around them ignored) and one of them, or
 * two in a row, from an error vocabulary ("error", "failed", "denied",
 * "unable", "invalid", "required", "authorized", "exception", "usage",
 * "connection", "timed out", "not found", ...; a word ending in
 * "Exception").  ASCII letters compare without case.
 */
int tpam_line_reads_as_message(const char *norm, size_t len);

#endif /* TPAM_LINE_H */
