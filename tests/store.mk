# SPDX-License-Identifier: MIT
# tests/store.mk: tests of this area (see tests/local.mk).
# The credential store library, and `credstack store` + secret-source-localstore
# through the command.
# The store library built again with its fault-injection seam
# (store/store_sys.h): the test binaries only, never installed.
check_LTLIBRARIES += tests/unit/libcsstore-faults.la
tests_unit_libcsstore_faults_la_SOURCES = $(STORE_SOURCES) store/store_fault.c
tests_unit_libcsstore_faults_la_CPPFLAGS = $(store_libcredstack_store_la_CPPFLAGS) \
	-DCS_STORE_FAULTS
tests_unit_libcsstore_faults_la_LIBADD = $(LIBCRYPTO_LIBS)
check_PROGRAMS += tests/unit/test_store tests/unit/test_store_cli
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CPPFLAGS = $(TEST_CPPFLAGS) -I$(top_srcdir) $(LIBCRYPTO_CFLAGS) \
	-DCS_STORE_FAULTS
tests_unit_test_store_LDADD = tests/unit/libcsstore-faults.la $(LIBCRYPTO_LIBS) \
	$(TEST_LIBS)
tests_unit_test_store_cli_SOURCES = tests/unit/test_store_cli.c
tests_unit_test_store_cli_CPPFLAGS = $(TEST_CPPFLAGS) -I$(top_srcdir) $(LIBCRYPTO_CFLAGS) \
	-DCS_STORE_FAULTS
tests_unit_test_store_cli_LDADD = tests/unit/libcsstore-faults.la \
	$(LIBCRYPTO_LIBS) $(TEST_LIBS)
# End to end: a TPAM checkout (sshd + tpam-sim) with the key from the store.
check_PROGRAMS += tests/integration/test_store_tpam
tests_integration_test_store_tpam_SOURCES = tests/integration/test_store_tpam.c \
	$(TESTUTIL_SOURCES)
tests_integration_test_store_tpam_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_store_tpam_LDADD = $(TEST_LIBS)
