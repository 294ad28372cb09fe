/* SPDX-License-Identifier: MIT */
/* test-evil.c: a module that must never be loaded: loading it alone leaves a
 * marker (loader race tests only, never installed). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <credstack/module.h>

/*
 * Runs as soon as the file is mapped, before the loader can look at its
 * entry point: one byte appended to $CREDSTACK_TEST_EVIL_MARKER is the proof
 * that the loader ran code from this file.
 */
__attribute__((constructor)) static void leave_marker(void)
{
    const char *marker = getenv("CREDSTACK_TEST_EVIL_MARKER");
    int fd;

    if (marker == NULL)
        return;
    fd = open(marker, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        if (write(fd, "!", 1) != 1)
            abort();
        close(fd);
    }
}

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    (void)mod;
    (void)req;
    (void)data;
    return CREDSTACK_RESULT_ERROR;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "test-evil",
    .run = run,
};

CREDSTACK_MODULE_DEFINE(ops)
