# SPDX-License-Identifier: MIT
# bench/local.mk: `make bench`: latency of a TPAM checkout against the local simulator (BENCH_N requests),
# and how the configuration reader scales (`make bench-config`, BENCH_CONFIG_ROUNDS rounds).
BENCH_N = 50
BENCH_CONFIG_ROUNDS = 5
EXTRA_DIST += bench/README.md
dist_noinst_SCRIPTS += bench/tpam-latency

# Built only by `make bench-config`: the config reader with its comparison counter.
EXTRA_PROGRAMS = bench/config-read
bench_config_read_SOURCES = bench/config-read.c $(CONFIG_READER_SOURCES)
bench_config_read_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core $(INIH_CFLAGS) \
	-DCS_CONFIG_COUNT_PROBES
bench_config_read_LDADD = $(INIH_LIBS)
CLEANFILES += bench/config-read$(EXEEXT)

bench: bench-config bench-tpam
bench-tpam: all
	BENCH_N=$(BENCH_N) $(top_srcdir)/bench/tpam-latency $(abs_top_builddir)
bench-config: bench/config-read$(EXEEXT)
	bench/config-read$(EXEEXT) -r $(BENCH_CONFIG_ROUNDS)
.PHONY: bench bench-tpam bench-config
