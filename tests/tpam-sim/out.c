/* SPDX-License-Identifier: MIT */
/* out.c: growable output buffer, TPAM line helpers and checked allocation. */
#include "sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p) {
        fputs("tpam-sim: out of memory\n", stderr);
        exit(SIM_EXIT_SETUP);
    }
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (!q) {
        fputs("tpam-sim: out of memory\n", stderr);
        exit(SIM_EXIT_SETUP);
    }
    return q;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

void out_bytes(struct out *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 1024;

        while (o->len + n + 1 > cap)
            cap *= 2;
        o->buf = xrealloc(o->buf, cap);
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

void out_str(struct out *o, const char *s)
{
    out_bytes(o, s, strlen(s));
}

void out_field(struct out *o, const char *s)
{
    out_str(o, s ? s : "");
    out_bytes(o, "\t", 1);
}

void out_eol(struct out *o)
{
    out_bytes(o, "\r\n", 2);
}

void out_line(struct out *o, const char *s)
{
    out_str(o, s);
    out_eol(o);
}

void out_free(struct out *o)
{
    free(o->buf);
    o->buf = NULL;
    o->len = o->cap = 0;
}

int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);

        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}
