# SPDX-License-Identifier: MIT
# modules/test-result/local.mk: built for the tests only, never installed.
check_LTLIBRARIES += modules/test-result/test-result.la
modules_test_result_test_result_la_SOURCES = modules/test-result/test-result.c
# -rpath makes libtool build a shared module although it is not installed.
modules_test_result_test_result_la_LDFLAGS = $(AM_LDFLAGS) $(MODULE_LDFLAGS) -rpath /nowhere
modules_test_result_test_result_la_LIBADD = $(MODULE_LIBADD)
