# SPDX-License-Identifier: MIT
# modules/secret-source-caller/local.mk
module_LTLIBRARIES += modules/secret-source-caller/secret-source-caller.la
modules_secret_source_caller_secret_source_caller_la_SOURCES = \
	modules/secret-source-caller/caller.c
modules_secret_source_caller_secret_source_caller_la_LDFLAGS = \
	$(AM_LDFLAGS) $(MODULE_LDFLAGS)
modules_secret_source_caller_secret_source_caller_la_LIBADD = $(MODULE_LIBADD)
