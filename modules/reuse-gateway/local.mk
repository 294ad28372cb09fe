# SPDX-License-Identifier: MIT
# modules/reuse-gateway/local.mk
module_LTLIBRARIES += modules/reuse-gateway/reuse-gateway.la
modules_reuse_gateway_reuse_gateway_la_SOURCES = modules/reuse-gateway/reuse-gateway.c
modules_reuse_gateway_reuse_gateway_la_LDFLAGS = $(AM_LDFLAGS) $(MODULE_LDFLAGS)
modules_reuse_gateway_reuse_gateway_la_LIBADD = $(MODULE_LIBADD)
