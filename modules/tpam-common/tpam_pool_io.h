/* SPDX-License-Identifier: MIT */
/* tpam_pool_io.h: the I/O thread of one pooled server (tpam_pool_io.c). */
#ifndef TPAM_POOL_IO_H
#define TPAM_POOL_IO_H

#include "tpam_pool_int.h"

/* Start p's I/O thread (it takes no signals; a small stack).  It runs until
 * p->stopping is set and it is woken; join p->thread then.  0 or an errno
 * value. */
int pool_io_start(tpam_pool *p);

#endif /* TPAM_POOL_IO_H */
