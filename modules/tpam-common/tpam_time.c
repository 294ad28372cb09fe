/* SPDX-License-Identifier: MIT */
/* tpam_time.c: TPAM's date and time texts (ExpiresDt). */
#include "tpam_time.h"

#include <string.h>

/* n decimal digits at *p (advanced), or -1. */
static int digits(const char **p, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -1;
        v = v * 10 + (**p - '0');
    }
    return v;
}

/* The next byte is c (consumed), or not. */
static int sep(const char **p, char c)
{
    if (**p != c)
        return 0;
    (*p)++;
    return 1;
}

int tpam_time_parse(const char *text, time_t *out)
{
    const char *p = text;
    struct tm want;
    time_t best = (time_t)-1;
    int found = 0;

    if (text == NULL)
        return -1;
    memset(&want, 0, sizeof(want));
    if ((want.tm_year = digits(&p, 4)) < 0 || !sep(&p, '-') ||
        (want.tm_mon = digits(&p, 2)) < 0 || !sep(&p, '-') ||
        (want.tm_mday = digits(&p, 2)) < 0 || !sep(&p, ' ') ||
        (want.tm_hour = digits(&p, 2)) < 0 || !sep(&p, ':') ||
        (want.tm_min = digits(&p, 2)) < 0 || !sep(&p, ':') ||
        (want.tm_sec = digits(&p, 2)) < 0)
        return -1;
    if (sep(&p, '.')) {
        size_t n = strspn(p, "0123456789");
        if (n == 0 || n > 9)
            return -1;
        p += n;
    }
    if (*p != '\0' || want.tm_year < 1970 || want.tm_mon < 1 ||
        want.tm_mon > 12 || want.tm_mday < 1 || want.tm_mday > 31 ||
        want.tm_hour > 23 || want.tm_min > 59 || want.tm_sec > 59)
        return -1;
    want.tm_year -= 1900;
    want.tm_mon -= 1;
    /* Each reading mktime() accepts without moving a field (Feb 30 is
     * not a date, 02:30 on the night the clock skips it not a time). */
    for (int dst = -1; dst <= 1; dst++) {
        struct tm tm = want;
        time_t t;

        tm.tm_isdst = dst;
        t = mktime(&tm);
        if (t == (time_t)-1 || tm.tm_year != want.tm_year ||
            tm.tm_mon != want.tm_mon || tm.tm_mday != want.tm_mday ||
            tm.tm_hour != want.tm_hour || tm.tm_min != want.tm_min ||
            tm.tm_sec != want.tm_sec)
            continue;
        if (!found || t < best)
            best = t;
        found = 1;
    }
    if (!found)
        return -1;
    *out = best;
    return 0;
}
