# SPDX-License-Identifier: MIT
# etc/local.mk: sample configuration and stack files.
sampledir = $(sysconfdir)/credstack
dist_sample_DATA = etc/credstack.conf.sample etc/default.stack.sample

# The agent's systemd units (socket activation); installed where systemd looks.
dist_systemdunit_DATA = etc/systemd/credstack-agent.socket
systemdunit_DATA = etc/systemd/credstack-agent.service
EXTRA_DIST += etc/systemd/credstack-agent.service.in
CLEANFILES += etc/systemd/credstack-agent.service
etc/systemd/credstack-agent.service: $(srcdir)/etc/systemd/credstack-agent.service.in Makefile
	$(AM_V_GEN)mkdir -p etc/systemd && \
	sed -e 's|@bindir@|$(bindir)|g' -e 's|@sysconfdir@|$(sysconfdir)|g' \
		$(srcdir)/etc/systemd/credstack-agent.service.in >$@
