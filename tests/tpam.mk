# SPDX-License-Identifier: MIT
# tests/tpam.mk: tests of the TPAM client library and the TPAM modules (see tests/local.mk).
check_PROGRAMS += tests/unit/test_tpam_command tests/unit/test_tpam_output \
	tests/unit/test_tpam_hostkey tests/integration/test_tpam_client
tests_unit_test_tpam_command_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_tpam_command_LDADD = modules/tpam-common/libcredstack-tpam.la $(TEST_LIBS)
tests_unit_test_tpam_output_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_tpam_output_LDADD = modules/tpam-common/libcredstack-tpam.la $(TEST_LIBS)
tests_unit_test_tpam_hostkey_CPPFLAGS = $(TEST_CPPFLAGS) $(LIBSSH_CFLAGS)
tests_unit_test_tpam_hostkey_LDADD = modules/tpam-common/libcredstack-tpam.la $(LIBSSH_LIBS) $(TEST_LIBS)
tests_integration_test_tpam_client_CPPFLAGS = $(TEST_CPPFLAGS) $(LIBSSH_CFLAGS)
tests_integration_test_tpam_client_LDADD = modules/tpam-common/libcredstack-tpam.la \
	core/libcredstack.la $(LIBSSH_LIBS) $(TEST_LIBS)

# The TPAM modules end to end (get-password and hook through sshd + tpam-sim),
# in programs over one shared harness (tpam_e2e.c);
# test_tpam_evidence: TPAM's answers verified row by row (issue 10);
# test_cache_tpam: the agent's cache starts work, never releases (issue 16).
#
# They are the differential suite (style.md 21): built with
# -DTPAM_E2E_DIFFERENTIAL, every request a case makes runs with agent = off
# (under valgrind when CREDSTACK_VALGRIND=1: the case's own run), then with
# agent = auto twice (cold or as warm as the case left it, then warm), and
# the answers, exit statuses and log lines must be the same
# (tests/integration/tpam_diff.c).  A case added to these files is covered.
TPAM_E2E_SOURCES = tests/integration/tpam_e2e.c tests/integration/tpam_e2e.h \
	tests/integration/tpam_diff.c tests/integration/tpam_diff.h
TPAM_E2E_CPPFLAGS = $(TEST_CPPFLAGS) $(JANSSON_CFLAGS) -DTPAM_E2E_DIFFERENTIAL
check_PROGRAMS += tests/integration/test_tpam_modules
tests_integration_test_tpam_modules_SOURCES = tests/integration/test_tpam_modules.c \
	$(TPAM_E2E_SOURCES) $(TESTUTIL_SOURCES)
tests_integration_test_tpam_modules_CPPFLAGS = $(TPAM_E2E_CPPFLAGS)
tests_integration_test_tpam_modules_LDADD = $(JANSSON_LIBS) $(TEST_LIBS)
check_PROGRAMS += tests/integration/test_tpam_evidence
tests_integration_test_tpam_evidence_SOURCES = \
	tests/integration/test_tpam_evidence.c $(TPAM_E2E_SOURCES) $(TESTUTIL_SOURCES)
tests_integration_test_tpam_evidence_CPPFLAGS = $(TPAM_E2E_CPPFLAGS)
tests_integration_test_tpam_evidence_LDADD = $(JANSSON_LIBS) $(TEST_LIBS)
check_PROGRAMS += tests/integration/test_cache_tpam
tests_integration_test_cache_tpam_SOURCES = \
	tests/integration/test_cache_tpam.c $(TPAM_E2E_SOURCES) $(TESTUTIL_SOURCES)
tests_integration_test_cache_tpam_CPPFLAGS = $(TPAM_E2E_CPPFLAGS)
tests_integration_test_cache_tpam_LDADD = $(JANSSON_LIBS) $(TEST_LIBS)

# credstack check (every problem at once, no network) and check --connect.
check_PROGRAMS += tests/integration/test_check
tests_integration_test_check_SOURCES = tests/integration/test_check.c \
	$(TESTUTIL_SOURCES)
tests_integration_test_check_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_check_LDADD = $(TEST_LIBS)

# The agent against real TPAM sessions: warm sessions, 64 callers on one
# session, failover to a second harness and back, lost and killed processes.
check_PROGRAMS += tests/integration/test_agent_tpam
tests_integration_test_agent_tpam_SOURCES = tests/integration/test_agent_tpam.c \
	$(TESTUTIL_SOURCES)
tests_integration_test_agent_tpam_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_agent_tpam_LDADD = $(TEST_LIBS) -lpthread

# The agent re-checks its inputs (a stack switched from auth-gateway to
# auth-policy) and starts as an ordinary user (issue 16).
check_PROGRAMS += tests/integration/test_agent_tpam_inputs
tests_integration_test_agent_tpam_inputs_SOURCES = \
	tests/integration/test_agent_tpam_inputs.c $(TPAM_E2E_SOURCES) \
	$(TESTUTIL_SOURCES)
tests_integration_test_agent_tpam_inputs_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_agent_tpam_inputs_LDADD = $(TEST_LIBS)
