# SPDX-License-Identifier: MIT
# modules/prefix/local.mk
module_LTLIBRARIES += modules/prefix/prefix.la
modules_prefix_prefix_la_SOURCES = modules/prefix/prefix.c
modules_prefix_prefix_la_LDFLAGS = $(AM_LDFLAGS) $(MODULE_LDFLAGS)
modules_prefix_prefix_la_LIBADD = $(MODULE_LIBADD) modules/common/libmodcommon.la
