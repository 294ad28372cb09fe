/* SPDX-License-Identifier: MIT */
/* tpam_conf.h: the [tpam] options every TPAM module declares, checked by the
 * core at open and turned into one typed structure by init(). */
#ifndef TPAM_CONF_H
#define TPAM_CONF_H

#include <stddef.h>

#include <credstack/module.h>

#include "tpam_pool.h"

#define TPAM_MAX_ROWS_DEFAULT 500
#define TPAM_MAX_ROWS_MIN 2
#define TPAM_MAX_ROWS_MAX 100000
#define TPAM_SERVERS_MAX 8

/* system_name_resolver and authorization, as their declared choices. */
enum { TPAM_RESOLVER_TPAM = 0, TPAM_RESOLVER_DNS };
enum { TPAM_AUTH_GATEWAY = 0, TPAM_AUTH_APPROVAL, TPAM_AUTH_POLICY };

/* One appliance of [tpam] server (host, host:port or [v6]:port). */
typedef struct tpam_server {
    char host[256];
    unsigned port;
} tpam_server;

/* What a TPAM module keeps from the configuration (its data, or part). */
typedef struct tpam_conf {
    tpam_server servers[TPAM_SERVERS_MAX];
    size_t nservers;
    char *user;
    char *user_key; /* a secret: wiped by tpam_conf_free() */
    /* The known_hosts line of each server (from server_public_key). */
    char *public_keys[TPAM_SERVERS_MAX];
    long connect_timeout_ms;
    long command_timeout_ms;
    long failover_backoff_ms;
    long max_sessions;
    /* The process-wide session pool entry of each server (a reference,
     * given back by tpam_conf_free()). */
    tpam_pool *pools[TPAM_SERVERS_MAX];
    long max_rows;
    int resolver;      /* TPAM_RESOLVER_* */
    int authorization; /* TPAM_AUTH_* */
    int maptoreal;
    int reuse_gateway_password;
    char *required_policy;
    char *system_prefix; /* "" when none */
    /* A module's own arguments (policy=, prefix=), NULL when absent: set by
     * the module that declares them, after tpam_conf_init(). */
    char *arg_policy;
    char *arg_prefix;
} tpam_conf;

/* For TPAM_COMMON_OPTIONS (defined in tpam_conf.c). */
extern const char *const tpam_resolver_choices[];
extern const char *const tpam_authorization_choices[];
int tpam_check_servers(const char *value, char *err, size_t errlen);
int tpam_check_user(const char *value, char *err, size_t errlen);
int tpam_check_private_key(const char *value, char *err, size_t errlen);
int tpam_check_known_hosts(const char *value, char *err, size_t errlen);
int tpam_check_policy(const char *value, char *err, size_t errlen);
int tpam_check_prefix(const char *value, char *err, size_t errlen);

/*
 * The [tpam] options of the vendor's plugin (every one of both
 * generations' configurations) and credstack's additions: every TPAM
 * module's options array begins with these, so each module declares what
 * the shared code reads for it.
 */
#define TPAM_COMMON_OPTIONS                                                    \
    {"tpam",                                                                   \
     "server",                                                                 \
     CREDSTACK_OPTION_STRING,                                                  \
     CREDSTACK_OPTION_REQUIRED,                                                \
     NULL,                                                                     \
     0,                                                                        \
     0,                                                                        \
     NULL,                                                                     \
     tpam_check_servers,                                                       \
     "the TPAM appliance (host name or address; several, comma-separated, "    \
     "are tried in order)"},                                                   \
        {"tpam", "server_port", CREDSTACK_OPTION_PORT,     0, "22", 0, 0,      \
         NULL,   NULL,          "the appliance's SSH port"},                   \
        {"tpam",                                                               \
         "server_user",                                                        \
         CREDSTACK_OPTION_STRING,                                              \
         CREDSTACK_OPTION_REQUIRED,                                            \
         NULL,                                                                 \
         0,                                                                    \
         0,                                                                    \
         NULL,                                                                 \
         tpam_check_user,                                                      \
         "the TPAM CLI user (with ISA rights)"},                               \
        {"tpam",                                                               \
         "server_user_key",                                                    \
         CREDSTACK_OPTION_PRIVATE_KEY,                                         \
         CREDSTACK_OPTION_REQUIRED | CREDSTACK_OPTION_SECRET,                  \
         NULL,                                                                 \
         0,                                                                    \
         0,                                                                    \
         NULL,                                                                 \
         tpam_check_private_key,                                               \
         "the CLI user's private key, usually \"$\" to take it from the "      \
         "credential store"},                                                  \
        {"tpam",                                                               \
         "server_public_key",                                                  \
         CREDSTACK_OPTION_KNOWN_HOSTS,                                         \
         CREDSTACK_OPTION_REQUIRED,                                            \
         NULL,                                                                 \
         0,                                                                    \
         0,                                                                    \
         NULL,                                                                 \
         tpam_check_known_hosts,                                               \
         "the appliance's host key, one known_hosts line per server"},         \
        {"tpam",                                                               \
         "connect_timeout",                                                    \
         CREDSTACK_OPTION_INT,                                                 \
         0,                                                                    \
         "10",                                                                 \
         1,                                                                    \
         3600,                                                                 \
         NULL,                                                                 \
         NULL,                                                                 \
         "seconds to connect and authenticate"},                               \
        {"tpam",                                                               \
         "command_timeout",                                                    \
         CREDSTACK_OPTION_INT,                                                 \
         0,                                                                    \
         "60",                                                                 \
         1,                                                                    \
         3600,                                                                 \
         NULL,                                                                 \
         NULL,                                                                 \
         "seconds one TPAM command may take"},                                 \
        {"tpam",                                                               \
         "failover_backoff",                                                   \
         CREDSTACK_OPTION_INT,                                                 \
         0,                                                                    \
         "30",                                                                 \
         0,                                                                    \
         TPAM_POOL_BACKOFF_MAX,                                                \
         NULL,                                                                 \
         NULL,                                                                 \
         "seconds a server that did not answer is skipped (0: never)"},        \
        {"tpam",                                                               \
         "max_sessions",                                                       \
         CREDSTACK_OPTION_INT,                                                 \
         0,                                                                    \
         "4",                                                                  \
         1,                                                                    \
         TPAM_POOL_SESSIONS_MAX,                                               \
         NULL,                                                                 \
         NULL,                                                                 \
         "SSH sessions per server at most (8 commands at once on each)"},      \
        {"tpam",                                                               \
         "max_rows",                                                           \
         CREDSTACK_OPTION_INT,                                                 \
         0,                                                                    \
         "500",                                                                \
         TPAM_MAX_ROWS_MIN,                                                    \
         TPAM_MAX_ROWS_MAX,                                                    \
         NULL,                                                                 \
         NULL,                                                                 \
         "the --MaxRows bound of every list command"},                         \
        {"tpam",                                                               \
         "system_name_resolver",                                               \
         CREDSTACK_OPTION_ENUM,                                                \
         0,                                                                    \
         "tpam",                                                               \
         0,                                                                    \
         0,                                                                    \
         tpam_resolver_choices,                                                \
         NULL,                                                                 \
         "how an address becomes a system name"},                              \
        {"tpam",                                                               \
         "authorization",                                                      \
         CREDSTACK_OPTION_ENUM,                                                \
         0,                                                                    \
         "gateway",                                                            \
         0,                                                                    \
         0,                                                                    \
         tpam_authorization_choices,                                           \
         NULL,                                                                 \
         "what authorizes a checkout"},                                        \
        {"tpam",                                                               \
         "required_policy",                                                    \
         CREDSTACK_OPTION_STRING,                                              \
         0,                                                                    \
         "Privileged Access",                                                  \
         0,                                                                    \
         0,                                                                    \
         NULL,                                                                 \
         tpam_check_policy,                                                    \
         "the access policy authorization = policy requires"},                 \
        {"tpam",                                                               \
         "system_maptoreal",                                                   \
         CREDSTACK_OPTION_BOOL,                                                \
         0,                                                                    \
         "no",                                                                 \
         0,                                                                    \
         0,                                                                    \
         NULL,                                                                 \
         NULL,                                                                 \
         "map to AccountCustom1/AccountCustom2"},                              \
        {"tpam", "system_prefix",   CREDSTACK_OPTION_STRING,    0, "", 0, 0,   \
         NULL,   tpam_check_prefix, "a prefix for system names"},              \
    {                                                                          \
        "tpam", "reuse_gateway_password", CREDSTACK_OPTION_BOOL, 0, "no", 0,   \
            0, NULL, NULL, "the gateway password for the same user"            \
    }

/*
 * Read every declared [tpam] option (checked by the core already) into a
 * new conf; cross-checks (the host key names each server) are reported with
 * credstack_module_option_error().  Free with tpam_conf_free().
 */
int tpam_conf_init(credstack_module *mod, tpam_conf **conf_out);

/* Wipe the key and free.  NULL is a no-op.  (A module's free().) */
void tpam_conf_free(void *conf);

/* The session pool's key for server i of the conf (strings stay the
 * conf's). */
void tpam_conf_pool_key(const tpam_conf *c, size_t i, struct tpam_pool_key *k);

/* Parse a server list into servers[]; CREDSTACK_OK or _CONFIG with err. */
int tpam_servers_parse(const char *value, unsigned default_port,
                       tpam_server *servers, size_t max, size_t *n_out,
                       char *err, size_t errlen);

#endif /* TPAM_CONF_H */
