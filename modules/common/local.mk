# SPDX-License-Identifier: MIT
# modules/common/local.mk: helpers linked into several modules.
noinst_LTLIBRARIES += modules/common/libmodcommon.la
modules_common_libmodcommon_la_SOURCES = modules/common/host.c modules/common/host.h
