# SPDX-License-Identifier: MIT
# modules/tpam-common/local.mk: the TPAM client the TPAM modules share: one
# private shared library, installed beside the modules (not on the linker's
# path), so that every TPAM module of a process uses one copy -- one set of
# counters, one cache of sessions.
pkglib_LTLIBRARIES += modules/tpam-common/libcredstack-tpam.la
modules_tpam_common_libcredstack_tpam_la_SOURCES = \
	modules/tpam-common/tpam_text.c modules/tpam-common/tpam_text.h \
	modules/tpam-common/tpam_command.c modules/tpam-common/tpam_command.h \
	modules/tpam-common/tpam_output.c modules/tpam-common/tpam_output.h \
	modules/tpam-common/tpam_retrieve.c \
	modules/tpam-common/tpam_line.c modules/tpam-common/tpam_line.h \
	modules/tpam-common/tpam_verify.c modules/tpam-common/tpam_verify.h \
	modules/tpam-common/tpam_hostkey.c modules/tpam-common/tpam_hostkey.h \
	modules/tpam-common/tpam_connect.c modules/tpam-common/tpam_connect.h \
	modules/tpam-common/tpam_pool.c modules/tpam-common/tpam_pool.h \
	modules/tpam-common/tpam_pool_io.c modules/tpam-common/tpam_pool_io.h \
	modules/tpam-common/tpam_pool_chan.c modules/tpam-common/tpam_pool_chan.h \
	modules/tpam-common/tpam_pool_job.c modules/tpam-common/tpam_pool_job.h \
	modules/tpam-common/tpam_pool_int.h \
	modules/tpam-common/tpam_conf.c modules/tpam-common/tpam_conf.h \
	modules/tpam-common/tpam_module.c modules/tpam-common/tpam_module.h \
	modules/tpam-common/tpam_query.c \
	modules/tpam-common/tpam_ahead.c \
	modules/tpam-common/tpam_time.c modules/tpam-common/tpam_time.h \
	modules/tpam-common/tpam_probe.c \
	modules/tpam-common/tpam_ops.c
modules_tpam_common_libcredstack_tpam_la_CFLAGS = $(AM_CFLAGS) $(LIBSSH_CFLAGS) $(LIBCRYPTO_CFLAGS)
modules_tpam_common_libcredstack_tpam_la_LDFLAGS = $(AM_LDFLAGS) -avoid-version \
	-no-undefined -export-symbols-regex '^tpam_'
modules_tpam_common_libcredstack_tpam_la_LIBADD = core/libcredstack.la \
	$(LIBSSH_LIBS) $(LIBCRYPTO_LIBS)

# The stack a [tpam] section selects (credstack-stack(5)).
dist_stack_DATA = modules/tpam-common/stacks/tpam.stack
