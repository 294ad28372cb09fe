/* SPDX-License-Identifier: MIT */
/* fuzz_stack.c: libFuzzer harness of the stack file parser (fields, quotes,
 * control lists, arguments). */
#include "autoconf.h"

#include <stdio.h>

#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    char err[CS_ERRLEN];
    cs_stack stack;

    memset(&stack, 0, sizeof(stack));
    if (cs_stack_parse_string(text, "fuzz.stack", &stack, err, sizeof(err)) ==
        CREDSTACK_OK) {
        /* A parsed stack must be fully formed: every line has its names and
         * an action for every result, as the dispatcher assumes. */
        for (size_t i = 0; i < stack.nlines; i++) {
            const cs_line *l = &stack.lines[i];
            if (l->stage == NULL || l->control == NULL || l->module == NULL ||
                l->file == NULL)
                abort();
            for (int r = 0; r < CREDSTACK_RESULT_COUNT; r++)
                if ((int)l->actions[r] < 0 || l->actions[r] >= CS_ACTION_COUNT)
                    abort();
            for (size_t a = 0; a < l->nargs; a++)
                if (cs_line_arg(l, l->args[a].key) == NULL)
                    abort();
            (void)cs_line_arg(l, "prefix");
        }
    } else if (err[0] == '\0') {
        /* A refusal always says why. */
        abort();
    }
    cs_stack_clear(&stack);
    free(text);
    return 0;
}
