/* SPDX-License-Identifier: MIT */
/* store_fault.h: the fault-injection hook of the store's test builds, below
 * store_sys.h (whose wrappers call it) and store_fault.c (which defines it). */
#ifndef CREDSTACK_STORE_FAULT_H
#define CREDSTACK_STORE_FAULT_H

#ifdef CS_STORE_FAULTS
/* Called before each step that changes a store's files (store_sys.h). */
extern int (*cs_store_fault_hook)(const char *op, const char *file);
#endif

#endif /* CREDSTACK_STORE_FAULT_H */
