# SPDX-License-Identifier: MIT
# modules/resolver-dns/local.mk
module_LTLIBRARIES += modules/resolver-dns/resolver-dns.la
modules_resolver_dns_resolver_dns_la_SOURCES = modules/resolver-dns/resolver-dns.c
modules_resolver_dns_resolver_dns_la_LDFLAGS = $(AM_LDFLAGS) $(MODULE_LDFLAGS)
modules_resolver_dns_resolver_dns_la_LIBADD = $(MODULE_LIBADD) modules/common/libmodcommon.la
