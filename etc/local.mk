# SPDX-License-Identifier: MIT
# etc/local.mk: sample configuration and stack files.
sampledir = $(sysconfdir)/credstack
dist_sample_DATA = etc/credstack.conf.sample etc/default.stack.sample

# The agent's systemd units (socket activation); installed where systemd looks.
systemdunitdir = $(prefix)/lib/systemd/system
dist_systemdunit_DATA = etc/systemd/credstack-agent.socket \
	etc/systemd/credstack-agent.service
