# SPDX-License-Identifier: MIT
# core/local.mk: libcredstack (the credstack command: cli/local.mk).
# The configuration reader: also compiled into its unit test, its fuzzer and
# its benchmark (its functions are not exported).
CONFIG_READER_SOURCES = core/config.h core/config_int.h core/config.c \
	core/config_index.c core/config_util.c core/config_read.c \
	core/config_interp.c core/config_value.c core/util.c

lib_LTLIBRARIES += core/libcredstack.la
core_libcredstack_la_SOURCES = \
	core/actions.c core/audit.c core/cache.c core/config_api.c \
	core/dispatch.c core/lookahead.c \
	core/env.h core/errors.c core/handle.c core/inputs.c core/internal.h \
	core/loader.c core/loader_deps.c core/log.c \
	core/module_api.c core/options.c core/options_check.c core/probe.c \
	core/request.c core/stack_args.c \
	core/stack_active.c core/stack_cond.c core/stack_parse.c core/stack_select.c \
	$(CONFIG_READER_SOURCES)
core_libcredstack_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS) \
	-DCREDSTACK_MODULEDIR='"$(moduledir)"' \
	-DCREDSTACK_STACKDIR='"$(stackdir)"' $(INIH_CFLAGS)
core_libcredstack_la_LIBADD = $(INIH_LIBS) \
	$(LTDL_LIBS) -lpthread
# Export only the public credstack_* names.
core_libcredstack_la_LDFLAGS = $(AM_LDFLAGS) -no-undefined \
	-version-info $(CREDSTACK_LT_VERSION) \
	-export-symbols-regex '^credstack_'
