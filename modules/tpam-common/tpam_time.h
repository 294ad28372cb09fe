/* SPDX-License-Identifier: MIT */
/* tpam_time.h: TPAM's date and time texts (ExpiresDt). */
#ifndef TPAM_TIME_H
#define TPAM_TIME_H

#include <time.h>

/*
 * A date as TPAM prints it (tpam-cli.md: `%Y-%m-%d %H:%M:%S.%f`, e.g.
 * `2026-12-07 14:05:00.000`; the fraction may be absent and is dropped,
 * which can only make the time earlier).  The text names no time zone:
 * it is read as the local time of this host (TZ), the zone an appliance and
 * the gateways it serves are assumed to share.  When the local time is
 * ambiguous (a clock going back), the earlier reading wins.  0 with *out
 * set, or -1 for anything else: a text that is not exactly this shape, a
 * date that does not exist, or a local time that does not (a clock going
 * forward).
 */
int tpam_time_parse(const char *text, time_t *out);

#endif /* TPAM_TIME_H */
