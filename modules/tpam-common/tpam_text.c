/* SPDX-License-Identifier: MIT */
/* tpam_text.c: text helpers of the TPAM client: error messages, escaping,
 * wiping. */
#include "tpam_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <credstack/module.h>

const char *tpam_escape(char *dst, size_t dstlen, const char *src, size_t len,
                        size_t show)
{
    size_t o = 0;
    size_t i;
    char tmp[8];

    if (dst == NULL || dstlen == 0) {
        return "";
    }
    for (i = 0; i < len && i < show; i++) {
        unsigned char c = (unsigned char)src[i];
        size_t n;

        switch (c) {
        case '"':
            memcpy(tmp, "\\\"", 3);
            break;
        case '\\':
            memcpy(tmp, "\\\\", 3);
            break;
        case '\t':
            memcpy(tmp, "\\t", 3);
            break;
        case '\r':
            memcpy(tmp, "\\r", 3);
            break;
        case '\n':
            memcpy(tmp, "\\n", 3);
            break;
        case '\0':
            memcpy(tmp, "\\0", 3);
            break;
        default:
            if (c < 0x20 || c >= 0x7f) {
                snprintf(tmp, sizeof(tmp), "\\x%02x", c);
            } else {
                tmp[0] = (char)c;
                tmp[1] = '\0';
            }
            break;
        }
        n = strlen(tmp);
        /* Keep room for "..." and the terminator so a cut is always marked. */
        if (o + n + 4 > dstlen) {
            break;
        }
        memcpy(dst + o, tmp, n);
        o += n;
    }
    if (i < len && o + 4 <= dstlen) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o < dstlen ? o : dstlen - 1] = '\0';
    return dst;
}

int tpam_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

void tpam_free_secret(char *s)
{
    if (s != NULL) {
        credstack_wipe(s, strlen(s));
        free(s);
    }
}

void tpam_free_wiped(void *p, size_t len)
{
    if (p != NULL) {
        credstack_wipe(p, len);
        free(p);
    }
}

const char *tpam_host_port(char *dst, size_t dstlen, const char *host,
                           unsigned port)
{
    if (host == NULL) {
        host = "(no host)";
    }
    snprintf(dst, dstlen, strchr(host, ':') != NULL ? "[%s]:%u" : "%s:%u", host,
             port);
    return dst;
}
