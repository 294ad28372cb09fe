/* SPDX-License-Identifier: MIT */
/* fuzz_retrieve.c: libFuzzer harness of the Retrieve output classifier: a
 * password is one non-empty line of no error shape, with no control or
 * invisible character, that does not read as a message, and a refusal
 * never carries a byte of the output. */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <credstack/credstack.h>

#include "fuzz.h"
#include "tpam_output.h"
#include "tpam_text.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int starts(const char *s, const char *word)
{
    for (; *word != '\0'; s++, word++)
        if (lower((unsigned char)*s) != *word)
            return 0;
    return 1;
}

static int holds(const char *s, const char *word)
{
    for (; *s != '\0'; s++)
        if (starts(s, word))
            return 1;
    return 0;
}

/*
 * The oracle below is written apart from tpam_retrieve.c and tpam_line.c
 * (design.md, "TPAM's answers are evidence"; issue 16): it knows fewer
 * spellings than the classifier, so whatever it finds in an accepted
 * password, the classifier missed.
 */

/* One UTF-8 character's code point (-1: not valid UTF-8) and length. */
static size_t decode(const unsigned char *s, size_t n, long *cp)
{
    size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
    long c = s[0] < 0x80 ? s[0] : s[0] & (0x7f >> len);

    *cp = -1;
    if (s[0] >= 0x80 && (s[0] < 0xc2 || s[0] > 0xf4))
        return 1;
    if (n < len)
        return 1;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 1;
        c = c << 6 | (s[i] & 0x3f);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
        (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
        return 1;
    *cp = c;
    return len;
}

/* Controls and the invisible characters that best hide an error text. */
static int invisible(long cp)
{
    return (cp >= 0 && cp < 0x20) || (cp >= 0x7f && cp <= 0x9f) || cp == 0xad ||
           cp == 0xfeff || (cp >= 0x200b && cp <= 0x200f) ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0xe0000 && cp <= 0xe007f);
}

/* The password with no-break and other wide spaces as spaces, and the
 * spaces and ASCII quotes around it dropped (a subset of the classifier's
 * normalising), into out (n + 1 bytes). */
static void plain(const char *pw, size_t n, char *out)
{
    size_t i = 0, o = 0, a = 0;

    while (i < n) {
        long cp;
        size_t k = decode((const unsigned char *)pw + i, n - i, &cp);

        if (cp == 0xa0 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200a))
            out[o++] = ' ';
        else
            for (size_t j = 0; j < k; j++)
                out[o++] = pw[i + j];
        i += k;
    }
    while (a < o && strchr(" \"'`", out[a]) != NULL)
        a++;
    while (o > a && strchr(" \"'`", out[o - 1]) != NULL)
        o--;
    memmove(out, out + a, o - a);
    out[o - a] = '\0';
}

/* The brief's error vocabulary, in a line of two words or more. */
static int reads_as_message(const char *s)
{
    static const char *const words[] = {
        "error",   "connection", "failed",     "denied",    "unable",
        "invalid", "required",   "authorized", "exception", "usage"};
    char prev[32] = "", w[32];
    int nwords = 0, hit = 0;

    while (*s != '\0') {
        size_t k, a = 0, n = 0;

        while (*s == ' ')
            s++;
        k = strcspn(s, " ");
        if (k == 0)
            break;
        /* ASCII punctuation around the word dropped. */
        while (a < k && (unsigned char)s[a] < 0x80 &&
               !isalnum((unsigned char)s[a]))
            a++;
        while (k > a && (unsigned char)s[k - 1] < 0x80 &&
               !isalnum((unsigned char)s[k - 1]))
            k--;
        for (size_t i = a; i < k && n + 1 < sizeof(w); i++)
            w[n++] = (char)lower((unsigned char)s[i]);
        w[n] = '\0';
        s += strcspn(s, " ");
        if (n == 0)
            continue;
        nwords++;
        for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
            hit |= strcmp(w, words[i]) == 0;
        hit |= strcmp(prev, "timed") == 0 && strcmp(w, "out") == 0;
        hit |= strcmp(prev, "not") == 0 && strcmp(w, "found") == 0;
        snprintf(prev, sizeof(prev), "%s", w);
    }
    return nwords >= 2 && hit;
}

/* The shapes no password may have (tpam-cli.md's texts, generic ones). */
static int error_shaped(const char *pw)
{
    static const char *const prefixes[] = {
        "error",      "fail",    "invalid",       "denied",
        "exception",  "usage",   "unknown",       "you are not",
        "fatal",      "warning", "access denied", "permission denied",
        "reason code"};
    const char *s = pw;
    size_t n;

    while (*s == ' ')
        s++;
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (starts(s, prefixes[i]))
            return 1;
    if (holds(s, "not authorized") || holds(s, "usage:"))
        return 1;
    if (starts(s, "ticket") && (holds(s, "required") || holds(s, "not found") ||
                                holds(s, "failed") || holds(s, "invalid")))
        return 1;
    n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    if (n > 11 && starts(s, "no ") && starts(s + n - 8, " to list"))
        return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The client hands the parser a NUL-terminated buffer with its length
     * (NUL bytes inside included), so the harness does too. */
    char *out = fuzz_cstr(data, size);
    char err[512] = "";
    char again[512] = "";
    tpam_retrieve_verdict v;
    char *pw = NULL;
    int rc;

    tpam_retrieve_classify(out, size, &v);
    rc = tpam_retrieve_parse(out, size, &pw, err, sizeof(err));
    if (rc != v.rc || (rc == CREDSTACK_OK) != (pw != NULL))
        abort();
    if (pw != NULL) {
        size_t n = strlen(pw);

        /* One non-empty, non-blank line of printable text, as printed. */
        if (n == 0 || n != v.len || memcmp(pw, out + v.off, n) != 0)
            abort();
        if (strspn(pw, " ") == n)
            abort();
        for (size_t i = 0; i < n;) {
            long cp;

            i += decode((const unsigned char *)pw + i, n - i, &cp);
            if (invisible(cp))
                abort(); /* CR, LF, other controls, BOM, zero-width... */
        }
        {
            char *norm = malloc(n + 1);

            if (norm == NULL)
                abort();
            plain(pw, n, norm);
            if (norm[0] == '\0' || error_shaped(norm) || reads_as_message(norm))
                abort();
            free(norm);
        }
        /* A line end followed it, and nothing else did. */
        if (v.off + n >= size ||
            (out[v.off + n] != '\n' &&
             !(out[v.off + n] == '\r' && v.off + n + 1 < size &&
               out[v.off + n + 1] == '\n')))
            abort();
        if (v.lines != 1 || v.shape != NULL || v.cls != NULL)
            abort();
        tpam_free_secret(pw);
    } else {
        /*
         * The message is made of the verdict's fixed texts and numbers only:
         * formatting the verdict again gives it, byte for byte, and its texts
         * are the library's own (pointers, not copies of the output).
         */
        if (!tpam_retrieve_known_text(v.shape) ||
            !tpam_retrieve_known_text(v.cls) || v.shape == NULL)
            abort();
        tpam_retrieve_message(&v, again, sizeof(again));
        if (strcmp(err, again) != 0)
            abort();
        if (rc != CREDSTACK_ERR_DENIED && rc != CREDSTACK_ERR_BACKEND)
            abort();
    }
    free(out);
    return 0;
}
