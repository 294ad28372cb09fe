/* SPDX-License-Identifier: MIT */
/* tpam_conf.h: the [tpam] options every TPAM module declares, checked by the
 * core at open and turned into one typed structure by init(). */
#ifndef TPAM_CONF_H
#define TPAM_CONF_H

#include <stddef.h>

#include <credstack/module.h>

#include "tpam_pool.h"

/* The [tpam] defaults that are numbers, each written here only (with
 * TPAM_POOL_*_DEFAULT and TPAM_*_TIMEOUT_DEFAULT): tpam_options[] spells
 * them as text. */
#define TPAM_PORT_DEFAULT 22
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

/*
 * The [tpam] options of the vendor's plugin (every one of both
 * generations' configurations) and credstack's additions, declared once
 * (tpam_conf.c), ended by name == NULL: every TPAM module declares them
 * before its own arguments (tpam_module_ops()), so each module declares
 * what the shared code reads for it.
 */
#define TPAM_OPTIONS_COUNT 16
extern const struct credstack_option tpam_options[TPAM_OPTIONS_COUNT + 1];

/* The checks of the two options that are also module arguments. */
int tpam_check_policy(const char *value, char *err, size_t errlen);
int tpam_check_prefix(const char *value, char *err, size_t errlen);

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
