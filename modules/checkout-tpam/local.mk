# SPDX-License-Identifier: MIT
# modules/checkout-tpam/local.mk
module_LTLIBRARIES += modules/checkout-tpam/checkout-tpam.la
modules_checkout_tpam_checkout_tpam_la_SOURCES = modules/checkout-tpam/checkout-tpam.c
modules_checkout_tpam_checkout_tpam_la_LDFLAGS = $(AM_LDFLAGS) $(MODULE_LDFLAGS)
modules_checkout_tpam_checkout_tpam_la_LIBADD = modules/tpam-common/libcredstack-tpam.la $(MODULE_LIBADD)
