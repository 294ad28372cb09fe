/* SPDX-License-Identifier: MIT */
/* tpam_line.c: one line of TPAM output as the error classifier sees it:
 * Unicode spaces, invisible (format) characters and surrounding quotes
 * normalised away, control and format characters found, and whether the
 * line reads as a message (several words, one from an error vocabulary). */
#include "tpam_line.h"

#include <string.h>

/*
 * One UTF-8 character at s (n > 0 bytes left): its code point in *cp and
 * its length.  An invalid, overlong, surrogate or cut sequence is one
 * opaque byte (*cp = -1): such text is no Unicode space, quote or format
 * character, so it is kept as it is and matched byte for byte.
 */
static size_t utf8_next(const unsigned char *s, size_t n, long *cp)
{
    size_t len, i;
    long c;

    *cp = -1;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        c = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        c = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        c = s[0] & 0x07;
    } else {
        return 1;
    }
    if (n < len) {
        return 1;
    }
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 1;
        }
        c = (c << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
        (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff) {
        return 1;
    }
    *cp = c;
    return len;
}

/* Unicode's space separators (Zs) but the ASCII space. */
static int is_unicode_space(long cp)
{
    return cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
           cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* Unicode's format characters (Cf, Unicode 15): invisible, they hide text
 * (a zero-width space inside "error", a BOM in front, bidi overrides). */
static int is_format(long cp)
{
    static const long ranges[][2] = {
        {0xad, 0xad},       {0x600, 0x605},     {0x61c, 0x61c},
        {0x6dd, 0x6dd},     {0x70f, 0x70f},     {0x890, 0x891},
        {0x8e2, 0x8e2},     {0x180e, 0x180e},   {0x200b, 0x200f},
        {0x202a, 0x202e},   {0x2060, 0x2064},   {0x2066, 0x206f},
        {0xfeff, 0xfeff},   {0xfff9, 0xfffb},   {0x110bd, 0x110bd},
        {0x110cd, 0x110cd}, {0x13430, 0x1343f}, {0x1bca0, 0x1bca3},
        {0x1d173, 0x1d17a}, {0xe0001, 0xe0001}, {0xe0020, 0xe007f},
    };
    size_t i;

    for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        if (cp >= ranges[i][0] && cp <= ranges[i][1]) {
            return 1;
        }
    }
    return 0;
}

/* C0 and C1 controls, DEL, and the line and paragraph separators. */
static int is_control(long cp)
{
    return (cp >= 0 && cp < 0x20) || (cp >= 0x7f && cp <= 0x9f) ||
           cp == 0x2028 || cp == 0x2029;
}

/* Quotation marks, as their ASCII form ('"' or '\''), or 0. */
static char quote_of(long cp)
{
    switch (cp) {
    case '"':
    case 0xab:   /* « */
    case 0xbb:   /* » */
    case 0x201c: /* “ */
    case 0x201d: /* ” */
    case 0x201e: /* „ */
    case 0x201f:
    case 0x2039: /* ‹ */
    case 0x203a: /* › */
    case 0x300c: /* 「 */
    case 0x300d:
    case 0x300e:
    case 0x300f:
    case 0xff02: /* fullwidth " */
        return '"';
    case '\'':
    case '`':
    case 0x2018: /* ‘ */
    case 0x2019: /* ’ */
    case 0x201a: /* ‚ */
    case 0x201b:
    case 0xff07: /* fullwidth ' */
        return '\'';
    default:
        return 0;
    }
}

int tpam_line_has_control(const char *line, size_t len)
{
    const unsigned char *s = (const unsigned char *)line;
    size_t i = 0;

    while (i < len) {
        long cp;
        size_t n = utf8_next(s + i, len - i, &cp);

        if (is_control(cp) || is_format(cp)) {
            return 1;
        }
        i += n;
    }
    return 0;
}

size_t tpam_line_normalise(const char *line, size_t len, char *out)
{
    const unsigned char *s = (const unsigned char *)line;
    size_t i = 0, o = 0, start = 0;

    while (i < len) {
        long cp;
        size_t n = utf8_next(s + i, len - i, &cp);
        char q = quote_of(cp);

        if (is_format(cp)) {
            /* invisible: as if it were not there */
        } else if (is_control(cp) || is_unicode_space(cp) || cp == ' ') {
            out[o++] = ' ';
        } else if (q != 0) {
            out[o++] = q;
        } else {
            memcpy(out + o, line + i, n);
            o += n;
        }
        i += n;
    }
    /* Spaces and quotes around the text: "\"Error: x\"" is "Error: x". */
    while (start < o &&
           (out[start] == ' ' || out[start] == '"' || out[start] == '\'')) {
        start++;
    }
    while (o > start &&
           (out[o - 1] == ' ' || out[o - 1] == '"' || out[o - 1] == '\'')) {
        o--;
    }
    memmove(out, out + start, o - start);
    o -= start;
    out[o] = '\0';
    return o;
}

/* ---- reads as a message ---- */

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (unsigned char)c >= 0x80;
}

/* Whether word[0..n) is w, ASCII letters without case. */
static int word_is(const char *word, size_t n, const char *w)
{
    size_t i;

    if (strlen(w) != n) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (ascii_lower(word[i]) != w[i]) {
            return 0;
        }
    }
    return 1;
}

/*
 * Words that, in a line of several words, make it a message rather than a
 * password.  tpam-cli.md's texts, the generic shapes of error messages,
 * and what TPAM's own QA material shows ("Connection timed out: ...").
 */
static const char *const error_words[] = {
    "error",         "errors",        "failed",         "failure",
    "failures",      "fail",          "fails",          "denied",
    "unable",        "invalid",       "required",       "requires",
    "authorized",    "authorised",    "unauthorized",   "unauthorised",
    "authorization", "authorisation", "authentication", "exception",
    "usage",         "timeout",       "timed-out",      "connection",
    "connect",       "disconnected",  "refused",        "cannot",
    "can't",         "couldn't",      "unavailable",    "unknown",
    "expired",       "locked",        "disabled",       "missing",
    "rejected",      "aborted",       "illegal",        "forbidden",
    "fatal",         "warning",       "violation",      "unreachable",
    "unexpected",    "incorrect",     "traceback",      "exceeded",
};

/* Two words in a row that do the same. */
static const char *const error_pairs[][2] = {
    {"timed", "out"}, {"not", "found"},     {"could", "not"},
    {"no", "such"},   {"not", "allowed"},   {"not", "permitted"},
    {"try", "again"}, {"not", "available"}, {"not", "exist"},
    {"does", "not"},  {"did", "not"},       {"not", "responding"},
};

typedef struct word {
    const char *p;
    size_t n;
} word;

/* The next word of s (space-separated, punctuation around it dropped). */
static int next_word(const char **s, const char *end, word *w)
{
    const char *p = *s, *q;

    while (p < end && *p == ' ') {
        p++;
    }
    if (p == end) {
        return 0;
    }
    q = p;
    while (q < end && *q != ' ') {
        q++;
    }
    *s = q;
    while (p < q && !is_alnum(*p)) {
        p++;
    }
    while (q > p && !is_alnum(q[-1])) {
        q--;
    }
    w->p = p;
    w->n = (size_t)(q - p);
    return 1;
}

int tpam_line_reads_as_message(const char *norm, size_t len)
{
    const char *s = norm, *end = norm + len;
    word prev = {NULL, 0}, w;
    size_t words = 0;
    int hit = 0;
    size_t i;

    while (next_word(&s, end, &w)) {
        if (w.n == 0) {
            continue; /* punctuation alone ("-", ":") */
        }
        words++;
        for (i = 0; !hit && i < sizeof(error_words) / sizeof(error_words[0]);
             i++) {
            hit = word_is(w.p, w.n, error_words[i]);
        }
        /* "NullPointerException", "java.io.IOException". */
        hit = hit || (w.n > 9 && word_is(w.p + w.n - 9, 9, "exception"));
        for (i = 0; !hit && prev.p != NULL &&
                    i < sizeof(error_pairs) / sizeof(error_pairs[0]);
             i++) {
            hit = word_is(prev.p, prev.n, error_pairs[i][0]) &&
                  word_is(w.p, w.n, error_pairs[i][1]);
        }
        prev = w;
    }
    return words >= 2 && hit;
}
