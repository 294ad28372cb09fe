/* SPDX-License-Identifier: MIT */
/* config_util.c: small helpers of the configuration reader: wiping, growing
 * value buffers, messages, ASCII case. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credstack/credstack.h"
#include "credstack/module.h"
#include "config.h"
#include "config_int.h"

void cs_config_free_secret(char *s)
{
    if (!s)
        return;
    credstack_wipe(s, strlen(s));
    free(s);
}

int cs_config_buf_add(struct cs_config_buf *b, const char *s, size_t n)
{
    int ret = CREDSTACK_OK;
    size_t need, ncap;
    char *p = NULL;

    if (n > (size_t)-1 - b->len - 1) {
        ret = CREDSTACK_ERR_NOMEM;
        goto done;
    }
    need = b->len + n + 1;
    if (need > b->cap) {
        ncap = b->cap ? b->cap : 64;
        while (ncap < need)
            ncap = ncap > (size_t)-1 / 2 ? need : ncap * 2;
        p = malloc(ncap);
        if (!p) {
            ret = CREDSTACK_ERR_NOMEM;
            goto done;
        }
        if (b->p) {
            memcpy(p, b->p, b->len);
            credstack_wipe(b->p, b->cap);
            free(b->p);
        }
        b->p = p;
        b->cap = ncap;
    }
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
done:
    return ret;
}

void cs_config_buf_wipe(struct cs_config_buf *b)
{
    if (b->p) {
        credstack_wipe(b->p, b->cap);
        free(b->p);
    }
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

void cs_config_errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    if (vsnprintf(err, errlen, fmt, ap) < 0)
        err[0] = '\0';
    va_end(ap);
}

void cs_config_err_clear(char *err, size_t errlen)
{
    if (err && errlen > 0)
        err[0] = '\0';
}

int cs_config_lower(int c)
{
    /* ASCII only: locale-dependent tolower() must not change how a file parses.
     */
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

int cs_config_name_eq(const char *a, const char *b)
{
    CS_PROBE();
    while (*a && cs_config_lower((unsigned char)*a) ==
                     cs_config_lower((unsigned char)*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

char *cs_config_lower_dup(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    size_t i;

    if (!d)
        return NULL;
    for (i = 0; i < n; i++)
        d[i] = (char)cs_config_lower((unsigned char)s[i]);
    d[n] = '\0';
    return d;
}
