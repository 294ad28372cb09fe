# SPDX-License-Identifier: MIT
# bench/local.mk: `make bench`: latency of a TPAM checkout against the local simulator (BENCH_N requests).
BENCH_N = 50
EXTRA_DIST += bench/README.md
dist_noinst_SCRIPTS += bench/tpam-latency

bench: all
	BENCH_N=$(BENCH_N) $(top_srcdir)/bench/tpam-latency $(abs_top_builddir)
.PHONY: bench
