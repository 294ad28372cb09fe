# SPDX-License-Identifier: MIT
# modules/auth-policy/local.mk
module_LTLIBRARIES += modules/auth-policy/auth-policy.la
modules_auth_policy_auth_policy_la_SOURCES = modules/auth-policy/auth-policy.c
modules_auth_policy_auth_policy_la_LDFLAGS = $(AM_LDFLAGS) $(MODULE_LDFLAGS)
modules_auth_policy_auth_policy_la_LIBADD = modules/tpam-common/libcredstack-tpam.la $(MODULE_LIBADD)
