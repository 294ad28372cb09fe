# SPDX-License-Identifier: MIT
# store/local.mk: the local credential store, its own library: private (installed
# beside the modules, not on the linker's path, as libcredstack-tpam), linked by
# the credstack command and the secret-source-localstore module, so that a process
# holds one copy of it.  It exports the store's own cs_store_* calls (the
# command's `store` subcommands) and <credstack/store.h> (store_api.c), the read
# side secret sources use.
pkglib_LTLIBRARIES += store/libcredstack-store.la
STORE_SOURCES = store/store.h store/store_sys.h store/store_fault.h \
	store/store.c store/store_write.c store/store_rekey.c \
	store/store_format.c store/store_file.c store/store_key.c store/store_api.c
store_libcredstack_store_la_SOURCES = $(STORE_SOURCES)
store_libcredstack_store_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS) \
	-DCREDSTACK_STORE_DIR='"$(localstatedir)/lib/credstack/stores"'
store_libcredstack_store_la_LDFLAGS = $(AM_LDFLAGS) -avoid-version \
	-no-undefined -export-symbols-regex '^(cs_store_|credstack_store_)'
store_libcredstack_store_la_LIBADD = $(LIBCRYPTO_LIBS)
EXTRA_DIST += doc/store-format.md
