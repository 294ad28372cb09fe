/* SPDX-License-Identifier: MIT */
/* test-oldabi.c: a module as credstack 0.1 built them (module ABI 1, whose
 * ops ended with init/run/fini); loader tests only, never installed. */
#include <stddef.h>

/* ABI 1's ops, as its module.h declared them. */
struct old_ops {
    size_t size;
    unsigned abi_version;
    const char *name;
    const char *description;
    int (*init)(void *mod, void **data_out);
    int (*run)(void *mod, void *req, void *data);
    void (*fini)(void *data);
};

static int run(void *mod, void *req, void *data)
{
    (void)mod;
    (void)req;
    (void)data;
    return 0;
}

static const struct old_ops ops = {
    .size = sizeof(struct old_ops),
    .abi_version = 1,
    .name = "test-oldabi",
    .run = run,
};

__attribute__((visibility("default"))) const struct old_ops *
credstack_module_entry(void);
const struct old_ops *credstack_module_entry(void)
{
    return &ops;
}
