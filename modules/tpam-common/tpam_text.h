/* SPDX-License-Identifier: MIT */
/* tpam_text.h: text helpers of the TPAM client: error messages, escaping,
 * wiping. */
#ifndef TPAM_TEXT_H
#define TPAM_TEXT_H

#include <stddef.h>

#include <credstack/module.h>

/* How many bytes of an untrusted value a message shows before "...". */
#define TPAM_SHOW_MAX 48

/*
 * Write src[0..len) into dst as printable ASCII: quotes, backslashes and
 * control bytes are escaped (\", \\, \t, \r, \n, \0, \xNN), at most `show`
 * input bytes are shown and "..." marks a cut.  dst is always terminated.
 * Returns dst, so that it can be used as a printf argument.
 */
const char *tpam_escape(char *dst, size_t dstlen, const char *src, size_t len,
                        size_t show);

/*
 * Format a message into err (errlen bytes, always terminated; err may be
 * NULL) and return rc, so that failures read `return tpam_errf(...)`.
 */
int tpam_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Wipe a NUL-terminated secret and free it.  NULL is a no-op. */
void tpam_free_secret(char *s);

/* Wipe len bytes of a buffer and free it.  NULL is a no-op. */
void tpam_free_wiped(void *p, size_t len);

/* "host:port", or "[v6]:port" for an IPv6 address; returns dst. */
const char *tpam_host_port(char *dst, size_t dstlen, const char *host,
                           unsigned port);

#endif /* TPAM_TEXT_H */
