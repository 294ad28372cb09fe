/* SPDX-License-Identifier: MIT */
/* errors.c: setup errors (a broken fixture, a faults file the simulator does
 * not understand): on stderr, and kept in STATE/errors for the harness. */
#include "sim.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *errors_path;

void sim_errors_to(const char *path)
{
    errors_path = path;
}

/*
 * The message goes to stderr, which a client reads as the backend's; a test
 * might then pass for the wrong reason (a refusal it expected anyway).  So
 * it is also appended to STATE/errors, which tests/run-test reads after the
 * test: a test that wrote a fault or a fixture the simulator does not
 * understand fails.
 */
void sim_error(const char *fmt, ...)
{
    char msg[1024];
    int n, fd;
    va_list ap;

    memcpy(msg, "tpam-sim: ", 10);
    va_start(ap, fmt);
    n = vsnprintf(msg + 10, sizeof(msg) - 11, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    n += 10;
    if ((size_t)n > sizeof(msg) - 2)
        n = (int)sizeof(msg) - 2;
    msg[n++] = '\n';
    msg[n] = '\0';
    (void)!write(STDERR_FILENO, msg, (size_t)n);
    if (errors_path == NULL)
        return;
    fd = open(errors_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        (void)!write(fd, msg, (size_t)n);
        close(fd);
    }
}
