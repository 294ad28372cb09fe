/* SPDX-License-Identifier: MIT */
/* resolver-dns.c: target host -> system name by reverse DNS; an FQDN keeps its
 * first label. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <credstack/module.h>

#include "../common/host.h"

typedef struct dns_conf {
    int upper; /* case=upper: as the vendor's plugin did */
} dns_conf;

static dns_conf conf_keep = {0}, conf_upper = {1};

static const char *const cases[] = {"keep", "upper", NULL};

static const struct credstack_option options[] = {
    {NULL, "case", CREDSTACK_OPTION_ENUM, 0, "keep", 0, 0, cases, NULL,
     "the case of the system name: keep the DNS name's, or upper (the "
     "vendor's plugin)"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL},
};

static int init(credstack_module *mod, void **data_out)
{
    int which = 0;
    int rc = credstack_module_option_enum(mod, NULL, "case", &which);

    if (rc != CREDSTACK_OK)
        return rc;
    *data_out = which == 1 ? &conf_upper : &conf_keep;
    return CREDSTACK_OK;
}

/* The PTR name of an address through the system resolver (NSS). */
static int reverse(const char *host, mc_host_kind kind, char *name,
                   size_t namelen)
{
    struct sockaddr_storage ss;
    socklen_t sslen;

    memset(&ss, 0, sizeof(ss));
    if (kind == MC_HOST_IPV4) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        inet_pton(AF_INET, host, &sin->sin_addr);
        sslen = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        sin6->sin6_family = AF_INET6;
        inet_pton(AF_INET6, host, &sin6->sin6_addr);
        sslen = sizeof(*sin6);
    }
    return getnameinfo((struct sockaddr *)&ss, sslen, name, (socklen_t)namelen,
                       NULL, 0, NI_NAMEREQD);
}

static credstack_result run(credstack_module *mod, credstack_request *req,
                            void *data)
{
    const dns_conf *conf = data;
    const char *host = credstack_request_get(req, CREDSTACK_ITEM_TARGET_HOST);
    mc_host_kind kind = mc_host_classify(host);
    char name[NI_MAXHOST], label[64], shown[96];
    int rc;

    mc_printable(host, shown, sizeof(shown));
    if (kind == MC_HOST_INVALID) {
        credstack_request_explain(req, CREDSTACK_ERR_REFUSED,
                                  "target host '%s' is neither an IP address "
                                  "nor a host name; refused",
                                  shown);
        return CREDSTACK_RESULT_ERROR;
    }
    /*
     * The address the gateway connects to is authoritative (design.md, step
     * 3): an address is looked up, whatever name came with the request; a
     * request that carries only a name uses its first label.  No forward
     * confirmation: the PTR name only gives a system name to ask TPAM for.
     */
    if (kind == MC_HOST_NAME) {
        snprintf(name, sizeof(name), "%s", host);
    } else {
        rc = reverse(host, kind, name, sizeof(name));
        if (rc != 0) {
            credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                      "no reverse DNS name for %s: %s", shown,
                                      gai_strerror(rc));
            return CREDSTACK_RESULT_DENIED;
        }
        /* A PTR answer is untrusted input too. */
        if (mc_host_classify(name) != MC_HOST_NAME) {
            mc_printable(name, shown, sizeof(shown));
            credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                      "reverse DNS gave '%s', not a host "
                                      "name",
                                      shown);
            return CREDSTACK_RESULT_DENIED;
        }
    }
    if (mc_host_first_label(name, label, sizeof(label)) != 0) {
        credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                  "'%s' has no usable first label", name);
        return CREDSTACK_RESULT_DENIED;
    }
    /*
     * The first label becomes the system name.  From a PTR answer it is
     * evidence like any other: one of digits only ("10" of
     * "10.20.30.40.example.com", a generic reverse zone) names no system.
     */
    if (kind != MC_HOST_NAME && strspn(label, "0123456789") == strlen(label)) {
        mc_printable(name, shown, sizeof(shown));
        credstack_request_explain(req, CREDSTACK_ERR_DENIED,
                                  "reverse DNS gave '%s', whose first label is "
                                  "all digits: not a system name",
                                  shown);
        return CREDSTACK_RESULT_DENIED;
    }
    if (conf->upper)
        for (char *p = label; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
    if (credstack_request_set(req, CREDSTACK_ITEM_SYSTEM, label) !=
        CREDSTACK_OK) {
        credstack_request_explain(req, CREDSTACK_ERR_NOMEM, "out of memory");
        return CREDSTACK_RESULT_ERROR;
    }
    credstack_module_log(mod, CREDSTACK_LOG_DEBUG, "%s -> %s -> system %s",
                         host, name, label);
    return CREDSTACK_RESULT_SUCCESS;
}

static const struct credstack_module_ops ops = {
    .size = sizeof(struct credstack_module_ops),
    .abi_version = CREDSTACK_MODULE_ABI_VERSION,
    .name = "resolver-dns",
    .description = "system name from reverse DNS or the FQDN's first label",
    .options = options,
    .option_size = sizeof(struct credstack_option),
    .init = init,
    .run = run,
};

CREDSTACK_MODULE_DEFINE(ops)
