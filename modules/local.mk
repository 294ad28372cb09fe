# modules/local.mk: one folder per module, each with its own local.mk.
include modules/common/local.mk
include modules/tpam-common/local.mk
include modules/auth-gateway/local.mk
include modules/prefix/local.mk
include modules/resolver-dns/local.mk
include modules/test-result/local.mk
include modules/secret-source-localstore/local.mk
