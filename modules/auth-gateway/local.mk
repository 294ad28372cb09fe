# SPDX-License-Identifier: MIT
# modules/auth-gateway/local.mk
module_LTLIBRARIES += modules/auth-gateway/auth-gateway.la
modules_auth_gateway_auth_gateway_la_SOURCES = modules/auth-gateway/auth-gateway.c
modules_auth_gateway_auth_gateway_la_LDFLAGS = $(AM_LDFLAGS) $(MODULE_LDFLAGS)
modules_auth_gateway_auth_gateway_la_LIBADD = $(MODULE_LIBADD)
