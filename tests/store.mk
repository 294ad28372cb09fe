# SPDX-License-Identifier: MIT
# tests/store.mk: tests of this area (see tests/local.mk).
# The credential store library, and `credstack store` + secret-source-localstore
# through the command.
check_PROGRAMS += tests/unit/test_store tests/unit/test_store_cli
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CPPFLAGS = $(TEST_CPPFLAGS) $(LIBCRYPTO_CFLAGS)
tests_unit_test_store_LDADD = core/store/libcsstore.la $(LIBCRYPTO_LIBS) \
	$(TEST_LIBS)
tests_unit_test_store_cli_SOURCES = tests/unit/test_store_cli.c
tests_unit_test_store_cli_CPPFLAGS = $(TEST_CPPFLAGS) $(LIBCRYPTO_CFLAGS)
tests_unit_test_store_cli_LDADD = core/store/libcsstore.la $(LIBCRYPTO_LIBS) \
	$(TEST_LIBS)
# End to end: a TPAM checkout (sshd + tpam-sim) with the key from the store.
check_PROGRAMS += tests/integration/test_store_tpam
tests_integration_test_store_tpam_SOURCES = tests/integration/test_store_tpam.c \
	$(TESTUTIL_SOURCES)
tests_integration_test_store_tpam_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_store_tpam_LDADD = $(TEST_LIBS)
