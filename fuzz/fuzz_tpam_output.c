/* SPDX-License-Identifier: MIT */
/* fuzz_tpam_output.c: libFuzzer harness of the TPAM output parsers (list tables
 * and Retrieve). */
#include "autoconf.h"

#include <stdio.h>

#include <credstack/credstack.h>

#include "fuzz.h"
#include "tpam_output.h"
#include "tpam_text.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const cols[] = {"SystemName",       "AccountName",
                                       "AccountCustom1",   "AccountCustom2",
                                       "AccessPolicyName", "PSM DPA Affinity",
                                       "PortNumber",       ""};
    /* The client hands the parsers a NUL-terminated buffer with its length
     * (NUL bytes inside included), so the harness does too. */
    char *out = fuzz_cstr(data, size);
    char err[512];
    tpam_table *t = NULL;
    char *pw = NULL;
    int rc;

    rc = tpam_table_parse(out, size, &t, err, sizeof(err));
    if (rc == CREDSTACK_OK) {
        size_t rows = tpam_table_rows(t), ncols = tpam_table_cols(t);
        for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
            (void)tpam_table_col(t, cols[c]);
        for (size_t c = 0; c <= ncols; c++)
            (void)tpam_table_header(t, (int)c);
        for (size_t r = 0; r <= rows; r++)
            for (size_t c = 0; c <= ncols; c++) {
                const char *raw = tpam_table_cell(t, r, (int)c);
                const char *trim = tpam_table_cell_trimmed(t, r, (int)c);
                /* In range, both exist; out of range, neither. */
                if ((raw == NULL) != (r >= rows || c >= ncols) ||
                    (trim == NULL) != (raw == NULL))
                    abort();
            }
        (void)tpam_table_cell(t, 0, -1);
        tpam_table_free(t);
    } else if (t != NULL) {
        abort();
    }
    rc = tpam_retrieve_parse(out, size, &pw, err, sizeof(err));
    if ((rc == CREDSTACK_OK) != (pw != NULL))
        abort();
    if (pw != NULL) {
        /* A password is one line of printable text, never an empty one. */
        if (*pw == '\0' || strchr(pw, '\n') || strchr(pw, '\r'))
            abort();
        tpam_free_secret(pw);
    }
    free(out);
    return 0;
}
