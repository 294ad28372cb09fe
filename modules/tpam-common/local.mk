# SPDX-License-Identifier: MIT
# modules/tpam-common/local.mk: the TPAM client library the TPAM modules link (included from the top Makefile.am).
noinst_LTLIBRARIES += modules/tpam-common/libtpamclient.la
modules_tpam_common_libtpamclient_la_SOURCES = \
	modules/tpam-common/tpam_text.c modules/tpam-common/tpam_text.h \
	modules/tpam-common/tpam_command.c modules/tpam-common/tpam_command.h \
	modules/tpam-common/tpam_output.c modules/tpam-common/tpam_output.h \
	modules/tpam-common/tpam_verify.c modules/tpam-common/tpam_verify.h \
	modules/tpam-common/tpam_hostkey.c modules/tpam-common/tpam_hostkey.h \
	modules/tpam-common/tpam_client.c modules/tpam-common/tpam_client.h \
	modules/tpam-common/tpam_module.c modules/tpam-common/tpam_module.h
modules_tpam_common_libtpamclient_la_CFLAGS = $(AM_CFLAGS) $(LIBSSH_CFLAGS) $(LIBCRYPTO_CFLAGS)
modules_tpam_common_libtpamclient_la_LIBADD = $(LIBSSH_LIBS) $(LIBCRYPTO_LIBS)
