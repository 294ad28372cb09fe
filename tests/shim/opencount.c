/* SPDX-License-Identifier: MIT */
/* opencount.c: an LD_PRELOAD library for tests that counts how often a
 * process opens one file ($CSTEST_OPENS_PATH, by the path it is named with)
 * through open, openat or fopen, and at exit appends "ARGV1 COUNT" to
 * $CSTEST_OPENS_OUT, so a test can tell the caller (argv[1]
 * "get-password") from the wrapper script and the agent it may start. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *watched;
static int count;
static char argv1[64];

static void seen(const char *path)
{
    if (watched != NULL && path != NULL && strcmp(path, watched) == 0)
        __atomic_add_fetch(&count, 1, __ATOMIC_SEQ_CST);
}

__attribute__((constructor)) static void start(int argc, char **argv)
{
    watched = getenv("CSTEST_OPENS_PATH");
    if (argc > 1 && argv != NULL && argv[1] != NULL)
        snprintf(argv1, sizeof(argv1), "%s", argv[1]);
}

__attribute__((destructor)) static void report(void)
{
    const char *out = getenv("CSTEST_OPENS_OUT");
    char line[128];
    int fd, n;

    if (out == NULL || watched == NULL)
        return;
    fd = open(out, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    n = snprintf(line, sizeof(line), "%s %d\n", argv1[0] ? argv1 : "-", count);
    if (n > 0)
        (void)!write(fd, line, (size_t)n);
    close(fd);
}

/* The mode argument is there only when the flags create a file. */
#define MODE_ARG(flags, mode)                                                  \
    do {                                                                       \
        if ((flags) & (O_CREAT | O_TMPFILE)) {                                 \
            va_list ap;                                                        \
            va_start(ap, flags);                                               \
            mode = va_arg(ap, mode_t);                                         \
            va_end(ap);                                                        \
        }                                                                      \
    } while (0)

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef FILE *(*fopen_fn)(const char *, const char *);

int open(const char *path, int flags, ...)
{
    static open_fn next;
    mode_t mode = 0;

    MODE_ARG(flags, mode);
    if (next == NULL)
        next = (open_fn)dlsym(RTLD_NEXT, "open");
    seen(path);
    return next(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
    static open_fn next;
    mode_t mode = 0;

    MODE_ARG(flags, mode);
    if (next == NULL)
        next = (open_fn)dlsym(RTLD_NEXT, "open64");
    seen(path);
    return next(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    static openat_fn next;
    mode_t mode = 0;

    MODE_ARG(flags, mode);
    if (next == NULL)
        next = (openat_fn)dlsym(RTLD_NEXT, "openat");
    seen(path);
    return next(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    static openat_fn next;
    mode_t mode = 0;

    MODE_ARG(flags, mode);
    if (next == NULL)
        next = (openat_fn)dlsym(RTLD_NEXT, "openat64");
    seen(path);
    return next(dirfd, path, flags, mode);
}

FILE *fopen(const char *path, const char *how)
{
    static fopen_fn next;

    if (next == NULL)
        next = (fopen_fn)dlsym(RTLD_NEXT, "fopen");
    seen(path);
    return next(path, how);
}

FILE *fopen64(const char *path, const char *how)
{
    static fopen_fn next;

    if (next == NULL)
        next = (fopen_fn)dlsym(RTLD_NEXT, "fopen64");
    seen(path);
    return next(path, how);
}
