/* SPDX-License-Identifier: MIT */
/* test_cache_tpam.c: the agent's cache starts work and never releases a
 * secret (issue 16, design.md "The agent is unobservable").  A differential
 * program (tpam_diff.c): every request runs with agent = off and through
 * the agent, the answers must agree, and the test checks the one-shot
 * answer; each test makes its agent warm first, so that the requests after
 * it take the cache's look-ahead.  tpam_diff_agent_commands() shows what the
 * agent's (first) run sent to TPAM. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tpam_diff.h"
#include "tpam_e2e.h"

TestSuite(cache, .init = tpam_e2e_setup, .fini = tpam_e2e_teardown,
          .timeout = 600);

/* The simulator's whole data set (re-read by every command). */
static void set_fixture(const char *text)
{
    FILE *f = fopen(tu_env("TPAM_FIXTURE"), "we");

    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* The agent's run of the last request sent `what` (or not). */
static void agent_sent(const char *what, int yes)
{
    const char *log = tpam_diff_agent_commands();

    if (yes)
        cr_expect(strstr(log, what) != NULL, "the agent did not send '%s':\n%s",
                  what, log);
    else
        cr_expect(strstr(log, what) == NULL, "the agent sent '%s':\n%s", what,
                  log);
}

/* WEB01 at `web01_at`, NEWWEB at `newweb_at`; bob holds the policy on both. */
static void two_webs(const char *web01_at, const char *newweb_at)
{
    char *text = NULL;

    cr_assert(asprintf(&text,
                       "[system]\nSystemName=WEB01\nNetworkAddress=%s\n"
                       "[system]\nSystemName=NEWWEB\nNetworkAddress=%s\n"
                       "[account]\nSystemName=WEB01\nAccountName=root\n"
                       "Password=web01-pw\n"
                       "[account]\nSystemName=NEWWEB\nAccountName=root\n"
                       "Password=newweb-pw\n"
                       "[policy]\nUserName=bob\nSystemName=WEB01\n"
                       "AccountName=root\nAccessPolicyName=Privileged Access\n"
                       "[policy]\nUserName=bob\nSystemName=NEWWEB\n"
                       "AccountName=root\nAccessPolicyName=Privileged Access\n",
                       web01_at, newweb_at) > 0);
    set_fixture(text);
    free(text);
}

static void expect_pw(const char *cfg, const char *gw, const char *host,
                      const char *pw)
{
    tu_run r = get_password(cfg, gw, "root", host);

    expect_password(&r, pw);
    tu_run_free(&r);
}

/*
 * TPAM moves 10.20.30.40 from WEB01 to NEWWEB: the very next request gets
 * NEWWEB's password, never WEB01's.  The warm request before the move shows
 * the look-ahead at work: ListSystems is asked again beside the policy
 * check of the cached system.
 */
static void moved_address(const char *authorization, const char *auth_web01,
                          const char *auth_newweb)
{
    char *extra = NULL, *cfg;

    cr_assert(asprintf(&extra, "\nauthorization = %s", authorization) > 0);
    cfg = conf(extra);
    free(extra);
    two_webs("10.20.30.40", "10.20.30.45");
    expect_pw(cfg, "bob", "10.20.30.40", "web01-pw"); /* the agent starts */
    expect_pw(cfg, "bob", "10.20.30.40", "web01-pw"); /* warm: cached */
    agent_sent("ListSystems --NetworkAddress 10.20.30.40", 1);
    if (auth_web01 != NULL)
        agent_sent(auth_web01, 1);

    two_webs("10.20.30.44", "10.20.30.40");
    expect_pw(cfg, "bob", "10.20.30.40", "newweb-pw");
    agent_sent("Retrieve --AccountName root --SystemName WEB01", 0);
    agent_sent("Retrieve --AccountName root --SystemName NEWWEB", 1);
    /* The entry now says NEWWEB: nothing about WEB01 is asked. */
    expect_pw(cfg, "bob", "10.20.30.40", "newweb-pw");
    agent_sent("WEB01", 0);
    if (auth_newweb != NULL)
        agent_sent(auth_newweb, 1);
    free(cfg);
}

Test(cache, moved_address_policy)
{
    moved_address("policy",
                  "ListAssignedPolicies --UserName bob --AccountName root "
                  "--SystemName WEB01",
                  "ListAssignedPolicies --UserName bob --AccountName root "
                  "--SystemName NEWWEB");
}

Test(cache, moved_address_gateway)
{
    moved_address("gateway", NULL, NULL);
}

/* The address now has no system at all: no password, and no Retrieve. */
Test(cache, address_gone_is_no_password)
{
    char *cfg = conf("\nauthorization = policy");
    tu_run r;

    two_webs("10.20.30.40", "10.20.30.45");
    expect_pw(cfg, "bob", "10.20.30.40", "web01-pw");
    expect_pw(cfg, "bob", "10.20.30.40", "web01-pw");
    two_webs("10.20.30.44", "10.20.30.45");
    r = get_password(cfg, "bob", "root", "10.20.30.40");
    expect_status(&r, 1, "no system at 10.20.30.40");
    agent_sent("Retrieve", 0);
    tu_run_free(&r);
    free(cfg);
}

/*
 * The cached system is only a guess until ListSystems confirms it: when
 * ListSystems does not answer, the look-ahead has asked the policy of the
 * cached system, but nothing is retrieved and the answer is the one-shot's
 * timeout.
 */
Test(cache, unconfirmed_system_releases_nothing)
{
    char *cfg = conf("\nauthorization = policy\ncommand_timeout = 2");
    tu_run r;

    two_webs("10.20.30.40", "10.20.30.45");
    expect_pw(cfg, "bob", "10.20.30.40", "web01-pw");
    set_faults("command=ListSystems\nhang=1\n");
    r = get_password(cfg, "bob", "root", "10.20.30.40");
    expect_status(&r, 3, "did not answer ListSystems");
    agent_sent("ListAssignedPolicies --UserName bob --AccountName root "
               "--SystemName WEB01",
               1);
    agent_sent("Retrieve", 0);
    tu_run_free(&r);
    free(cfg);
}

/* A re-pointed maptoreal alias: WEBALIAS's root maps to REAL1, then to
 * REAL2; the next request gets REAL2's password. */
static void alias_to(const char *real)
{
    char *text = NULL;

    cr_assert(
        asprintf(&text,
                 "[system]\nSystemName=WEBALIAS\nNetworkAddress=10.20.30.40\n"
                 "[system]\nSystemName=REAL1\nNetworkAddress=10.20.30.51\n"
                 "[system]\nSystemName=REAL2\nNetworkAddress=10.20.30.52\n"
                 "[account]\nSystemName=WEBALIAS\nAccountName=root\n"
                 "Password=alias-own-pw\nAccountCustom1=root\n"
                 "AccountCustom2=%s\n"
                 "[account]\nSystemName=REAL1\nAccountName=root\n"
                 "Password=real1-pw\n"
                 "[account]\nSystemName=REAL2\nAccountName=root\n"
                 "Password=real2-pw\n"
                 "[policy]\nUserName=bob\nSystemName=REAL1\n"
                 "AccountName=root\nAccessPolicyName=Privileged Access\n"
                 "[policy]\nUserName=bob\nSystemName=REAL2\n"
                 "AccountName=root\nAccessPolicyName=Privileged Access\n",
                 real) > 0);
    set_fixture(text);
    free(text);
}

Test(cache, repointed_maptoreal_alias)
{
    char *cfg = conf("\nauthorization = policy\nsystem_maptoreal = yes");

    alias_to("REAL1");
    expect_pw(cfg, "bob", "10.20.30.40", "real1-pw");
    expect_pw(cfg, "bob", "10.20.30.40", "real1-pw");
    agent_sent("ListAccounts --AccountName root --SystemName WEBALIAS", 1);
    agent_sent("ListAssignedPolicies --UserName bob --AccountName root "
               "--SystemName REAL1",
               1);

    alias_to("REAL2");
    expect_pw(cfg, "bob", "10.20.30.40", "real2-pw");
    agent_sent("Retrieve --AccountName root --SystemName REAL1", 0);
    expect_pw(cfg, "bob", "10.20.30.40", "real2-pw");
    agent_sent("REAL1", 0);
    free(cfg);
}

/* alice's request 7001 for root on WEB01, with this status and expiry. */
static void approval(const char *status, const char *expires)
{
    char *text = NULL;

    cr_assert(
        asprintf(&text,
                 "[system]\nSystemName=WEB01\nNetworkAddress=10.20.30.40\n"
                 "[account]\nSystemName=WEB01\nAccountName=root\n"
                 "Password=web01-pw\n"
                 "[request]\nRequestID=7001\nUserName=alice\n"
                 "SystemName=WEB01\nAccountName=root\nStatus=%s\n"
                 "ExpiresDate=%s\n",
                 status, expires) > 0);
    set_fixture(text);
    free(text);
}

/* t as TPAM prints a date (local time). */
static void tpam_date(time_t t, char *buf, size_t len)
{
    struct tm tm;

    cr_assert_not_null(localtime_r(&t, &tm));
    strftime(buf, len, "%Y-%m-%d %H:%M:%S.000", &tm);
}

static void sleep_until(time_t t)
{
    while (time(NULL) <= t)
        usleep(100 * 1000);
}

/*
 * With auth_cache_ttl an approval is kept, but never past its ExpiresDt:
 * once the approval has expired (TPAM lists it Expired), no request is
 * granted on it, whatever the TTL says.
 */
Test(cache, expired_approval_with_auth_cache_ttl)
{
    char *cfg = conf("\nauthorization = approval\n"
                     "[credstack]\nauth_cache_ttl = 300");
    char when[40];
    time_t expires = time(NULL) + 4;
    tu_run r;

    tpam_date(expires, when, sizeof(when));
    approval("Active", when);
    expect_pw(cfg, "alice", "10.20.30.40", "web01-pw");
    sleep_until(expires + 1);
    approval("Expired", when);
    r = get_password(cfg, "alice", "root", "10.20.30.40");
    expect_status(&r, 1, NULL);
    agent_sent("Retrieve", 0);
    tu_run_free(&r);
    free(cfg);
}

/* Within its ExpiresDt the cached approval serves without a question (the
 * operator's choice, auth_cache_ttl); the last request shows it. */
Test(cache, approval_cached_until_it_expires)
{
    char *cfg = conf("\nauthorization = approval\n"
                     "[credstack]\nauth_cache_ttl = 300");
    char when[40];

    tpam_date(time(NULL) + 3600, when, sizeof(when));
    approval("Active", when);
    expect_pw(cfg, "alice", "10.20.30.40", "web01-pw");
    expect_pw(cfg, "alice", "10.20.30.40", "web01-pw");
    agent_sent("ListRequestDetails", 0);
    agent_sent("Retrieve --AccountName root --SystemName WEB01", 1);
    free(cfg);
}

/* An ExpiresDt that does not parse is never cached: the next request asks
 * TPAM, which now says Expired.  This run's own answer follows TPAM's
 * Active status. */
Test(cache, unparsable_expiry_is_not_cached)
{
    char *cfg = conf("\nauthorization = approval\n"
                     "[credstack]\nauth_cache_ttl = 300");
    tu_run r;

    approval("Active", "tomorrow");
    r = get_password(cfg, "alice", "root", "10.20.30.40");
    expect_password(&r, "web01-pw");
    cr_expect(strstr(r.err, "expiry date 'tomorrow'") != NULL, "%s", r.err);
    tu_run_free(&r);
    approval("Expired", "tomorrow");
    r = get_password(cfg, "alice", "root", "10.20.30.40");
    expect_status(&r, 1, NULL);
    agent_sent("ListRequestDetails", 1);
    tu_run_free(&r);
    free(cfg);
}

/* A password that is not UTF-8 (Latin-1 from the appliance) reaches the
 * caller through the agent as it does in one-shot, whatever JSON carries. */
Test(cache, password_not_utf8_through_the_agent)
{
    char *cfg = conf("");

    set_fixture("[system]\nSystemName=WEB01\nNetworkAddress=10.20.30.40\n"
                "[account]\nSystemName=WEB01\nAccountName=root\n"
                "Password=caf\xe9-\xff\n");
    expect_pw(cfg, "bob", "10.20.30.40", "caf\xe9-\xff");
    expect_pw(cfg, "bob", "10.20.30.40", "caf\xe9-\xff");
    free(cfg);
}
