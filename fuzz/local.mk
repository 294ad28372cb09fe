# SPDX-License-Identifier: MIT
# fuzz/local.mk: libFuzzer harnesses (configure CC=clang --enable-fuzzing) and `make fuzz-smoke`.
FUZZ_TARGETS = fuzz_config fuzz_stack fuzz_tpam_output fuzz_known_hosts \
	fuzz_hook_json fuzz_store fuzz_retrieve
# Seconds each target runs in fuzz-smoke; `make fuzz-smoke FUZZ_TIME=300` for longer.
FUZZ_TIME = 20
EXTRA_DIST += fuzz/corpus fuzz/README.md
noinst_HEADERS += fuzz/fuzz.h

if FUZZING
noinst_PROGRAMS += fuzz/fuzz_config fuzz/fuzz_stack fuzz/fuzz_tpam_output \
	fuzz/fuzz_known_hosts fuzz/fuzz_hook_json fuzz/fuzz_store fuzz/fuzz_retrieve
FUZZ_INCLUDES = $(AM_CPPFLAGS) -I$(top_srcdir)/core
FUZZ_LINK_FLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer

# The reader's sources, as the config unit test compiles them (not exported).
fuzz_fuzz_config_SOURCES = fuzz/fuzz_config.c $(CONFIG_READER_SOURCES)
fuzz_fuzz_config_CPPFLAGS = $(FUZZ_INCLUDES) $(INIH_CFLAGS)
fuzz_fuzz_config_LDFLAGS = $(FUZZ_LINK_FLAGS)
fuzz_fuzz_config_LDADD = $(INIH_LIBS)

fuzz_fuzz_stack_SOURCES = fuzz/fuzz_stack.c core/stack_parse.c core/stack_cond.c \
	core/actions.c
fuzz_fuzz_stack_CPPFLAGS = $(FUZZ_INCLUDES)
fuzz_fuzz_stack_LDFLAGS = $(FUZZ_LINK_FLAGS)

fuzz_fuzz_tpam_output_SOURCES = fuzz/fuzz_tpam_output.c
fuzz_fuzz_tpam_output_CPPFLAGS = $(FUZZ_INCLUDES) \
	-I$(top_srcdir)/modules/tpam-common
fuzz_fuzz_tpam_output_LDFLAGS = $(FUZZ_LINK_FLAGS)
fuzz_fuzz_tpam_output_LDADD = modules/tpam-common/libcredstack-tpam.la

# The Retrieve classifier alone, with invariants of its own (fuzz/README.md).
fuzz_fuzz_retrieve_SOURCES = fuzz/fuzz_retrieve.c
fuzz_fuzz_retrieve_CPPFLAGS = $(FUZZ_INCLUDES) \
	-I$(top_srcdir)/modules/tpam-common
fuzz_fuzz_retrieve_LDFLAGS = $(FUZZ_LINK_FLAGS)
fuzz_fuzz_retrieve_LDADD = modules/tpam-common/libcredstack-tpam.la

fuzz_fuzz_known_hosts_SOURCES = fuzz/fuzz_known_hosts.c
fuzz_fuzz_known_hosts_CPPFLAGS = $(FUZZ_INCLUDES) $(LIBSSH_CFLAGS) \
	-I$(top_srcdir)/modules/tpam-common
fuzz_fuzz_known_hosts_LDFLAGS = $(FUZZ_LINK_FLAGS)
fuzz_fuzz_known_hosts_LDADD = modules/tpam-common/libcredstack-tpam.la \
	$(LIBSSH_LIBS)

# hook.c with the rest of the CLI it calls (not main()); the mapping is
# what is fuzzed.
fuzz_fuzz_hook_json_SOURCES = fuzz/fuzz_hook_json.c $(CLI_SOURCES)
fuzz_fuzz_hook_json_CPPFLAGS = $(FUZZ_INCLUDES) $(JANSSON_CFLAGS) \
	$(LIBCRYPTO_CFLAGS) $(CLI_CPPFLAGS)
fuzz_fuzz_hook_json_LDFLAGS = $(FUZZ_LINK_FLAGS)
fuzz_fuzz_hook_json_LDADD = core/libcredstack.la store/libcredstack-store.la \
	$(JANSSON_LIBS) $(LIBCRYPTO_LIBS) -lpthread

fuzz_fuzz_store_SOURCES = fuzz/fuzz_store.c
fuzz_fuzz_store_CPPFLAGS = $(FUZZ_INCLUDES) -I$(top_srcdir)/store \
	$(LIBCRYPTO_CFLAGS)
fuzz_fuzz_store_LDFLAGS = $(FUZZ_LINK_FLAGS)
fuzz_fuzz_store_LDADD = store/libcredstack-store.la $(LIBCRYPTO_LIBS)

# Each target for FUZZ_TIME seconds over its seed corpus.  New inputs go to
# fuzz/out/<target>/ in the build tree (the seeds in the source tree are
# only read); a crash leaves fuzz/out/<target>-crash-* and fails the make.
fuzz-smoke: $(FUZZ_TARGETS:%=fuzz/%)
	@set -e; fail=; \
	for t in $(FUZZ_TARGETS); do \
	    rm -rf fuzz/out/$$t; mkdir -p fuzz/out/$$t; \
	    echo "== fuzz-smoke: $$t ($(FUZZ_TIME) s)"; \
	    if ASAN_OPTIONS=$${ASAN_OPTIONS:-detect_leaks=1} \
	        ./fuzz/$$t -max_total_time=$(FUZZ_TIME) -timeout=10 \
	        -rss_limit_mb=2048 -print_final_stats=1 \
	        -artifact_prefix=fuzz/out/$$t- \
	        fuzz/out/$$t $(srcdir)/fuzz/corpus/$$t \
	        >fuzz/out/$$t.log 2>&1; then \
	        grep -E '^(stat::number_of_executed_units|stat::new_units_added|Done )' \
	            fuzz/out/$$t.log || true; \
	    else \
	        tail -n 40 fuzz/out/$$t.log; fail="$$fail $$t"; \
	    fi; \
	done; \
	if test -n "$$fail"; then \
	    echo "fuzz-smoke: FAILED:$$fail (inputs in fuzz/out/)" >&2; exit 1; \
	fi; \
	echo "fuzz-smoke: all $(words $(FUZZ_TARGETS)) targets ran $(FUZZ_TIME) s without a crash"
else
fuzz-smoke:
	@echo "fuzz-smoke: the fuzz targets are not built: configure with" \
	    "CC=clang --enable-fuzzing (tools/dev.sh fuzz-smoke does)" >&2; \
	exit 1
endif
.PHONY: fuzz-smoke

clean-local: clean-fuzz
clean-fuzz:
	-rm -rf fuzz/out
.PHONY: clean-fuzz
