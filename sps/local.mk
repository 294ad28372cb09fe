# SPDX-License-Identifier: MIT
# sps/local.mk: the SPS credential-store plugin zip (make sps-plugin) and its test.
# doc/sps.md says what is in the zip and how to upload and configure it.

SPS_PLUGIN_ZIP = credstack-sps-$(VERSION).zip
# The Python that builds the zip and runs tests/sps (standard library only).
PYTHON3_SPS = python3
# yes: the zip carries the libraries credstack links (libssh, jansson, inih,
# libltdl, libcrypto, ...; not glibc), so the appliance needs none of them.
SPS_BUNDLE_LIBS = yes
# Gives every ELF file in the zip an $ORIGIN-relative RUNPATH (Debian: patchelf).
PATCHELF = patchelf

SPS_INPUTS = $(srcdir)/sps/main.py $(srcdir)/sps/default.cfg \
	$(srcdir)/sps/MANIFEST.in $(srcdir)/sps/mkplugin.py \
	$(srcdir)/etc/default.stack.sample

# A staged install (library first: the modules and the command relink
# against it), packed by mkplugin.py; the stage is removed afterwards.
$(SPS_PLUGIN_ZIP): $(SPS_INPUTS) $(lib_LTLIBRARIES) $(pkglib_LTLIBRARIES) \
		$(module_LTLIBRARIES) $(bin_PROGRAMS) $(dist_stack_DATA)
	$(AM_V_GEN)stage=`mktemp -d "$(abs_top_builddir)/sps-stage.XXXXXX"` && \
	{ $(MAKE) $(AM_MAKEFLAGS) DESTDIR="$$stage" install-libLTLIBRARIES \
	    >"$$stage.log" 2>&1 && \
	  $(MAKE) $(AM_MAKEFLAGS) DESTDIR="$$stage" install-pkglibLTLIBRARIES \
	    >>"$$stage.log" 2>&1 && \
	  $(MAKE) $(AM_MAKEFLAGS) DESTDIR="$$stage" \
	    install-moduleLTLIBRARIES install-binPROGRAMS install-dist_stackDATA \
	    >>"$$stage.log" 2>&1 || \
	  { cat "$$stage.log" >&2; rm -rf "$$stage" "$$stage.log"; exit 1; }; } && \
	$(PYTHON3_SPS) $(srcdir)/sps/mkplugin.py --stage "$$stage" \
	    --bindir '$(bindir)' --libdir '$(libdir)' --moduledir '$(moduledir)' \
	    --pkglibdir '$(pkglibdir)' --stackdir '$(stackdir)' \
	    --srcdir '$(srcdir)' --version '$(VERSION)' \
	    --bundle '$(SPS_BUNDLE_LIBS)' --patchelf '$(PATCHELF)' --out $@; \
	ret=$$?; rm -rf "$$stage" "$$stage.log"; exit $$ret

sps-plugin: $(SPS_PLUGIN_ZIP)
.PHONY: sps-plugin
CLEANFILES += $(SPS_PLUGIN_ZIP) $(SPS_PLUGIN_ZIP).tmp
EXTRA_DIST += sps/main.py sps/default.cfg sps/MANIFEST.in sps/mkplugin.py doc/sps.md \
	tests/sps/stub/safeguard/__init__.py \
	tests/sps/stub/safeguard/sessions/__init__.py \
	tests/sps/stub/safeguard/sessions/plugin/__init__.py \
	tests/sps/stub/safeguard/sessions/plugin/plugin_base.py \
	tests/sps/stub/safeguard/sessions/plugin/plugin_configuration.py \
	tests/sps/stub/safeguard/sessions/plugin/plugin_configuration_exceptions.py \
	tests/sps/stub/safeguard/sessions/plugin/credential_store.py \
	tests/sps/stub/safeguard/sessions/plugin/credential_store_exceptions.py \
	tests/sps/stub/safeguard/sessions/plugin/exceptions.py \
	tests/sps/stub/safeguard/sessions/plugin_impl/__init__.py \
	tests/sps/stub/safeguard/sessions/plugin_impl/credential_store.py

# The plugin's test: main.py against the TPAM simulator, the zip's layout,
# and the zip unpacked and run with no credstack installed.  It starts and
# stops its own simulator (tests/harness); tests/run-test runs it under its
# checkers and counts its tests and skips.
PY_LOG_COMPILER = env CREDSTACK_SPS_ZIP='$(abs_top_builddir)/$(SPS_PLUGIN_ZIP)' \
	PYTHON3='$(PYTHON3_SPS)' $(top_srcdir)/tests/run-test
TESTS += tests/sps/test_plugin.py
dist_noinst_SCRIPTS += tests/sps/test_plugin.py
# Built before any test runs (check_DATA), never beside them: its staged
# install relinks the libraries and modules in the build tree (libtool
# removes each one's .libs/*.so first), so a test loading one, or a test
# program linking against one, at that moment would find it missing.  The
# stamp waits for every other check target, then builds the zip, so
# "make -jN check" cannot interleave the two; "make sps-plugin" stays light.
tests/sps/zip.stamp: $(check_PROGRAMS) $(check_LTLIBRARIES) \
		tests/checkers/test_planted$(EXEEXT) $(SPS_INPUTS) \
		$(lib_LTLIBRARIES) $(pkglib_LTLIBRARIES) $(module_LTLIBRARIES) \
		$(bin_PROGRAMS) $(dist_stack_DATA)
	@$(MKDIR_P) tests/sps
	$(AM_V_at)$(MAKE) $(AM_MAKEFLAGS) $(SPS_PLUGIN_ZIP)
	$(AM_V_at)touch $@
check_DATA += tests/sps/zip.stamp
CLEANFILES += tests/sps/zip.stamp
tests/sps/test_plugin.log: tests/sps/zip.stamp
