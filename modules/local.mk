# SPDX-License-Identifier: MIT
# modules/local.mk: one folder per module, each with its own local.mk.
include modules/common/local.mk
include modules/tpam-common/local.mk
include modules/auth-gateway/local.mk
include modules/prefix/local.mk
include modules/resolver-dns/local.mk
include modules/secret-source-localstore/local.mk
include modules/secret-source-caller/local.mk
include modules/resolver-tpam/local.mk
include modules/maptoreal/local.mk
include modules/auth-approval/local.mk
include modules/auth-policy/local.mk
include modules/checkout-tpam/local.mk
include modules/reuse-gateway/local.mk
