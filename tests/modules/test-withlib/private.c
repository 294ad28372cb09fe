/* SPDX-License-Identifier: MIT */
/* private.c: libcstest-private.so, the private library of test-withlib:
 * mapping it leaves a marker, so that the loader tests can tell whether an
 * unsafe copy was ever mapped (loader tests only, never installed). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

const char *cstest_private_answer(void);

/* Runs as soon as the file is mapped: one byte appended to
 * $CREDSTACK_TEST_PRIVATE_MARKER. */
__attribute__((constructor)) static void leave_marker(void)
{
    const char *marker = getenv("CREDSTACK_TEST_PRIVATE_MARKER");
    int fd;

    if (marker == NULL)
        return;
    fd = open(marker, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        if (write(fd, "p", 1) != 1)
            abort();
        close(fd);
    }
}

const char *cstest_private_answer(void)
{
    return "from-the-private-library";
}
