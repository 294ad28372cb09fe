/* SPDX-License-Identifier: MIT */
/* test_modules.c: the prefix rule, auth-gateway, and resolver-dns (through
 * nss_wrapper). */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <credstack/credstack.h>

#include "testutil.h"

typedef struct result {
    int rc;
    char *system;
    char *reason;
    char *password;
    char *err;
} result;

/* Run a stack in-process against the build tree's modules. */
static void run_stack(const char *config, const char *stack, const char *host,
                      const char *gateway_user, result *r)
{
    char *dir = tu_tmpdir();
    char *cfg = tu_write(dir, "c.ini", config);
    char *st = tu_write(dir, "s.stack", stack);
    credstack_handle *h = NULL;
    credstack_request *req = NULL;
    const char *v;
    int rc;

    memset(r, 0, sizeof(*r));
    rc = credstack_open(&h, cfg, st, CREDSTACK_OPEN_LOG_STDERR);
    if (rc != CREDSTACK_OK) {
        /* An open failure is a result too: its problems are the error. */
        r->rc = rc;
        r->err = strdup(credstack_error(h));
        credstack_close(h);
        free(cfg);
        free(st);
        tu_rmtree(dir);
        return;
    }
    cr_assert_eq(credstack_request_new(h, &req), CREDSTACK_OK);
    if (gateway_user)
        credstack_request_set(req, CREDSTACK_ITEM_GATEWAY_USER, gateway_user);
    credstack_request_set(req, CREDSTACK_ITEM_TARGET_USER, "root");
    credstack_request_set(req, CREDSTACK_ITEM_TARGET_HOST, host);
    r->rc = credstack_run(h, req);
    v = credstack_request_get(req, CREDSTACK_ITEM_SYSTEM);
    r->system = v ? strdup(v) : NULL;
    v = credstack_request_get(req, CREDSTACK_ITEM_AUTH_KIND);
    r->reason = v ? strdup(v) : NULL;
    v = credstack_request_get(req, CREDSTACK_ITEM_PASSWORD);
    r->password = v ? strdup(v) : NULL;
    r->err = strdup(credstack_request_error(req));
    credstack_request_free(req);
    credstack_close(h);
    free(cfg);
    free(st);
    tu_rmtree(dir);
}

static void result_free(result *r)
{
    free(r->system);
    free(r->reason);
    free(r->password);
    free(r->err);
}

static const char *const quiet = "[logging]\nlog_level = critical\n";

/* ---- prefix: PREFIX_name, never twice ---- */

struct prefix_case {
    const char *prefix_arg;    /* NULL: prefix=${test.echo} */
    const char *config_prefix; /* NULL: [test] echo not in the configuration */
    const char *system;
    const char *want;
};

static const struct prefix_case prefix_cases[] = {
    {"PSM", NULL, "DB02", "PSM_DB02"},
    /* A prefix already ending in '_' gets no second one. */
    {"PSM_", NULL, "DB02", "PSM_DB02"},
    /* A name that already carries the prefix is kept (TPAM lists both). */
    {"PSM", NULL, "PSM_DB02", "PSM_DB02"},
    {"PSM_", NULL, "PSM_DB02", "PSM_DB02"},
    {"PSM", NULL, "psm_db02", "psm_db02"},
    /* Beginning with the prefix but without its '_' is not carrying it. */
    {"PSM", NULL, "PSMDB02", "PSM_PSMDB02"},
    {"PSM", NULL, "PSM", "PSM_PSM"},
    {"", NULL, "DB02", "DB02"},
    {NULL, "PSM", "DB02", "PSM_DB02"},
    {NULL, "PSM_", "PSM_DB02", "PSM_DB02"},
    {NULL, NULL, "DB02", "DB02"},
    {NULL, "", "DB02", "DB02"},
    /* The stack line's argument is what counts. */
    {"X", "PSM", "DB02", "X_DB02"},
};

Test(prefix, rule)
{
    for (size_t i = 0; i < sizeof(prefix_cases) / sizeof(prefix_cases[0]);
         i++) {
        const struct prefix_case *c = &prefix_cases[i];
        char config[512], stack[512], arg[128] = "";
        result r;

        snprintf(config, sizeof(config), "%s[test]\n%s%s%s", quiet,
                 c->config_prefix ? "echo = " : "",
                 c->config_prefix ? c->config_prefix : "",
                 c->config_prefix ? "\n" : "");
        /* A configured prefix reaches the module as ${section.option}, as
         * the TPAM stack passes tpam.system_prefix. */
        snprintf(arg, sizeof(arg), "prefix=\"%s\"",
                 c->prefix_arg ? c->prefix_arg : "${test.echo}");
        snprintf(stack, sizeof(stack),
                 "resolve required test-result system=%s\n"
                 "map required prefix %s\n"
                 "checkout required test-result password=p\n",
                 c->system, arg);
        run_stack(config, stack, "10.0.0.1", "gw", &r);
        cr_expect_eq(r.rc, CREDSTACK_OK, "case %zu: %s", i, r.err);
        cr_expect(r.system && strcmp(r.system, c->want) == 0,
                  "case %zu: prefix %s on %s gave %s, want %s", i,
                  c->prefix_arg ? c->prefix_arg : "(config)", c->system,
                  r.system ? r.system : "(none)", c->want);
        result_free(&r);
    }
}

Test(prefix, no_system_is_an_error)
{
    result r;

    run_stack(quiet,
              "map required prefix prefix=PSM\n"
              "checkout required test-result password=p\n",
              "10.0.0.1", "gw", &r);
    cr_assert_eq(r.rc, CREDSTACK_ERR_MODULE);
    cr_assert(strstr(r.err, "prefix (") && strstr(r.err, "s.stack:1)") &&
                  strstr(r.err, "no system name to prefix"),
              "%s", r.err);
    cr_assert_null(r.password);
    result_free(&r);
}

Test(prefix, config_interpolation_error_is_a_config_error)
{
    result r;
    char config[256];

    snprintf(config, sizeof(config), "%s[test]\necho = %%(nowhere)s\n",
             quiet);
    run_stack(config,
              "resolve required test-result system=DB02\n"
              "map required prefix prefix=${test.echo}\n"
              "checkout required test-result password=p\n",
              "10.0.0.1", "gw", &r);
    cr_assert_eq(r.rc, CREDSTACK_ERR_CONFIG, "%d: %s", r.rc, r.err);
    cr_assert(strstr(r.err, "nowhere"), "%s", r.err);
    cr_assert_null(r.password);
    result_free(&r);
}

Test(prefix, prefix_argument_is_required)
{
    result r;

    run_stack(quiet,
              "resolve required test-result system=DB02\n"
              "map required prefix\n"
              "checkout required test-result password=p\n",
              "10.0.0.1", "gw", &r);
    cr_assert_eq(r.rc, CREDSTACK_ERR_CONFIG, "%d: %s", r.rc, r.err);
    cr_assert(strstr(r.err, "s.stack:2: module prefix needs the argument "
                            "prefix="),
              "%s", r.err);
    result_free(&r);
}

/* ---- auth-gateway ---- */

Test(auth_gateway, authorizes_with_reason_gateway)
{
    result r;

    run_stack(quiet,
              "authorize required auth-gateway\n"
              "checkout required test-result password=p\n",
              "10.0.0.1", "alice", &r);
    cr_assert_eq(r.rc, CREDSTACK_OK, "%s", r.err);
    cr_assert_str_eq(r.reason, "gateway");
    cr_assert_str_eq(r.password, "p");
    result_free(&r);
}

Test(auth_gateway, no_gateway_user_is_denied)
{
    result r;

    run_stack(quiet,
              "authorize required auth-gateway\n"
              "checkout required test-result password=p\n",
              "10.0.0.1", NULL, &r);
    cr_assert_eq(r.rc, CREDSTACK_ERR_DENIED);
    cr_assert(strstr(r.err, "no gateway user in the request"), "%s", r.err);
    cr_assert_null(r.reason);
    cr_assert_null(r.password);
    result_free(&r);
}

/* ---- resolver-dns, in-process: names need no lookup, hostile hosts are
 * refused ---- */

struct name_case {
    const char *host;
    const char *args;
    const char *want;
};

static const struct name_case names[] = {
    {"web01.example.com", "", "web01"},
    {"web01", "", "web01"},
    {"Web01.Example.COM", "", "Web01"},
    {"web01.example.com", "case=upper", "WEB01"},
    {"db-02.corp.example", "case=keep", "db-02"},
    {"a1.b", "", "a1"},
};

Test(resolver_dns, name_keeps_first_label)
{
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char stack[256];
        result r;

        snprintf(stack, sizeof(stack),
                 "resolve required resolver-dns %s\n"
                 "checkout required test-result password=p\n",
                 names[i].args);
        run_stack(quiet, stack, names[i].host, "gw", &r);
        cr_expect_eq(r.rc, CREDSTACK_OK, "%s: %s", names[i].host, r.err);
        cr_expect(r.system && strcmp(r.system, names[i].want) == 0,
                  "%s gave %s, want %s", names[i].host,
                  r.system ? r.system : "(none)", names[i].want);
        result_free(&r);
    }
}

static const char *const hostile[] = {
    "a;b",
    "--x",
    "fe80::1%eth0",
    "*",
    "a b",
    "-web01.example.com",
    "web01-.example.com",
    "web..example.com",
    ".example.com",
    "10.1",
    "123",
    "web_01",
    "web01.example.com\n",
    "$(id)",
    "x`id`",
    "caf\303\251",
    "10.0.0.256",
};

Test(resolver_dns, hostile_hosts_refused)
{
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        result r;

        run_stack(quiet,
                  "resolve required resolver-dns\n"
                  "checkout required test-result password=p\n",
                  hostile[i], "gw", &r);
        cr_expect_eq(r.rc, CREDSTACK_ERR_REFUSED, "'%s': rc %d: %s", hostile[i],
                     r.rc, r.err);
        cr_expect(strstr(r.err, "refused"), "'%s': %s", hostile[i], r.err);
        cr_expect_null(r.system, "'%s'", hostile[i]);
        cr_expect_null(r.password, "'%s'", hostile[i]);
        /* The message shows control characters escaped, never raw. */
        cr_expect_null(strchr(r.err, '\n'), "'%s': %s", hostile[i], r.err);
        result_free(&r);
    }
}

Test(resolver_dns, long_label_is_denied)
{
    char host[128];
    result r;

    /* 64 characters: a label too long for a host name is refused outright. */
    memset(host, 'a', 64);
    strcpy(host + 64, ".example.com");
    run_stack(quiet, "resolve required resolver-dns\n", host, "gw", &r);
    cr_assert_eq(r.rc, CREDSTACK_ERR_REFUSED, "%s", r.err);
    result_free(&r);
}

/* ---- resolver-dns through the real command and nss_wrapper ---- */

typedef struct nss {
    char *dir;
    char *cfg;
    char *stack;
    char *hosts;
    char *env_hosts;
    char *env_passwd;
    char *env_group;
} nss;

static void nss_setup(nss *n, const char *stack)
{
    n->dir = tu_tmpdir();
    n->cfg = tu_write(n->dir, "c.ini", "[logging]\nlog_level = info\n");
    n->stack = tu_write(n->dir, "s.stack", stack);
    n->hosts = tu_write(n->dir, "hosts",
                        "10.20.30.41 web01.example.com web01\n"
                        "2001:db8::5 v6host.example.com\n"
                        "10.20.30.42 bad_name.example.com\n"
                        "10.20.30.43 plainname\n");
    free(tu_write(n->dir, "passwd", "root:x:0:0:root:/root:/bin/sh\n"));
    free(tu_write(n->dir, "group", "root:x:0:\n"));
    cr_assert(asprintf(&n->env_hosts, "NSS_WRAPPER_HOSTS=%s", n->hosts) > 0);
    cr_assert(asprintf(&n->env_passwd, "NSS_WRAPPER_PASSWD=%s/passwd", n->dir) >
              0);
    cr_assert(asprintf(&n->env_group, "NSS_WRAPPER_GROUP=%s/group", n->dir) >
              0);
}

static void nss_free(nss *n)
{
    free(n->cfg);
    free(n->stack);
    free(n->hosts);
    free(n->env_hosts);
    free(n->env_passwd);
    free(n->env_group);
    tu_rmtree(n->dir);
}

static tu_run nss_run(nss *n, const char *host)
{
    const char *argv[] = {"get-password",
                          "--config",
                          n->cfg,
                          "--stack",
                          n->stack,
                          "--gateway-user",
                          "gw",
                          "--target-user",
                          "root",
                          "--target-host",
                          host,
                          "--trace",
                          NULL};
    const char *env[] = {"LD_PRELOAD=libnss_wrapper.so", n->env_hosts,
                         n->env_passwd, n->env_group,
                         /* Deep binding upsets valgrind and the sanitizers. */
                         "NSS_WRAPPER_DISABLE_DEEPBIND=1", NULL};

    return tu_credstack(argv, NULL, env);
}

static const char *const dns_stack =
    "resolve requisite resolver-dns\n"
    "checkout required test-result password=pw\n";

struct dns_case {
    const char *stack;
    const char *host;
    int status;
    const char *trace; /* in stderr */
};

static const struct dns_case dns_cases[] = {
    {NULL, "10.20.30.41", 0, "[system=web01 account=root"},
    {NULL, "2001:db8::5", 0, "[system=v6host account=root"},
    {NULL, "2001:DB8:0:0::5", 0, "[system=v6host account=root"},
    {"resolve requisite resolver-dns case=upper\n"
     "checkout required test-result password=pw\n",
     "10.20.30.41", 0, "[system=WEB01 account=root"},
    /* A one-label PTR answer is its own first label. */
    {NULL, "10.20.30.43", 0, "[system=plainname "},
    /* An address the hosts file does not know: no password. */
    {NULL, "192.0.2.99", 1, "no reverse DNS name for 192.0.2.99"},
    {NULL, "2001:db8::99", 1, "no reverse DNS name for 2001:db8::99"},
    /* A PTR answer that is not a host name is untrusted input: denied. */
    {NULL, "10.20.30.42", 1, "reverse DNS gave 'bad_name.example.com'"},
    /* An FQDN keeps its first label; the hosts file is not asked. */
    {NULL, "db02.example.com", 0, "[system=db02 account=root"},
    /* Hostile hosts: refused, exit 3. */
    {NULL, "a;b", 3, "refused"},
    {NULL, "--x", 3, "refused"},
    {NULL, "fe80::1%eth0", 3, "refused"},
    {NULL, "*", 3, "refused"},
};

Test(resolver_dns, through_nss_wrapper)
{
    for (size_t i = 0; i < sizeof(dns_cases) / sizeof(dns_cases[0]); i++) {
        const struct dns_case *c = &dns_cases[i];
        nss n;
        tu_run r;

        nss_setup(&n, c->stack ? c->stack : dns_stack);
        r = nss_run(&n, c->host);
        cr_expect_eq(r.status, c->status, "%s: exit %d, want %d; stderr:\n%s",
                     c->host, r.status, c->status, r.err);
        cr_expect_str_eq(r.out, c->status == 0 ? "pw\n" : "", "%s", c->host);
        cr_expect(strstr(r.err, c->trace) != NULL, "%s: stderr lacks '%s':\n%s",
                  c->host, c->trace, r.err);
        tu_run_free(&r);
        nss_free(&n);
    }
}
