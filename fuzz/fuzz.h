/* SPDX-License-Identifier: MIT */
/* fuzz.h: what every libFuzzer harness of credstack shares. */
#ifndef CREDSTACK_FUZZ_H
#define CREDSTACK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The entry points libFuzzer calls (declared here for -Wmissing-prototypes). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * The input as a NUL-terminated string, as the readers get it from a file
 * or a command line: the real callers hand C strings, so bytes after an
 * embedded NUL are what those callers would never see.
 */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif /* CREDSTACK_FUZZ_H */
