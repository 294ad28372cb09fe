/* SPDX-License-Identifier: MIT */
/* test_tpam_modules.c: each seed [tpam] option end to end (sshd + tpam-sim),
 * the faults and error lines TPAM may give, hostile names, the vendor's
 * configurations, check and hook.  test_tpam_evidence.c holds the tests of
 * TPAM's answers as evidence.
 *
 * Long file: one short test per documented option, error line and hostile
 * input, over one shared harness; the sections are listed by their
 * "---- ... ----" headings. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tpam_e2e.h"

TestSuite(tpam, .init = tpam_e2e_setup, .fini = tpam_e2e_teardown,
          .timeout = 600);

/* ---- system_name_resolver = tpam ---- */

Test(tpam, resolver_tpam_default_and_explicit)
{
    const char *extras[] = {"", "\nsystem_name_resolver = tpam",
                            "\nsystem_name_resolver = TPAM"};

    for (size_t i = 0; i < N_OF(extras); i++) {
        char *cfg = conf(extras[i]);
        tu_run r;

        clear_log();
        r = get_password(cfg, "alice", "root", "10.20.30.40");
        /* No prefix: the first system TPAM lists at the address. */
        expect_password(&r, PW_DB02);
        EXPECT_COMMANDS(
            "ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
            "Retrieve --AccountName root --SystemName DB02 "
            "--ReasonText alice,SPS,gateway");
        tu_run_free(&r);
        free(cfg);
    }
}

Test(tpam, resolver_tpam_unknown_address_is_not_found)
{
    char *cfg = conf("");
    tu_run r = get_password(cfg, "alice", "root", "192.0.2.77");

    expect_status(&r, 1, "no system at 192.0.2.77");
    EXPECT_COMMANDS("ListSystems --NetworkAddress 192.0.2.77 --MaxRows 500");
    tu_run_free(&r);
    free(cfg);
}

Test(tpam, resolver_tpam_ipv6)
{
    char *cfg = conf("");
    tu_run r = get_password(cfg, "alice", "root", "2001:db8::5");

    expect_password(&r, "v6-only-pw");
    EXPECT_COMMANDS("ListSystems --NetworkAddress 2001:db8::5 --MaxRows 500",
                    "Retrieve --AccountName root --SystemName PSM_v6host "
                    "--ReasonText alice,SPS,gateway");
    tu_run_free(&r);
    free(cfg);
}

/* An FQDN keeps its first label and TPAM is not asked for it. */
Test(tpam, fqdn_first_label_without_listsystems)
{
    char *cfg = conf("\nsystem_name_resolver = tpam");
    tu_run r = get_password(cfg, "alice", "root", "web01.example.com");

    expect_password(&r, PW_WEB01);
    EXPECT_COMMANDS("Retrieve --AccountName root --SystemName web01 "
                    "--ReasonText alice,SPS,gateway");
    tu_run_free(&r);
    free(cfg);
}

Test(tpam, resolver_dns_reverse_lookup)
{
    char *cfg = conf("\nsystem_name_resolver = dns");
    nss n;
    tu_run r;

    nss_setup(&n, dns_hosts);
    r = get_password_env(cfg, "alice", "root", "10.20.30.41", NULL,
                         (const char *const *)n.env);
    expect_password(&r, PW_WEB01);
    /* The name came from DNS: no ListSystems. */
    EXPECT_COMMANDS("Retrieve --AccountName root --SystemName web01 "
                    "--ReasonText alice,SPS,gateway");
    tu_run_free(&r);
    nss_free(&n);
    free(cfg);
}

Test(tpam, resolver_dns_with_prefix_and_policy)
{
    char *cfg = conf("\nsystem_name_resolver = DNS\nsystem_prefix = PSM\n"
                     "authorization = policy");
    nss n;
    tu_run r;

    nss_setup(&n, dns_hosts);
    r = get_password_env(cfg, "bob", "root", "10.20.30.40", NULL,
                         (const char *const *)n.env);
    /* db02.example.com -> db02 -> PSM_db02: a TPAM that compares without
     * case finds PSM_DB02's grant; one that compares case finds none, and
     * that is no password (the module never guesses a name's case). */
    if (tpam_case_sensitive()) {
        expect_status(&r, 1, "bob has no password permissions on PSM_db02");
        EXPECT_COMMANDS("ListAssignedPolicies --UserName bob --AccountName "
                        "root --SystemName PSM_db02 --AllOrEffectiveFlag E "
                        "--PermissionType Pwd --MaxRows 500");
    } else {
        expect_password(&r, PW_PSM_DB02);
        EXPECT_COMMANDS("ListAssignedPolicies --UserName bob --AccountName "
                        "root --SystemName PSM_db02 --AllOrEffectiveFlag E "
                        "--PermissionType Pwd --MaxRows 500",
                        "Retrieve --AccountName root --SystemName PSM_db02 "
                        "--ReasonText \"bob,SPS,policy,Privileged Access\"");
    }
    tu_run_free(&r);
    nss_free(&n);
    free(cfg);
}

Test(tpam, resolver_dns_no_name_and_bad_name)
{
    char *cfg = conf("\nsystem_name_resolver = dns");
    nss n;
    tu_run r;

    nss_setup(&n, dns_hosts);
    r = get_password_env(cfg, "alice", "root", "192.0.2.9", NULL,
                         (const char *const *)n.env);
    expect_status(&r, 1, "no reverse DNS name for 192.0.2.9");
    tu_run_free(&r);
    /* A PTR answer is untrusted: not a host name, no system. */
    r = get_password_env(cfg, "alice", "root", "10.20.30.50", NULL,
                         (const char *const *)n.env);
    expect_status(&r, 1, "bad_name.example.com");
    tu_run_free(&r);
    expect_no_commands();
    nss_free(&n);
    free(cfg);
}

Test(tpam, resolver_dns_fqdn_first_label)
{
    char *cfg = conf("\nsystem_name_resolver = dns");
    nss n;
    tu_run r;

    /* An empty hosts file: an FQDN must not need DNS at all. */
    nss_setup(&n, "");
    r = get_password_env(cfg, "alice", "root", "web01.corp.example.com", NULL,
                         (const char *const *)n.env);
    expect_password(&r, PW_WEB01);
    EXPECT_COMMANDS("Retrieve --AccountName root --SystemName web01 "
                    "--ReasonText alice,SPS,gateway");
    tu_run_free(&r);
    nss_free(&n);
    free(cfg);
}

/* ---- system_prefix ---- */

Test(tpam, prefix_prefers_the_prefixed_system)
{
    const char *extras[] = {"\nsystem_prefix = PSM", "\nsystem_prefix = PSM_"};

    for (size_t i = 0; i < N_OF(extras); i++) {
        char *cfg = conf(extras[i]);
        tu_run r;

        clear_log();
        /* TPAM lists DB02 and PSM_DB02 at 10.20.30.40: PSM_DB02 either way. */
        r = get_password(cfg, "alice", "root", "10.20.30.40");
        expect_password(&r, PW_PSM_DB02);
        EXPECT_COMMANDS(
            "ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
            "Retrieve --AccountName root --SystemName PSM_DB02 "
            "--ReasonText alice,SPS,gateway");
        tu_run_free(&r);
        free(cfg);
    }
}

Test(tpam, prefix_is_added_once)
{
    const char *extras[] = {"\nsystem_prefix = PSM", "\nsystem_prefix = PSM_"};

    add_fixture("[account]\nSystemName=PSM_web01\nAccountName=root\n"
                "Password=psm-web01-pw\n");
    for (size_t i = 0; i < N_OF(extras); i++) {
        char *cfg = conf(extras[i]);
        tu_run r;

        clear_log();
        r = get_password(cfg, "alice", "root", "10.20.30.41");
        expect_password(&r, "psm-web01-pw");
        EXPECT_COMMANDS(
            "ListSystems --NetworkAddress 10.20.30.41 --MaxRows 500",
            "Retrieve --AccountName root --SystemName PSM_web01 "
            "--ReasonText alice,SPS,gateway");
        tu_run_free(&r);
        /* An FQDN gets the prefix too. */
        clear_log();
        r = get_password(cfg, "alice", "root", "web01.example.com");
        expect_password(&r, "psm-web01-pw");
        EXPECT_COMMANDS("Retrieve --AccountName root --SystemName PSM_web01 "
                        "--ReasonText alice,SPS,gateway");
        tu_run_free(&r);
        free(cfg);
    }
}

/* ---- system_maptoreal ---- */

Test(tpam, maptoreal_hit)
{
    char *cfg = conf("\nsystem_prefix = PSM_\nsystem_maptoreal = yes\n"
                     "authorization = policy");
    tu_run r = get_password(cfg, "bob", "oracle", "10.20.30.40");

    /* oracle@PSM_DB02 maps to root@PSM_DB02: root's password, not oracle's. */
    expect_password(&r, PW_PSM_DB02);
    EXPECT_COMMANDS(
        "ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
        "ListAccounts --AccountName oracle --SystemName PSM_DB02 --MaxRows 500",
        "ListAssignedPolicies --UserName bob --AccountName root "
        "--SystemName PSM_DB02 --AllOrEffectiveFlag E "
        "--PermissionType Pwd --MaxRows 500",
        "Retrieve --AccountName root --SystemName PSM_DB02 "
        "--ReasonText \"bob,SPS,policy,Privileged Access\"");
    tu_run_free(&r);
    free(cfg);
}

Test(tpam, maptoreal_miss_is_no_password)
{
    char *cfg = conf("\nsystem_prefix = PSM_\nsystem_maptoreal = YES");
    tu_run r = get_password(cfg, "alice", "postgres", "10.20.30.40");

    expect_status(&r, 1, "AccountCustom1/AccountCustom2");
    EXPECT_COMMANDS("ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
                    "ListAccounts --AccountName postgres --SystemName "
                    "PSM_DB02 --MaxRows 500");
    tu_run_free(&r);
    /* An account TPAM does not know at all. */
    clear_log();
    r = get_password(cfg, "alice", "nobody", "10.20.30.40");
    expect_status(&r, 1, NULL);
    EXPECT_COMMANDS("ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
                    "ListAccounts --AccountName nobody --SystemName PSM_DB02 "
                    "--MaxRows 500");
    tu_run_free(&r);
    free(cfg);
}

Test(tpam, maptoreal_no_keeps_the_account)
{
    char *cfg = conf("\nsystem_prefix = PSM_\nsystem_maptoreal = no");
    tu_run r = get_password(cfg, "alice", "oracle", "10.20.30.40");

    expect_password(&r, PW_ORACLE);
    EXPECT_COMMANDS("ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
                    "Retrieve --AccountName oracle --SystemName PSM_DB02 "
                    "--ReasonText alice,SPS,gateway");
    tu_run_free(&r);
    free(cfg);
}

/* ---- authorization ---- */

Test(tpam, authorization_gateway_explicit)
{
    char *cfg = conf("\nsystem_prefix = PSM\nauthorization = gateway");
    tu_run r = get_password(cfg, "carol", "root", "10.20.30.40");

    expect_password(&r, PW_PSM_DB02);
    EXPECT_COMMANDS("ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
                    "Retrieve --AccountName root --SystemName PSM_DB02 "
                    "--ReasonText carol,SPS,gateway");
    tu_run_free(&r);
    free(cfg);
}

Test(tpam, approval_active_request)
{
    char *cfg = conf("\nsystem_prefix = PSM\nauthorization = approval");
    tu_run r = get_password(cfg, "alice", "root", "10.20.30.40");

    expect_password(&r, PW_PSM_DB02);
    EXPECT_COMMANDS("ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
                    "ListRequestDetails --RequestorName alice --AccountName "
                    "root --SystemName PSM_DB02 --Status Active --MaxRows 500",
                    "Retrieve --AccountName root --SystemName PSM_DB02 "
                    "--ReasonText alice,SPS,approval,1590");
    tu_run_free(&r);
    free(cfg);
}

Test(tpam, approval_request_id_with_dash)
{
    char *cfg = conf("\nsystem_prefix = PSM\nauthorization = approval");
    tu_run r =
        get_password(cfg, "alice.smith@example.com", "root", "10.20.30.40");

    expect_password(&r, PW_PSM_DB02);
    EXPECT_COMMANDS("ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
                    "ListRequestDetails --RequestorName "
                    "alice.smith@example.com --AccountName root --SystemName "
                    "PSM_DB02 --Status Active --MaxRows 500",
                    "Retrieve --AccountName root --SystemName PSM_DB02 "
                    "--ReasonText alice.smith@example.com,SPS,approval,12-34");
    tu_run_free(&r);
    free(cfg);
}

Test(tpam, approval_expired_or_pending_is_denied)
{
    char *cfg = conf("\nsystem_prefix = PSM\nauthorization = approval");
    tu_run r = get_password(cfg, "bob", "root", "10.20.30.40");

    /* bob's request 1577 is Expired. */
    expect_status(&r, 1, "no Active request");
    EXPECT_COMMANDS("ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
                    "ListRequestDetails --RequestorName bob --AccountName "
                    "root --SystemName PSM_DB02 --Status Active --MaxRows 500");
    tu_run_free(&r);
    /* carol's request 1601 on web01 is Pending. */
    clear_log();
    r = get_password(cfg, "carol", "root", "web01.example.com");
    expect_status(&r, 1, NULL);
    EXPECT_COMMANDS(
        "ListRequestDetails --RequestorName carol --AccountName "
        "root --SystemName PSM_web01 --Status Active --MaxRows 500");
    tu_run_free(&r);
    free(cfg);
}

Test(tpam, policy_held)
{
    char *cfg = conf("\nsystem_prefix = PSM\nauthorization = policy");
    tu_run r = get_password(cfg, "bob", "root", "10.20.30.40");

    expect_password(&r, PW_PSM_DB02);
    EXPECT_COMMANDS("ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
                    "ListAssignedPolicies --UserName bob --AccountName root "
                    "--SystemName PSM_DB02 --AllOrEffectiveFlag E "
                    "--PermissionType Pwd --MaxRows 500",
                    "Retrieve --AccountName root --SystemName PSM_DB02 "
                    "--ReasonText \"bob,SPS,policy,Privileged Access\"");
    tu_run_free(&r);
    free(cfg);
}

Test(tpam, policy_not_held_is_denied)
{
    char *cfg = conf("\nsystem_prefix = PSM\nauthorization = policy");
    tu_run r = get_password(cfg, "carol", "root", "10.20.30.40");

    /* carol holds only Read Only. */
    expect_status(&r, 1, "does not hold policy 'Privileged Access'");
    EXPECT_COMMANDS("ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
                    "ListAssignedPolicies --UserName carol --AccountName root "
                    "--SystemName PSM_DB02 --AllOrEffectiveFlag E "
                    "--PermissionType Pwd --MaxRows 500");
    tu_run_free(&r);
    /* dave's grant is not effective. */
    clear_log();
    r = get_password(cfg, "dave", "root", "10.20.30.40");
    expect_status(&r, 1, NULL);
    tu_run_free(&r);
    free(cfg);
}

Test(tpam, required_policy_read_only)
{
    char *cfg = conf("\nsystem_prefix = PSM\nauthorization = policy\n"
                     "required_policy = Read Only");
    tu_run r = get_password(cfg, "carol", "root", "10.20.30.40");

    expect_password(&r, PW_PSM_DB02);
    EXPECT_COMMANDS("ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
                    "ListAssignedPolicies --UserName carol --AccountName root "
                    "--SystemName PSM_DB02 --AllOrEffectiveFlag E "
                    "--PermissionType Pwd --MaxRows 500",
                    "Retrieve --AccountName root --SystemName PSM_DB02 "
                    "--ReasonText \"carol,SPS,policy,Read Only\"");
    tu_run_free(&r);
    /* ... and now bob, who holds Privileged Access only, is denied. */
    clear_log();
    r = get_password(cfg, "bob", "root", "10.20.30.40");
    expect_status(&r, 1, "does not hold policy 'Read Only'");
    tu_run_free(&r);
    free(cfg);
}

/* ---- reuse_gateway_password ---- */

Test(tpam, reuse_same_user_skips_tpam)
{
    char *cfg = conf("\nreuse_gateway_password = yes\nauthorization = policy");
    int before = sshd_connections();
    tu_run r = get_password_env(cfg, "root", "root", "10.20.30.40",
                                "gw pass;#1", NULL);

    expect_password(&r, "gw pass;#1");
    expect_no_commands();
    cr_expect_eq(sshd_connections(), before, "sshd saw a connection");
    tu_run_free(&r);
    free(cfg);
}

Test(tpam, reuse_different_users_checks_out)
{
    char *cfg = conf("\nreuse_gateway_password = yes\nauthorization = policy"
                     "\nsystem_prefix = PSM_");
    int before = sshd_connections();
    tu_run r =
        get_password_env(cfg, "bob", "root", "10.20.30.40", "gw-pass", NULL);

    expect_password(&r, PW_PSM_DB02);
    cr_expect_eq(sshd_connections(), before + 1);
    EXPECT_COMMANDS("ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
                    "ListAssignedPolicies --UserName bob --AccountName root "
                    "--SystemName PSM_DB02 --AllOrEffectiveFlag E "
                    "--PermissionType Pwd --MaxRows 500",
                    "Retrieve --AccountName root --SystemName PSM_DB02 "
                    "--ReasonText \"bob,SPS,policy,Privileged Access\"");
    tu_run_free(&r);
    /* Case matters, as in the vendor's plugin: Root is not root. */
    clear_log();
    r = get_password_env(cfg, "Root", "root", "10.20.30.40", "gw-pass", NULL);
    cr_expect_neq(r.status, 0);
    cr_expect(strstr(r.out, "gw-pass") == NULL);
    tu_run_free(&r);
    free(cfg);
}

Test(tpam, reuse_no_checks_out_for_the_same_user)
{
    char *cfg = conf("\nreuse_gateway_password = no");
    tu_run r =
        get_password_env(cfg, "root", "root", "10.20.30.40", "gw-pass", NULL);

    expect_password(&r, PW_DB02);
    EXPECT_COMMANDS("ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
                    "Retrieve --AccountName root --SystemName DB02 "
                    "--ReasonText root,SPS,gateway");
    tu_run_free(&r);
    free(cfg);
}

/* ---- server_port, host keys, user keys ---- */

/* A port nothing listens on: bind, read the port, close. */
static unsigned closed_port(void)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t len = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    cr_assert(fd >= 0);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    close(fd);
    return ntohs(sin.sin_port);
}

Test(tpam, server_port_is_used)
{
    char port[16], want[64], *line = NULL, *cfg;
    const char *key = tu_env("TPAM_HOSTKEY_ED25519");
    tu_run r;

    snprintf(port, sizeof(port), "%u", closed_port());
    /* The host key line names the port, so only the port differs. */
    cr_assert(asprintf(&line, "[127.0.0.1]:%s%s", port, strchr(key, ' ')) > 0);
    setenv("TEST_HOSTKEY", line, 1);
    cfg = conf_with(&(conf_opts){.port = port, .hostkey = "TEST_HOSTKEY"});
    r = get_password(cfg, "alice", "root", "10.20.30.40");
    snprintf(want, sizeof(want), "127.0.0.1:%s", port);
    expect_status(&r, 3, want);
    expect_no_commands();
    tu_run_free(&r);
    free(line);
    free(cfg);
}

Test(tpam, host_key_lines)
{
    static const char *const keys[] = {
        "TPAM_HOSTKEY_ED25519", "TPAM_HOSTKEY_HASHED", "TPAM_HOSTKEY_RSA",
        "TPAM_HOSTKEY_ECDSA"};

    for (size_t i = 0; i < N_OF(keys); i++) {
        char *cfg = conf_with(&(conf_opts){.hostkey = keys[i]});
        tu_run r;

        clear_log();
        r = get_password(cfg, "alice", "root", "10.20.30.40");
        cr_expect_eq(r.status, 0, "%s: %s", keys[i], r.err);
        cr_expect_str_eq(r.out, PW_DB02 "\n", "%s", keys[i]);
        tu_run_free(&r);
        free(cfg);
    }
}

Test(tpam, wrong_host_key_sends_nothing)
{
    char *cfg = conf_with(&(conf_opts){.hostkey = "TPAM_HOSTKEY_WRONG"});
    char where[64];
    tu_run r = get_password(cfg, "alice", "root", "10.20.30.40");

    snprintf(where, sizeof(where), "127.0.0.1:%s", tu_env("TPAM_PORT"));
    expect_status(&r, 3, where);
    /* Both fingerprints: the one presented and the one configured. */
    cr_expect_geq(tu_count(r.err, "SHA256:"), 2, "%s", r.err);
    cr_expect(strstr(r.err, "host key") != NULL, "%s", r.err);
    expect_no_commands();
    tu_run_free(&r);
    free(cfg);
}

Test(tpam, user_key_types)
{
    static const char *const keys[] = {"TPAM_CLIENT_KEY_ED25519",
                                       "TPAM_CLIENT_KEY_RSA",
                                       "TPAM_CLIENT_KEY_ECDSA"};

    for (size_t i = 0; i < N_OF(keys); i++) {
        char *cfg = conf_with(&(conf_opts){.userkey = keys[i]});
        tu_run r;

        r = get_password(cfg, "alice", "root", "10.20.30.40");
        cr_expect_eq(r.status, 0, "%s: %s", keys[i], r.err);
        cr_expect_str_eq(r.out, PW_DB02 "\n", "%s", keys[i]);
        /* A secret never reaches the log or an error message. */
        cr_expect(strstr(r.err, "PRIVATE KEY") == NULL, "%s", r.err);
        tu_run_free(&r);
        free(cfg);
    }
}

Test(tpam, unauthorized_user_key)
{
    char *cfg =
        conf_with(&(conf_opts){.userkey = "TPAM_CLIENT_KEY_UNAUTHORIZED"});
    tu_run r = get_password(cfg, "alice", "root", "10.20.30.40");

    expect_status(&r, 3, "refused the key");
    expect_no_commands();
    tu_run_free(&r);
    free(cfg);
}

/* ---- faults ---- */

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(tpam, hang_times_out)
{
    const char *const faults[] = {"hang=1\n", "command=Retrieve\nhang=1\n"};
    char *cfg = conf("\ncommand_timeout = 2\nauthorization = policy"
                     "\nsystem_prefix = PSM");

    for (size_t i = 0; i < N_OF(faults); i++) {
        double t0, took;
        tu_run r;

        set_faults(faults[i]);
        t0 = now_s();
        r = get_password(cfg, "bob", "root", "10.20.30.40");
        took = now_s() - t0;
        expect_status(&r, 3, "did not answer");
        /* Bounded by command_timeout, not by the simulator's one hour: a
         * bound far from both, as the request runs up to three times here
         * (tpam_diff.c), under valgrind on a busy machine too. */
        cr_expect_lt(took, 120.0, "%s took %.1f s", faults[i], took);
        tu_run_free(&r);
    }
    free(cfg);
}

Test(tpam, drop_garbage_empty_half_line)
{
    static const char *const faults[] = {
        "drop=1\n",
        "garbage=1\n",
        "empty=1\n",
        "half_line=1\n",
        "command=Retrieve\ndrop=1\n",
        "command=Retrieve\ngarbage=1\n",
        "command=Retrieve\nempty=1\n",
        /* Half a password is a wrong password. */
        "command=Retrieve\nhalf_line=1\n",
        "command=ListAssignedPolicies\ngarbage=1\n",
        "command=ListAssignedPolicies\nhalf_line=1\n",
    };
    char *cfg = conf("\ncommand_timeout = 5\nauthorization = policy"
                     "\nsystem_prefix = PSM");

    for (size_t i = 0; i < N_OF(faults); i++) {
        tu_run r;

        set_faults(faults[i]);
        r = get_password(cfg, "bob", "root", "10.20.30.40");
        cr_expect_eq(r.status, 3, "%s: exit %d; stderr:\n%s", faults[i],
                     r.status, r.err);
        cr_expect_str_eq(r.out, "", "%s", faults[i]);
        tu_run_free(&r);
    }
    free(cfg);
}

/* The formats TPAM may also use: LF only, a leading blank line. */
Test(tpam, output_shapes_accepted)
{
    static const char *const faults[] = {"lf_only=1\n", "leading_blank=1\n",
                                         "delay_ms=300\n"};
    char *cfg = conf("\nauthorization = policy\nsystem_prefix = PSM");

    for (size_t i = 0; i < N_OF(faults); i++) {
        tu_run r;

        set_faults(faults[i]);
        r = get_password(cfg, "bob", "root", "10.20.30.40");
        cr_expect_eq(r.status, 0, "%s: %s", faults[i], r.err);
        cr_expect_str_eq(r.out, PW_PSM_DB02 "\n", "%s", faults[i]);
        tu_run_free(&r);
    }
    free(cfg);
}

/* ---- Retrieve's error lines (tpam-cli.md), one test each ---- */

static void retrieve_error(const char *line)
{
    char *cfg = conf("\nauthorization = policy\nsystem_prefix = PSM");
    char *faults = NULL;
    tu_run r;

    cr_assert(asprintf(&faults, "retrieve_error=%s\n", line) > 0);
    set_faults(faults);
    r = get_password(cfg, "bob", "root", "10.20.30.40");
    cr_expect(r.status == 1 || r.status == 3, "exit %d; stderr:\n%s", r.status,
              r.err);
    /* Never the error line as a password, nor in a message. */
    cr_expect_str_eq(r.out, "");
    cr_expect(strstr(r.err, line) == NULL, "%s", r.err);
    EXPECT_COMMANDS("ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
                    "ListAssignedPolicies --UserName bob --AccountName root "
                    "--SystemName PSM_DB02 --AllOrEffectiveFlag E "
                    "--PermissionType Pwd --MaxRows 500",
                    "Retrieve --AccountName root --SystemName PSM_DB02 "
                    "--ReasonText \"bob,SPS,policy,Privileged Access\"");
    tu_run_free(&r);
    free(faults);
    free(cfg);
}

Test(tpam, retrieve_not_authorized)
{
    retrieve_error("You are not authorized to perform this operation");
}

Test(tpam, retrieve_reason_codes_required)
{
    retrieve_error("Reason Codes are required");
}

Test(tpam, retrieve_ticket_required)
{
    retrieve_error("Ticket Number and Ticket System are required for the CLI "
                   "retrieval");
}

Test(tpam, retrieve_ticket_number_not_found)
{
    retrieve_error("Ticket Number not found");
}

Test(tpam, retrieve_ticket_n_not_found)
{
    retrieve_error("Ticket \"N\" not found");
}

Test(tpam, retrieve_ticket_failed_validation)
{
    retrieve_error("Ticket Number failed manual validation");
}

/* The fixture's own refusals (per account). */
Test(tpam, retrieve_error_from_fixture)
{
    char *cfg = conf("\nsystem_prefix = PSM");
    tu_run r = get_password(cfg, "alice", "locked", "10.20.30.40");

    expect_status(&r, 1, "not authorized");
    tu_run_free(&r);
    /* A ticket TPAM wants and credstack cannot give: a backend failure. */
    r = get_password(cfg, "alice", "ticketed", "10.20.30.42");
    expect_status(&r, 3, "Ticket");
    cr_expect(strstr(r.err, "for the CLI retrieval") == NULL, "%s", r.err);
    tu_run_free(&r);
    free(cfg);
}

/* ---- hostile names ---- */

static const char *const hostile_users[] = {
    "bob\"",
    "bob --Status Active",
    "a*",
    "!x",
    "tab\tx",
    "bob\nRetrieve --AccountName root",
    "\xff\xfe"
    "bob",
    "-x",
    "--UserName",
    "DOM\\user",
    "bob'",
    "bob`id`",
    "bob;id",
    "bob x",
    NULL, /* the very long one, filled in below */
};

/* The long name: longer than any value the TPAM client takes. */
static char long_name[301];

static const char *hostile_user(size_t i)
{
    if (hostile_users[i] != NULL)
        return hostile_users[i];
    memset(long_name, 'u', sizeof(long_name) - 1);
    return long_name;
}

/* No logged command holds the first 12 bytes of text. */
static void expect_log_without(const char *text, const char *what)
{
    char *log = cmdlog();
    char head[13];

    snprintf(head, sizeof(head), "%s", text);
    cr_expect(strstr(log, head) == NULL || strlen(head) < 3,
              "%s: a command holds '%s':\n%s", what, head, log);
    free(log);
}

Test(tpam, hostile_gateway_users_refused_before_any_command)
{
    static const char *const auths[] = {"gateway", "approval", "policy"};

    for (size_t a = 0; a < N_OF(auths); a++) {
        char extra[64], *cfg;

        snprintf(extra, sizeof(extra), "\nauthorization = %s", auths[a]);
        cfg = conf(extra);
        for (size_t i = 0; i < N_OF(hostile_users); i++) {
            const char *u = hostile_user(i);
            int before = sshd_connections();
            tu_run r;

            clear_log();
            /* An FQDN target needs no lookup: nothing is sent at all. */
            r = get_password(cfg, u, "root", "web01.example.com");
            cr_expect_eq(r.status, 3, "%s, user %zu: exit %d\n%s", auths[a], i,
                         r.status, r.err);
            cr_expect_str_eq(r.out, "");
            cr_expect(strstr(r.err, "refused user name") != NULL,
                      "%s, user %zu: no clear message:\n%s", auths[a], i,
                      r.err);
            expect_no_commands();
            cr_expect_eq(sshd_connections(), before,
                         "%s, user %zu: connected to TPAM", auths[a], i);
            tu_run_free(&r);
        }
        free(cfg);
    }
}

/* An address would need ListSystems: the user is still refused before it. */
Test(tpam, hostile_gateway_users_refused_before_listsystems)
{
    char *cfg = conf("\nauthorization = policy\nsystem_prefix = PSM");

    for (size_t i = 0; i < N_OF(hostile_users); i++) {
        const char *u = hostile_user(i);
        int before = sshd_connections();
        tu_run r;

        clear_log();
        r = get_password(cfg, u, "root", "10.20.30.40");
        cr_expect_eq(r.status, 3, "user %zu: exit %d\n%s", i, r.status, r.err);
        cr_expect_str_eq(r.out, "");
        cr_expect(strstr(r.err, "refused") != NULL, "user %zu: %s", i, r.err);
        expect_log_without(u, "gateway user");
        expect_no_commands();
        cr_expect_eq(sshd_connections(), before, "user %zu: connected", i);
        tu_run_free(&r);
    }
    free(cfg);
}

static const char *const hostile_targets[] = {
    "root\"",
    "root --SystemName DB02",
    "*",
    "ro*t",
    "!root",
    "-x",
    "--AccountName",
    "tab\tx",
    "root\nRetrieve --AccountName root",
    "\xc3\x28root",
    "DOM\\root",
    "root'",
    "root x",
    NULL, /* long */
};

Test(tpam, hostile_target_users_refused)
{
    /* The first command built from the target user differs in each. */
    static const char *const extras[] = {
        "\nsystem_prefix = PSM",
        "\nsystem_prefix = PSM\nauthorization = policy",
        "\nsystem_prefix = PSM\nauthorization = approval",
        "\nsystem_prefix = PSM\nsystem_maptoreal = yes",
    };

    for (size_t e = 0; e < N_OF(extras); e++) {
        char *cfg = conf(extras[e]);

        for (size_t i = 0; i < N_OF(hostile_targets); i++) {
            const char *u = hostile_targets[i]
                                ? hostile_targets[i]
                                : hostile_user(N_OF(hostile_users) - 1);
            int before = sshd_connections();
            tu_run r;

            clear_log();
            r = get_password(cfg, "bob", u, "10.20.30.40");
            cr_expect_eq(r.status, 3, "config %zu, target %zu: exit %d\n%s", e,
                         i, r.status, r.err);
            cr_expect_str_eq(r.out, "");
            cr_expect(strstr(r.err, "refused account name") != NULL,
                      "config %zu, target %zu: no clear message:\n%s", e, i,
                      r.err);
            expect_log_without(u, "target user");
            /* Refused before the session opens, ListSystems included. */
            expect_no_commands();
            cr_expect_eq(sshd_connections(), before,
                         "config %zu, target %zu: connected", e, i);
            tu_run_free(&r);
        }
        free(cfg);
    }
}

static const char *const hostile_hosts[] = {
    "10.20.30.40;id",
    "10.20.30.40 --SystemName DB02",
    "*",
    "10.20.30.*",
    "!10.20.30.40",
    "-x",
    "--NetworkAddress",
    "\"10.20.30.40\"",
    "a\tb",
    /*
     * Newlines come with a blank: under valgrind the command is spawned
     * through `libtool --mode=execute`, which leaves a word without blanks
     * unquoted and so cuts "a\nb" at the newline before credstack sees it.
     */
    "web01\n--SystemName DB02",
    "fe80::1%eth0",
    "web01.exa\xffmple.com",
    "DOM\\web01",
    "web01..example.com",
    "",
};

Test(tpam, hostile_target_hosts_refused)
{
    static const char *const extras[] = {"", "\nsystem_name_resolver = dns"};
    char longhost[80];

    /* A 64-character label is no host name. */
    memset(longhost, 'h', 64);
    strcpy(longhost + 64, ".example.com");
    for (size_t e = 0; e < N_OF(extras); e++) {
        char *cfg = conf(extras[e]);

        for (size_t i = 0; i <= N_OF(hostile_hosts); i++) {
            const char *h =
                i < N_OF(hostile_hosts) ? hostile_hosts[i] : longhost;
            tu_run r;

            clear_log();
            r = get_password(cfg, "bob", "root", h);
            cr_expect_eq(r.status, 3, "resolver %zu, host %zu: exit %d\n%s", e,
                         i, r.status, r.err);
            cr_expect_str_eq(r.out, "");
            cr_expect(strstr(r.err, "refused") != NULL,
                      "resolver %zu, host %zu: no clear message:\n%s", e, i,
                      r.err);
            expect_no_commands();
            tu_run_free(&r);
        }
        free(cfg);
    }
}

/* ---- the vendor's configuration shapes, end to end ---- */

/* Put the CLI user's ed25519 key in store `name` under CREDSTACK_STORE_DIR=tmp.
 */
static void store_key(const char *name, const char *const *env)
{
    tu_run r = tu_credstack(ARGV("store", "init", "--store", name), NULL, env);

    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    r = tu_credstack(ARGV("store", "set", "--store", name, "--type",
                          "private-key", "--from-file",
                          tu_env("TPAM_CLIENT_KEY"), "tpam", "server_user_key"),
                     NULL, env);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
}

/* Copy a file of tests/unit/config, replacing the lines that start with a key.
 */
static char *edit_sample(const char *sample, const char *const *from,
                         const char *const *to)
{
    char *src = tu_path(tu_env("CREDSTACK_TEST_SRCDIR"), sample);
    char *text = tu_slurp(src), *out = NULL, *path;
    size_t len = 0, hits = 0, n = 0;
    FILE *m = open_memstream(&out, &len);

    cr_assert_not_null(text, "%s", src);
    while (from[n] != NULL)
        n++;
    for (char *p = text; *p;) {
        size_t k = strcspn(p, "\n");
        size_t j;
        for (j = 0; j < n; j++)
            if (strncmp(p, from[j], strlen(from[j])) == 0)
                break;
        if (j < n) {
            fprintf(m, "%s\n", to[j]);
            hits++;
        } else {
            fprintf(m, "%.*s\n", (int)k, p);
        }
        p += k;
        if (*p)
            p++;
    }
    fclose(m);
    cr_assert_eq(hits, n, "%s: only %zu of %zu lines found", sample, hits, n);
    path = tu_write(tmp, "sample.cfg", out);
    free(out);
    free(text);
    free(src);
    return path;
}

Test(tpam, vendor_gen2_default_cfg)
{
    char *server = NULL, *key = NULL, *port = NULL, *user = NULL;
    char *store_env = NULL, *cfg;
    const char *env[2];
    tu_run r;

    cr_assert(asprintf(&store_env, "CREDSTACK_STORE_DIR=%s", tmp) > 0);
    env[0] = store_env;
    env[1] = NULL;
    store_key("tpamstore", env);
    cr_assert(asprintf(&server, "server = %s", tu_env("TPAM_HOST")) > 0);
    cr_assert(asprintf(&key, "server_public_key=%s",
                       tu_env("TPAM_HOSTKEY_HASHED")) > 0);
    cr_assert(asprintf(&port, "server_port = %s", tu_env("TPAM_PORT")) > 0);
    cr_assert(asprintf(&user, "server_user = %s", tu_env("TPAM_USER")) > 0);
    /* The vendor's default.cfg with its options uncommented and filled in. */
    cfg = edit_sample(
        "tests/unit/config/gen2-default.cfg",
        ARGV("; server = ", "; server_public_key=", "; server_port = ",
             "; server_user = ", "; server_user_key=$", "; authorization = ",
             "; system_prefix = ", "; name = ", "; log_level = "),
        ARGV(server, key, port, user, "server_user_key=$",
             "authorization = policy", "system_prefix = PSM_",
             "name = tpamstore", "log_level = warning"));
    r = get_password_env(cfg, "bob", "root", "10.20.30.40", NULL, env);
    expect_password(&r, PW_PSM_DB02);
    cr_expect(strstr(r.err, "PRIVATE KEY") == NULL);
    EXPECT_COMMANDS("ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
                    "ListAssignedPolicies --UserName bob --AccountName root "
                    "--SystemName PSM_DB02 --AllOrEffectiveFlag E "
                    "--PermissionType Pwd --MaxRows 500",
                    "Retrieve --AccountName root --SystemName PSM_DB02 "
                    "--ReasonText \"bob,SPS,policy,Privileged Access\"");
    tu_run_free(&r);
    free(server);
    free(key);
    free(port);
    free(user);
    free(store_env);
    free(cfg);
}

Test(tpam, seed_gen1_indented_by_one_space)
{
    char *server = NULL, *key = NULL, *port = NULL, *user = NULL;
    char *store_env = NULL, *cfg, *text;
    const char *env[2];
    tu_run r;

    cr_assert(asprintf(&store_env, "CREDSTACK_STORE_DIR=%s", tmp) > 0);
    env[0] = store_env;
    env[1] = NULL;
    store_key("seedstore", env);
    cr_assert(asprintf(&server, " server=%s", tu_env("TPAM_HOST")) > 0);
    /* The RSA line: a value of some 570 characters. */
    cr_assert(asprintf(&key, " server_public_key=%s",
                       tu_env("TPAM_HOSTKEY_RSA")) > 0);
    cr_assert(asprintf(&port, " server_port=%s", tu_env("TPAM_PORT")) > 0);
    cr_assert(asprintf(&user, " server_user=%s", tu_env("TPAM_USER")) > 0);
    cfg = edit_sample("tests/unit/config/seed-indented.cfg",
                      ARGV(" server=", " server_public_key=", " server_port=",
                           " server_user=", " cred_store=", " log_level="),
                      ARGV(server, key, port, user, " cred_store=seedstore",
                           " log_level=warning"));
    /* Every line of it indented by one space, as pasted from the PDF. */
    text = tu_slurp(cfg);
    cr_assert(strncmp(text, " [plugin]\n config_version=1\n", 28) == 0, "%s",
              text);
    free(text);
    r = get_password_env(cfg, "bob", "root", "10.20.30.40", NULL, env);
    expect_password(&r, PW_PSM_DB02);
    EXPECT_COMMANDS("ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
                    "ListAssignedPolicies --UserName bob --AccountName root "
                    "--SystemName PSM_DB02 --AllOrEffectiveFlag E "
                    "--PermissionType Pwd --MaxRows 500",
                    "Retrieve --AccountName root --SystemName PSM_DB02 "
                    "--ReasonText \"bob,SPS,policy,Privileged Access\"");
    tu_run_free(&r);
    free(server);
    free(key);
    free(port);
    free(user);
    free(store_env);
    free(cfg);
}

/* ---- credstack check: the derived stack of each option combination ---- */

/* The stack lines of `check` output, comments dropped, blanks collapsed. */
/* The active lines of check's output, one space between fields, without
 * their @if= conditions. */
static char *stack_lines(const char *out)
{
    char *s = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&s, &len);

    for (const char *p = out; *p;) {
        size_t k = strcspn(p, "\n");
        if (*p != '#') {
            int blank = 0;
            for (size_t i = 0; i < k; i++) {
                if (p[i] == ' ' || p[i] == '\t') {
                    blank = 1;
                    continue;
                }
                if (blank && k - i > 4 && strncmp(p + i, "@if=", 4) == 0) {
                    while (i < k && p[i] != ' ')
                        i++;
                    blank = 1;
                    continue;
                }
                if (blank)
                    fputc(' ', m);
                blank = 0;
                fputc(p[i], m);
            }
            fputc('\n', m);
        }
        p += k;
        if (*p)
            p++;
    }
    fclose(m);
    return s;
}

Test(tpam, check_prints_the_derived_stack)
{
    static const char *const resolvers[] = {"tpam", "dns"};
    static const char *const auths[] = {"gateway", "approval", "policy"};
    size_t combos = 0;

    for (unsigned bits = 0; bits < 2 * 3 * 2 * 2 * 2; bits++) {
        unsigned res = bits % 2, auth = bits / 2 % 3;
        int prefix = bits / 6 % 2, map = bits / 12 % 2, reuse = bits / 24;
        char extra[256], *cfg, *got, *want = NULL;
        tu_run r;

        snprintf(extra, sizeof(extra),
                 "\nsystem_name_resolver = %s\nauthorization = %s\n"
                 "system_prefix = %s\nsystem_maptoreal = %s\n"
                 "reuse_gateway_password = %s",
                 resolvers[res], auths[auth], prefix ? "PSM_" : "",
                 map ? "yes" : "no", reuse ? "yes" : "no");
        cfg = conf(extra);
        r = tu_credstack(ARGV("check", "--config", cfg), NULL, NULL);
        /* tpam.stack's lines, active as the seed's options say. */
        cr_assert(asprintf(&want,
                           "secret optional secret-source-caller\n"
                           "secret optional secret-source-localstore\n"
                           "%s%s%s%s%s\ncheckout required "
                           "checkout-tpam\n",
                           reuse ? "checkout sufficient reuse-gateway\n" : "",
                           res ? "resolve requisite resolver-dns\n"
                               : "resolve requisite resolver-tpam\n",
                           prefix ? "map required prefix prefix=PSM_\n" : "",
                           map ? "map required maptoreal\n" : "",
                           auth == 0   ? "authorize required auth-gateway"
                           : auth == 1 ? "authorize required auth-approval"
                                       : "authorize required auth-policy") > 0);
        got = stack_lines(r.out);
        cr_expect_eq(r.status, 0, "%s: %s", extra, r.err);
        cr_expect_str_eq(got, want, "options:%s", extra);
        free(got);
        free(want);
        tu_run_free(&r);
        free(cfg);
        combos++;
    }
    cr_expect_eq(combos, 48u);
}

Test(tpam, check_store_and_bad_values)
{
    char *cfg = conf("\n[credential_store]\nname = tpamstore");
    tu_run r = tu_credstack(ARGV("check", "--config", cfg), NULL, NULL);

    /* The store is opened when the handle opens: a missing one is found by
     * check, with the line that names it. */
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect(strstr(r.err, ".ini:15: credential_store.name: credential "
                            "store 'tpamstore'") != NULL &&
                  strstr(r.err, "does not exist") != NULL,
              "%s", r.err);
    tu_run_free(&r);
    free(cfg);

    static const char *const bad[] = {
        "\nsystem_name_resolver = ldap", "\nauthorization = always",
        "\nsystem_maptoreal = maybe", "\nreuse_gateway_password = 2"};
    static const char *const names[] = {"system_name_resolver", "authorization",
                                        "system_maptoreal",
                                        "reuse_gateway_password"};
    for (size_t i = 0; i < N_OF(bad); i++) {
        cfg = conf(bad[i]);
        r = tu_credstack(ARGV("check", "--config", cfg), NULL, NULL);
        cr_expect_eq(r.status, 2, "%s", bad[i]);
        cr_expect(strstr(r.err, names[i]) != NULL, "%s: %s", bad[i], r.err);
        tu_run_free(&r);
        free(cfg);
    }
}

/* ---- credstack hook get-password-list ---- */

static json_t *hook(const char *cfg, const char *in, int *status)
{
    tu_run r = tu_credstack(ARGV("hook", "get-password-list", "--config", cfg),
                            in, NULL);
    json_error_t e;
    json_t *j = json_loads(r.out, 0, &e);

    cr_assert_not_null(j, "stdout is no JSON (%s): '%s'; stderr:\n%s", e.text,
                       r.out, r.err);
    *status = r.status;
    tu_run_free(&r);
    return j;
}

static const char *first_password(json_t *j)
{
    json_t *list = json_object_get(j, "passwords");

    cr_assert(json_is_array(list));
    return json_array_size(list) ? json_string_value(json_array_get(list, 0))
                                 : NULL;
}

Test(tpam, hook_policy_and_server_fields)
{
    char *cfg = conf("\nauthorization = policy\nsystem_prefix = PSM");
    int status;
    json_t *j = hook(cfg,
                     "{\"session_id\": \"s1\", \"protocol\": \"ssh\", "
                     "\"gateway_username\": \"bob\", "
                     "\"gateway_password\": \"gw\", "
                     "\"target_username\": \"postgres\", "
                     "\"target_host\": \"10.20.30.41\", "
                     "\"server_username\": \"root\", "
                     "\"server_ip\": \"10.20.30.40\", "
                     "\"cookie\": {\"call_count\": 4}, "
                     "\"session_cookie\": {\"k\": \"v\"}}",
                     &status);

    cr_expect_eq(status, 0);
    cr_expect_str_eq(first_password(j), PW_PSM_DB02);
    cr_expect_eq(json_integer_value(json_object_get(
                     json_object_get(j, "cookie"), "call_count")),
                 5);
    EXPECT_COMMANDS("ListSystems --NetworkAddress 10.20.30.40 --MaxRows 500",
                    "ListAssignedPolicies --UserName bob --AccountName root "
                    "--SystemName PSM_DB02 --AllOrEffectiveFlag E "
                    "--PermissionType Pwd --MaxRows 500",
                    "Retrieve --AccountName root --SystemName PSM_DB02 "
                    "--ReasonText \"bob,SPS,policy,Privileged Access\"");
    json_decref(j);
    free(cfg);
}

Test(tpam, hook_denied_reuse_and_hostile)
{
    char *cfg = conf("\nauthorization = policy\nsystem_prefix = PSM\n"
                     "reuse_gateway_password = yes");
    int status;
    json_t *j;

    /* Denied: an empty list and exit 0. */
    j = hook(cfg,
             "{\"gateway_username\": \"carol\", \"target_username\": "
             "\"root\", \"target_host\": \"10.20.30.40\"}",
             &status);
    cr_expect_eq(status, 0);
    cr_expect_null(first_password(j));
    json_decref(j);
    /* Same user: the gateway password, TPAM not asked. */
    clear_log();
    j = hook(cfg,
             "{\"gateway_username\": \"root\", \"gateway_password\": "
             "\"gw secret\", \"target_username\": \"root\", "
             "\"target_host\": \"10.20.30.40\"}",
             &status);
    cr_expect_eq(status, 0);
    cr_expect_str_eq(first_password(j), "gw secret");
    expect_no_commands();
    json_decref(j);
    /* A hostile user from JSON: refused, an empty list, nothing sent. */
    j = hook(cfg,
             "{\"gateway_username\": \"bob\\\" --x\", \"target_username\": "
             "\"root\", \"target_host\": \"web01.example.com\"}",
             &status);
    cr_expect_eq(status, 3);
    cr_expect_null(first_password(j));
    expect_no_commands();
    json_decref(j);
    free(cfg);
}
