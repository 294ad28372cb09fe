/* SPDX-License-Identifier: MIT */
/* cmd_systems.c: ListSystems. */
#include "sim.h"

#include <stdio.h>
#include <string.h>

static const char *cell(const struct fixture *fx, const struct record *r,
                        size_t pos, const char *col, char *buf, size_t len)
{
    const char *v;

    (void)fx;
    if (ieq(col, "SystemID")) {
        snprintf(buf, len, "%10zu", 1000 + pos);
        return buf;
    }
    v = plain_cell(system_columns, n_system_columns, r, col);
    if (ieq(col, "PortNumber") && *v && strspn(v, "0123456789") == strlen(v) &&
        strlen(v) < 10) {
        /* TPAM prints this number right-aligned in 10 columns: "        22". */
        snprintf(buf, len, "%10s", v);
        return buf;
    }
    return v;
}

int cmd_list_systems(struct ctx *c)
{
    struct listdef d = {REC_SYSTEM,           system_columns, n_system_columns,
                        "No Systems to list", cell,           NULL};

    return list_run(c, &d);
}
