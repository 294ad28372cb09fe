# SPDX-License-Identifier: MIT
# modules/secret-source-localstore/local.mk
module_LTLIBRARIES += modules/secret-source-localstore/secret-source-localstore.la
modules_secret_source_localstore_secret_source_localstore_la_SOURCES = \
	modules/secret-source-localstore/localstore.c
modules_secret_source_localstore_secret_source_localstore_la_LDFLAGS = \
	$(AM_LDFLAGS) $(MODULE_LDFLAGS)
modules_secret_source_localstore_secret_source_localstore_la_LIBADD = \
	store/libcredstack-store.la $(MODULE_LIBADD)
