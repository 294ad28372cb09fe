/* SPDX-License-Identifier: MIT */
/* store_fault.c: the fault-injection hook store_sys.h's wrappers call, in a
 * file of its own so that store_sys.h depends on it and not the other way.
 * Built only into the store's test builds (tests/store.mk, -DCS_STORE_FAULTS),
 * never into the installed library. */
#include "autoconf.h"

#include "store_fault.h"

int (*cs_store_fault_hook)(const char *op, const char *file);
