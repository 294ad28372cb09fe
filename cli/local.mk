# SPDX-License-Identifier: MIT
# cli/local.mk: the credstack command, and its agent (cli/agent/).
bin_PROGRAMS += cli/credstack
# The commands without main(), which the hook fuzz target links too.
CLI_SOURCES = cli/cli.h cli/common.c cli/options.c \
	cli/check.c cli/get_password.c cli/hook.c \
	cli/store.c cli/run.c cli/agent/agent.h cli/agent/agent_path.c \
	cli/agent/agent_codec.h cli/agent/agent_codec.c \
	cli/agent/agent_proto.c cli/agent/agent_connect.c cli/agent/agent_client.c \
	cli/agent/agent_int.h cli/agent/agent_cmd.c cli/agent/agent_server.c \
	cli/agent/agent_life.c cli/agent/agent_exec.h cli/agent/agent_exec.c
# The commands and the agent include each other's headers by name.
CLI_CPPFLAGS = -I$(top_srcdir)/cli -I$(top_srcdir)/cli/agent
cli_credstack_SOURCES = cli/main.c $(CLI_SOURCES)
cli_credstack_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_CPPFLAGS) $(JANSSON_CFLAGS) \
	$(LIBCRYPTO_CFLAGS)
# The store command calls the store's library, the one secret-source-localstore
# links.
cli_credstack_LDADD = core/libcredstack.la store/libcredstack-store.la \
	$(JANSSON_LIBS) $(LIBCRYPTO_LIBS) -lpthread
