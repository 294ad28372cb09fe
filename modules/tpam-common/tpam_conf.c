/* SPDX-License-Identifier: MIT */
/* tpam_conf.c: checks of the [tpam] option values (run by the core when the
 * handle opens) and the typed configuration the TPAM modules keep. */
#include "tpam_conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libssh/libssh.h>

#include "tpam_command.h"
#include "tpam_hostkey.h"
#include "tpam_text.h"

static const char *const resolver_choices[] = {"tpam", "dns", NULL};
static const char *const authorization_choices[] = {"gateway", "approval",
                                                    "policy", NULL};

/* One entry: host, host:port, [v6]:port or a bare IPv6 address. */
static int parse_entry(const char *s, size_t n, unsigned default_port,
                       tpam_server *out, char *err, size_t errlen)
{
    char buf[300], check[512];
    const char *host = buf, *colon;
    long port = default_port;

    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= sizeof(buf))
        return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                         "an empty or overlong server entry");
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (buf[0] == '[') {
        char *close = strchr(buf, ']');
        if (close == NULL || (close[1] != '\0' && close[1] != ':'))
            return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                             "'%s': expected [address]:port", buf);
        *close = '\0';
        host = buf + 1;
        colon = close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = strchr(buf, ':');
        /* Two colons: an IPv6 address without a port. */
        if (colon != NULL && strchr(colon + 1, ':') != NULL)
            colon = NULL;
        else if (colon != NULL)
            buf[colon - buf] = '\0';
    }
    if (colon != NULL) {
        char *end = NULL;
        port = strtol(colon + 1, &end, 10);
        if (end == colon + 1 || *end != '\0' || port < 1 || port > 65535)
            return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                             "'%s': the port is not 1..65535", colon + 1);
    }
    /* libssh would read "user@host" as a user name: allow-list it. */
    if (tpam_value_check("server", host, strlen(host), TPAM_FIELD_ADDRESS,
                         check, sizeof(check)) != CREDSTACK_OK)
        return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                         "not a host name or address: %s", check);
    snprintf(out->host, sizeof(out->host), "%s", host);
    out->port = (unsigned)port;
    return CREDSTACK_OK;
}

int tpam_servers_parse(const char *value, unsigned default_port,
                       tpam_server *servers, size_t max, size_t *n_out,
                       char *err, size_t errlen)
{
    size_t n = 0;

    for (const char *p = value;;) {
        size_t len = strcspn(p, ",");
        int ret;

        if (n == max)
            return tpam_errf(err, errlen, CREDSTACK_ERR_CONFIG,
                             "more than %zu servers", max);
        ret = parse_entry(p, len, default_port, &servers[n], err, errlen);
        if (ret != CREDSTACK_OK)
            return ret;
        n++;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    *n_out = n;
    return CREDSTACK_OK;
}

static int check_servers(const char *value, char *err, size_t errlen)
{
    tpam_server s[TPAM_SERVERS_MAX];
    size_t n = 0;

    return tpam_servers_parse(value, 22, s, TPAM_SERVERS_MAX, &n, err,
                              errlen) != CREDSTACK_OK;
}

static int check_user(const char *value, char *err, size_t errlen)
{
    for (const char *p = value; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' || c == 0x7f) {
            snprintf(err, errlen,
                     "is not a plain user name (spaces or "
                     "control characters)");
            return 1;
        }
    }
    return 0;
}

static int check_private_key(const char *value, char *err, size_t errlen)
{
    size_t len = strlen(value), o = 0;
    char *copy = malloc(len + 2);
    ssh_key key = NULL;
    int rc;

    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    /* As the client will import it: CRs dropped, a final newline added. */
    for (size_t i = 0; i < len; i++)
        if (value[i] != '\r')
            copy[o++] = value[i];
    if (o == 0 || copy[o - 1] != '\n')
        copy[o++] = '\n';
    copy[o] = '\0';
    rc = ssh_pki_import_privkey_base64(copy, NULL, NULL, NULL, &key);
    tpam_free_wiped(copy, len + 2);
    ssh_key_free(key);
    if (rc != SSH_OK) {
        snprintf(err, errlen,
                 "is not a usable private key: expected an "
                 "unencrypted RSA, ECDSA or Ed25519 key in PEM "
                 "or OpenSSH format");
        return 1;
    }
    return 0;
}

/* Call fn on each known_hosts line of value (comments and blanks skipped). */
static int each_line(const char *value, int (*fn)(const char *line, void *user),
                     void *user)
{
    for (const char *p = value; *p;) {
        size_t len = strcspn(p, "\n");
        char line[4096];
        const char *s = p;
        size_t n = len;

        while (n > 0 && (*s == ' ' || *s == '\t'))
            s++, n--;
        while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' '))
            n--;
        if (n > 0 && *s != '#') {
            if (n >= sizeof(line))
                return -1;
            memcpy(line, s, n);
            line[n] = '\0';
            if (fn(line, user) != 0)
                return 1;
        }
        p += len + (p[len] == '\n');
    }
    return 0;
}

typedef struct line_check {
    char *err;
    size_t errlen;
} line_check;

static int check_one_line(const char *line, void *user)
{
    line_check *c = user;
    tpam_hostkey *hk = NULL;
    int ret = tpam_hostkey_parse(line, &hk, c->err, c->errlen);

    tpam_hostkey_free(hk);
    return ret != CREDSTACK_OK;
}

static int check_known_hosts(const char *value, char *err, size_t errlen)
{
    line_check c = {err, errlen};
    int r = each_line(value, check_one_line, &c);

    if (r < 0)
        snprintf(err, errlen, "has a line longer than 4096 bytes");
    return r != 0;
}

int tpam_check_policy(const char *value, char *err, size_t errlen)
{
    return tpam_policy_name_check("required_policy", value, err, errlen) !=
           CREDSTACK_OK;
}

int tpam_check_prefix(const char *value, char *err, size_t errlen)
{
    if (*value == '\0')
        return 0;
    return tpam_value_check("system_prefix", value, strlen(value),
                            TPAM_FIELD_SYSTEM, err, errlen) != CREDSTACK_OK;
}

/* Numbers as the text of a default. */
#define TEXT_(x) #x
#define TEXT(x) TEXT_(x)

const struct credstack_option tpam_options[TPAM_OPTIONS_COUNT + 1] = {
    {.section = "tpam",
     .name = "server",
     .type = CREDSTACK_OPTION_STRING,
     .flags = CREDSTACK_OPTION_REQUIRED,
     .check = check_servers,
     .help = "the TPAM appliance (host name or address; several, "
             "comma-separated, are tried in order)"},
    {.section = "tpam",
     .name = "server_port",
     .type = CREDSTACK_OPTION_PORT,
     .def = TEXT(TPAM_PORT_DEFAULT),
     .help = "the appliance's SSH port"},
    {.section = "tpam",
     .name = "server_user",
     .type = CREDSTACK_OPTION_STRING,
     .flags = CREDSTACK_OPTION_REQUIRED,
     .check = check_user,
     .help = "the TPAM CLI user (with ISA rights)"},
    {.section = "tpam",
     .name = "server_user_key",
     .type = CREDSTACK_OPTION_PRIVATE_KEY,
     .flags = CREDSTACK_OPTION_REQUIRED | CREDSTACK_OPTION_SECRET,
     .check = check_private_key,
     .help = "the CLI user's private key, usually \"$\" to take it from the "
             "credential store"},
    {.section = "tpam",
     .name = "server_public_key",
     .type = CREDSTACK_OPTION_KNOWN_HOSTS,
     .flags = CREDSTACK_OPTION_REQUIRED,
     .check = check_known_hosts,
     .help = "the appliance's host key, one known_hosts line per server"},
    {.section = "tpam",
     .name = "connect_timeout",
     .type = CREDSTACK_OPTION_INT,
     .def = TEXT(TPAM_CONNECT_TIMEOUT_DEFAULT),
     .min = 1,
     .max = 3600,
     .help = "seconds to connect and authenticate"},
    {.section = "tpam",
     .name = "command_timeout",
     .type = CREDSTACK_OPTION_INT,
     .def = TEXT(TPAM_COMMAND_TIMEOUT_DEFAULT),
     .min = 1,
     .max = 3600,
     .help = "seconds one TPAM command may take"},
    {.section = "tpam",
     .name = "failover_backoff",
     .type = CREDSTACK_OPTION_INT,
     .def = TEXT(TPAM_POOL_BACKOFF_DEFAULT),
     .min = 0,
     .max = TPAM_POOL_BACKOFF_MAX,
     .help = "seconds a server that did not answer is skipped (0: never)"},
    {.section = "tpam",
     .name = "max_sessions",
     .type = CREDSTACK_OPTION_INT,
     .def = TEXT(TPAM_POOL_SESSIONS_DEFAULT),
     .min = 1,
     .max = TPAM_POOL_SESSIONS_MAX,
     .help = "SSH sessions per server at most (8 commands at once on each)"},
    {.section = "tpam",
     .name = "max_rows",
     .type = CREDSTACK_OPTION_INT,
     .def = TEXT(TPAM_MAX_ROWS_DEFAULT),
     .min = TPAM_MAX_ROWS_MIN,
     .max = TPAM_MAX_ROWS_MAX,
     .help = "the --MaxRows bound of every list command"},
    {.section = "tpam",
     .name = "system_name_resolver",
     .type = CREDSTACK_OPTION_ENUM,
     .def = "tpam",
     .choices = resolver_choices,
     .help = "how an address becomes a system name"},
    {.section = "tpam",
     .name = "authorization",
     .type = CREDSTACK_OPTION_ENUM,
     .def = "gateway",
     .choices = authorization_choices,
     .help = "what authorizes a checkout"},
    {.section = "tpam",
     .name = "required_policy",
     .type = CREDSTACK_OPTION_STRING,
     .def = "Privileged Access",
     .check = tpam_check_policy,
     .help = "the access policy authorization = policy requires"},
    {.section = "tpam",
     .name = "system_maptoreal",
     .type = CREDSTACK_OPTION_BOOL,
     .def = "no",
     .help = "map to AccountCustom1/AccountCustom2"},
    {.section = "tpam",
     .name = "system_prefix",
     .type = CREDSTACK_OPTION_STRING,
     .def = "",
     .check = tpam_check_prefix,
     .help = "a prefix for system names"},
    {.section = "tpam",
     .name = "reuse_gateway_password",
     .type = CREDSTACK_OPTION_BOOL,
     .def = "no",
     .help = "the gateway password for the same user"},
    {.name = NULL},
};

/* ---- the conf ---- */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

void tpam_conf_free(void *data)
{
    tpam_conf *c = data;

    if (c == NULL)
        return;
    for (size_t i = 0; i < TPAM_SERVERS_MAX; i++)
        tpam_pool_release(c->pools[i]);
    tpam_free_secret(c->user_key);
    free(c->user);
    for (size_t i = 0; i < TPAM_SERVERS_MAX; i++)
        free(c->public_keys[i]);
    free(c->required_policy);
    free(c->system_prefix);
    free(c->arg_policy);
    free(c->arg_prefix);
    free(c);
}

typedef struct find_line {
    const tpam_server *server;
    char *found;
} find_line;

static int match_line(const char *line, void *user)
{
    find_line *f = user;
    tpam_hostkey *hk = NULL;
    char err[256];

    if (tpam_hostkey_parse(line, &hk, err, sizeof(err)) == CREDSTACK_OK &&
        tpam_hostkey_matches(hk, f->server->host, f->server->port) &&
        f->found == NULL)
        f->found = strdup(line);
    tpam_hostkey_free(hk);
    return 0;
}

/* A string option the core checked; NULL when absent without a default. */
static const char *opt(credstack_module *mod, const char *section,
                       const char *name)
{
    const char *v = NULL;

    if (credstack_module_option_string(mod, section, name, &v) != CREDSTACK_OK)
        return NULL;
    return v;
}

/* At most this many commands in one module's run (the budget's bound). */
#define TPAM_COMMANDS_PER_RUN 3

int tpam_conf_init(credstack_module *mod, tpam_conf **conf_out)
{
    tpam_conf *c = calloc(1, sizeof(*c));
    const char *servers = opt(mod, "tpam", "server");
    const char *keys = opt(mod, "tpam", "server_public_key");
    /* Every one has a declared default: the core fills it in. */
    long port = 0, connect_s = 0, command_s = 0, backoff_s = 0;
    char err[512] = "";
    int ret = CREDSTACK_OK;

    *conf_out = NULL;
    if (c == NULL)
        return CREDSTACK_ERR_NOMEM;
    credstack_module_option_int(mod, "tpam", "server_port", &port);
    credstack_module_option_int(mod, "tpam", "connect_timeout", &connect_s);
    credstack_module_option_int(mod, "tpam", "command_timeout", &command_s);
    credstack_module_option_int(mod, "tpam", "failover_backoff", &backoff_s);
    credstack_module_option_int(mod, "tpam", "max_sessions", &c->max_sessions);
    credstack_module_option_int(mod, "tpam", "max_rows", &c->max_rows);
    credstack_module_option_enum(mod, "tpam", "system_name_resolver",
                                 &c->resolver);
    credstack_module_option_enum(mod, "tpam", "authorization",
                                 &c->authorization);
    credstack_module_option_bool(mod, "tpam", "system_maptoreal",
                                 &c->maptoreal);
    credstack_module_option_bool(mod, "tpam", "reuse_gateway_password",
                                 &c->reuse_gateway_password);
    c->connect_timeout_ms = connect_s * 1000;
    c->command_timeout_ms = command_s * 1000;
    c->failover_backoff_ms = backoff_s * 1000;
    c->user = dup_or_null(opt(mod, "tpam", "server_user"));
    c->user_key = dup_or_null(opt(mod, "tpam", "server_user_key"));
    c->required_policy = dup_or_null(opt(mod, "tpam", "required_policy"));
    c->system_prefix = strdup(opt(mod, "tpam", "system_prefix")
                                  ? opt(mod, "tpam", "system_prefix")
                                  : "");
    if (c->user == NULL || c->user_key == NULL || c->system_prefix == NULL ||
        servers == NULL || keys == NULL) {
        /* The core reported what is missing; this line does not start. */
        ret = CREDSTACK_ERR_CONFIG;
        goto done;
    }
    ret = tpam_servers_parse(servers, (unsigned)port, c->servers,
                             TPAM_SERVERS_MAX, &c->nservers, err, sizeof(err));
    if (ret != CREDSTACK_OK) {
        credstack_module_option_error(mod, "tpam", "server", "%s", err);
        goto done;
    }
    /* Each server needs its own line: no key is ever borrowed. */
    for (size_t i = 0; i < c->nservers; i++) {
        find_line f = {&c->servers[i], NULL};
        char where[300];

        each_line(keys, match_line, &f);
        if (f.found == NULL) {
            tpam_host_port(where, sizeof(where), c->servers[i].host,
                           c->servers[i].port);
            credstack_module_option_error(
                mod, "tpam", "server_public_key",
                "no line names the server %s (write each server's line as "
                "ssh-keyscan prints it: the host as in tpam.server, or "
                "[host]:port for a port other than 22)",
                where);
            ret = CREDSTACK_ERR_CONFIG;
            continue;
        }
        c->public_keys[i] = f.found;
    }
    /* Each server's entry in the process's session pool (no connection
     * yet: nothing at open needs the network). */
    for (size_t i = 0; ret == CREDSTACK_OK && i < c->nservers; i++) {
        struct tpam_pool_key k;

        tpam_conf_pool_key(c, i, &k);
        if ((c->pools[i] = tpam_pool_acquire(&k)) == NULL) {
            credstack_module_error(mod, "out of memory");
            ret = CREDSTACK_ERR_NOMEM;
        }
    }
done:
    if (ret != CREDSTACK_OK) {
        tpam_conf_free(c);
        return ret;
    }
    /* A run's worst case: every server's connect, then a few commands
     * (a lookup and its check, the step's own) each to its timeout. */
    credstack_module_set_budget(mod, (long)c->nservers * c->connect_timeout_ms +
                                         TPAM_COMMANDS_PER_RUN *
                                             c->command_timeout_ms);
    *conf_out = c;
    return CREDSTACK_OK;
}

void tpam_conf_pool_key(const tpam_conf *c, size_t i, struct tpam_pool_key *k)
{
    *k = (struct tpam_pool_key){
        .host = c->servers[i].host,
        .port = c->servers[i].port,
        .user = c->user,
        .user_key = c->user_key,
        .server_public_key = c->public_keys[i],
        .connect_timeout_ms = c->connect_timeout_ms,
        .backoff_ms = c->failover_backoff_ms,
        .max_sessions = (unsigned)c->max_sessions,
    };
}
