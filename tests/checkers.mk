# SPDX-License-Identifier: MIT
# tests/checkers.mk: what makes a green suite mean what it says (see
# tests/harness/README.md, "Checkers"): the subreaper every test runs under,
# and the proof that the memory checkers see an error planted in product
# code paths (tests/checkers/proof.sh).

# tests/run-test runs every test under it: a daemon the test left behind
# (the agent) cannot die unseen.
noinst_PROGRAMS += tests/harness/reaper
tests_harness_reaper_SOURCES = tests/harness/reaper.c

# A module that plants a leak, an uninitialised read, an overflow or a crash
# in the process that runs it.  Never installed.
check_LTLIBRARIES += tests/modules/test-fault/test-fault.la
tests_modules_test_fault_test_fault_la_SOURCES = tests/modules/test-fault/test-fault.c
tests_modules_test_fault_test_fault_la_LDFLAGS = $(AM_LDFLAGS) $(MODULE_LDFLAGS) -rpath /nowhere
tests_modules_test_fault_test_fault_la_LIBADD = $(MODULE_LIBADD)

# The program the faults are planted in: built for `make check`, run only by
# proof.sh (planted, it must fail; unplanted, it must pass).
EXTRA_PROGRAMS += tests/checkers/test_planted
check_DATA += tests/checkers/test_planted$(EXEEXT)
CLEANFILES += tests/checkers/test_planted$(EXEEXT)
tests_checkers_test_planted_SOURCES = tests/checkers/test_planted.c \
	$(TESTUTIL_SOURCES)
tests_checkers_test_planted_CPPFLAGS = $(TEST_CPPFLAGS)
tests_checkers_test_planted_LDADD = core/libcredstack.la $(TEST_LIBS)

TESTS += tests/checkers/proof.sh
dist_noinst_SCRIPTS += tests/checkers/proof.sh

# run-test reads it in CI (as root): the skips CI cannot mend.
EXTRA_DIST += tests/skips.allowed
