/* SPDX-License-Identifier: MIT */
/* match.c: case-insensitive comparison and TPAM '*' wildcard filters. */
#include "sim.h"

#include <ctype.h>

static int lc(char c)
{
    return tolower((unsigned char)c);
}

int ieq(const char *a, const char *b)
{
    while (*a && *b && lc(*a) == lc(*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

/* Non-zero when prefix is a (case-insensitive) prefix of s. */
int iprefix(const char *prefix, const char *s)
{
    while (*prefix && *s && lc(*prefix) == lc(*s)) {
        prefix++;
        s++;
    }
    return *prefix == '\0';
}

/* Glob with '*' only (any run of characters), case-insensitive, whole string.
 */
int wildmatch(const char *p, const char *s)
{
    const char *star = NULL;
    const char *resume = NULL;

    while (*s) {
        if (*p == '*') {
            star = p++;
            resume = s;
        } else if (*p && lc(*p) == lc(*s)) {
            p++;
            s++;
        } else if (star) {
            p = star + 1;
            s = ++resume;
        } else {
            return 0;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

/* A list filter: absent or empty means "no filter". */
int filter_ok(const char *filter, const char *value)
{
    if (!filter || !*filter)
        return 1;
    return wildmatch(filter, value ? value : "");
}
