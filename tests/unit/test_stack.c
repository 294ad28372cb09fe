/* SPDX-License-Identifier: MIT */
/* test_stack.c: the stack parser and the control-word action tables, every
 * error path. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "internal.h"
#include "testutil.h"

static cs_stack stack;
static char err[CS_ERRLEN];

static void reset(void)
{
    cs_stack_clear(&stack);
    err[0] = '\0';
}

TestSuite(stack, .init = reset, .fini = reset);

static int parse(const char *text)
{
    reset();
    return cs_stack_parse_string(text, "t.stack", &stack, err, sizeof(err));
}

/* ---- what parses ---- */

Test(stack, full_line_with_quotes_comments_and_crlf)
{
    int rc = parse("# a comment\n"
                   "\n"
                   "   \t  \n"
                   "resolve  required  resolver-dns case=upper  # trailing\n"
                   "authorize\tsufficient\tauth-policy policy=\"Privileged "
                   "Access\" note=\"a#b \\\"q\\\" \\\\\"\r\n"
                   "map [success=done denied=die default=bad] prefix "
                   "prefix=PSM_\n"
                   "checkout optional checkout-tpam");

    cr_assert_eq(rc, CREDSTACK_OK, "%s", err);
    cr_assert_eq(stack.nlines, 4);
    cr_assert_str_eq(stack.lines[0].stage, "resolve");
    cr_assert_str_eq(stack.lines[0].module, "resolver-dns");
    cr_assert_eq(stack.lines[0].lineno, 4);
    cr_assert_str_eq(stack.lines[0].file, "t.stack");
    cr_assert_str_eq(cs_line_arg(&stack.lines[0], "case"), "upper");
    cr_assert_null(cs_line_arg(&stack.lines[0], "trailing"));
    cr_assert_eq(stack.lines[1].lineno, 5);
    cr_assert_str_eq(cs_line_arg(&stack.lines[1], "policy"),
                     "Privileged Access");
    /* '#' inside quotes is data; \" and \\ are escapes; CR is dropped. */
    cr_assert_str_eq(cs_line_arg(&stack.lines[1], "note"), "a#b \"q\" \\");
    cr_assert_str_eq(stack.lines[2].control,
                     "[success=done denied=die default=bad]");
    cr_assert_eq(stack.lines[2].actions[CREDSTACK_RESULT_SUCCESS],
                 CS_ACTION_DONE);
    cr_assert_eq(stack.lines[2].actions[CREDSTACK_RESULT_DENIED],
                 CS_ACTION_DIE);
    cr_assert_eq(stack.lines[2].actions[CREDSTACK_RESULT_IGNORE],
                 CS_ACTION_BAD);
    cr_assert_eq(stack.lines[2].actions[CREDSTACK_RESULT_ERROR], CS_ACTION_BAD);
    cr_assert_eq(stack.lines[3].nargs, 0);
    cr_assert_eq(stack.lines[3].lineno, 7);
}

Test(stack, empty_value_and_value_with_equals)
{
    cr_assert_eq(parse("map required prefix prefix= x=\"a=b\"\n"), CREDSTACK_OK,
                 "%s", err);
    cr_assert_str_eq(cs_line_arg(&stack.lines[0], "prefix"), "");
    cr_assert_str_eq(cs_line_arg(&stack.lines[0], "x"), "a=b");
}

Test(stack, exactly_the_maximum_number_of_fields)
{
    /* 3 fixed fields and 61 arguments: 64 fields, the limit itself. */
    char line[2048] = "map required prefix";

    for (int i = 0; i < 61; i++)
        snprintf(line + strlen(line), sizeof(line) - strlen(line), " a%d=v", i);
    cr_assert_eq(parse(line), CREDSTACK_OK, "%s", err);
    cr_assert_eq(stack.lines[0].nargs, 61);
    cr_assert_str_eq(cs_line_arg(&stack.lines[0], "a60"), "v");
}

Test(stack, line_of_exactly_max_length)
{
    char *text = malloc(4097);
    const char *head = "map required prefix x=";

    cr_assert_not_null(text);
    memset(text, 'a', 4096);
    memcpy(text, head, strlen(head));
    text[4096] = '\0';
    cr_assert_eq(parse(text), CREDSTACK_OK, "%s", err);
    free(text);
}

/* ---- the control words' tables (the dispatcher only reads these) ---- */

struct control_case {
    const char *control;
    cs_action success, denied, ignore, error;
};

static const struct control_case controls[] = {
    {"required", CS_ACTION_OK, CS_ACTION_BAD, CS_ACTION_IGNORE, CS_ACTION_BAD},
    {"requisite", CS_ACTION_OK, CS_ACTION_DIE, CS_ACTION_IGNORE, CS_ACTION_DIE},
    {"sufficient", CS_ACTION_DONE, CS_ACTION_IGNORE, CS_ACTION_IGNORE,
     CS_ACTION_BAD},
    {"optional", CS_ACTION_OK, CS_ACTION_IGNORE, CS_ACTION_IGNORE,
     CS_ACTION_BAD},
    /* Unlisted results take default=, or bad when there is none. */
    {"[success=ok]", CS_ACTION_OK, CS_ACTION_BAD, CS_ACTION_BAD, CS_ACTION_BAD},
    {"[]", CS_ACTION_BAD, CS_ACTION_BAD, CS_ACTION_BAD, CS_ACTION_BAD},
    {"[ success=done\tignore=ignore  default=die ]", CS_ACTION_DONE,
     CS_ACTION_DIE, CS_ACTION_IGNORE, CS_ACTION_DIE},
    {"[default=ok error=die]", CS_ACTION_OK, CS_ACTION_OK, CS_ACTION_OK,
     CS_ACTION_DIE},
    {"[error=bad success=ok denied=ignore ignore=ok]", CS_ACTION_OK,
     CS_ACTION_IGNORE, CS_ACTION_OK, CS_ACTION_BAD},
};

Test(stack, control_tables)
{
    for (size_t i = 0; i < sizeof(controls) / sizeof(controls[0]); i++) {
        const struct control_case *c = &controls[i];
        cs_action a[CREDSTACK_RESULT_COUNT];

        memset(a, 0xff, sizeof(a));
        cr_assert_eq(cs_actions_from_control(c->control, a, err, sizeof(err)),
                     CREDSTACK_OK, "%s: %s", c->control, err);
        cr_expect_eq(a[CREDSTACK_RESULT_SUCCESS], c->success, "%s success",
                     c->control);
        cr_expect_eq(a[CREDSTACK_RESULT_DENIED], c->denied, "%s denied",
                     c->control);
        cr_expect_eq(a[CREDSTACK_RESULT_IGNORE], c->ignore, "%s ignore",
                     c->control);
        cr_expect_eq(a[CREDSTACK_RESULT_ERROR], c->error, "%s error",
                     c->control);
    }
}

Test(stack, result_and_action_names)
{
    cr_assert_str_eq(cs_result_name(CREDSTACK_RESULT_SUCCESS), "success");
    cr_assert_str_eq(cs_result_name(CREDSTACK_RESULT_ERROR), "error");
    cr_assert_str_eq(cs_result_name(CREDSTACK_RESULT_COUNT), "out-of-range");
    cr_assert_str_eq(cs_result_name(-1), "out-of-range");
    cr_assert_str_eq(cs_action_name(CS_ACTION_DIE), "die");
    cr_assert_str_eq(cs_action_name(CS_ACTION_COUNT), "?");
}

/* ---- every error path: a CREDSTACK_ERR_STACK naming file:line ---- */

struct bad_case {
    const char *text;
    const char *where; /* "t.stack:N:" */
    const char *why;   /* a piece of the message */
};

static const struct bad_case bad[] = {
    /* Stage names are the stack's own words, but plain ones. */
    {"fr.ob required prefix\n", "t.stack:1:", "bad stage name 'fr.ob'"},
    {"# c\nRESOLVE required prefix\n", "t.stack:2:", "bad stage name 'RESOLVE'"},
    {"map required prefix @if=tpam\n", "t.stack:1:",
     "@if=tpam: expected [!]section.option"},
    {"map required prefix @if=.x\n", "t.stack:1:", "expected [!]section"},
    {"map required prefix @if=a.b=\n", "t.stack:1:", "an empty value"},
    {"map required prefix @if=a.b=x||y\n", "t.stack:1:", "an empty value"},
    {"map required prefix @if=a b.c\n", "t.stack:1:", "@if=a: expected"},
    {"map required prefix @unless=a.b\n", "t.stack:1:",
     "unknown directive '@unless=a.b'"},
    {"map mandatory prefix\n", "t.stack:1:", "unknown control 'mandatory'"},
    {"map Required prefix\n", "t.stack:1:", "unknown control 'Required'"},
    {"map\n", "t.stack:1:", "got 1 field"},
    {"\n\nmap required\n", "t.stack:3:", "got 2 fields"},
    {"map required # prefix\n", "t.stack:1:", "got 2 fields"},
    {"map required prefix x=\"abc\n",
     "t.stack:1:", "unterminated double quote"},
    {"map required prefix x=\"a\\\"\n",
     "t.stack:1:", "unterminated double quote"},
    {"map [success=ok prefix\n", "t.stack:1:", "lacks its closing ']'"},
    {"map [success=ok]prefix\n", "t.stack:1:", "no space after field"},
    {"map required ../x\n", "t.stack:1:", "bad module name '../x'"},
    {"map required /etc/x\n", "t.stack:1:", "bad module name"},
    {"map required Prefix\n", "t.stack:1:", "bad module name 'Prefix'"},
    {"map required \"\"\n", "t.stack:1:", "bad module name ''"},
    {"map required pre.fix\n", "t.stack:1:", "bad module name"},
    {"map required prefix x=1 x=2\n",
     "t.stack:1:", "argument 'x' of prefix given twice"},
    {"map required prefix novalue\n",
     "t.stack:1:", "argument 'novalue' of prefix is not key=value"},
    {"map required prefix =v\n", "t.stack:1:", "is not key=value"},
    {"map required prefix X=v\n", "t.stack:1:", "bad argument name 'X'"},
    {"map required prefix a.b=v\n", "t.stack:1:", "bad argument name 'a.b'"},
    {"map [success=ok denied=ok success=bad] prefix\n",
     "t.stack:1:", "result 'success' given twice"},
    {"map [success=done denied=die default=bad error=ignore] prefix\n",
     "t.stack:1:", "error=ignore refused"},
    {"map [error=ok] prefix\n", "t.stack:1:", "error=ok refused"},
    {"map [error=done] prefix\n", "t.stack:1:", "error=done refused"},
    {"map [default=ignore] prefix\n", "t.stack:1:", "error=ignore refused"},
    {"map [default=ok] prefix\n", "t.stack:1:", "error=ok refused"},
    {"map [success=win] prefix\n", "t.stack:1:", "unknown action 'win'"},
    {"map [success=] prefix\n", "t.stack:1:", "unknown action ''"},
    {"map [notfound=bad] prefix\n", "t.stack:1:", "unknown result 'notfound'"},
    {"map [=bad] prefix\n", "t.stack:1:", "unknown result ''"},
    {"map [success] prefix\n", "t.stack:1:", "is not result=action"},
    {"map [success = ok] prefix\n", "t.stack:1:", "is not result=action"},
    {"map [default=bad default=ok] prefix\n",
     "t.stack:1:", "'default' given twice"},
    /* A good line first: the error still names the bad one. */
    {"map required prefix\nmap required prefix\nmap oops prefix\n",
     "t.stack:3:", "unknown control 'oops'"},
};

Test(stack, every_error_names_file_and_line)
{
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse(bad[i].text);

        cr_expect_eq(rc, CREDSTACK_ERR_STACK, "case %zu (%s): rc %d", i,
                     bad[i].text, rc);
        cr_expect(strncmp(err, bad[i].where, strlen(bad[i].where)) == 0,
                  "case %zu: '%s' does not start with '%s'", i, err,
                  bad[i].where);
        cr_expect(strstr(err, bad[i].why) != NULL, "case %zu: '%s' lacks '%s'",
                  i, err, bad[i].why);
        /* Nothing half-parsed is left behind. */
        cr_expect_eq(stack.nlines, 0, "case %zu", i);
        cr_expect_null(stack.lines, "case %zu", i);
    }
}

Test(stack, too_many_fields)
{
    char line[2048] = "map required prefix";

    for (int i = 0; i < 62; i++)
        snprintf(line + strlen(line), sizeof(line) - strlen(line), " a%d=v", i);
    cr_assert_eq(parse(line), CREDSTACK_ERR_STACK);
    cr_assert(strstr(err, "t.stack:1: more than 64 fields") != NULL, "%s", err);
}

Test(stack, line_too_long)
{
    char *text = malloc(8000);
    size_t head;

    cr_assert_not_null(text);
    strcpy(text, "map required prefix\nmap required prefix x=");
    /* Every byte up to the NUL written: the parser reads them all. */
    head = strlen(text);
    memset(text + head, 'a', 7000 - head);
    text[7000] = '\0';
    cr_assert_eq(parse(text), CREDSTACK_ERR_STACK);
    cr_assert(strstr(err, "t.stack:2: line longer than 4096") != NULL, "%s",
              err);
    free(text);
}

Test(stack, empty_stacks)
{
    static const char *const empties[] = {"", "\n\n", "# only\n  # comments\n",
                                          "\r\n"};

    for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
        cr_expect_eq(parse(empties[i]), CREDSTACK_ERR_STACK, "case %zu", i);
        cr_expect(strstr(err, "t.stack: the stack has no module lines"),
                  "case %zu: %s", i, err);
    }
}

Test(stack, bracket_without_close_from_control_parser)
{
    cs_action a[CREDSTACK_RESULT_COUNT];

    /* split_fields never passes this on, but the parser stands alone too. */
    cr_assert_eq(cs_actions_from_control("[success=ok", a, err, sizeof(err)),
                 CREDSTACK_ERR_STACK);
    cr_assert(strstr(err, "lacks its closing ']'"), "%s", err);
    cr_assert_eq(cs_actions_from_control("[", a, err, sizeof(err)),
                 CREDSTACK_ERR_STACK);
}

Test(stack, free_stage_words_and_conditions)
{
    cr_assert_eq(cs_stack_parse_string(
                     "vault-login required prefix prefix=P @if=tpam.x "
                     "@if=!a.b @if=s.o=one|Two\n",
                     "t.stack", &stack, err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    cr_assert_str_eq(stack.lines[0].stage, "vault-login");
    cr_assert_eq(stack.lines[0].nargs, 1, "@if= is not a module argument");
    cr_assert_eq(stack.lines[0].nconds, 3);
    cr_assert_str_eq(stack.lines[0].conds[0].section, "tpam");
    cr_assert_str_eq(stack.lines[0].conds[0].option, "x");
    cr_assert_eq(stack.lines[0].conds[0].nvalues, 0);
    cr_assert(stack.lines[0].conds[1].negate);
    cr_assert_eq(stack.lines[0].conds[2].nvalues, 2);
    cr_assert_str_eq(stack.lines[0].conds[2].values[1], "Two");
}

/* ---- files ---- */

Test(stack, file_nul_byte)
{
    char *dir = tu_tmpdir();
    static const char text[] = "map required prefix\nmap req\0uired prefix\n";
    char *p = tu_write_len(dir, "nul.stack", text, sizeof(text) - 1);

    cr_assert_eq(cs_stack_parse_file(p, &stack, err, sizeof(err)),
                 CREDSTACK_ERR_STACK);
    cr_assert(strstr(err, p) != NULL, "%s", err);
    cr_assert(strstr(err, "NUL byte"), "%s", err);
    cr_assert_eq(stack.nlines, 0);
    free(p);
    tu_rmtree(dir);
}

Test(stack, file_missing)
{
    char *dir = tu_tmpdir();
    char *p = tu_path(dir, "absent.stack");

    cr_assert_eq(cs_stack_parse_file(p, &stack, err, sizeof(err)),
                 CREDSTACK_ERR_IO);
    cr_assert(strstr(err, p) && strstr(err, "cannot open stack file"), "%s",
              err);
    free(p);
    tu_rmtree(dir);
}

Test(stack, file_empty_and_file_names_itself)
{
    char *dir = tu_tmpdir();
    char *empty = tu_write(dir, "empty.stack", "");
    char *badl = tu_write(dir, "bad.stack", "# x\n\nmap required ../evil\n");
    char want[4200];

    cr_assert_eq(cs_stack_parse_file(empty, &stack, err, sizeof(err)),
                 CREDSTACK_ERR_STACK);
    cr_assert(strstr(err, "no module lines"), "%s", err);
    cr_assert_eq(cs_stack_parse_file(badl, &stack, err, sizeof(err)),
                 CREDSTACK_ERR_STACK);
    snprintf(want, sizeof(want), "%s:3: bad module name '../evil'", badl);
    cr_assert(strstr(err, want), "'%s' lacks '%s'", err, want);
    free(empty);
    free(badl);
    tu_rmtree(dir);
}

Test(stack, file_too_large)
{
    char *dir = tu_tmpdir();
    size_t len = (1u << 20) + 100;
    char *text = malloc(len);
    char *p;

    cr_assert_not_null(text);
    /* Valid comment lines: only the size is wrong. */
    for (size_t i = 0; i < len; i++)
        text[i] = (i % 64 == 63) ? '\n' : '#';
    p = tu_write_len(dir, "big.stack", text, len);
    cr_assert_eq(cs_stack_parse_file(p, &stack, err, sizeof(err)),
                 CREDSTACK_ERR_STACK);
    cr_assert(strstr(err, "larger than 1 MiB"), "%s", err);
    free(text);
    free(p);
    tu_rmtree(dir);
}

Test(stack, file_good)
{
    char *dir = tu_tmpdir();
    char *p = tu_write(dir, "good.stack",
                       "resolve requisite resolver-dns\n"
                       "checkout required test-result password=x");

    cr_assert_eq(cs_stack_parse_file(p, &stack, err, sizeof(err)), CREDSTACK_OK,
                 "%s", err);
    cr_assert_eq(stack.nlines, 2);
    cr_assert_str_eq(stack.lines[1].file, p);
    cr_assert_eq(stack.lines[1].lineno, 2);
    free(p);
    tu_rmtree(dir);
}
