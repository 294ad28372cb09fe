/* SPDX-License-Identifier: MIT */
/* tpam_probe.c: credstack check --connect for the TPAM modules (every server:
 * TCP, host key, key, one harmless command, each with a fix for a failure),
 * through the session pool that requests use, and their lines of credstack
 * agent --status. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tpam_module.h"

/* What the path to TPAM got through (the pool's observer). */
typedef struct seen {
    int connected, hostkey_ok, auth_ok;
    char fingerprint[160];
} seen;

static void observe(void *user, tpam_step step, const char *detail)
{
    seen *s = user;

    switch (step) {
    case TPAM_STEP_CONNECTED:
        s->connected = 1;
        snprintf(s->fingerprint, sizeof(s->fingerprint), "%s",
                 detail ? detail : "");
        break;
    case TPAM_STEP_HOSTKEY_OK:
        s->hostkey_ok = 1;
        break;
    case TPAM_STEP_AUTH_OK:
        s->auth_ok = 1;
        break;
    default:
        /* The command's steps: its own message says where it stopped. */
        break;
    }
}

/* A plain TCP connection within timeout_ms: 0, or an errno-like reason. */
static int tcp_reach(const char *host, unsigned port, long timeout_ms,
                     char *why, size_t whylen)
{
    struct addrinfo hints, *res = NULL;
    char service[16];
    long long deadline = credstack_now_ms() + timeout_ms;
    int rc, ok = -1;

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    snprintf(service, sizeof(service), "%u", port);
    rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        snprintf(why, whylen, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    snprintf(why, whylen, "no address of %s answers", host);
    for (struct addrinfo *a = res; a != NULL && ok != 0; a = a->ai_next) {
        int fd =
            socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                   a->ai_protocol);
        struct pollfd pfd;
        int err = 0;
        socklen_t len = sizeof(err);
        long long left = deadline - credstack_now_ms();

        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 &&
            errno != EINPROGRESS) {
            snprintf(why, whylen, "%s", strerror(errno));
            close(fd);
            continue;
        }
        pfd.fd = fd;
        pfd.events = POLLOUT;
        pfd.revents = 0;
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
            snprintf(why, whylen, "no answer within %ld ms", timeout_ms);
        } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
                   err == 0) {
            ok = 0;
        } else {
            snprintf(why, whylen, "%s", strerror(err ? err : errno));
        }
        close(fd);
    }
    freeaddrinfo(res);
    return ok;
}

/* Exercise server i; CREDSTACK_OK when every step worked. */
static int probe_server(credstack_module *mod, const tpam_conf *conf, size_t i)
{
    struct tpam_pool_key k;
    tpam_pool *pool = NULL;
    tpam_cmd *cmd = NULL;
    char where[300], why[512] = "", err[512] = "", hint[700];
    char *out = NULL;
    size_t len = 0;
    seen s;
    long long t0;
    int ret;

    tpam_conf_pool_key(conf, i, &k);
    tpam_host_port(where, sizeof(where), k.host, k.port);
    memset(&s, 0, sizeof(s));
    t0 = credstack_now_ms();
    if (tcp_reach(k.host, k.port, k.connect_timeout_ms, why, sizeof(why)) !=
        0) {
        credstack_module_probe_report(
            mod, CREDSTACK_PROBE_FAIL, "tcp",
            "check tpam.server and tpam.server_port, and that this host may "
            "reach the appliance's SSH port (firewall, routing)",
            "%s: %s", where, why);
        return CREDSTACK_ERR_BACKEND;
    }
    credstack_module_probe_report(mod, CREDSTACK_PROBE_OK, "tcp", NULL,
                                  "%s reached in %lld ms", where,
                                  credstack_now_ms() - t0);
    /* An entry of the pool of its own: a fresh handshake whose every step
     * is seen, on the code requests use. */
    pool = tpam_pool_new_observed(&k, observe, &s);
    if (pool == NULL) {
        credstack_module_error(mod, "out of memory");
        return CREDSTACK_ERR_NOMEM;
    }
    ret = tpam_pool_attach(pool, err, sizeof(err));
    if (!s.connected) {
        credstack_module_probe_report(
            mod, CREDSTACK_PROBE_FAIL, "ssh",
            ret == CREDSTACK_ERR_TIMEOUT
                ? "the port answers but SSH does not: is it the appliance's "
                  "SSH port? raise tpam.connect_timeout if it is slow"
                : "is it the appliance's SSH port (tpam.server_port)?",
            "%s", err);
        goto done;
    }
    if (!s.hostkey_ok) {
        snprintf(hint, sizeof(hint),
                 "if the appliance's key changed for a good reason (compare "
                 "the fingerprint with its console), put the line that "
                 "`ssh-keyscan -p %u %s` prints into tpam.server_public_key",
                 k.port, k.host);
        credstack_module_probe_report(mod, CREDSTACK_PROBE_FAIL, "hostkey",
                                      hint,
                                      "%s presented %s, which is not the key "
                                      "in tpam.server_public_key",
                                      where, s.fingerprint);
        goto done;
    }
    credstack_module_probe_report(mod, CREDSTACK_PROBE_OK, "hostkey", NULL,
                                  "%s matches tpam.server_public_key (%s)",
                                  where, s.fingerprint);
    if (!s.auth_ok) {
        credstack_module_probe_report(
            mod, CREDSTACK_PROBE_FAIL, "auth",
            "tpam.server_user must be a TPAM CLI user whose key is the public "
            "half of tpam.server_user_key (TPAM: the user's CLI key)",
            "%s", err);
        goto done;
    }
    credstack_module_probe_report(mod, CREDSTACK_PROBE_OK, "auth", NULL,
                                  "the key of user '%s' was accepted", k.user);
    /* One harmless command: a list of at most one system. */
    ret = tpam_module_command("ListSystems",
                              (const tpam_arg[]){
                                  {"MaxRows", "1", TPAM_FIELD_KEYWORD},
                              },
                              1, &cmd, err, sizeof(err));
    t0 = credstack_now_ms();
    if (ret == CREDSTACK_OK)
        ret = tpam_pool_run(pool, cmd, conf->command_timeout_ms, &out, &len,
                            err, sizeof(err));
    if (ret == CREDSTACK_OK) {
        tpam_table *t = NULL;
        int pr = tpam_table_parse(out, len, &t, err, sizeof(err));
        tpam_table_free(t);
        ret = pr == CREDSTACK_ERR_NOTFOUND ? CREDSTACK_OK : pr;
    }
    if (ret != CREDSTACK_OK)
        credstack_module_probe_report(
            mod, CREDSTACK_PROBE_FAIL, "command",
            "the CLI user needs ISA rights in TPAM; a timeout: raise "
            "tpam.command_timeout",
            "ListSystems --MaxRows 1: %s", err);
    else
        credstack_module_probe_report(mod, CREDSTACK_PROBE_OK, "command", NULL,
                                      "ListSystems answered; round trip %lld "
                                      "ms",
                                      credstack_now_ms() - t0);
    tpam_pool_output_free(out, len);
    tpam_cmd_free(cmd);
done:
    tpam_pool_release(pool);
    return ret;
}

int tpam_module_probe(credstack_module *mod, void *data)
{
    const tpam_conf *conf = data;
    int ret = CREDSTACK_OK;

    for (size_t i = 0; i < conf->nservers; i++) {
        char key[400];
        int r;

        /* The TPAM modules of a stack share their servers: probe each once.
         */
        snprintf(key, sizeof(key), "tpam:%s:%u:%s", conf->servers[i].host,
                 conf->servers[i].port, conf->user);
        if (!credstack_module_probe_first(mod, key))
            continue;
        r = probe_server(mod, conf, i);
        if (r != CREDSTACK_OK)
            ret = r;
    }
    return ret;
}

void tpam_module_status(credstack_module *mod, void *data)
{
    const tpam_conf *conf = data;

    for (size_t i = 0; i < conf->nservers; i++) {
        char line[1200];

        tpam_pool_status(conf->pools[i], line, sizeof(line));
        credstack_module_status_line(mod, "server %zu of %zu: %s", i + 1,
                                     conf->nservers, line);
    }
    credstack_module_status_line(mod,
                                 "%lu SSH handshakes, %lu commands so far "
                                 "(this process)",
                                 tpam_handshakes(), tpam_commands());
}
