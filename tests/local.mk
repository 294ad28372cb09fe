# SPDX-License-Identifier: MIT
# tests/local.mk: the TPAM simulator, Criterion unit and integration tests.

# ---- the TPAM simulator (also used by the README's main job) ----
noinst_PROGRAMS += tests/tpam-sim/tpam-sim
tests_tpam_sim_tpam_sim_SOURCES = tests/tpam-sim/sim.h tests/tpam-sim/main.c \
	tests/tpam-sim/args.c tests/tpam-sim/commands.c tests/tpam-sim/columns.c \
	tests/tpam-sim/fixture.c tests/tpam-sim/faults.c tests/tpam-sim/errors.c \
	tests/tpam-sim/cmdlog.c \
	tests/tpam-sim/list.c tests/tpam-sim/match.c tests/tpam-sim/out.c \
	tests/tpam-sim/cmd_systems.c tests/tpam-sim/cmd_accounts.c \
	tests/tpam-sim/cmd_requests.c tests/tpam-sim/cmd_policies.c \
	tests/tpam-sim/cmd_retrieve.c
EXTRA_DIST += tests/tpam-sim/README.md tests/tpam-sim/fixture.default \
	tests/harness/README.md tests/run-test tests/valgrind.supp
dist_noinst_SCRIPTS += tests/harness/tpam-sshd-start tests/harness/tpam-sshd-stop \
	tests/harness/tpam-ssh tests/harness/tpam-harness-selftest
# The simulator and the harness themselves, every filter mode included.
TESTS += tests/harness/tpam-harness-selftest

# ---- Criterion tests ----
TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core $(CRITERION_CFLAGS)
TEST_LIBS = $(CRITERION_LIBS)
LOG_COMPILER = $(top_srcdir)/tests/run-test
AM_TESTS_ENVIRONMENT = srcdir=$(top_srcdir); export srcdir;

check_PROGRAMS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c $(CONFIG_READER_SOURCES)
# With the reader's probe counter: the scaling test counts, not times.
tests_unit_test_config_CPPFLAGS = $(TEST_CPPFLAGS) $(INIH_CFLAGS) \
	-DCS_CONFIG_COUNT_PROBES
tests_unit_test_config_LDADD = $(INIH_LIBS) $(TEST_LIBS)
# The config fixtures (read through CREDSTACK_TEST_SRCDIR).
EXTRA_DIST += tests/unit/config/gen2-default.cfg \
	tests/unit/config/gen2-set.cfg \
	tests/unit/config/seed-indented.cfg

# Each area's tests have their own fragment.
include tests/core.mk
include tests/tpam.mk
include tests/store.mk

include tests/hardening.mk
include tests/checkers.mk

TESTS += $(check_PROGRAMS)

# Every source file carries its SPDX line (the project is MIT licensed).
TEST_EXTENSIONS = .py .sh
SH_LOG_COMPILER = $(SHELL)
TESTS += tests/spdx.sh tests/core_deps.sh tests/layout_deps.sh tests/long_files.sh
dist_noinst_SCRIPTS += tests/spdx.sh tests/core_deps.sh tests/layout_deps.sh \
	tests/long_files.sh
