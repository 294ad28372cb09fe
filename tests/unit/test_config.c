/* SPDX-License-Identifier: MIT */
/* test_config.c: Criterion tests of the configuration reader (core/config*.c)
 * against ConfigParser's rules. */
/* Long file: one short test per case of the file under test, over one
 * fixture; the sections are marked by their "----" headings. */

/*
 * Most inputs are C strings given to cs_config_load_string(); three real
 * files live in tests/unit/config/.  They are found under
 * $CREDSTACK_TEST_SRCDIR (tests/run-test exports the source tree there),
 * else $srcdir (automake's AM_TESTS_ENVIRONMENT sets it to the top source
 * directory), else the current directory.
 *
 * The expected values were checked against Python 3's
 * configparser.ConfigParser() reading the same text.
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "credstack/credstack.h"
#include "config.h"
#include "config_int.h"

static cs_config *cfg = NULL;
static char err[1024];

static void teardown(void)
{
    cs_config_free(cfg);
    cfg = NULL;
}

TestSuite(config, .fini = teardown);

/* ---- helpers ---- */

static const char *fixture(const char *name)
{
    static char path[4096];
    const char *dirs[3] = {getenv("CREDSTACK_TEST_SRCDIR"), getenv("srcdir"),
                           "."};
    size_t i;

    for (i = 0; i < 3; i++) {
        if (!dirs[i])
            continue;
        snprintf(path, sizeof(path), "%s/tests/unit/config/%s", dirs[i], name);
        if (access(path, R_OK) == 0)
            return path;
    }
    cr_assert_fail("fixture %s not found (set CREDSTACK_TEST_SRCDIR)", name);
    return NULL;
}

/* Load text as "t.cfg"; it must parse. */
static cs_config *load(const char *text)
{
    int rc;

    cs_config_free(cfg);
    cfg = NULL;
    rc = cs_config_load_string(text, "t.cfg", &cfg, err, sizeof(err));
    cr_assert_eq(rc, CREDSTACK_OK, "load failed (%d): %s", rc, err);
    cr_assert_not_null(cfg);
    return cfg;
}

/* Load text as "t.cfg"; it must fail with rc, leaving the message in err. */
static void load_fails(const char *text, int rc_expected)
{
    cs_config *c = NULL;
    int rc = cs_config_load_string(text, "t.cfg", &c, err, sizeof(err));

    cr_assert_eq(rc, rc_expected, "rc %d, expected %d (%s)", rc, rc_expected,
                 err);
    cr_assert_null(c);
    cr_assert_neq(err[0], '\0', "no message");
}

static const char *get(const char *section, const char *option)
{
    const char *v = NULL;
    int rc = cs_config_get(cfg, section, option, &v, err, sizeof(err));

    cr_assert_eq(rc, CREDSTACK_OK, "%s.%s: rc %d: %s", section, option, rc,
                 err);
    cr_assert_not_null(v);
    return v;
}

static int get_rc(const char *section, const char *option)
{
    const char *v = NULL;

    strcpy(err, "not cleared");
    return cs_config_get(cfg, section, option, &v, err, sizeof(err));
}

#define assert_get(section, option, expected)                                  \
    cr_assert_str_eq(get(section, option), (expected), "%s.%s", section, option)

#define assert_err(expected) cr_assert_str_eq(err, (expected))

/* A heap string of n copies of c (for long values and names). */
static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);

    cr_assert_not_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    cr_assert_geq(n, 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

struct visit_log {
    char text[4096];
};

static void visit(const char *section, const char *option, unsigned line,
                  void *user)
{
    struct visit_log *log = user;
    size_t used = strlen(log->text);

    snprintf(log->text + used, sizeof(log->text) - used, "%s.%s:%u ", section,
             option, line);
}

/* ---- the vendor's files ---- */

Test(config, gen2_default_cfg_has_sections_and_no_options)
{
    struct visit_log log = {""};
    const char *path = fixture("gen2-default.cfg");
    char *text = slurp(path);
    int rc;

    /* The fixture is the vendor's default.cfg byte for byte (2800 bytes). */
    cr_assert_eq(strlen(text), 2800);
    free(text);
    rc = cs_config_load_file(path, &cfg, err, sizeof(err));
    cr_assert_eq(rc, CREDSTACK_OK, "%s", err);
    cr_assert_str_eq(cs_config_path(cfg), path);
    cr_assert(cs_config_has_section(cfg, "tpam"));
    cr_assert(cs_config_has_section(cfg, "credential_store"));
    cr_assert(cs_config_has_section(cfg, "logging"));
    cr_assert_not(cs_config_has_section(cfg, "plugin"));
    cr_assert_not(cs_config_has_section(cfg, "DEFAULT"));
    /* Every option is commented out with ';'. */
    cr_assert_eq(get_rc("tpam", "server"), CREDSTACK_ERR_NOTFOUND);
    assert_err("");
    cr_assert_eq(get_rc("logging", "log_level"), CREDSTACK_ERR_NOTFOUND);
    cs_config_foreach(cfg, visit, &log);
    cr_assert_str_eq(log.text, "");
}

Test(config, gen2_with_values_set)
{
    static const char *const resolvers[] = {"tpam", "dns", NULL};
    static const char *const levels[] = {"debug", "info",     "warning",
                                         "error", "critical", NULL};
    int rc, b = -1, idx = -1;
    long port = 0;

    rc = cs_config_load_file(fixture("gen2-set.cfg"), &cfg, err, sizeof(err));
    cr_assert_eq(rc, CREDSTACK_OK, "%s", err);
    assert_get("tpam", "server", "tpam.example.com");
    cr_assert_eq(cs_config_line(cfg, "tpam", "server"), 3);
    cr_assert(strncmp(get("tpam", "server_public_key"), "|1|shAKuZdz", 11) ==
              0);
    cr_assert_eq(cs_config_line(cfg, "tpam", "server_public_key"), 11);
    /* "$": take it from the credential store; the reader hands it out as is. */
    assert_get("tpam", "server_user_key", "$");
    assert_get("tpam", "required_policy", "Privileged Access");
    assert_get("credential_store", "name", "tpam-keys");
    cr_assert_eq(cs_config_line(cfg, "logging", "log_level"), 67);

    cr_assert_eq(cs_config_parse_int(cfg, "tpam", "server_port",
                                     get("tpam", "server_port"), 1, 65535,
                                     &port, err, sizeof(err)),
                 CREDSTACK_OK, "%s", err);
    cr_assert_eq(port, 2222);
    cr_assert_eq(cs_config_parse_bool(cfg, "tpam", "system_maptoreal",
                                      get("tpam", "system_maptoreal"), &b, err,
                                      sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_eq(b, 1);
    cr_assert_eq(cs_config_parse_bool(cfg, "tpam", "reuse_gateway_password",
                                      get("tpam", "reuse_gateway_password"), &b,
                                      err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_eq(b, 0);
    cr_assert_eq(cs_config_parse_enum(cfg, "tpam", "system_name_resolver",
                                      get("tpam", "system_name_resolver"),
                                      resolvers, &idx, err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_eq(idx, 1);
    cr_assert_eq(cs_config_parse_enum(cfg, "logging", "log_level",
                                      get("logging", "log_level"), levels, &idx,
                                      err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_eq(idx, 0);
}

/* Every (section, option, value) in order, for comparing two configs. */
struct dump {
    cs_config *cfg;
    char *text;
    size_t len;
};

static void dump_visit(const char *section, const char *option, unsigned line,
                       void *user)
{
    struct dump *d = user;
    const char *v = NULL;
    char buf[2048];
    char *p = NULL;
    int n;

    (void)line;
    cr_assert_eq(cs_config_get(d->cfg, section, option, &v, err, sizeof(err)),
                 CREDSTACK_OK);
    n = snprintf(buf, sizeof(buf), "%s.%s=%s\n", section, option, v);
    cr_assert(n > 0 && (size_t)n < sizeof(buf));
    p = realloc(d->text, d->len + (size_t)n + 1);
    cr_assert_not_null(p);
    memcpy(p + d->len, buf, (size_t)n + 1);
    d->text = p;
    d->len += (size_t)n;
}

Test(config, seed_sample_indented_by_one_space_parses_as_if_not_indented)
{
    const char *path = fixture("seed-indented.cfg");
    char *text = slurp(path);
    char *flat = malloc(strlen(text) + 1);
    cs_config *plain = NULL;
    struct dump a = {NULL, NULL, 0}, b = {NULL, NULL, 0};
    const char *key = NULL;
    size_t i, o = 0;
    int rc;

    cr_assert_not_null(flat);
    /* Every line of the fixture, headers and the empty one too, starts with one
     * space. */
    for (i = 0; text[i]; i++) {
        cr_assert(i == 0 || text[i - 1] != '\n' || text[i] == ' ');
        if (!(text[i] == ' ' && (i == 0 || text[i - 1] == '\n')))
            flat[o++] = text[i];
    }
    flat[o] = '\0';

    rc = cs_config_load_file(path, &cfg, err, sizeof(err));
    cr_assert_eq(rc, CREDSTACK_OK, "%s", err);
    assert_get("plugin", "config_version", "1");
    assert_get("plugin", "cred_store", "tpamstore");
    assert_get("plugin", "log_level", "info");
    assert_get("tpam", "authorization", "policy");
    assert_get("tpam", "required_policy", "Privileged Access");
    assert_get("tpam", "server", "10.0.0.1");
    assert_get("tpam", "server_port", "22");
    assert_get("tpam", "server_user", "isacli");
    assert_get("tpam", "system_name_resolver", "tpam");
    assert_get("tpam", "system_prefix", "PSM_");
    assert_get("tpam", "system_maptoreal", "no");
    assert_get("tpam", "reuse_gateway_password", "no");
    key = get("tpam", "server_public_key");
    cr_assert_eq(strlen(key), 701, "known_hosts line of %zu bytes",
                 strlen(key));
    cr_assert(strncmp(key, "10.0.0.1 ssh-rsa AAAAB3NzaC1yc2E", 32) == 0);
    cr_assert_null(strchr(key, '\n'));
    cr_assert_eq(cs_config_line(cfg, "tpam", "server_public_key"), 10);

    /* And the same text without the indentation gives the very same config. */
    rc = cs_config_load_string(flat, "flat.cfg", &plain, err, sizeof(err));
    cr_assert_eq(rc, CREDSTACK_OK, "%s", err);
    a.cfg = cfg;
    b.cfg = plain;
    cs_config_foreach(cfg, dump_visit, &a);
    cs_config_foreach(plain, dump_visit, &b);
    cr_assert_not_null(a.text);
    cr_assert_str_eq(a.text, b.text);
    cs_config_free(plain);
    free(a.text);
    free(b.text);
    free(flat);
    free(text);
}

Test(config, pdf_paste_with_options_indented_under_plain_headers)
{
    load("[tpam]\n"
         " server=10.0.0.1\n"
         " server_port=22\n"
         "\t\n"
         "[logging]\n"
         "   log_level = info\n");
    assert_get("tpam", "server", "10.0.0.1");
    assert_get("tpam", "server_port", "22");
    assert_get("logging", "log_level", "info");
}

/* ---- values ---- */

Test(config, long_values_are_not_cut)
{
    char *v700 = repeat('k', 700);
    char *v70k = repeat('x', 70000);
    size_t n = 700 + 70000 + 100;
    char *text = malloc(n);

    cr_assert_not_null(text);
    snprintf(text, n, "[s]\nkey = %s\nbig=%s\nafter = 1\n", v700, v70k);
    load(text);
    assert_get("s", "key", v700);
    assert_get("s", "big", v70k);
    assert_get("s", "after", "1");
    cr_assert_eq(cs_config_line(cfg, "s", "after"), 4);
    free(text);
    free(v700);
    free(v70k);
}

Test(config, value_keeps_semicolon_hash_delimiters_and_inner_spaces)
{
    load("[s]\n"
         "a = x ; y # z\n"
         "b=;starts with semicolon\n"
         "c = #starts with hash\n"
         "d = k=v: w\n"
         "e = 100%%\n");
    assert_get("s", "a", "x ; y # z");
    assert_get("s", "b", ";starts with semicolon");
    assert_get("s", "c", "#starts with hash");
    assert_get("s", "d", "k=v: w");
    assert_get("s", "e", "100%");
}

Test(config, multi_line_pem_key)
{
    load("[tpam]\n"
         "server_user_key=-----BEGIN OPENSSH PRIVATE KEY-----\n"
         "    b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAA\n"
         "    QyNTUxOQAAACBmZXRjaGVkLWZyb20tYS10ZXN0LW5vdC1hLXJlYWwta2V5AAAA\n"
         "    -----END OPENSSH PRIVATE KEY-----\n"
         "server = tpam\n");
    assert_get(
        "tpam", "server_user_key",
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAA\n"
        "QyNTUxOQAAACBmZXRjaGVkLWZyb20tYS10ZXN0LW5vdC1hLXJlYWwta2V5AAAA\n"
        "-----END OPENSSH PRIVATE KEY-----");
    cr_assert_eq(cs_config_line(cfg, "tpam", "server_user_key"), 2);
    assert_get("tpam", "server", "tpam");
    cr_assert_eq(cs_config_line(cfg, "tpam", "server"), 6);
}

Test(config, key_lines_not_indented_deeper_are_refused_without_quoting_them)
{
    /* The option is indented as much as its key lines: they are not
     * continuations. */
    load_fails("[tpam]\n"
               "  server_user_key=-----BEGIN OPENSSH PRIVATE KEY-----\n"
               "  b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n",
               CREDSTACK_ERR_CONFIG);
    cr_assert(strncmp(err, "t.cfg:3: no '=' or ':'", 22) == 0, "%s", err);
    cr_assert_null(strstr(err, "b3Bl"));
}

Test(config, empty_lines_inside_values)
{
    load("[s]\n"
         "a = 1\n"
         "  2\n"
         "\n"
         "  3\n"
         "\n"
         "\n"
         "b = 4\n"
         "  5\n"
         "\n"
         "   \n"
         "c =\n"
         "  x\n"
         "d = first\n"
         "# a comment neither ends nor joins the value\n"
         "  second\n"
         "; nor does this one\n"
         "\n"
         "  third\n");
    assert_get("s", "a", "1\n2\n\n3");
    assert_get("s", "b", "4\n5");
    /* As ConfigParser: an empty first line stays. */
    assert_get("s", "c", "\nx");
    assert_get("s", "d", "first\nsecond\n\nthird");
}

Test(config, section_header_ends_the_value)
{
    load("[s]\n"
         "a = 1\n"
         "[t]\n"
         "  b = 2\n"
         "    more\n");
    assert_get("s", "a", "1");
    assert_get("t", "b", "2\nmore");
    cr_assert_eq(get_rc("s", "b"), CREDSTACK_ERR_NOTFOUND);
}

Test(config, dollar_conventions)
{
    load("[DEFAULT]\n"
         "store = $\n"
         "[s]\n"
         "key = $\n"
         "literal = $$\n"
         "three = $$$\n"
         "inner = a$$b\n"
         "prefix = $foo\n"
         "via = %(literal)s\n"
         "viastore = %(store)s\n");
    /* "$": from the credential store, decided by the caller. */
    assert_get("s", "key", "$");
    assert_get("s", "store", "$");
    /* "$$" (after interpolation) reads back as "$". */
    assert_get("s", "literal", "$");
    assert_get("s", "via", "$");
    assert_get("s", "viastore", "$");
    /* Only whole values count. */
    assert_get("s", "three", "$$$");
    assert_get("s", "inner", "a$$b");
    assert_get("s", "prefix", "$foo");
}

/* ---- interpolation ---- */

Test(config, interpolation_chains_through_default)
{
    load("[DEFAULT]\n"
         "base = /var\n"
         "dir = %(base)s/lib\n"
         "url = https://%(host)s:%(port)s/\n"
         "port = 443\n"
         "[a]\n"
         "host = a.example\n"
         "path = %(DIR)s/credstack\n"
         "[b]\n"
         "host = b.example\n"
         "port = 8443\n"
         "base = /srv\n");
    assert_get("a", "path", "/var/lib/credstack");
    assert_get("a", "url", "https://a.example:443/");
    /* A [DEFAULT] value interpolates with the values of the section asked for.
     */
    assert_get("b", "url", "https://b.example:8443/");
    assert_get("b", "dir", "/srv/lib");
    assert_get("a", "dir", "/var/lib");
    assert_get("DEFAULT", "dir", "/var/lib");
    /* The line is where the inherited option was set. */
    cr_assert_eq(cs_config_line(cfg, "a", "dir"), 3);
}

Test(config, percent_percent_is_a_literal_percent)
{
    load("[s]\n"
         "a = 100%%\n"
         "b = %%(a)s\n"
         "c = %%%%\n"
         "d = %(a)s and %(b)s\n");
    assert_get("s", "a", "100%");
    assert_get("s", "b", "%(a)s");
    assert_get("s", "c", "%%");
    assert_get("s", "d", "100% and %(a)s");
}

Test(config, interpolation_loop)
{
    load("[s]\n"
         "x = 1\n"
         "a = secretA%(b)s\n"
         "b = secretB%(a)s\n");
    cr_assert_eq(get_rc("s", "a"), CREDSTACK_ERR_CONFIG);
    assert_err("t.cfg:3: s.a: interpolation: loop or more than 10 levels "
               "deep: a -> b -> a");
    cr_assert_eq(get_rc("s", "b"), CREDSTACK_ERR_CONFIG);
    cr_assert_null(strstr(err, "secret"));
}

static char *chain(int n, const char *last)
{
    char *text = malloc(4096);
    size_t used;
    int i;

    cr_assert_not_null(text);
    used = (size_t)snprintf(text, 4096, "[s]\n");
    for (i = 1; i < n; i++)
        used += (size_t)snprintf(text + used, 4096 - used, "v%d = %%(v%d)s\n",
                                 i, i + 1);
    snprintf(text + used, 4096 - used, "v%d = %s\n", n, last);
    return text;
}

Test(config, interpolation_depth_is_ten_levels)
{
    char *ok = chain(11, "end");     /* v1..v10 expanded: 10 levels */
    char *ok2 = chain(10, "50%%");   /* v1..v10 expanded: 10 levels */
    char *deep = chain(12, "end");   /* 11 levels */
    char *deep2 = chain(11, "50%%"); /* 11 levels: v11 holds a '%' */

    load(ok);
    assert_get("s", "v1", "end");
    load(ok2);
    assert_get("s", "v1", "50%");
    load(deep);
    cr_assert_eq(get_rc("s", "v1"), CREDSTACK_ERR_CONFIG);
    assert_err("t.cfg:2: s.v1: interpolation: loop or more than 10 levels "
               "deep: v1 -> v2 -> v3 -> v4 -> v5 -> v6 -> v7 -> v8 -> v9 -> "
               "v10 -> v11");
    /* Lower in the chain it fits again. */
    assert_get("s", "v2", "end");
    load(deep2);
    cr_assert_eq(get_rc("s", "v1"), CREDSTACK_ERR_CONFIG);
    free(ok);
    free(ok2);
    free(deep);
    free(deep2);
}

Test(config, interpolation_missing_reference)
{
    load("[DEFAULT]\n"
         "d = %(nothere)s\n"
         "[tpam]\n"
         "server = %(Host)s\n");
    cr_assert_eq(get_rc("tpam", "server"), CREDSTACK_ERR_CONFIG);
    assert_err("t.cfg:4: tpam.server: interpolation: no option 'host' in "
               "section [tpam] or [DEFAULT]");
    cr_assert_eq(get_rc("DEFAULT", "d"), CREDSTACK_ERR_CONFIG);
    assert_err("t.cfg:2: DEFAULT.d: interpolation: no option 'nothere' in "
               "section [DEFAULT]");
    /* A reference to an option of another section does not count. */
    load("[a]\nhost = x\n[b]\nserver = %(host)s\n");
    cr_assert_eq(get_rc("b", "server"), CREDSTACK_ERR_CONFIG);
}

Test(config, lone_percent_is_an_error_that_does_not_show_the_value)
{
    static const char *const bad[] = {"s3cr3t 50%", "s3cr3t%x",    "%s3cr3t",
                                      "s3cr3t%(x",  "s3cr3t%(x)d", "s3cr3t%()s",
                                      "s3cr3t%(x)"};
    char text[256];
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "[s]\nx = 1\npw = %s\n", bad[i]);
        load(text);
        cr_assert_eq(get_rc("s", "pw"), CREDSTACK_ERR_CONFIG, "%s", bad[i]);
        cr_assert(strncmp(err, "t.cfg:3: s.pw: interpolation: ", 30) == 0, "%s",
                  err);
        cr_assert_null(strstr(err, "s3cr3t"), "%s", err);
    }
}

/* ---- structure ---- */

Test(config, duplicate_section_names_both_lines)
{
    load_fails("[s]\na = 1\n\n[t]\n[s]\n", CREDSTACK_ERR_CONFIG);
    assert_err("t.cfg:5: section [s] is already defined at line 1");
    /* Section names are case-sensitive. */
    load("[s]\n[S]\n");
    cr_assert(cs_config_has_section(cfg, "S"));
}

Test(config, duplicate_option_names_both_lines)
{
    load_fails("[s]\nserver = a\nother = b\nServer: c\n", CREDSTACK_ERR_CONFIG);
    assert_err("t.cfg:4: option s.server is already set at line 2");
    /* The same option in two sections is fine. */
    load("[s]\nserver = a\n[t]\nserver = b\n");
    assert_get("t", "server", "b");
}

Test(config, default_may_repeat_but_not_its_options)
{
    load("[DEFAULT]\na = 1\n[s]\n[DEFAULT]\nb = 2\n");
    assert_get("s", "a", "1");
    assert_get("s", "b", "2");
    load_fails("[DEFAULT]\na = 1\n[s]\n[DEFAULT]\nA = 2\n",
               CREDSTACK_ERR_CONFIG);
    assert_err("t.cfg:5: option DEFAULT.a is already set at line 2");
}

Test(config, option_before_any_section)
{
    load_fails("# comment\n\n  ; another\nkey = value\n[s]\n",
               CREDSTACK_ERR_CONFIG);
    cr_assert(strncmp(err, "t.cfg:4: line outside any section", 33) == 0, "%s",
              err);
    load_fails(" key = value\n", CREDSTACK_ERR_CONFIG);
    cr_assert(strncmp(err, "t.cfg:1: ", 9) == 0, "%s", err);
}

Test(config, line_without_delimiter)
{
    load_fails("[s]\na = 1\njunkline\n", CREDSTACK_ERR_CONFIG);
    cr_assert(strncmp(err, "t.cfg:3: no '=' or ':' in the line", 34) == 0, "%s",
              err);
    cr_assert_null(strstr(err, "junkline"));
    load_fails("[s]\n= nameless\n", CREDSTACK_ERR_CONFIG);
    assert_err("t.cfg:2: option name missing before '='");
    /* "[]" is no header (a name needs a character), so it has no delimiter. */
    load_fails("[s]\n[]\n", CREDSTACK_ERR_CONFIG);
    cr_assert(strncmp(err, "t.cfg:2: no '='", 15) == 0, "%s", err);
}

Test(config, colon_and_equals_split_at_the_first)
{
    load("[s]\n"
         "a: b=c\n"
         "d = e:f\n"
         "g:h\n"
         "i   =   j k   \n"
         "url: https://x:8443/\n"
         "empty =\n");
    assert_get("s", "a", "b=c");
    assert_get("s", "d", "e:f");
    assert_get("s", "g", "h");
    assert_get("s", "i", "j k");
    assert_get("s", "url", "https://x:8443/");
    assert_get("s", "empty", "");
}

Test(config, option_names_ignore_case)
{
    load("[Tpam]\nServer_Port = 22\n");
    assert_get("Tpam", "server_port", "22");
    assert_get("Tpam", "SERVER_PORT", "22");
    cr_assert_eq(cs_config_line(cfg, "Tpam", "SeRvEr_PoRt"), 2);
    /* Section names do not. */
    cr_assert_eq(get_rc("tpam", "server_port"), CREDSTACK_ERR_NOTFOUND);
}

Test(config, comments_anywhere_in_whole_lines_only)
{
    struct visit_log log = {""};

    load("# top\n"
         "[s]\n"
         "   # indented hash\n"
         "\t; indented semicolon = 1\n"
         "a = 1 # kept\n"
         ";b = 2\n"
         "#c: 3\n");
    assert_get("s", "a", "1 # kept");
    cs_config_foreach(cfg, visit, &log);
    cr_assert_str_eq(log.text, "s.a:5 ");
}

Test(config, crlf_and_lone_cr_line_ends)
{
    load("[s]\r\na = 1\r\nb = x\r\n  y\r\n\r\nc = 3");
    assert_get("s", "a", "1");
    assert_get("s", "b", "x\ny");
    assert_get("s", "c", "3");
    cr_assert_eq(cs_config_line(cfg, "s", "c"), 6);
    /* Python's universal newlines: a lone CR ends a line as well. */
    load("[s]\ra = 1\rb = 2\r");
    assert_get("s", "a", "1");
    assert_get("s", "b", "2");
    cr_assert_eq(cs_config_line(cfg, "s", "b"), 3);
}

Test(config, utf8_bom_is_skipped_at_the_start_only)
{
    load("\xef\xbb\xbf[s]\na = 1\n");
    assert_get("s", "a", "1");
    cr_assert_eq(cs_config_line(cfg, "s", "a"), 2);
    /* Elsewhere it is an ordinary character of the name. */
    load("[s]\n\xef\xbb\xbf"
         "a = 1\n");
    cr_assert_eq(get_rc("s", "a"), CREDSTACK_ERR_NOTFOUND);
}

Test(config, unicode_spaces_indent_and_strip_as_in_python)
{
    /* U+00A0 (no-break space, common in PDF pastes) counts as one space. */
    load("[s]\n\xc2\xa0"
         "a = 1\xc2\xa0\n\xc2\xa0"
         "b = 2\n");
    assert_get("s", "a", "1");
    assert_get("s", "b", "2");
    load("[s]\na = 1\n\xe3\x80\x80next\n");
    assert_get("s", "a", "1\nnext");
}

Test(config, section_header_forms)
{
    load("[s] trailing text is ignored\nx = 1\n[a]b]\ny = 2\n");
    assert_get("s", "x", "1");
    assert_get("a]b", "y", "2");
}

Test(config, names_inih_would_misread_are_kept)
{
    char *sect60 = repeat('L', 60);
    char text[512];

    /* ';' and '#' in names, non-ASCII, and section names over inih's 49 bytes.
     */
    snprintf(text, sizeof(text),
             "[a ; b]\nx ;y = 1\n[%s]\nv = first\n[%sz]\nv = second\n"
             "[caf\xc3\xa9]\n\xc3\xa9t\xc3\xa9 = 3\n[k#]\n#not = option\n"
             "q#r = 4\n",
             sect60, sect60);
    load(text);
    assert_get("a ; b", "x ;y", "1");
    assert_get("caf\xc3\xa9", "\xc3\xa9t\xc3\xa9", "3");
    assert_get("k#", "q#r", "4");
    /* Not merged even though inih would cut both names to the same 49 bytes. */
    cr_assert_str_eq(get(sect60, "v"), "first");
    snprintf(text, sizeof(text), "%sz", sect60);
    cr_assert_str_eq(get(text, "v"), "second");
    free(sect60);
}

Test(config, over_long_names_are_refused_with_file_and_line)
{
    char *name176 = repeat('n', 176);
    char *name191 = repeat('n', 191);
    char text[1024];

    snprintf(text, sizeof(text), "[s]\n%s = ok\n", name176);
    load(text);
    assert_get("s", name176, "ok");

    snprintf(text, sizeof(text), "[s]\na = 1\n%s = x\n", name191);
    load_fails(text, CREDSTACK_ERR_CONFIG);
    assert_err("t.cfg:3: option name is too long (191 bytes, at most 176)");

    snprintf(text, sizeof(text), "# c\n[%s]\n", name191);
    load_fails(text, CREDSTACK_ERR_CONFIG);
    assert_err("t.cfg:2: section name is too long (191 bytes, at most 176)");
    free(name176);
    free(name191);
}

static char *write_temp(const char *data, size_t len)
{
    static char path[] = "/tmp/test_config_XXXXXX";
    int fd;

    strcpy(path, "/tmp/test_config_XXXXXX");
    fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

Test(config, nul_byte_is_refused_with_its_line)
{
    static const char data[] = "[s]\na = 1\nb = x\0y\nc = 3\n";
    char *path = write_temp(data, sizeof(data) - 1);
    char expected[256];
    int rc;

    rc = cs_config_load_file(path, &cfg, err, sizeof(err));
    unlink(path);
    cr_assert_eq(rc, CREDSTACK_ERR_CONFIG, "%s", err);
    cr_assert_null(cfg);
    snprintf(expected, sizeof(expected), "%s:3: NUL byte in the line", path);
    assert_err(expected);
}

Test(config, load_file_errors_and_success)
{
    static const char data[] = "[s]\na = from file\n";
    char *path = NULL;
    int rc;

    rc = cs_config_load_file("/nonexistent/credstack.cfg", &cfg, err,
                             sizeof(err));
    cr_assert_eq(rc, CREDSTACK_ERR_IO);
    cr_assert_null(cfg);
    cr_assert(strstr(err, "/nonexistent/credstack.cfg: cannot open") == err,
              "%s", err);
    path = write_temp(data, sizeof(data) - 1);
    rc = cs_config_load_file(path, &cfg, err, sizeof(err));
    unlink(path);
    cr_assert_eq(rc, CREDSTACK_OK, "%s", err);
    assert_get("s", "a", "from file");
}

Test(config, empty_and_comment_only_text)
{
    struct visit_log log = {""};

    load("");
    cr_assert_not(cs_config_has_section(cfg, "s"));
    load("# only\n; comments\n\n");
    cs_config_foreach(cfg, visit, &log);
    cr_assert_str_eq(log.text, "");
}

Test(config, lookups_lines_and_file_order)
{
    struct visit_log log = {""};

    load("[s]\n"
         "b = 1\n"
         "[DEFAULT]\n"
         "d = 2\n"
         "[t]\n"
         "a = 3\n"
         "[s2]\n");
    cr_assert(cs_config_has_section(cfg, "s2"));
    cr_assert_not(cs_config_has_section(cfg, "DEFAULT"));
    cr_assert_not(cs_config_has_section(cfg, "nope"));
    assert_get("t", "d", "2");
    assert_get("s2", "d", "2");
    cr_assert_eq(cs_config_line(cfg, "t", "d"), 4);
    cr_assert_eq(cs_config_line(cfg, "t", "a"), 6);
    cr_assert_eq(cs_config_line(cfg, "t", "missing"), 0);
    cr_assert_eq(cs_config_line(cfg, "nope", "d"), 0);
    /* A missing section has no inherited defaults either; err stays empty. */
    cr_assert_eq(get_rc("nope", "d"), CREDSTACK_ERR_NOTFOUND);
    assert_err("");
    cr_assert_eq(get_rc("t", "b"), CREDSTACK_ERR_NOTFOUND);
    assert_err("");
    cs_config_foreach(cfg, visit, &log);
    cr_assert_str_eq(log.text, "DEFAULT.d:4 s.b:2 t.a:6 ");
}

Test(config, repeated_lookups_are_cached)
{
    const char *first = NULL;

    load("[s]\nhost = h\nurl = http://%(host)s/\n");
    first = get("s", "url");
    cr_assert_eq(get("s", "url"), first);
    cr_assert_eq(get("s", "URL"), first);
}

/* ---- cs_config_set ---- */

Test(config, set_overrides_and_invalidates_the_cache)
{
    const char *before = NULL;
    struct visit_log log = {""};

    load(
        "[DEFAULT]\nurl = http://%(host)s/\n[tpam]\nhost = a\nserver = file\n");
    before = get("tpam", "url");
    cr_assert_str_eq(before, "http://a/");
    cr_assert_eq(cs_config_set(cfg, "tpam", "HOST", "b"), CREDSTACK_OK);
    assert_get("tpam", "url", "http://b/");
    /* A pointer handed out earlier stays valid and unchanged until
     * cs_config_free. */
    cr_assert_str_eq(before, "http://a/");
    cr_assert_eq(cs_config_line(cfg, "tpam", "host"), 0);

    cr_assert_eq(cs_config_set(cfg, "tpam", "server", "from store"),
                 CREDSTACK_OK);
    assert_get("tpam", "server", "from store");

    /* New options, sections and defaults; values set are read as file values.
     */
    cr_assert_eq(cs_config_set(cfg, "new", "Pw", "100%%"), CREDSTACK_OK);
    cr_assert(cs_config_has_section(cfg, "new"));
    assert_get("new", "pw", "100%");
    cr_assert_eq(cs_config_set(cfg, "DEFAULT", "host", "c"), CREDSTACK_OK);
    assert_get("new", "url", "http://c/");
    assert_get("tpam", "url", "http://b/");
    cs_config_foreach(cfg, visit, &log);
    cr_assert_str_eq(log.text, "DEFAULT.url:2 DEFAULT.host:0 tpam.host:0 "
                               "tpam.server:0 new.pw:0 ");

    cr_assert_eq(cs_config_set(cfg, "s", "", "x"), CREDSTACK_ERR_INVALID);
    cr_assert_eq(cs_config_set(cfg, "s", "a=b", "x"), CREDSTACK_ERR_INVALID);
    cr_assert_eq(cs_config_set(cfg, "s", "a\nb", "x"), CREDSTACK_ERR_INVALID);
    cr_assert_eq(cs_config_set(cfg, "s", "a", NULL), CREDSTACK_ERR_INVALID);
    cr_assert_eq(cs_config_set(NULL, "s", "a", "x"), CREDSTACK_ERR_INVALID);
    cr_assert_not(cs_config_has_section(cfg, "s"));
}

/* ---- typed values ---- */

Test(config, booleans_in_every_spelling)
{
    static const struct {
        const char *word;
        int value;
    } words[] = {{"yes", 1},  {"YES", 1},   {"Yes", 1},   {"no", 0},
                 {"NO", 0},   {"nO", 0},    {"true", 1},  {"TRUE", 1},
                 {"True", 1}, {"false", 0}, {"FALSE", 0}, {"False", 0},
                 {"on", 1},   {"ON", 1},    {"On", 1},    {"off", 0},
                 {"OFF", 0},  {"Off", 0},   {"1", 1},     {"0", 0}};
    size_t i;
    int b;

    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        b = -1;
        cr_assert_eq(cs_config_parse_bool(NULL, "s", "o", words[i].word, &b,
                                          err, sizeof(err)),
                     CREDSTACK_OK, "%s", words[i].word);
        cr_assert_eq(b, words[i].value, "%s", words[i].word);
    }
}

Test(config, bad_boolean_names_file_line_option_and_value)
{
    int b = 7;

    load("[tpam]\nsystem_maptoreal = maybe\n");
    cr_assert_eq(cs_config_parse_bool(cfg, "tpam", "system_maptoreal",
                                      get("tpam", "system_maptoreal"), &b, err,
                                      sizeof(err)),
                 CREDSTACK_ERR_CONFIG);
    assert_err("t.cfg:2: tpam.system_maptoreal: 'maybe' is not a boolean (use "
               "yes/no, true/false, on/off, 1/0)");
    cr_assert_eq(b, 7);
    /* Without a known line: no "file:line: ". */
    cr_assert_eq(
        cs_config_parse_bool(NULL, "tpam", "x", "2", &b, err, sizeof(err)),
        CREDSTACK_ERR_CONFIG);
    assert_err("tpam.x: '2' is not a boolean (use yes/no, true/false, on/off, "
               "1/0)");
    cr_assert_eq(
        cs_config_parse_bool(NULL, "tpam", "x", "", &b, err, sizeof(err)),
        CREDSTACK_ERR_CONFIG);
    cr_assert_eq(
        cs_config_parse_bool(NULL, "tpam", "x", "yess", &b, err, sizeof(err)),
        CREDSTACK_ERR_CONFIG);
}

Test(config, integers_and_their_range)
{
    long v = 0;

    load("[tpam]\nserver_port = 0\n");
    cr_assert_eq(cs_config_parse_int(cfg, "tpam", "server_port", " +22 ", 1,
                                     65535, &v, err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_eq(v, 22);
    cr_assert_eq(cs_config_parse_int(cfg, "tpam", "server_port", "-10", -10, 10,
                                     &v, err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_eq(v, -10);
    cr_assert_eq(cs_config_parse_int(cfg, "tpam", "server_port",
                                     get("tpam", "server_port"), 1, 65535, &v,
                                     err, sizeof(err)),
                 CREDSTACK_ERR_CONFIG);
    assert_err("t.cfg:2: tpam.server_port: '0' is out of range (1 to 65535)");
    cr_assert_eq(cs_config_parse_int(cfg, "tpam", "server_port", "65536", 1,
                                     65535, &v, err, sizeof(err)),
                 CREDSTACK_ERR_CONFIG);
    cr_assert_eq(cs_config_parse_int(cfg, "tpam", "server_port",
                                     "99999999999999999999999", 1, 65535, &v,
                                     err, sizeof(err)),
                 CREDSTACK_ERR_CONFIG);
    cr_assert(strstr(err, "is out of range") != NULL, "%s", err);
    cr_assert_eq(cs_config_parse_int(cfg, "tpam", "server_port", "22x", 1,
                                     65535, &v, err, sizeof(err)),
                 CREDSTACK_ERR_CONFIG);
    assert_err("t.cfg:2: tpam.server_port: '22x' is not a whole number");
    cr_assert_eq(cs_config_parse_int(cfg, "tpam", "server_port", "", 1, 65535,
                                     &v, err, sizeof(err)),
                 CREDSTACK_ERR_CONFIG);
    cr_assert_eq(cs_config_parse_int(cfg, "tpam", "server_port", "-", 1, 65535,
                                     &v, err, sizeof(err)),
                 CREDSTACK_ERR_CONFIG);
    cr_assert_eq(cs_config_parse_int(cfg, "tpam", "server_port", "0x10", 1,
                                     65535, &v, err, sizeof(err)),
                 CREDSTACK_ERR_CONFIG);
    cr_assert_eq(v, -10, "left alone on error");
    /* The extremes of long. */
    cr_assert_eq(cs_config_parse_int(NULL, "s", "o", "-9223372036854775808",
                                     LONG_MIN, LONG_MAX, &v, err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_eq(v, LONG_MIN);
    cr_assert_eq(cs_config_parse_int(NULL, "s", "o", "9223372036854775807",
                                     LONG_MIN, LONG_MAX, &v, err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_eq(v, LONG_MAX);
    cr_assert_eq(cs_config_parse_int(NULL, "s", "o", "9223372036854775808",
                                     LONG_MIN, LONG_MAX, &v, err, sizeof(err)),
                 CREDSTACK_ERR_CONFIG);
}

Test(config, enums_ignore_case_and_list_the_choices)
{
    static const char *const choices[] = {"dns", "tpam", NULL};
    int idx = -1;

    load("[tpam]\nsystem_name_resolver = ldap\n");
    cr_assert_eq(cs_config_parse_enum(cfg, "tpam", "system_name_resolver",
                                      "DNS", choices, &idx, err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_eq(idx, 0);
    cr_assert_eq(cs_config_parse_enum(cfg, "tpam", "system_name_resolver",
                                      "Tpam", choices, &idx, err, sizeof(err)),
                 CREDSTACK_OK);
    cr_assert_eq(idx, 1);
    cr_assert_eq(cs_config_parse_enum(cfg, "tpam", "system_name_resolver",
                                      get("tpam", "system_name_resolver"),
                                      choices, &idx, err, sizeof(err)),
                 CREDSTACK_ERR_CONFIG);
    assert_err("t.cfg:2: tpam.system_name_resolver: 'ldap' is not one of: "
               "dns, tpam");
    cr_assert_eq(idx, 1);
}

Test(config, messages_fit_small_buffers)
{
    char small[8];
    cs_config *c = NULL;

    cr_assert_eq(cs_config_load_string("x", "t.cfg", &c, small, sizeof(small)),
                 CREDSTACK_ERR_CONFIG);
    cr_assert_str_eq(small, "t.cfg:1");
    cr_assert_eq(cs_config_load_string("x", "t.cfg", &c, NULL, 0),
                 CREDSTACK_ERR_CONFIG);
    cr_assert_null(c);
}

/* ---- many sections and options (the hash tables of config.c) ---- */

struct order_check {
    long options; /* visits seen */
    int in_order;
};

/* DEFAULT.d first; then S00000..S02999 and s00000..s02999, each with its x
 * and y; then [big] with o00000..o04999. */
static void order_visit(const char *section, const char *option, unsigned line,
                        void *user)
{
    struct order_check *o = user;
    char want_sect[32], want_opt[32];
    long i = o->options++ - 1;

    (void)line;
    if (i < 0) {
        snprintf(want_sect, sizeof(want_sect), "DEFAULT");
        snprintf(want_opt, sizeof(want_opt), "d");
    } else if (i < 12000) {
        long k = i / 2;
        snprintf(want_sect, sizeof(want_sect), "%c%05ld", k < 3000 ? 'S' : 's',
                 k % 3000);
        snprintf(want_opt, sizeof(want_opt), "%s", i % 2 ? "y" : "x");
    } else {
        snprintf(want_sect, sizeof(want_sect), "big");
        snprintf(want_opt, sizeof(want_opt), "o%05ld", i - 12000);
    }
    if (strcmp(section, want_sect) != 0 || strcmp(option, want_opt) != 0)
        o->in_order = 0;
}

/* Thousands of names in one table keep every rule that a few do: sections by
 * exact case, options without case, [DEFAULT] inheritance, file order, lines,
 * duplicates named with both lines, and cache invalidation by set(). */
Test(config, thousands_of_sections_and_options_keep_the_rules)
{
    struct cs_config_buf text = {NULL, 0, 0};
    struct order_check order = {0, 1};
    const char *first = NULL;
    char line[128], name[32];
    unsigned lineno = 2;

    cr_assert_eq(cs_config_buf_add(&text, "[DEFAULT]\nd = D-%(x)s\n", 22),
                 CREDSTACK_OK);
    for (int pass = 0; pass < 2; pass++)
        for (long i = 0; i < 3000; i++) {
            int n = snprintf(line, sizeof(line), "[%c%05ld]\nX = %ld\ny: %c\n",
                             pass ? 's' : 'S', i, i, pass ? 'l' : 'u');
            cr_assert_eq(cs_config_buf_add(&text, line, (size_t)n),
                         CREDSTACK_OK);
        }
    cr_assert_eq(cs_config_buf_add(&text, "[big]\n", 6), CREDSTACK_OK);
    for (long i = 0; i < 5000; i++) {
        int n = snprintf(line, sizeof(line), "O%05ld = v%ld\n", i, i);
        cr_assert_eq(cs_config_buf_add(&text, line, (size_t)n), CREDSTACK_OK);
    }
    load(text.p);
    for (long i = 0; i < 3000; i += 7) {
        char want[32];
        snprintf(name, sizeof(name), "S%05ld", i);
        snprintf(want, sizeof(want), "%ld", i);
        assert_get(name, "x", want);
        assert_get(name, "Y", "u");
        snprintf(want, sizeof(want), "D-%ld", i);
        assert_get(name, "d", want);
        cr_assert_eq(cs_config_line(cfg, name, "x"), lineno + 2 + 3 * i);
        name[0] = 's';
        assert_get(name, "y", "l");
        cr_assert_eq(cs_config_line(cfg, name, "X"),
                     lineno + 2 + 3 * (3000 + i));
        name[0] = 'x';
        cr_assert_not(cs_config_has_section(cfg, name));
    }
    for (long i = 0; i < 5000; i += 13) {
        char want[32];
        snprintf(name, sizeof(name), "o%05ld", i);
        snprintf(want, sizeof(want), "v%ld", i);
        assert_get("big", name, want);
        name[0] = 'O';
        assert_get("big", name, want);
        cr_assert_eq(cs_config_line(cfg, "big", name),
                     lineno + 1 + 3 * 6000 + 1 + i);
    }
    cr_assert_eq(get_rc("big", "o05000"), CREDSTACK_ERR_NOTFOUND);
    cs_config_foreach(cfg, order_visit, &order);
    cr_assert(order.in_order, "not in file order");
    cr_assert_eq(order.options, 1 + 12000 + 5000);
    /* set() of the value referenced: every cached expansion is recomputed;
     * the pointers handed out before stay valid. */
    first = get("s01234", "d");
    cr_assert_str_eq(first, "D-1234");
    for (long i = 0; i < 3000; i += 100) {
        snprintf(name, sizeof(name), "s%05ld", i);
        cr_assert_eq(cs_config_set(cfg, name, "x", "new"), CREDSTACK_OK);
        assert_get(name, "d", "D-new");
        cr_assert_eq(cs_config_set(cfg, name, "x", "newer"), CREDSTACK_OK);
        assert_get(name, "d", "D-newer");
    }
    assert_get("s01234", "d", "D-1234");
    cr_assert_str_eq(first, "D-1234");

    /* A duplicate far down names both lines, exactly as near the top. */
    cr_assert_eq(cs_config_buf_add(&text, "[S02999]\n", 9), CREDSTACK_OK);
    load_fails(text.p, CREDSTACK_ERR_CONFIG);
    snprintf(line, sizeof(line),
             "t.cfg:%u: section [S02999] is already defined at line %u",
             lineno + 1 + 3 * 6000 + 1 + 5000, lineno + 1 + 3 * 2999);
    assert_err(line);
    text.len -= 9;
    text.p[text.len] = '\0';
    cr_assert_eq(cs_config_buf_add(&text, "o04321: again\n", 14), CREDSTACK_OK);
    load_fails(text.p, CREDSTACK_ERR_CONFIG);
    snprintf(line, sizeof(line),
             "t.cfg:%u: option big.o04321 is already set at line %u",
             lineno + 1 + 3 * 6000 + 1 + 5000,
             lineno + 1 + 3 * 6000 + 1 + 4321);
    assert_err(line);
    cs_config_buf_wipe(&text);
}

/* ---- how reading scales ---- */

extern unsigned long cs_config_probes;

/* Probes per entry (config_int.h) to load, then to look up every option of,
 * n sections (each with an interpolated server and a port) or n options in
 * one section: bench/config-read's two files. */
static void probes_per_entry(int sections, long n, double *load_out,
                             double *get_out)
{
    struct cs_config_buf text = {NULL, 0, 0};
    char line[128], name[32];

    if (sections)
        cr_assert_eq(
            cs_config_buf_add(&text, "[DEFAULT]\ndomain = example.com\n", 31),
            CREDSTACK_OK);
    else
        cr_assert_eq(cs_config_buf_add(&text, "[s]\n", 4), CREDSTACK_OK);
    for (long i = 0; i < n; i++) {
        int len = sections ? snprintf(line, sizeof(line),
                                      "[host-%06ld]\nserver = h%ld.%%(domain)"
                                      "s\nport = %ld\n",
                                      i, i, 1024 + i)
                           : snprintf(line, sizeof(line),
                                      "opt%ld = value %ld\n", i, i);
        cr_assert_eq(cs_config_buf_add(&text, line, (size_t)len), CREDSTACK_OK);
    }
    cs_config_probes = 0;
    load(text.p);
    *load_out = (double)cs_config_probes / (double)n;
    cs_config_probes = 0;
    for (long i = 0; i < n; i++) {
        if (sections) {
            char want[32];
            snprintf(name, sizeof(name), "host-%06ld", i);
            snprintf(want, sizeof(want), "h%ld.example.com", i);
            cr_assert_str_eq(get(name, "server"), want);
            cr_assert_not_null(get(name, "PORT"));
        } else {
            snprintf(name, sizeof(name), "OPT%ld", i);
            cr_assert_not_null(get("s", name));
        }
    }
    *get_out = (double)cs_config_probes / (double)n;
    cs_config_buf_wipe(&text);
}

/*
 * Reading and looking up are linear: per entry, 4,000 sections (or options)
 * cost at most twice the probes of 400 (a quadratic reader: ten times).
 * Probes, not time: the count does not depend on the machine or its load;
 * bench/config-read measures the time.
 */
Test(config, reading_and_lookups_scale_linearly)
{
    for (int sections = 0; sections < 2; sections++) {
        double load_small, get_small, load_big, get_big;

        probes_per_entry(sections, 400, &load_small, &get_small);
        probes_per_entry(sections, 4000, &load_big, &get_big);
        cr_log_info("%s: probes per entry: load %.2f -> %.2f, lookups %.2f "
                    "-> %.2f (400 -> 4,000 entries)",
                    sections ? "sections" : "options", load_small, load_big,
                    get_small, get_big);
        cr_expect_gt(load_small, 0.0, "no probe counted: the counter is off");
        cr_expect_gt(get_small, 0.0, "no probe counted: the counter is off");
        cr_expect_leq(load_big, 2 * load_small,
                      "%s: load: %.2f probes per entry at 4,000, %.2f at 400: "
                      "not linear",
                      sections ? "sections" : "options", load_big, load_small);
        cr_expect_leq(get_big, 2 * get_small,
                      "%s: lookups: %.2f probes per entry at 4,000, %.2f at "
                      "400: not linear",
                      sections ? "sections" : "options", get_big, get_small);
    }
}
