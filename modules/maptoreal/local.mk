# SPDX-License-Identifier: MIT
# modules/maptoreal/local.mk
module_LTLIBRARIES += modules/maptoreal/maptoreal.la
modules_maptoreal_maptoreal_la_SOURCES = modules/maptoreal/maptoreal.c
modules_maptoreal_maptoreal_la_LDFLAGS = $(AM_LDFLAGS) $(MODULE_LDFLAGS)
modules_maptoreal_maptoreal_la_LIBADD = modules/tpam-common/libcredstack-tpam.la $(MODULE_LIBADD)
