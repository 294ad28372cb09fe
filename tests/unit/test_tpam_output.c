/* SPDX-License-Identifier: MIT */
/* test_tpam_output.c: parsing of TPAM list tables and Retrieve answers. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <credstack/credstack.h>

#include "../../modules/tpam-common/tpam_output.h"
#include "../../modules/tpam-common/tpam_text.h"

/* Parse a literal (its sizeof, so embedded NULs count) and expect rc. */
#define PARSE(lit, t, rc)                                                      \
    do {                                                                       \
        char err_[512] = "";                                                   \
        int got_ =                                                             \
            tpam_table_parse((lit), sizeof(lit) - 1, (t), err_, sizeof(err_)); \
        cr_assert_eq(got_, (rc), "rc %d, expected %d: %s", got_, (rc), err_);  \
    } while (0)

/* The ListSystems shape: CRLF, a trailing tab on every line, padded numbers. */
static const char list_systems[] =
    "SystemName\tNetworkAddress\tPrimaryEmail\tPlatformName\tPortNumber\t"
    "PSM DPA Affinity\t\r\n"
    "DB02\t10.0.0.5\t\tLinux\t        22\tnone\t\r\n"
    "PSM_DB02\t10.0.0.5\tops@example.com\tLinux\t      2222\t\t\r\n";

Test(table, list_systems_crlf_trailing_tab)
{
    tpam_table *t = NULL;

    PARSE(list_systems, &t, CREDSTACK_OK);
    cr_assert_eq(tpam_table_rows(t), 2);
    cr_assert_eq(tpam_table_cols(t), 6);
    cr_assert_eq(tpam_table_col(t, "SystemName"), 0);
    cr_assert_eq(tpam_table_col(t, "systemname"), 0);
    cr_assert_eq(tpam_table_col(t, "PSM DPA Affinity"), 5);
    cr_assert_eq(tpam_table_col(t, "Nope"), -1);
    cr_assert_eq(tpam_table_col(t, ""), -1);
    cr_assert_str_eq(tpam_table_cell(t, 0, 0), "DB02");
    cr_assert_str_eq(tpam_table_cell(t, 1, 0), "PSM_DB02");
    cr_assert_str_eq(tpam_table_cell(t, 0, 2), "");
    cr_assert_str_eq(tpam_table_cell(t, 1, 2), "ops@example.com");
    cr_assert_str_eq(tpam_table_cell(t, 0, 4), "        22");
    cr_assert_str_eq(tpam_table_cell_trimmed(t, 0, 4), "22");
    cr_assert_str_eq(tpam_table_cell_trimmed(t, 1, 4), "2222");
    cr_assert_str_eq(tpam_table_cell(t, 0, 5), "none");
    cr_assert_str_eq(tpam_table_cell(t, 1, 5), "");
    cr_assert_str_eq(tpam_table_header(t, 5), "PSM DPA Affinity");
    cr_assert_null(tpam_table_cell(t, 2, 0));
    cr_assert_null(tpam_table_cell(t, 0, 6));
    cr_assert_null(tpam_table_cell(t, 0, -1));
    cr_assert_null(tpam_table_header(t, 6));
    tpam_table_free(t);
}

Test(table, lf_no_trailing_tab_leading_blank_lines)
{
    static const char out[] = "\n\r\n  \r\n"
                              "SystemName\tNetworkAddress\n"
                              "WEB01\t10.0.0.7\n"
                              "\n";
    tpam_table *t = NULL;

    PARSE(out, &t, CREDSTACK_OK);
    cr_assert_eq(tpam_table_rows(t), 1);
    cr_assert_eq(tpam_table_cols(t), 2);
    cr_assert_str_eq(tpam_table_cell(t, 0, 1), "10.0.0.7");
    tpam_table_free(t);
}

Test(table, no_final_line_end_is_truncated)
{
    tpam_table *t = NULL;

    PARSE("A\tB\t\r\nx\ty\t", &t, CREDSTACK_ERR_BACKEND);
    PARSE("A\tB\t\r\nx\ty\t\r", &t, CREDSTACK_ERR_BACKEND);
    PARSE("SystemName\tNetwo", &t, CREDSTACK_ERR_BACKEND);
    cr_assert_null(t);
    /* Trailing blank lines after a complete line are fine. */
    PARSE("A\tB\t\r\nx\ty\t\r\n  ", &t, CREDSTACK_OK);
    cr_assert_eq(tpam_table_rows(t), 1);
    cr_assert_str_eq(tpam_table_cell(t, 0, 1), "y");
    tpam_table_free(t);
}

Test(table, header_only_means_zero_rows)
{
    static const char out[] = "SystemName\tNetworkAddress\t\r\n";
    tpam_table *t = NULL;

    PARSE(out, &t, CREDSTACK_OK);
    cr_assert_eq(tpam_table_rows(t), 0);
    cr_assert_null(tpam_table_cell(t, 0, 0));
    tpam_table_free(t);
}

Test(table, last_field_empty_with_or_without_trailing_tab)
{
    /* Row 1 has the trailing tab after an empty last field, row 2 not. */
    static const char out[] = "A\tB\tC\t\r\n"
                              "1\t2\t\t\r\n"
                              "3\t4\t\r\n";
    tpam_table *t = NULL;

    PARSE(out, &t, CREDSTACK_OK);
    cr_assert_eq(tpam_table_rows(t), 2);
    cr_assert_str_eq(tpam_table_cell(t, 0, 2), "");
    cr_assert_str_eq(tpam_table_cell(t, 1, 1), "4");
    cr_assert_str_eq(tpam_table_cell(t, 1, 2), "");
    tpam_table_free(t);
}

Test(table, no_things_to_list_is_notfound)
{
    static const char *const outs[] = {
        "No Systems to list",           "No Systems to list\r\n",
        "\r\nNo Accounts to list\r\n",  "No Requests to list\n\n",
        "No Permissions to list\t\r\n",
    };
    size_t i;

    for (i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
        char err[256] = "";
        tpam_table *t = NULL;
        int rc =
            tpam_table_parse(outs[i], strlen(outs[i]), &t, err, sizeof(err));

        cr_expect_eq(rc, CREDSTACK_ERR_NOTFOUND, "case %zu: rc %d (%s)", i, rc,
                     err);
        cr_expect(strstr(err, "to list") != NULL, "case %zu: %s", i, err);
        cr_expect_null(t);
    }
}

/* A literal and its length, NULs included. */
#define LIT(s) s, sizeof(s) - 1

Test(table, broken_outputs_are_backend_errors)
{
    static const struct {
        const char *out;
        size_t len;
        const char *why;
    } cases[] = {
        {LIT(""), "no header"},
        {LIT("\r\n\r\n"), "no header"},
        {LIT("Usage: ListSystems [--SystemName name]\r\n"), "usage"},
        {LIT("Unknown option --Foo\r\nUsage: ListSystems ...\r\n"), "usage"},
        {LIT("A\tB\t\r\n1\t2\t\r\n3\r\n"), "row 2 (line 3) has 1 fields, "
                                           "the header has 2"},
        {LIT("A\tB\t\r\n1\t2\t3\t4\r\n"), "has 4 fields"},
        {LIT("A\tB\t\r\n1\t2\r\n\r\n1\t2\r\n"), "has 1 fields"},
        {LIT("A\tB\r\n1\0\t2\r\n"), "NUL byte"},
        {LIT("\t\t\r\n\t\r\n"), "no header row"},
        {LIT("No Systems to list\r\nDB02\r\n"), "followed by more lines"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        tpam_table *t = NULL;
        int rc =
            tpam_table_parse(cases[i].out, cases[i].len, &t, err, sizeof(err));

        cr_expect_eq(rc, CREDSTACK_ERR_BACKEND, "case %zu: rc %d (%s)", i, rc,
                     err);
        cr_expect(strcasestr(err, cases[i].why) != NULL,
                  "case %zu: message \"%s\" lacks \"%s\"", i, err,
                  cases[i].why);
        cr_expect_null(t);
    }
}

Test(table, usage_inside_a_data_cell_is_data)
{
    static const char out[] = "SystemName\tDescription\t\r\n"
                              "DB02\tUsage: reporting only\t\r\n";
    tpam_table *t = NULL;

    PARSE(out, &t, CREDSTACK_OK);
    cr_assert_str_eq(tpam_table_cell(t, 0, 1), "Usage: reporting only");
    tpam_table_free(t);
}

Test(table, misuse)
{
    tpam_table *t = NULL;
    char err[64];

    cr_assert_eq(tpam_table_parse(NULL, 3, &t, err, sizeof(err)),
                 CREDSTACK_ERR_INVALID);
    cr_assert_eq(tpam_table_parse("A", 1, NULL, err, sizeof(err)),
                 CREDSTACK_ERR_INVALID);
    cr_assert_eq(tpam_table_col(NULL, "A"), -1);
    cr_assert_eq(tpam_table_rows(NULL), 0);
    tpam_table_free(NULL);
}

/* ---- Retrieve ---- */

static int retrieve(const char *out, size_t len, char **pw, char *err,
                    size_t errlen)
{
    return tpam_retrieve_parse(out, len, pw, err, errlen);
}

Test(retrieve, password_line)
{
    static const struct {
        const char *out;
        const char *pw;
    } cases[] = {
        {"S3cret!\r\n", "S3cret!"},
        {"S3cret!\n", "S3cret!"},
        {"\r\nS3cret!\r\n", "S3cret!"},
        {"pass word ;# with spaces\r\n", "pass word ;# with spaces"},
        {" leading and trailing \r\n", " leading and trailing "},
        {"\"q'uo`te\\s$%^&*()[]{}<>|~=+-_,./?:@\r\n",
         "\"q'uo`te\\s$%^&*()[]{}<>|~=+-_,./?:@"},
        {"Usage\r\n", "Usage"},
        {"not-authorised\r\n", "not-authorised"},
        {"x\r\n", "x"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        char *pw = NULL;
        int rc =
            retrieve(cases[i].out, strlen(cases[i].out), &pw, err, sizeof(err));

        cr_expect_eq(rc, CREDSTACK_OK, "case %zu: rc %d (%s)", i, rc, err);
        if (rc == CREDSTACK_OK) {
            cr_expect_str_eq(pw, cases[i].pw, "case %zu", i);
        }
        tpam_free_secret(pw);
    }
}

Test(retrieve, error_lines_give_no_password)
{
    static const struct {
        const char *out;
        int rc;
    } cases[] = {
        {"You are not authorized to perform this operation\r\n",
         CREDSTACK_ERR_DENIED},
        {"Reason Codes are required\r\n", CREDSTACK_ERR_DENIED},
        {"Ticket Number and Ticket System are required for the CLI "
         "retrieval\r\n",
         CREDSTACK_ERR_DENIED},
        {"Ticket Number not found\r\n", CREDSTACK_ERR_DENIED},
        {"Ticket \"4711\" not found\r\n", CREDSTACK_ERR_DENIED},
        {"Ticket Number failed manual validation\r\n", CREDSTACK_ERR_DENIED},
        {"You are NOT AUTHORIZED for this account\r\n", CREDSTACK_ERR_DENIED},
        {"\r\nYou are not authorized to perform this operation\r\n",
         CREDSTACK_ERR_DENIED},
        {"you are not authorized to perform this operation",
         CREDSTACK_ERR_DENIED},
        {"No Accounts to list\r\n", CREDSTACK_ERR_NOTFOUND},
        {"Usage: Retrieve --AccountName name --SystemName name\r\n",
         CREDSTACK_ERR_BACKEND},
        {"Error: the account is locked\r\n", CREDSTACK_ERR_BACKEND},
        {"ERROR retrieving password\r\n", CREDSTACK_ERR_BACKEND},
        /* An error line wins even when more lines follow. */
        {"Reason Codes are required\r\nsecond line\r\n", CREDSTACK_ERR_DENIED},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        char *pw = (char *)"sentinel";
        int rc =
            retrieve(cases[i].out, strlen(cases[i].out), &pw, err, sizeof(err));

        cr_expect_eq(rc, cases[i].rc, "case %zu: rc %d (%s)", i, rc, err);
        cr_expect_null(pw, "case %zu: a password was returned", i);
        cr_expect(strstr(err, "TPAM Retrieve answered") != NULL, "case %zu: %s",
                  i, err);
    }
}

Test(retrieve, malformed_outputs_fail_closed_without_echo)
{
    static const struct {
        const char *out;
        size_t len;
        const char *why;
    } cases[] = {
        {"", 0, "nothing"},
        {"\r\n", 2, "only empty lines"},
        {"\n\n", 2, "only empty lines"},
        {"secretA\r\nsecretB\r\n", 18, "more than one line"},
        {"secretA\r\n\r\n", 11, "more than one line"},
        {"secretA\nsecretB", 15, "more than one line"},
        {"sec\0retA\r\n", 10, "NUL byte"},
        {"sec\bretA\r\n", 10, "control characters"},
        {"secr\retA\r\n", 10, "control characters"},
        {"secret\tA\r\n", 10, "control characters"},
        /* No line end: cut off, maybe in the middle of the password. */
        {"secretA", 7, "truncated"},
        {"\r\nsecretA", 9, "truncated"},
        {" \r\n", 3, NULL},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        char *pw = NULL;
        int rc = retrieve(cases[i].out, cases[i].len, &pw, err, sizeof(err));

        if (cases[i].why == NULL) {
            /* A single space is printable: TPAM would not print it as an error.
             */
            cr_expect_eq(rc, CREDSTACK_OK, "case %zu: %s", i, err);
            tpam_free_secret(pw);
            continue;
        }
        cr_expect_eq(rc, CREDSTACK_ERR_BACKEND, "case %zu: rc %d (%s)", i, rc,
                     err);
        cr_expect_null(pw, "case %zu", i);
        cr_expect(strstr(err, cases[i].why) != NULL,
                  "case %zu: message \"%s\" lacks \"%s\"", i, err,
                  cases[i].why);
        cr_expect(strstr(err, "secret") == NULL && strstr(err, "retA") == NULL,
                  "case %zu: message echoes the output: %s", i, err);
    }
}

Test(retrieve, misuse)
{
    char err[64];

    cr_assert_eq(tpam_retrieve_parse("x", 1, NULL, err, sizeof(err)),
                 CREDSTACK_ERR_INVALID);
}
