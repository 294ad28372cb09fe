# SPDX-License-Identifier: MIT
# tests/hardening.mk: hostile inputs, fault injection and stress against sshd + tpam-sim (see tests/local.mk).
HARDENING_SOURCES = tests/integration/hardening.c \
	tests/integration/hardening.h $(TESTUTIL_SOURCES)

check_PROGRAMS += tests/integration/test_hostile \
	tests/integration/test_faults tests/integration/test_stress
tests_integration_test_hostile_SOURCES = tests/integration/test_hostile.c \
	$(HARDENING_SOURCES)
tests_integration_test_hostile_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_hostile_LDADD = $(TEST_LIBS)
tests_integration_test_faults_SOURCES = tests/integration/test_faults.c \
	$(HARDENING_SOURCES)
tests_integration_test_faults_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_faults_LDADD = $(TEST_LIBS)
tests_integration_test_stress_SOURCES = tests/integration/test_stress.c \
	$(HARDENING_SOURCES)
tests_integration_test_stress_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_stress_LDADD = $(TEST_LIBS)
# The threat model and which of these tests checks each promise.
EXTRA_DIST += doc/security.md
