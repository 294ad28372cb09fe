# SPDX-License-Identifier: MIT
# examples/local.mk: the out-of-tree example module and the installcheck that builds it
# against the installed headers and credstack.pc.
EXTRA_DIST += examples/hello-module/hello.c examples/hello-module/hello.map \
	examples/hello-module/Makefile examples/hello-module/README.md
dist_noinst_SCRIPTS += tests/installcheck.sh

# make installcheck: stage an install of this tree, build examples/hello-module
# against it and run the installed credstack with it (tests/installcheck.sh).
installcheck-local:
	CREDSTACK_BINDIR='$(bindir)' CREDSTACK_LIBDIR='$(libdir)' \
	CREDSTACK_MODULEDIR='$(moduledir)' CREDSTACK_INCLUDEDIR='$(includedir)' \
	MAKE='$(MAKE)' CC='$(CC)' PKG_CONFIG='$(PKG_CONFIG)' \
	$(top_srcdir)/tests/installcheck.sh $(abs_top_builddir)
