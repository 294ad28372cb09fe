# SPDX-License-Identifier: MIT
# etc/local.mk: sample configuration and stack files.
sampledir = $(sysconfdir)/credstack
dist_sample_DATA = etc/credstack.conf.sample etc/default.stack.sample
