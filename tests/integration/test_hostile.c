/* SPDX-License-Identifier: MIT */
/* test_hostile.c: a catalogue of hostile names through `get-password` and
 * `hook`: each refused, clearly, and no TPAM command built from it. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "hardening.h"

/* Where a hostile value is put. */
enum {
    AS_USER = 1, /* target user (TPAM AccountName) */
    AS_GW = 2,   /* gateway user (TPAM UserName, the reason text) */
    AS_HOST = 4, /* target host (resolved, or a NetworkAddress) */
    AS_ALL = 7
};

typedef struct hostile {
    const char *what;
    const char *value;
    size_t len; /* 0: strlen(value); set for a NUL inside */
    int where;
} hostile;

static char long_name[4097];

/*
 * The catalogue.  Every value must be refused wherever it is put; none may
 * reach TPAM in any command.  Numeric-only and zone-id hosts are fine as
 * account names, so they are tried as hosts only.
 */
static const hostile catalogue[] = {
    {"double quote", "ro\"ot", 0, AS_ALL},
    {"single quote", "ro'ot", 0, AS_ALL},
    {"backslash", "ro\\ot", 0, AS_ALL},
    {"an --Option", "--SystemName", 0, AS_ALL},
    {"an --Option after a space", "root --SystemName PSM_app01", 0, AS_ALL},
    {"a --Option=value", "--AccountName=oracle", 0, AS_ALL},
    {"a leading dash", "-root", 0, AS_ALL},
    {"a tab", "ro\tot", 0, AS_ALL},
    {"a newline", "ro\not", 0, AS_ALL},
    {"a carriage return", "ro\rot", 0, AS_ALL},
    {"a NUL byte", "ro\0ot", 5, AS_ALL},
    {"a '*' wildcard", "ro*t", 0, AS_ALL},
    {"only '*'", "*", 0, AS_USER | AS_GW | AS_HOST},
    {"a '!' no-membership", "!root", 0, AS_ALL},
    {"shell syntax", "root;id`id`$(id)", 0, AS_ALL},
    {"a very long name", long_name, 0, AS_ALL},
    {"non-UTF-8 bytes", "r\xff\xfeot", 0, AS_ALL},
    {"UTF-8 non-ASCII", "r\xc3\xb6\xc3\xb6t", 0, AS_ALL},
    {"an IPv6 address with a zone id", "fe80::1%eth0", 0, AS_ALL},
    {"a bracketed IPv6 address", "[2001:db8::5]", 0, AS_HOST},
    {"a numeric-only host", "12345", 0, AS_HOST},
    {"a 32-bit number host (inet_aton form)", "2130706433", 0, AS_HOST},
    {"a short dotted host (inet_aton form)", "127.1", 0, AS_HOST},
};
#define NCAT (sizeof(catalogue) / sizeof(catalogue[0]))

static char *tmp, *conf;

static const char *env_or_empty(const char *name)
{
    const char *v = getenv(name);
    return v ? v : "";
}

static void setup(void)
{
    memset(long_name, 'a', sizeof(long_name) - 1);
    tu_load_harness();
    tmp = tu_tmpdir();
    /* policy: the gateway user, the account and the system each go into a
     * command (ListAssignedPolicies), so each position is tested. */
    conf =
        hz_write_config(tmp, "policy", hz_valgrind() ? 60 : 10,
                        hz_valgrind() ? 60 : 10, 0, "system_prefix = PSM_\n");
    hz_faults(NULL);
}

static void teardown(void)
{
    free(conf);
    tu_rmtree(tmp);
}

TestSuite(hostile, .init = setup, .fini = teardown, .timeout = 900);

static size_t vlen(const hostile *h)
{
    return h->len ? h->len : strlen(h->value);
}

/* Printable form of a catalogue value for messages. */
static const char *shown(const hostile *h, char *buf, size_t cap)
{
    size_t o = 0, n = vlen(h);

    for (size_t i = 0; i < n && o + 5 < cap && i < 40; i++) {
        unsigned char c = (unsigned char)h->value[i];
        if (c < 0x20 || c >= 0x7f)
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
        else
            buf[o++] = (char)c;
    }
    buf[o] = '\0';
    return buf;
}

/* The three request fields for position `where`: one hostile, the others those
 * of a good request. */
static void fields(const hostile *h, int where, const char **gw,
                   const char **user, const char **host)
{
    *gw = where == AS_GW ? h->value : "bob";
    *user = where == AS_USER ? h->value : "root";
    *host = where == AS_HOST ? h->value : "10.20.30.40";
}

static const char *position(int where)
{
    return where == AS_USER ? "target user"
           : where == AS_GW ? "gateway user"
                            : "target host";
}

/* The good request works, so a refusal below is the hostile value's doing. */
Test(hostile, the_good_request_works)
{
    tu_run r = hz_get_password(conf, "bob", "root", "10.20.30.40");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "p@ss word;#1\n");
    tu_run_free(&r);
}

Test(hostile, get_password_refuses_the_catalogue)
{
    char buf[256];

    for (size_t i = 0; i < NCAT; i++) {
        const hostile *h = &catalogue[i];
        /* A NUL cannot be passed in an argument at all: only the hook can
         * carry one. */
        if (h->len != 0)
            continue;
        /* Under valgrind the command runs through `libtool --mode=execute`,
         * which splits an argument at a newline before credstack sees it;
         * the plain and ASan runs cover it, the hook covers it everywhere. */
        if (strchr(h->value, '\n') != NULL &&
            *env_or_empty("CREDSTACK_TEST_WRAPPER") != '\0')
            continue;
        for (int where = AS_USER; where <= AS_HOST; where <<= 1) {
            const char *gw, *user, *host;
            tu_run r;
            char *log;

            if (!(h->where & where))
                continue;
            fields(h, where, &gw, &user, &host);
            hz_log_clear();
            r = hz_get_password(conf, gw, user, host);
            log = hz_log();
            cr_expect_eq(r.status, 3,
                         "%s as %s (\"%s\"): exit %d, want 3 (refused): %s",
                         h->what, position(where), shown(h, buf, sizeof(buf)),
                         r.status, r.err);
            cr_expect_str_eq(r.out, "", "%s as %s: printed a password", h->what,
                             position(where));
            cr_expect(strstr(r.err, "refused") != NULL,
                      "%s as %s: no clear refusal: %s", h->what,
                      position(where), r.err);
            cr_expect(!hz_log_mentions(log, h->value, vlen(h)),
                      "%s as %s reached TPAM:\n%s", h->what, position(where),
                      log);
            /* Every value is checked before connecting: TPAM is not asked. */
            cr_expect_str_eq(log, "", "%s as %s: TPAM was asked:\n%s", h->what,
                             position(where), log);
            free(log);
            tu_run_free(&r);
        }
    }
}

/* A JSON string literal for len bytes: escapes what JSON must; other bytes
 * (non-UTF-8 ones included) go in raw, as a broken caller would send them. */
static void json_str(char *out, size_t cap, const char *s, size_t len)
{
    size_t o = 0;

    out[o++] = '"';
    for (size_t i = 0; i < len && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
}

Test(hostile, hook_refuses_the_catalogue)
{
    static char json[3 * 8192 + 512], a[8192], b[8192], c[8192];
    char buf[256];

    for (size_t i = 0; i < NCAT; i++) {
        const hostile *h = &catalogue[i];
        for (int where = AS_USER; where <= AS_HOST; where <<= 1) {
            const char *gw, *user, *host;
            size_t n = vlen(h);
            tu_run r;
            char *log;

            if (!(h->where & where))
                continue;
            fields(h, where, &gw, &user, &host);
            json_str(a, sizeof(a), gw, where == AS_GW ? n : strlen(gw));
            json_str(b, sizeof(b), user, where == AS_USER ? n : strlen(user));
            json_str(c, sizeof(c), host, where == AS_HOST ? n : strlen(host));
            snprintf(json, sizeof(json),
                     "{\"session_id\": \"s-1\", \"protocol\": \"ssh\", "
                     "\"gateway_username\": %s, \"gateway_password\": "
                     "\"gwpw\", \"target_username\": %s, \"target_host\": %s, "
                     "\"target_port\": 22, \"cookie\": {}, "
                     "\"session_cookie\": {}}",
                     a, b, c);
            hz_log_clear();
            r = hz_hook(conf, json);
            log = hz_log();
            /* Refused: exit 3 (an unsafe value) or 2 (a request jansson
             * already rejects: NUL, bad UTF-8); never a password. */
            cr_expect(r.status == 2 || r.status == 3,
                      "%s as %s (\"%s\"): exit %d: %s", h->what,
                      position(where), shown(h, buf, sizeof(buf)), r.status,
                      r.err);
            cr_expect(strstr(r.out, "\"passwords\":[]") != NULL,
                      "%s as %s: not an empty list: %s", h->what,
                      position(where), r.out);
            cr_expect(strstr(r.err, "refused") != NULL ||
                          strstr(r.err, "JSON") != NULL,
                      "%s as %s: no clear error: %s", h->what, position(where),
                      r.err);
            cr_expect(!hz_log_mentions(log, h->value, n),
                      "%s as %s reached TPAM:\n%s", h->what, position(where),
                      log);
            cr_expect_str_eq(log, "", "%s as %s: TPAM was asked:\n%s", h->what,
                             position(where), log);
            free(log);
            tu_run_free(&r);
        }
    }
}

/* server_* members win over target_*: a hostile one there is refused too,
 * even when the target_* ones are harmless.  (A hostile server_hostname
 * beside an address is not used at all: see the next test.) */
Test(hostile, hook_server_members_are_checked)
{
    static const char *const reqs[] = {
        "{\"gateway_username\": \"bob\", \"target_username\": \"root\", "
        "\"target_host\": \"10.20.30.40\", \"server_username\": "
        "\"--SystemName\"}",
        "{\"gateway_username\": \"bob\", \"target_username\": \"root\", "
        "\"target_host\": \"db02\", \"server_hostname\": "
        "\"fe80::1%eth0\"}",
        "{\"gateway_username\": \"bob\", \"target_username\": \"root\", "
        "\"target_host\": \"10.20.30.40\", \"server_ip\": \"12345\"}",
        "{\"gateway_username\": \"bob\", \"target_username\": \"root\", "
        "\"target_host\": \"10.20.30.40\", \"server_ip\": "
        "\"fe80::1%eth0\"}",
    };

    for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
        tu_run r;
        char *log;

        hz_log_clear();
        r = hz_hook(conf, reqs[i]);
        log = hz_log();
        cr_expect_eq(r.status, 3, "%s: exit %d: %s", reqs[i], r.status, r.err);
        cr_expect(strstr(r.out, "\"passwords\":[]") != NULL, "%s", r.out);
        cr_expect(strstr(r.err, "refused") != NULL, "%s", r.err);
        cr_expect(strstr(log, "SystemName --SystemName") == NULL &&
                      strstr(log, "fe80") == NULL &&
                      strstr(log, "12345") == NULL,
                  "%s reached TPAM:\n%s", reqs[i], log);
        free(log);
        tu_run_free(&r);
    }
}

/*
 * A hook request that names one machine and connects to another gets the
 * password of the machine connected to, never the named one's (design.md,
 * pipeline step 3): the name beside an address is not even asked about.
 * Only a request with nothing but a name uses the name.
 */
struct named_case {
    const char *members; /* the host members of the request */
    const char *want;    /* the password, as JSON text */
    const char *never;   /* the named machine's password, as JSON text */
    const char *unasked; /* no TPAM command mentions it (any case) */
};

static const struct named_case named_cases[] = {
    {"\"server_hostname\": \"web01.example.com\", \"server_ip\": "
     "\"10.20.30.40\", \"target_host\": \"web01.example.com\"",
     "\"db02-Root!pw\"", "web01 r00t", "web01"},
    {"\"server_hostname\": \"db02.example.com\", \"server_ip\": "
     "\"10.20.30.41\"",
     "\"web01 r00t \\\"quoted\\\" \\\\back\\\\slash\"", "db02-Root!pw", "db02"},
    {"\"server_hostname\": \"DB02\", \"target_host\": \"10.20.30.41\"",
     "\"web01 r00t \\\"quoted\\\" \\\\back\\\\slash\"", "db02-Root!pw", "db02"},
    {"\"target_host\": \"db02\", \"server_ip\": \"10.20.30.41\"",
     "\"web01 r00t \\\"quoted\\\" \\\\back\\\\slash\"", "db02-Root!pw", "db02"},
    /* A name alone: its first label is the system. */
    {"\"server_hostname\": \"web01.example.com\"",
     "\"web01 r00t \\\"quoted\\\" \\\\back\\\\slash\"", "db02-Root!pw", "db02"},
};

Test(hostile, hook_name_never_beats_the_connect_address)
{
    char *dir = tu_tmpdir();
    /* gateway authorization, no prefix: each address and each name has
     * exactly one system with a root password in fixture.default. */
    char *gwconf = hz_write_config(dir, "gateway", hz_valgrind() ? 60 : 10,
                                   hz_valgrind() ? 60 : 10, 0, NULL);

    for (size_t i = 0; i < sizeof(named_cases) / sizeof(named_cases[0]); i++) {
        const struct named_case *c = &named_cases[i];
        char json[1024], want[256];
        tu_run r;
        char *log;

        snprintf(json, sizeof(json),
                 "{\"gateway_username\": \"bob\", \"target_username\": "
                 "\"root\", \"cookie\": {}, \"session_cookie\": {}, %s}",
                 c->members);
        snprintf(want, sizeof(want), "\"passwords\":[%s]", c->want);
        hz_log_clear();
        r = hz_hook(gwconf, json);
        log = hz_log();
        cr_expect_eq(r.status, 0, "case %zu: exit %d: %s", i, r.status, r.err);
        cr_expect(strstr(r.out, want) != NULL, "case %zu: want %s, got %s", i,
                  want, r.out);
        cr_expect(strstr(r.out, c->never) == NULL,
                  "case %zu: the named machine's password: %s", i, r.out);
        cr_expect(strcasestr(log, c->unasked) == NULL,
                  "case %zu: TPAM was asked about %s:\n%s", i, c->unasked, log);
        free(log);
        tu_run_free(&r);
    }
    free(gwconf);
    tu_rmtree(dir);
}
