# SPDX-License-Identifier: MIT
# bench/local.mk: `make bench`: latency of a TPAM checkout against the local simulator (BENCH_N requests),
# the agent against one-shot requests with a slow simulator (`make bench-agent`, BENCH_AGENT_N requests
# a row), and how the configuration reader scales (`make bench-config`, BENCH_CONFIG_ROUNDS rounds).
BENCH_N = 50
BENCH_AGENT_N = 10
BENCH_CONFIG_ROUNDS = 5
EXTRA_DIST += bench/README.md
dist_noinst_SCRIPTS += bench/tpam-latency bench/agent-latency

# Built only by `make bench-config`: the config reader with its comparison counter.
EXTRA_PROGRAMS += bench/config-read
bench_config_read_SOURCES = bench/config-read.c $(CONFIG_READER_SOURCES)
bench_config_read_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core $(INIH_CFLAGS) \
	-DCS_CONFIG_COUNT_PROBES
bench_config_read_LDADD = $(INIH_LIBS)
CLEANFILES += bench/config-read$(EXEEXT)

bench: bench-config bench-tpam bench-agent
bench-tpam: all
	BENCH_N=$(BENCH_N) $(top_srcdir)/bench/tpam-latency $(abs_top_builddir)
bench-agent: all
	BENCH_AGENT_N=$(BENCH_AGENT_N) $(top_srcdir)/bench/agent-latency $(abs_top_builddir)
bench-config: bench/config-read$(EXEEXT)
	bench/config-read$(EXEEXT) -r $(BENCH_CONFIG_ROUNDS)
.PHONY: bench bench-tpam bench-agent bench-config
