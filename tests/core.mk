# SPDX-License-Identifier: MIT
# tests/core.mk: tests of the core, the CLI and the first modules (see tests/local.mk).

# Deliberately broken modules for the loader tests, one folder each; tests/run-test
# copies every .libs/<name>.so into the tests' private module directory.  Never
# installed.
BROKEN_MODULE_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -no-undefined \
	-shared -rpath /nowhere
check_LTLIBRARIES += tests/modules/test-badabi/test-badabi.la \
	tests/modules/test-nosym/test-nosym.la \
	tests/modules/test-renamed/test-renamed.la \
	tests/modules/test-norun/test-norun.la \
	tests/modules/test-small/test-small.la \
	tests/modules/test-nullops/test-nullops.la \
	tests/modules/test-oldabi/test-oldabi.la \
	tests/modules/test-echo/test-echo.la \
	tests/modules/test-ahead/test-ahead.la \
	tests/modules/test-evil/test-evil.la
tests_modules_test_badabi_test_badabi_la_SOURCES = tests/modules/test-badabi/test-badabi.c
tests_modules_test_badabi_test_badabi_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
tests_modules_test_nosym_test_nosym_la_SOURCES = tests/modules/test-nosym/test-nosym.c
tests_modules_test_nosym_test_nosym_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
tests_modules_test_renamed_test_renamed_la_SOURCES = tests/modules/test-renamed/test-renamed.c
tests_modules_test_renamed_test_renamed_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
tests_modules_test_norun_test_norun_la_SOURCES = tests/modules/test-norun/test-norun.c
tests_modules_test_norun_test_norun_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
tests_modules_test_small_test_small_la_SOURCES = tests/modules/test-small/test-small.c
tests_modules_test_small_test_small_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
tests_modules_test_nullops_test_nullops_la_SOURCES = tests/modules/test-nullops/test-nullops.c
tests_modules_test_nullops_test_nullops_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
tests_modules_test_oldabi_test_oldabi_la_SOURCES = tests/modules/test-oldabi/test-oldabi.c
tests_modules_test_oldabi_test_oldabi_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
# A module whose loading leaves a marker: the loader race tests' "evil" file.
tests_modules_test_evil_test_evil_la_SOURCES = tests/modules/test-evil/test-evil.c
tests_modules_test_evil_test_evil_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
# A module with a private library of its own, as the TPAM modules have: the
# loader tests check the library before it is mapped (its loading leaves a marker).
check_LTLIBRARIES += tests/modules/test-withlib/libcstest-private.la \
	tests/modules/test-withlib/test-withlib.la
tests_modules_test_withlib_libcstest_private_la_SOURCES = \
	tests/modules/test-withlib/private.c
tests_modules_test_withlib_libcstest_private_la_LDFLAGS = $(AM_LDFLAGS) \
	-avoid-version -no-undefined -shared -rpath /nowhere
tests_modules_test_withlib_test_withlib_la_SOURCES = \
	tests/modules/test-withlib/test-withlib.c
tests_modules_test_withlib_test_withlib_la_LDFLAGS = $(AM_LDFLAGS) \
	$(MODULE_LDFLAGS) -rpath /nowhere
tests_modules_test_withlib_test_withlib_la_LIBADD = \
	tests/modules/test-withlib/libcstest-private.la $(MODULE_LIBADD)
# A working test module the CLI tests use to see what went into the request.
tests_modules_test_echo_test_echo_la_SOURCES = tests/modules/test-echo/test-echo.c
tests_modules_test_echo_test_echo_la_LDFLAGS = $(AM_LDFLAGS) $(MODULE_LDFLAGS) -rpath /nowhere
tests_modules_test_echo_test_echo_la_LIBADD = $(MODULE_LIBADD)
# A module that knows the look-ahead pass, for the dispatcher's tests.
tests_modules_test_ahead_test_ahead_la_SOURCES = tests/modules/test-ahead/test-ahead.c
tests_modules_test_ahead_test_ahead_la_LDFLAGS = $(AM_LDFLAGS) $(MODULE_LDFLAGS) -rpath /nowhere
tests_modules_test_ahead_test_ahead_la_LIBADD = $(MODULE_LIBADD)

# The working test module most tests stack (its results come from its arguments).
include tests/modules/test-result/local.mk

TESTUTIL_SOURCES = tests/unit/testutil.c tests/unit/testutil.h

# The parser's internals, compiled into the test (they are not exported).
check_PROGRAMS += tests/unit/test_stack
tests_unit_test_stack_SOURCES = tests/unit/test_stack.c $(TESTUTIL_SOURCES) \
	core/stack_parse.c core/stack_cond.c core/actions.c
tests_unit_test_stack_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_stack_LDADD = $(TEST_LIBS)

# The rest goes through the public API, as applications do.
check_PROGRAMS += tests/unit/test_dispatch
tests_unit_test_dispatch_SOURCES = tests/unit/test_dispatch.c $(TESTUTIL_SOURCES)
tests_unit_test_dispatch_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_dispatch_LDADD = core/libcredstack.la $(TEST_LIBS)

# The look-ahead pass (module.h): silent, discarded, cache-only.
check_PROGRAMS += tests/unit/test_lookahead
tests_unit_test_lookahead_SOURCES = tests/unit/test_lookahead.c $(TESTUTIL_SOURCES)
tests_unit_test_lookahead_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_lookahead_LDADD = core/libcredstack.la $(TEST_LIBS)

check_PROGRAMS += tests/unit/test_loader
tests_unit_test_loader_SOURCES = tests/unit/test_loader.c $(TESTUTIL_SOURCES)
tests_unit_test_loader_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_loader_LDADD = core/libcredstack.la $(TEST_LIBS)

check_PROGRAMS += tests/unit/test_inputs
tests_unit_test_inputs_SOURCES = tests/unit/test_inputs.c $(TESTUTIL_SOURCES)
tests_unit_test_inputs_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_inputs_LDADD = core/libcredstack.la $(TEST_LIBS)

# The agent's inputs, trust and time, through the command (agentfix.c: a
# private agent directory, every agent stopped at the end).
AGENTFIX_SOURCES = tests/unit/agentfix.c tests/unit/agentfix.h
check_PROGRAMS += tests/unit/test_agent_inputs
tests_unit_test_agent_inputs_SOURCES = tests/unit/test_agent_inputs.c \
	$(AGENTFIX_SOURCES) $(TESTUTIL_SOURCES)
tests_unit_test_agent_inputs_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_agent_inputs_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/unit/test_agent_trust
tests_unit_test_agent_trust_SOURCES = tests/unit/test_agent_trust.c \
	$(AGENTFIX_SOURCES) $(TESTUTIL_SOURCES)
tests_unit_test_agent_trust_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_agent_trust_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/unit/test_policy_files
tests_unit_test_policy_files_SOURCES = tests/unit/test_policy_files.c \
	$(TESTUTIL_SOURCES)
tests_unit_test_policy_files_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_policy_files_LDADD = core/libcredstack.la $(TEST_LIBS)

check_PROGRAMS += tests/unit/test_cli
tests_unit_test_cli_SOURCES = tests/unit/test_cli.c $(TESTUTIL_SOURCES)
tests_unit_test_cli_CPPFLAGS = $(TEST_CPPFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_cli_LDADD = $(JANSSON_LIBS) $(TEST_LIBS)

check_PROGRAMS += tests/unit/test_modules
tests_unit_test_modules_SOURCES = tests/unit/test_modules.c $(TESTUTIL_SOURCES)
tests_unit_test_modules_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_modules_LDADD = core/libcredstack.la $(TEST_LIBS)

# The agent, with test modules (the TPAM side is in tests/integration).
check_PROGRAMS += tests/unit/test_agent
tests_unit_test_agent_SOURCES = tests/unit/test_agent.c $(TESTUTIL_SOURCES)
tests_unit_test_agent_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_agent_LDADD = $(TEST_LIBS)

# How often a request opens its configuration in the caller, counted by an
# LD_PRELOAD library (never installed).
check_LTLIBRARIES += tests/shim/opencount.la
tests_shim_opencount_la_SOURCES = tests/shim/opencount.c
tests_shim_opencount_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
tests_shim_opencount_la_LIBADD = -ldl
# The agent's one message codec, on its own.
check_PROGRAMS += tests/unit/test_agent_codec
tests_unit_test_agent_codec_SOURCES = tests/unit/test_agent_codec.c \
	cli/agent/agent_codec.c cli/agent/agent_codec.h
tests_unit_test_agent_codec_CPPFLAGS = $(TEST_CPPFLAGS) $(JANSSON_CFLAGS) \
	-I$(top_srcdir)/cli/agent
tests_unit_test_agent_codec_LDADD = core/libcredstack.la $(JANSSON_LIBS) \
	$(TEST_LIBS)
check_PROGRAMS += tests/unit/test_config_opens
tests_unit_test_config_opens_SOURCES = tests/unit/test_config_opens.c \
	$(AGENTFIX_SOURCES) $(TESTUTIL_SOURCES)
tests_unit_test_config_opens_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_config_opens_LDADD = $(TEST_LIBS)
