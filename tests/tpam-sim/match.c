/* SPDX-License-Identifier: MIT */
/* match.c: case-insensitive comparison and the list filters' matching modes
 * (TPAM '*' wildcards, exact, substring, prefix, case). */
#include "sim.h"

#include <ctype.h>
#include <string.h>

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

static int same_char(char a, char b, int icase)
{
    return icase ? lc(a) == lc(b) : a == b;
}

/* Glob with '*' only (any run of characters), whole string. */
static int glob(const char *p, const char *s, int icase)
{
    const char *star = NULL;
    const char *resume = NULL;

    while (*s) {
        if (*p == '*') {
            star = p++;
            resume = s;
        } else if (*p && same_char(*p, *s, icase)) {
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

/* Glob with '*' only, case-insensitive, whole string. */
int wildmatch(const char *p, const char *s)
{
    return glob(p, s, 1);
}

/* Whole-value equality, '*' an ordinary character. */
static int equal(const char *a, const char *b, int icase)
{
    return icase ? ieq(a, b) : strcmp(a, b) == 0;
}

/*
 * A list filter: absent or empty means "no filter". The mode and the letter
 * case come from the faults file (filter=, filter_case=); the default is
 * FILTER_WILDCARD without case, the simulator's behaviour from the start.
 */
int filter_ok(int mode, int case_sensitive, const char *filter,
              const char *value)
{
    int icase = !case_sensitive;
    struct out pat = {0};
    int hit;

    if (!filter || !*filter)
        return 1;
    if (!value)
        value = "";
    switch (mode) {
    case FILTER_IGNORE:
        return 1;
    case FILTER_EXACT:
        return equal(filter, value, icase);
    case FILTER_SUBSTRING:
    case FILTER_PREFIX:
        /* The value holds the filter somewhere (or at its start); '*' still
         * works as a wildcard inside it. */
        if (mode == FILTER_SUBSTRING)
            out_str(&pat, "*");
        out_str(&pat, filter);
        out_str(&pat, "*");
        hit = glob(pat.buf, value, icase);
        out_free(&pat);
        return hit;
    case FILTER_WILDCARD:
    default:
        return glob(filter, value, icase);
    }
}
