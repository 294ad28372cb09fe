# SPDX-License-Identifier: MIT
# doc/local.mk: manual pages and guides.
# The pages are plain roff sources, installed as they are.
dist_man1_MANS = doc/credstack.1
dist_man3_MANS = doc/credstack_module.3
dist_man5_MANS = doc/credstack.conf.5 doc/credstack-stack.5
dist_man7_MANS = doc/credstack-modules.7

# Guides (doc/store-format.md is distributed by store/local.mk).
EXTRA_DIST += doc/writing-modules.md doc/design.md
