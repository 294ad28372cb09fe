/* SPDX-License-Identifier: MIT */
/* fuzz_retrieve.c: libFuzzer harness of the Retrieve output classifier: a
 * password is one non-empty line of no error shape, and a refusal never
 * carries a byte of the output. */
#include "autoconf.h"

#include <stdio.h>

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
 * An oracle of its own, written apart from tpam_output.c: the shapes no
 * password may have (design.md, "TPAM's answers are evidence").
 */
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
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)pw[i];
            if (c < 0x20 || c == 0x7f)
                abort(); /* CR, LF and every other control byte */
        }
        if (error_shaped(pw))
            abort();
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
