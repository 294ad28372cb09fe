# SPDX-License-Identifier: MIT
# tests/checkers.mk: what makes a green suite mean what it says (see
# tests/harness/README.md, "Checkers"): the subreaper every test runs under,
# and the proof that the memory checkers see an error planted in product
# code paths (tests/checkers/proof.sh).

# tests/run-test runs every test under it: a daemon the test left behind
# (the agent) cannot die unseen.
noinst_PROGRAMS += tests/harness/reaper
tests_harness_reaper_SOURCES = tests/harness/reaper.c
