# tests/core.mk: tests of this area (see tests/local.mk).
