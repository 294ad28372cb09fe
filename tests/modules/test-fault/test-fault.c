/* SPDX-License-Identifier: MIT */
/* test-fault.c: a test-only module that plants a memory error in the process
 * that runs it, so that the suite can prove its checkers see one (never
 * installed; tests/checkers/). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <credstack/module.h>

/*
 * fault=none|leak|uninit|overflow|crash: what run() does before it answers
 * the password "planted" (none: nothing).
 *   leak      48 bytes allocated and the only pointer lost
 *   uninit    a branch on a _Bool read from fresh heap memory (valgrind:
 *             "depends on uninitialised value"; in an ASan build the heap is
 *             filled with 0xbe, and UBSan refuses that value for a _Bool)
 *   overflow  one byte written past a 16-byte heap block (within glibc's
 *             padding: a plain build does not notice)
 *   crash     SIGSEGV raised
 * in=any|library|command|agent: only in that kind of process: a program
 * that is not credstack (a test linking libcredstack), a credstack command
 * other than the agent, or `credstack agent`.
 * user=NAME: only for requests whose target user is NAME.
 */
static const struct credstack_option options[] = {
    {NULL, "fault", CREDSTACK_OPTION_STRING, 0, "none", 0, 0, NULL, NULL,
     "the fault to plant"},
    {NULL, "in", CREDSTACK_OPTION_STRING, 0, "any", 0, 0, NULL, NULL,
     "the kind of process to plant it in"},
    {NULL, "user", CREDSTACK_OPTION_STRING, 0, NULL, 0, 0, NULL, NULL,
     "only for this target user"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL},
};

typedef struct conf {
    const char *fault, *in, *user; /* the core's, valid until close */
} conf_t;

static void fini(void *data)
{
    free(data);
}

static int init(credstack_module *mod, void **data_out)
{
    static const char *const faults[] = {"none", "leak", "uninit", "overflow",
                                         "crash"};
    static const char *const kinds[] = {"any", "library", "command", "agent"};
    conf_t *c = calloc(1, sizeof(*c));
    int ok_fault = 0, ok_in = 0;

    if (c == NULL)
        return CREDSTACK_ERR_NOMEM;
    credstack_module_option_string(mod, NULL, "fault", &c->fault);
    credstack_module_option_string(mod, NULL, "in", &c->in);
    credstack_module_option_string(mod, NULL, "user", &c->user);
    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
        ok_fault |= strcmp(c->fault, faults[i]) == 0;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        ok_in |= strcmp(c->in, kinds[i]) == 0;
    if (!ok_fault || !ok_in) {
        credstack_module_error(mod, "fault=%s in=%s: unknown", c->fault, c->in);
        free(c);
        return CREDSTACK_ERR_CONFIG;
    }
    *data_out = c;
    return CREDSTACK_OK;
}

/* "library", "command" or "agent", from our own command line. */
static const char *process_kind(void)
{
    char buf[4096];
    size_t n = 0;
    const char *argv0, *argv1, *base;
    FILE *f = fopen("/proc/self/cmdline", "re");

    if (f != NULL) {
        n = fread(buf, 1, sizeof(buf) - 2, f);
        fclose(f);
    }
    buf[n] = buf[n + 1] = '\0';
    argv0 = buf;
    argv1 = buf + strlen(buf) + 1;
    base = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
    /* libtool runs the uninstalled program as lt-credstack. */
    if (strcmp(base, "credstack") != 0 && strcmp(base, "lt-credstack") != 0)
        return "library";
    return strcmp(argv1, "agent") == 0 ? "agent" : "command";
}

/* The stack below this frame is overwritten, so that no stale copy of the
 * leaked pointer is left for a leak checker to find. */
static __attribute__((noinline)) void scrub_stack(void)
{
    volatile char junk[4096];

    memset((char *)junk, 0, sizeof(junk));
}

static __attribute__((noinline)) void plant_leak(void)
{
    char *volatile p = malloc(48);

    if (p != NULL)
        memcpy(p, "planted leak", 13);
    p = NULL;
}

/* The read is the point: the compiler is told so.  A call on one side
 * keeps the branch a branch (valgrind judges conditional jumps). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wunknown-warning-option"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
static __attribute__((noinline)) void plant_uninit(credstack_module *mod)
{
    volatile _Bool *b = malloc(8 * sizeof(*b));

    if (b == NULL)
        return;
    if (*b)
        credstack_module_log(mod, CREDSTACK_LOG_DEBUG, "uninit: true");
    free((void *)b);
}
#pragma GCC diagnostic pop

/* The write, apart from the allocation: UBSan's object-size check cannot
 * see the block's size here, so ASan's own report is the one proved.
 * volatile: a store into a block about to be freed is otherwise dropped. */
static __attribute__((noinline)) void poke(volatile char *p, size_t at)
{
    p[at] = 'x';
}

/* The index comes from the caller, so the compiler cannot see it is out of
 * bounds either (-Warray-bounds). */
static __attribute__((noinline)) void plant_overflow(size_t at)
{
    volatile char *p = malloc(16);

    if (p != NULL) {
        poke(p, at);
        free((void *)p);
    }
}

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const conf_t *c = data;
    const char *user = credstack_request_get(req, CREDSTACK_ITEM_TARGET_USER);

    if ((strcmp(c->in, "any") == 0 || strcmp(c->in, process_kind()) == 0) &&
        (c->user == NULL || (user != NULL && strcmp(user, c->user) == 0))) {
        if (strcmp(c->fault, "leak") == 0) {
            plant_leak();
            scrub_stack();
        } else if (strcmp(c->fault, "uninit") == 0) {
            plant_uninit(mod);
        } else if (strcmp(c->fault, "overflow") == 0) {
            plant_overflow(16);
        } else if (strcmp(c->fault, "crash") == 0) {
            raise(SIGSEGV);
        }
    }
    if (credstack_request_set(req, CREDSTACK_ITEM_PASSWORD, "planted") !=
        CREDSTACK_OK)
        return CREDSTACK_RESULT_ERROR;
    return CREDSTACK_RESULT_SUCCESS;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "test-fault",
    .description = "plants a memory error for the checkers (tests only)",
    .options = options,
    .option_size = sizeof(struct credstack_option),
    .init = init,
    .run = run,
    .free = fini,
};

CREDSTACK_MODULE_DEFINE(ops)
