# SPDX-License-Identifier: MIT
# store/local.mk: the local credential store, linked into the credstack command
# and the secret-source-localstore module (never part of libcredstack's ABI).
noinst_LTLIBRARIES += store/libcsstore.la
store_libcsstore_la_SOURCES = store/store.h store/store_sys.h \
	store/store.c store/store_rekey.c store/store_format.c \
	store/store_file.c store/store_key.c
store_libcsstore_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS) \
	-DCREDSTACK_STORE_DIR='"$(localstatedir)/lib/credstack/stores"'
store_libcsstore_la_LIBADD = $(LIBCRYPTO_LIBS)
EXTRA_DIST += doc/store-format.md
