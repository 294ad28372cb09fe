# tests/tpam.mk: tests of this area (see tests/local.mk).
