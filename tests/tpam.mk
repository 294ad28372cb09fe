# tests/tpam.mk: tests of the TPAM client library and the TPAM modules (see tests/local.mk).
check_PROGRAMS += tests/unit/test_tpam_command tests/unit/test_tpam_output \
	tests/unit/test_tpam_hostkey tests/integration/test_tpam_client
tests_unit_test_tpam_command_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_tpam_command_LDADD = modules/tpam-common/libtpamclient.la $(TEST_LIBS)
tests_unit_test_tpam_output_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_tpam_output_LDADD = modules/tpam-common/libtpamclient.la $(TEST_LIBS)
tests_unit_test_tpam_hostkey_CPPFLAGS = $(TEST_CPPFLAGS) $(LIBSSH_CFLAGS)
tests_unit_test_tpam_hostkey_LDADD = modules/tpam-common/libtpamclient.la $(TEST_LIBS)
tests_integration_test_tpam_client_CPPFLAGS = $(TEST_CPPFLAGS) $(LIBSSH_CFLAGS)
tests_integration_test_tpam_client_LDADD = modules/tpam-common/libtpamclient.la $(TEST_LIBS)
