# doc/local.mk: manual pages and guides.
