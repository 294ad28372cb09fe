/* SPDX-License-Identifier: MIT */
/* cmd_accounts.c: ListAccounts (the Password column is always masked). */
#include "sim.h"

#include <stdio.h>

static const char *cell(const struct fixture *fx, const struct record *r,
                        size_t pos, const char *col, char *buf, size_t len)
{
    if (ieq(col, "Password"))
        return "********";
    if (ieq(col, "AccountID")) {
        snprintf(buf, len, "%zu", 5000 + pos);
        return buf;
    }
    if (ieq(col, "NetworkAddress") || ieq(col, "PlatformName")) {
        const char *v = rec_get(r, col);
        const struct record *sys;

        if (v)
            return v;
        sys = find_system(fx, rec_get(r, "SystemName"));
        if (!sys)
            return "";
        return plain_cell(system_columns, n_system_columns, sys, col);
    }
    return plain_cell(account_columns, n_account_columns, r, col);
}

int cmd_list_accounts(struct ctx *c)
{
    struct listdef d = {REC_ACCOUNT,
                        account_columns,
                        n_account_columns,
                        "No Accounts to list",
                        cell,
                        NULL};

    return list_run(c, &d);
}
