# SPDX-License-Identifier: MIT
# core/store/local.mk: the local credential store, linked into the credstack command
# and the secret-source-localstore module (never part of libcredstack's ABI).
noinst_LTLIBRARIES += core/store/libcsstore.la
core_store_libcsstore_la_SOURCES = core/store/store.h core/store/store_sys.h \
	core/store/store.c core/store/store_rekey.c core/store/store_format.c \
	core/store/store_file.c core/store/store_key.c
core_store_libcsstore_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS) \
	-DCREDSTACK_STORE_DIR='"$(localstatedir)/lib/credstack/stores"'
core_store_libcsstore_la_LIBADD = $(LIBCRYPTO_LIBS)
EXTRA_DIST += doc/store-format.md
