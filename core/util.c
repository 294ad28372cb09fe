/* SPDX-License-Identifier: MIT */
/* util.c: small string, wiping and file-safety helpers of the core. */
#include "autoconf.h"

#include <errno.h>
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
