# SPDX-License-Identifier: MIT
# modules/resolver-tpam/local.mk
module_LTLIBRARIES += modules/resolver-tpam/resolver-tpam.la
modules_resolver_tpam_resolver_tpam_la_SOURCES = modules/resolver-tpam/resolver-tpam.c
modules_resolver_tpam_resolver_tpam_la_LDFLAGS = $(AM_LDFLAGS) $(MODULE_LDFLAGS)
modules_resolver_tpam_resolver_tpam_la_LIBADD = modules/tpam-common/libcredstack-tpam.la modules/common/libmodcommon.la $(MODULE_LIBADD)
