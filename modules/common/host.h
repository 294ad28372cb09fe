/* SPDX-License-Identifier: MIT */
/* host.h: target-host classification shared by the resolver modules. */
#ifndef CREDSTACK_MODULES_HOST_H
#define CREDSTACK_MODULES_HOST_H

#include <stddef.h>

typedef enum mc_host_kind {
    MC_HOST_INVALID = 0, /* neither an address nor a host name: refuse */
    MC_HOST_IPV4,
    MC_HOST_IPV6,
    MC_HOST_NAME /* a host name or FQDN (RFC 1123 labels) */
} mc_host_kind;

/* Classify a target host.  IPv6 zone ids ("fe80::1%eth0") are INVALID. */
mc_host_kind mc_host_classify(const char *host);

/*
 * The first label of a host name ("db02" of "db02.example.com"), written to
 * out; 0 on success, -1 when it does not fit or is empty.
 */
int mc_host_first_label(const char *name, char *out, size_t outlen);

/* A printable, truncated copy of untrusted text for messages. */
void mc_printable(const char *in, char *out, size_t outlen);

/*
 * The seed's prefix rule: PREFIX_system, where a prefix already ending in
 * '_' gets no second one and a name that already begins with PREFIX_ is
 * kept.  *name_out is a new string (free()); 0, or -1 when out of memory.
 */
int mc_prefix_apply(const char *prefix, const char *system, char **name_out);

/* Whether system already begins with prefix and its '_' (any case). */
int mc_prefix_has(const char *prefix, const char *system);

#endif /* CREDSTACK_MODULES_HOST_H */
