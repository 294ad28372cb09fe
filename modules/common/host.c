/* SPDX-License-Identifier: MIT */
/* host.c: target-host classification shared by the resolver modules. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "host.h"

static int valid_hostname(const char *s)
{
    size_t len = strlen(s), label = 0;
    int all_digits = 1;

    if (len == 0 || len > 253)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '.') {
            /* Empty labels, and labels starting or ending with '-', are not
             * names. */
            if (label == 0 || s[i - 1] == '-')
                return 0;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-'))
            return 0;
        if (c == '-' && label == 0)
            return 0;
        if (!(c >= '0' && c <= '9'))
            all_digits = 0;
        if (++label > 63)
            return 0;
    }
    if (s[len - 1] == '-')
        return 0;
    /* "10.1" or "123" would be taken as addresses by other tools: refuse. */
    return !all_digits;
}

mc_host_kind mc_host_classify(const char *host)
{
    unsigned char buf[16];

    if (host == NULL || *host == '\0')
        return MC_HOST_INVALID;
    if (inet_pton(AF_INET, host, buf) == 1)
        return MC_HOST_IPV4;
    if (inet_pton(AF_INET6, host, buf) == 1)
        return MC_HOST_IPV6;
    if (valid_hostname(host))
        return MC_HOST_NAME;
    return MC_HOST_INVALID;
}

int mc_host_first_label(const char *name, char *out, size_t outlen)
{
    size_t n = strcspn(name, ".");

    if (n == 0 || n >= outlen)
        return -1;
    memcpy(out, name, n);
    out[n] = '\0';
    return 0;
}

void mc_printable(const char *in, char *out, size_t outlen)
{
    size_t o = 0;

    if (outlen == 0)
        return;
    for (; in && *in && o + 5 < outlen; in++) {
        unsigned char c = (unsigned char)*in;
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out[o++] = (char)c;
        } else {
            snprintf(out + o, outlen - o, "\\x%02x", c);
            o += 4;
        }
    }
    if (in && *in && o + 4 <= outlen) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

int mc_prefix_apply(const char *prefix, const char *system, char **name_out)
{
    size_t plen = strlen(prefix);
    char *head = NULL;
    int ret = -1;

    *name_out = NULL;
    if (plen == 0)
        return (*name_out = strdup(system)) != NULL ? 0 : -1;
    if (asprintf(&head, "%s%s", prefix, prefix[plen - 1] == '_' ? "" : "_") < 0)
        return -1;
    if (mc_prefix_has(prefix, system))
        ret = (*name_out = strdup(system)) != NULL ? 0 : -1;
    else
        ret = asprintf(name_out, "%s%s", head, system) < 0 ? -1 : 0;
    if (ret != 0)
        *name_out = NULL;
    free(head);
    return ret;
}

int mc_prefix_has(const char *prefix, const char *system)
{
    size_t plen = strlen(prefix);
    size_t hlen = plen + (plen > 0 && prefix[plen - 1] != '_');

    if (plen == 0)
        return 0;
    /* PREFIX_ (with its '_') begins the name, compared without case. */
    return strncasecmp(system, prefix, plen) == 0 &&
           (hlen == plen || system[plen] == '_');
}
