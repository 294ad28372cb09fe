# SPDX-License-Identifier: MIT
# core/local.mk: libcredstack and the credstack command.
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
	core/store_api.c \
	$(CONFIG_READER_SOURCES)
core_libcredstack_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS) \
	-DCREDSTACK_MODULEDIR='"$(moduledir)"' \
	-DCREDSTACK_STACKDIR='"$(stackdir)"' $(INIH_CFLAGS)
core_libcredstack_la_LIBADD = core/store/libcsstore.la $(INIH_LIBS) \
	$(LTDL_LIBS) -lpthread
# Export only the public credstack_* names.
core_libcredstack_la_LDFLAGS = $(AM_LDFLAGS) -no-undefined \
	-version-info $(CREDSTACK_LT_VERSION) \
	-export-symbols-regex '^credstack_'

bin_PROGRAMS += core/cli/credstack
# The commands without main(), which the hook fuzz target links too.
CLI_SOURCES = core/cli/cli.h core/cli/common.c \
	core/cli/check.c core/cli/get_password.c core/cli/hook.c \
	core/cli/store.c core/cli/run.c core/cli/agent.h core/cli/agent_path.c \
	core/cli/agent_proto.c core/cli/agent_connect.c core/cli/agent_client.c \
	core/cli/agent_int.h core/cli/agent_cmd.c core/cli/agent_server.c \
	core/cli/agent_life.c core/cli/agent_exec.h core/cli/agent_exec.c
core_cli_credstack_SOURCES = core/cli/main.c $(CLI_SOURCES)
core_cli_credstack_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS) $(LIBCRYPTO_CFLAGS)
# The store command links the store's own code; libcredstack keeps its copy
# hidden behind credstack/store.h.
core_cli_credstack_LDADD = core/libcredstack.la core/store/libcsstore.la \
	$(JANSSON_LIBS) $(LIBCRYPTO_LIBS) -lpthread

include core/store/local.mk
