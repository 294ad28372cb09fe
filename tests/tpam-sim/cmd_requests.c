/* SPDX-License-Identifier: MIT */
/* cmd_requests.c: ListRequestDetails (TPAM Perl API field order). */
#include "sim.h"

#include <string.h>

static const char *cell(const struct fixture *fx, const struct record *r,
                        size_t pos, const char *col, char *buf, size_t len)
{
    const char *v = plain_cell(request_columns, n_request_columns, r, col);
    size_t n = strlen(col);

    (void)fx;
    (void)pos;
    if (n >= 4 && ieq(col + n - 4, "Date"))
        return date_value(v, buf, len);
    return v;
}

int cmd_list_request_details(struct ctx *c)
{
    struct listdef d = {REC_REQUEST,
                        request_columns,
                        n_request_columns,
                        "No Requests to list",
                        cell,
                        NULL};

    return list_run(c, &d);
}
