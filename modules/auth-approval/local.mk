# SPDX-License-Identifier: MIT
# modules/auth-approval/local.mk
module_LTLIBRARIES += modules/auth-approval/auth-approval.la
modules_auth_approval_auth_approval_la_SOURCES = modules/auth-approval/auth-approval.c
modules_auth_approval_auth_approval_la_LDFLAGS = $(AM_LDFLAGS) $(MODULE_LDFLAGS)
modules_auth_approval_auth_approval_la_LIBADD = modules/tpam-common/libcredstack-tpam.la $(MODULE_LIBADD)
