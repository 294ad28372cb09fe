/* SPDX-License-Identifier: MIT */
/* util.c: small string, wiping and file-safety helpers of the core. */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

void credstack_wipe(void *p, size_t len)
{
    if (p == NULL || len == 0)
        return;
#ifdef HAVE_EXPLICIT_BZERO
    explicit_bzero(p, len);
#else
    /* A volatile pointer keeps the compiler from dropping the stores. */
    volatile unsigned char *v = p;
    while (len--)
        *v++ = 0;
#endif
}

char *cs_strdup(const char *s)
{
    return s == NULL ? NULL : strdup(s);
}

char *cs_strndup(const char *s, size_t n)
{
    return s == NULL ? NULL : strndup(s, n);
}

void cs_free_secret(char *s)
{
    if (s == NULL)
        return;
    credstack_wipe(s, strlen(s));
    free(s);
}

/*
 * A module file or directory that others could write to would let them run
 * code with our privileges: refuse group- or world-writable ones, and ones
 * owned by another user than root or us.
 */
int cs_is_safe_path(const char *path, int want_dir, char *err, size_t errlen)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return CREDSTACK_ERR_NOTFOUND;
    }
    if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a %s", path,
                 want_dir ? "directory" : "regular file");
        return CREDSTACK_ERR_MODULE;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(err, errlen,
                 "%s: refused: writable by group or others (mode %04o)", path,
                 (unsigned)(st.st_mode & 07777));
        return CREDSTACK_ERR_MODULE;
    }
    if (st.st_uid != 0 && st.st_uid != geteuid()) {
        snprintf(err, errlen, "%s: refused: owned by uid %u, not root or us",
                 path, (unsigned)st.st_uid);
        return CREDSTACK_ERR_MODULE;
    }
    return CREDSTACK_OK;
}

/* The one place the core reads its environment: set-uid safe. */
const char *cs_getenv(const char *name)
{
#ifdef HAVE_SECURE_GETENV
    return secure_getenv(name);
#else
    return getenv(name);
#endif
}

/* path, or path taken relative to base_file's directory; free() the result. */
char *cs_path_relative_to(const char *base_file, const char *path)
{
    const char *slash;
    char *out = NULL;

    if (path == NULL)
        return NULL;
    if (path[0] == '/' || base_file == NULL ||
        (slash = strrchr(base_file, '/')) == NULL)
        return strdup(path);
    if (asprintf(&out, "%.*s/%s", (int)(slash - base_file), base_file, path) <
        0)
        return NULL;
    return out;
}

static int cs_fold(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/*
 * Levenshtein distance between two names, ignoring ASCII case, for "did you
 * mean"; anything over cap (or a name longer than 63 bytes) is cap + 1.
 */
unsigned cs_edit_distance(const char *a, const char *b, unsigned cap)
{
    unsigned row[64], prev_diag, tmp;
    size_t la = strlen(a), lb = strlen(b);

    if (la > 63 || lb > 63)
        return cap + 1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = (unsigned)j;
    for (size_t i = 1; i <= la; i++) {
        prev_diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= lb; j++) {
            unsigned cost = cs_fold((unsigned char)a[i - 1]) !=
                            cs_fold((unsigned char)b[j - 1]);
            tmp = row[j];
            row[j] = row[j] + 1;
            if (row[j - 1] + 1 < row[j])
                row[j] = row[j - 1] + 1;
            if (prev_diag + cost < row[j])
                row[j] = prev_diag + cost;
            prev_diag = tmp;
        }
    }
    return row[lb] > cap ? cap + 1 : row[lb];
}
