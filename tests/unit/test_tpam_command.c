/* SPDX-License-Identifier: MIT */
/* test_tpam_command.c: the TPAM command builder's allow-lists and quoting. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <credstack/credstack.h>

#include "../../modules/tpam-common/tpam_command.h"

struct value_case {
    tpam_field_kind kind;
    const char *value;
    size_t len; /* 0: strlen(value) */
    const char
        *why; /* a piece the refusal message must contain; NULL: accepted */
};

static int check(const struct value_case *c, char *err, size_t errlen)
{
    size_t len = c->len ? c->len : strlen(c->value);

    return tpam_value_check("Opt", c->value, len, c->kind, err, errlen);
}

/* Values every kind must refuse, with the reason the message gives. */
static const struct value_case hostile[] = {
    {TPAM_FIELD_SYSTEM, "", 0, "is empty"},
    {TPAM_FIELD_SYSTEM, "DB\"02", 0, "double quote"},
    {TPAM_FIELD_SYSTEM, "DB'02", 0, "contains a quote"},
    {TPAM_FIELD_SYSTEM, "DB`id`", 0, "backquote"},
    {TPAM_FIELD_SYSTEM, "--SystemName", 0, "begins with '-'"},
    {TPAM_FIELD_SYSTEM, "-x", 0, "begins with '-'"},
    {TPAM_FIELD_SYSTEM, "DB02 --AccountName root", 0, "space"},
    {TPAM_FIELD_SYSTEM, "*", 0, "wildcard"},
    {TPAM_FIELD_SYSTEM, "DB*", 0, "wildcard"},
    {TPAM_FIELD_SYSTEM, "!DB02", 0, "no membership"},
    {TPAM_FIELD_SYSTEM, "DB\t02", 0, "tab"},
    {TPAM_FIELD_SYSTEM, "DB02\n", 0, "line break"},
    {TPAM_FIELD_SYSTEM, "DB02\r", 0, "line break"},
    {TPAM_FIELD_SYSTEM, "DB\00002", 5, "NUL byte"},
    {TPAM_FIELD_SYSTEM, "DB\00102", 0, "control character"},
    {TPAM_FIELD_SYSTEM, "DB\17702", 0, "control character"},
    {TPAM_FIELD_SYSTEM, "caf\303\251", 0, "non-ASCII"},
    {TPAM_FIELD_SYSTEM, "\377\376", 0, "non-ASCII"},
    {TPAM_FIELD_SYSTEM, "DB\\02", 0, "backslash"},
    {TPAM_FIELD_SYSTEM, "DB;02", 0, "contains ';'"},
    {TPAM_FIELD_SYSTEM, "DB$02", 0, "contains '$'"},
    {TPAM_FIELD_SYSTEM, "a@b", 0, "contains '@'"},
    {TPAM_FIELD_ACCOUNT, "root\"", 0, "double quote"},
    {TPAM_FIELD_ACCOUNT, "-root", 0, "begins with '-'"},
    {TPAM_FIELD_ACCOUNT, "ro ot", 0, "space"},
    {TPAM_FIELD_ACCOUNT, "ro+ot", 0, "contains '+'"},
    {TPAM_FIELD_ACCOUNT, "r*", 0, "wildcard"},
    {TPAM_FIELD_ACCOUNT, "a$HOME", 0, "'$' before its end"},
    {TPAM_FIELD_ACCOUNT, "$x", 0, "only as the last character"},
    {TPAM_FIELD_ACCOUNT, "HOST$$", 0, "'$' before its end"},
    {TPAM_FIELD_USER, "DOM\\bob", 0, "backslash"},
    {TPAM_FIELD_USER, "bob$", 0, "contains '$'"},
    {TPAM_FIELD_USER, "bob,SPS,gateway", 0, "contains ','"},
    {TPAM_FIELD_USER, "!bob", 0, "no membership"},
    {TPAM_FIELD_ADDRESS, "fe80::1%eth0", 0, "zone id"},
    {TPAM_FIELD_ADDRESS, "fe80::1%25eth0", 0, "zone id"},
    {TPAM_FIELD_ADDRESS, "10.0.0.256", 0, "not a valid IPv4"},
    {TPAM_FIELD_ADDRESS, "010.0.0.1", 0, "not a valid IPv4"},
    {TPAM_FIELD_ADDRESS, "1.2.3", 0, "not a valid IPv4"},
    {TPAM_FIELD_ADDRESS, "::g", 0, "not a valid IPv6"},
    {TPAM_FIELD_ADDRESS, "1::2::3", 0, "not a valid IPv6"},
    {TPAM_FIELD_ADDRESS, "host:22", 0, "not a valid IPv6"},
    {TPAM_FIELD_ADDRESS, "[::1]", 0, "contains '['"},
    {TPAM_FIELD_ADDRESS, "a..b", 0, "empty host name label"},
    {TPAM_FIELD_ADDRESS, ".a", 0, "empty host name label"},
    {TPAM_FIELD_ADDRESS, "a_b", 0, "contains '_'"},
    {TPAM_FIELD_ADDRESS, "10.0.0.5 --SystemName x", 0, "space"},
    {TPAM_FIELD_ADDRESS, "-10.0.0.5", 0, "begins with '-'"},
    {TPAM_FIELD_POLICY, " Privileged", 0, "begins or ends with a space"},
    {TPAM_FIELD_POLICY, "Privileged ", 0, "begins or ends with a space"},
    {TPAM_FIELD_POLICY, "x --SystemName y", 0, "space followed by '-'"},
    {TPAM_FIELD_POLICY, "a,b", 0, "contains ','"},
    {TPAM_FIELD_POLICY, "a/b", 0, "contains '/'"},
    {TPAM_FIELD_POLICY, "a\"b c", 0, "double quote"},
    {TPAM_FIELD_REQUEST_ID, "1--2", 0, "digits-digits"},
    {TPAM_FIELD_REQUEST_ID, "12-", 0, "digits-digits"},
    {TPAM_FIELD_REQUEST_ID, "a1", 0, "digits-digits"},
    {TPAM_FIELD_REQUEST_ID, "-1", 0, "begins with '-'"},
    {TPAM_FIELD_FLAG, "EE", 0, "single letter"},
    {TPAM_FIELD_FLAG, "1", 0, "contains '1'"},
    {TPAM_FIELD_KEYWORD, "Act ive", 0, "space"},
    {TPAM_FIELD_KEYWORD, "a.b", 0, "contains '.'"},
};

/* A table, not a parameterized test: Criterion re-runs the binary, so pointers
 * in parameters would not survive. */
Test(command, hostile_values_refused)
{
    size_t i;

    for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        const struct value_case *c = &hostile[i];
        char err[512] = "";
        int rc = check(c, err, sizeof(err));

        cr_expect_eq(rc, CREDSTACK_ERR_REFUSED, "case %zu (kind %s) rc %d", i,
                     tpam_field_kind_name(c->kind), rc);
        cr_expect(strstr(err, c->why) != NULL,
                  "case %zu: message \"%s\" lacks \"%s\"", i, err, c->why);
        cr_expect(strstr(err, "Opt") != NULL,
                  "case %zu: message \"%s\" names no option", i, err);
        cr_expect(strchr(err, '\n') == NULL && strchr(err, '\t') == NULL &&
                      strchr(err, '\r') == NULL,
                  "case %zu: message carries raw control characters", i);
    }
}

static const struct value_case accepted[] = {
    {TPAM_FIELD_SYSTEM, "DB02", 0, NULL},
    {TPAM_FIELD_SYSTEM, "PSM_DB02", 0, NULL},
    {TPAM_FIELD_SYSTEM, "web-01.example.com", 0, NULL},
    {TPAM_FIELD_SYSTEM, "a+b", 0, NULL},
    {TPAM_FIELD_ACCOUNT, "a", 0, NULL},
    {TPAM_FIELD_ACCOUNT, "@", 0, NULL},
    {TPAM_FIELD_ACCOUNT, "HOST$", 0, NULL},
    {TPAM_FIELD_ACCOUNT, "$", 0, NULL},
    {TPAM_FIELD_ACCOUNT, "john.doe@corp", 0, NULL},
    {TPAM_FIELD_ACCOUNT, "svc_x-1", 0, NULL},
    {TPAM_FIELD_USER, "alice", 0, NULL},
    {TPAM_FIELD_USER, "bob@corp.example", 0, NULL},
    {TPAM_FIELD_USER, "j.doe-1_x", 0, NULL},
    {TPAM_FIELD_ADDRESS, "10.0.0.5", 0, NULL},
    {TPAM_FIELD_ADDRESS, "::1", 0, NULL},
    {TPAM_FIELD_ADDRESS, "2001:DB8::1", 0, NULL},
    {TPAM_FIELD_ADDRESS, "::ffff:10.0.0.1", 0, NULL},
    {TPAM_FIELD_ADDRESS, "web01.example.com", 0, NULL},
    {TPAM_FIELD_ADDRESS, "WEB01", 0, NULL},
    {TPAM_FIELD_POLICY, "Privileged Access", 0, NULL},
    {TPAM_FIELD_POLICY, "DBA (night) v1.2_x-y", 0, NULL},
    {TPAM_FIELD_REQUEST_ID, "1590", 0, NULL},
    {TPAM_FIELD_REQUEST_ID, "12-34", 0, NULL},
    {TPAM_FIELD_FLAG, "E", 0, NULL},
    {TPAM_FIELD_KEYWORD, "Active", 0, NULL},
    {TPAM_FIELD_KEYWORD, "0", 0, NULL},
};

Test(command, good_values_accepted)
{
    size_t i;

    for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
        char err[512] = "";

        cr_expect_eq(check(&accepted[i], err, sizeof(err)), CREDSTACK_OK,
                     "value \"%s\" refused: %s", accepted[i].value, err);
    }
}

Test(command, length_limit_and_truncated_message)
{
    char v[600];
    char err[512] = "";

    memset(v, 'a', 128);
    v[128] = '\0';
    cr_assert_eq(tpam_value_check("SystemName", v, 128, TPAM_FIELD_SYSTEM, err,
                                  sizeof(err)),
                 CREDSTACK_OK);
    memset(v, 'a', sizeof(v) - 1);
    v[sizeof(v) - 1] = '\0';
    cr_assert_eq(tpam_value_check("SystemName", v, strlen(v), TPAM_FIELD_SYSTEM,
                                  err, sizeof(err)),
                 CREDSTACK_ERR_REFUSED);
    cr_assert(strstr(err, "too long (599 bytes, at most 128)") != NULL, "%s",
              err);
    cr_assert(strstr(err, "...") != NULL, "%s", err);
    cr_assert(strlen(err) < 200, "message too long: %zu", strlen(err));

    /* A long hostile value is escaped and cut too. */
    memset(v, '\n', 100);
    v[100] = '\0';
    cr_assert_eq(tpam_value_check("SystemName", v, 100, TPAM_FIELD_SYSTEM, err,
                                  sizeof(err)),
                 CREDSTACK_ERR_REFUSED);
    cr_assert(strstr(err, "\\n\\n") != NULL && strstr(err, "...") != NULL, "%s",
              err);
    cr_assert(strchr(err, '\n') == NULL);
}

Test(command, small_error_buffers_are_safe)
{
    char err[8];

    cr_assert_eq(tpam_value_check("SystemName", "a\"b", 3, TPAM_FIELD_SYSTEM,
                                  err, sizeof(err)),
                 CREDSTACK_ERR_REFUSED);
    cr_assert_eq(strlen(err), sizeof(err) - 1);
    cr_assert_eq(
        tpam_value_check("SystemName", "a\"b", 3, TPAM_FIELD_SYSTEM, NULL, 0),
        CREDSTACK_ERR_REFUSED);
}

Test(command, builds_and_quotes)
{
    char err[512] = "";
    tpam_cmd *cmd = tpam_cmd_new("ListAssignedPolicies");

    cr_assert_not_null(cmd);
    cr_assert_str_eq(tpam_cmd_str(cmd), "ListAssignedPolicies");
    cr_assert_eq(tpam_cmd_add(cmd, "UserName", "alice", TPAM_FIELD_USER, err,
                              sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    cr_assert_eq(tpam_cmd_add(cmd, "AccountName", "root", TPAM_FIELD_ACCOUNT,
                              err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_eq(tpam_cmd_add(cmd, "SystemName", "PSM_DB02", TPAM_FIELD_SYSTEM,
                              err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_eq(tpam_cmd_add(cmd, "AllOrEffectiveFlag", "E", TPAM_FIELD_FLAG,
                              err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_eq(tpam_cmd_add(cmd, "PermissionType", "Pwd", TPAM_FIELD_KEYWORD,
                              err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_str_eq(tpam_cmd_str(cmd),
                     "ListAssignedPolicies --UserName alice --AccountName "
                     "root --SystemName PSM_DB02 --AllOrEffectiveFlag E "
                     "--PermissionType Pwd");
    cr_assert_str_eq(tpam_cmd_name(cmd), "ListAssignedPolicies");
    tpam_cmd_free(cmd);
}

Test(command, value_with_space_is_double_quoted)
{
    char err[512] = "";
    tpam_cmd *cmd = tpam_cmd_new("ListAssignedPolicies");

    cr_assert_eq(tpam_cmd_add(cmd, "AccessPolicyName", "Privileged Access",
                              TPAM_FIELD_POLICY, err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    cr_assert_str_eq(tpam_cmd_str(cmd), "ListAssignedPolicies "
                                        "--AccessPolicyName \"Privileged "
                                        "Access\"");
    tpam_cmd_free(cmd);
}

/* A '$' (last character only) is always sent double-quoted. */
Test(command, dollar_value_is_double_quoted)
{
    char err[512] = "";
    tpam_cmd *cmd = tpam_cmd_new("Retrieve");

    cr_assert_eq(tpam_cmd_add(cmd, "AccountName", "HOST$", TPAM_FIELD_ACCOUNT,
                              err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    cr_assert_eq(tpam_cmd_add(cmd, "SystemName", "web01", TPAM_FIELD_SYSTEM,
                              err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    cr_assert_str_eq(tpam_cmd_str(cmd),
                     "Retrieve --AccountName \"HOST$\" --SystemName web01");
    tpam_cmd_free(cmd);
}

/* required_policy: only compared, so any printable text but a quote. */
Test(command, policy_names_checked_for_comparison_only)
{
    static const char *const good[] = {"Privileged Access",
                                       "DBA;night, tier-1",
                                       "a/b#c=d",
                                       "x --y",
                                       "Zugriff f\xc3\xbcr DBAs",
                                       "$pecial",
                                       "*",
                                       "!x",
                                       "-x"};
    static const struct {
        const char *v;
        const char *why;
    } bad[] = {
        {"", "is empty"},
        {" x", "begins or ends with a space"},
        {"x ", "begins or ends with a space"},
        {"a\"b", "double quote"},
        {"a\tb", "control character"},
        {"a\nb", "control character"},
        {"a\177b", "control character"},
    };
    char longp[200];
    char err[512] = "";
    size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        cr_expect_eq(tpam_policy_name_check("required_policy", good[i], err,
                                            sizeof(err)),
                     CREDSTACK_OK, "%s: %s", good[i], err);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_expect_eq(tpam_policy_name_check("required_policy", bad[i].v, err,
                                            sizeof(err)),
                     CREDSTACK_ERR_REFUSED, "case %zu", i);
        cr_expect(strstr(err, bad[i].why) != NULL, "case %zu: %s", i, err);
        cr_expect(strstr(err, "required_policy") != NULL, "case %zu: %s", i,
                  err);
        cr_expect(strchr(err, '\n') == NULL && strchr(err, '\t') == NULL,
                  "case %zu: raw control characters", i);
    }
    memset(longp, 'p', 129);
    longp[129] = '\0';
    cr_expect_eq(tpam_policy_name_check("policy", longp, err, sizeof(err)),
                 CREDSTACK_ERR_REFUSED);
    longp[128] = '\0';
    cr_expect_eq(tpam_policy_name_check("policy", longp, err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
}

/* The reason text carries a safe form of the policy name. */
Test(command, policy_reason_form)
{
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"Privileged Access", "Privileged Access"},
        {"DBA (night) v1.2_x-y", "DBA (night) v1.2_x-y"},
        {"DBA;night", "DBA_night"},
        {"DBA;night, tier-1", "DBA_night_ tier-1"},
        {"a;;;b", "a_b"},
        {"Zugriff f\xc3\xbcr DBAs", "Zugriff f_r DBAs"},
        {"x --y", "x _-y"},
        {"-x", "_x"},
        {"x ;", "x _"},
        {"x ", "x"},
        {";", "_"},
        {"\"", "_"},
        {"a,SPS,gateway", "a_SPS_gateway"},
        {"", "_"},
    };
    char out[TPAM_VALUE_MAX + 1];
    char longp[300];
    char err[512] = "";
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tpam_policy_reason_form(cases[i].in, out, sizeof(out));
        cr_expect_str_eq(out, cases[i].out, "case %zu", i);
        cr_expect_eq(tpam_value_check("detail", out, strlen(out),
                                      TPAM_FIELD_POLICY, err, sizeof(err)),
                     CREDSTACK_OK, "case %zu: '%s' unsafe: %s", i, out, err);
    }
    /* Cut to TPAM_VALUE_MAX, and to a small buffer. */
    memset(longp, 'q', sizeof(longp) - 1);
    longp[sizeof(longp) - 1] = '\0';
    tpam_policy_reason_form(longp, out, sizeof(out));
    cr_expect_eq(strlen(out), TPAM_VALUE_MAX);
    tpam_policy_reason_form("abc;def", out, 4);
    cr_expect_str_eq(out, "abc");
}

Test(command, reason_texts)
{
    char err[512] = "";
    tpam_cmd *cmd = tpam_cmd_new("Retrieve");

    cr_assert_eq(tpam_cmd_add(cmd, "AccountName", "root", TPAM_FIELD_ACCOUNT,
                              err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_eq(tpam_cmd_add(cmd, "SystemName", "PSM_DB02", TPAM_FIELD_SYSTEM,
                              err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_eq(tpam_cmd_add_reason(cmd, "ReasonText", "alice", "policy",
                                     "Privileged Access", TPAM_FIELD_POLICY,
                                     err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    cr_assert_str_eq(tpam_cmd_str(cmd),
                     "Retrieve --AccountName root --SystemName PSM_DB02 "
                     "--ReasonText \"alice,SPS,policy,Privileged Access\"");
    tpam_cmd_free(cmd);

    cmd = tpam_cmd_new("Retrieve");
    cr_assert_eq(tpam_cmd_add_reason(cmd, "ReasonText", "bob@corp", "gateway",
                                     NULL, TPAM_FIELD_COUNT, err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    cr_assert_str_eq(tpam_cmd_str(cmd),
                     "Retrieve --ReasonText bob@corp,SPS,gateway");
    tpam_cmd_free(cmd);

    cmd = tpam_cmd_new("Retrieve");
    cr_assert_eq(tpam_cmd_add_reason(cmd, "ReasonText", "bob", "approval",
                                     "1590-2", TPAM_FIELD_REQUEST_ID, err,
                                     sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    cr_assert_str_eq(tpam_cmd_str(cmd),
                     "Retrieve --ReasonText bob,SPS,approval,1590-2");
    tpam_cmd_free(cmd);
}

Test(command, reason_parts_are_checked)
{
    static const struct {
        const char *user, *kind, *detail;
        tpam_field_kind dkind;
        int rc;
    } cases[] = {
        {"alice,x", "gateway", NULL, TPAM_FIELD_COUNT, CREDSTACK_ERR_REFUSED},
        {"DOM\\alice", "gateway", NULL, TPAM_FIELD_COUNT,
         CREDSTACK_ERR_REFUSED},
        {"alice", "gate way", NULL, TPAM_FIELD_COUNT, CREDSTACK_ERR_REFUSED},
        {"alice", "gateway\"", NULL, TPAM_FIELD_COUNT, CREDSTACK_ERR_REFUSED},
        {"alice", "policy", "a,b", TPAM_FIELD_POLICY, CREDSTACK_ERR_REFUSED},
        {"alice", "policy", "a\" --X \"", TPAM_FIELD_POLICY,
         CREDSTACK_ERR_REFUSED},
        {"alice", "approval", "15 90", TPAM_FIELD_REQUEST_ID,
         CREDSTACK_ERR_REFUSED},
        {"", "gateway", NULL, TPAM_FIELD_COUNT, CREDSTACK_ERR_REFUSED},
        {NULL, "gateway", NULL, TPAM_FIELD_COUNT, CREDSTACK_ERR_INVALID},
        {"alice", "policy", "x", TPAM_FIELD_SYSTEM, CREDSTACK_ERR_INVALID},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[512] = "";
        tpam_cmd *cmd = tpam_cmd_new("Retrieve");
        int rc = tpam_cmd_add_reason(cmd, "ReasonText", cases[i].user,
                                     cases[i].kind, cases[i].detail,
                                     cases[i].dkind, err, sizeof(err));

        cr_assert_eq(rc, cases[i].rc, "case %zu: rc %d (%s)", i, rc, err);
        cr_assert_null(tpam_cmd_str(cmd), "case %zu: poisoned command sent", i);
        tpam_cmd_free(cmd);
    }
}

Test(command, refused_value_poisons_the_command)
{
    char err[512] = "";
    tpam_cmd *cmd = tpam_cmd_new("ListAccounts");

    cr_assert_eq(tpam_cmd_add(cmd, "AccountName", "r*", TPAM_FIELD_ACCOUNT, err,
                              sizeof(err)),
                 CREDSTACK_ERR_REFUSED);
    cr_assert(strstr(err, "AccountName") != NULL, "%s", err);
    cr_assert(strstr(err, "account name") != NULL, "%s", err);
    /* A later good option does not make it sendable without the filter. */
    cr_assert_eq(tpam_cmd_add(cmd, "SystemName", "DB02", TPAM_FIELD_SYSTEM, err,
                              sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_null(tpam_cmd_str(cmd));
    tpam_cmd_free(cmd);
}

Test(command, misuse_is_invalid)
{
    char err[512] = "";
    tpam_cmd *cmd = tpam_cmd_new("Retrieve");

    cr_assert_null(tpam_cmd_new("List Systems"));
    cr_assert_null(tpam_cmd_new(""));
    cr_assert_null(tpam_cmd_new("--X"));
    cr_assert_null(tpam_cmd_new(NULL));
    cr_assert_eq(tpam_cmd_add(cmd, "ReasonText", "a,SPS,gateway",
                              TPAM_FIELD_REASON, err, sizeof(err)),
                 CREDSTACK_ERR_INVALID);
    tpam_cmd_free(cmd);
    cmd = tpam_cmd_new("Retrieve");
    cr_assert_eq(tpam_cmd_add(cmd, "--Account", "root", TPAM_FIELD_ACCOUNT, err,
                              sizeof(err)),
                 CREDSTACK_ERR_INVALID);
    tpam_cmd_free(cmd);
    cmd = tpam_cmd_new("Retrieve");
    cr_assert_eq(tpam_cmd_add(cmd, "Account Name", "root", TPAM_FIELD_ACCOUNT,
                              err, sizeof(err)),
                 CREDSTACK_ERR_INVALID);
    cr_assert_eq(tpam_cmd_add(NULL, "AccountName", "root", TPAM_FIELD_ACCOUNT,
                              err, sizeof(err)),
                 CREDSTACK_ERR_INVALID);
    cr_assert_eq(tpam_cmd_add(cmd, "AccountName", NULL, TPAM_FIELD_ACCOUNT, err,
                              sizeof(err)),
                 CREDSTACK_ERR_INVALID);
    tpam_cmd_free(cmd);
    tpam_cmd_free(NULL);
}
