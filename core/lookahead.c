/* SPDX-License-Identifier: MIT */
/* lookahead.c: whether this thread runs a look-ahead pass (dispatch.c sets
 * it; the log drops its lines, the cache ignores its writes). */
#include "autoconf.h"

#include "internal.h"

static _Thread_local int tl_lookahead;

void cs_lookahead_set(int on)
{
    tl_lookahead = on;
}

int cs_lookahead_active(void)
{
    return tl_lookahead;
}
