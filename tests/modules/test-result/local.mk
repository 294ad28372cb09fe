# SPDX-License-Identifier: MIT
# tests/modules/test-result/local.mk: built for the tests only, never installed.
check_LTLIBRARIES += tests/modules/test-result/test-result.la
tests_modules_test_result_test_result_la_SOURCES = tests/modules/test-result/test-result.c
# -rpath makes libtool build a shared module although it is not installed.
tests_modules_test_result_test_result_la_LDFLAGS = $(AM_LDFLAGS) $(MODULE_LDFLAGS) -rpath /nowhere
tests_modules_test_result_test_result_la_LIBADD = $(MODULE_LIBADD)
