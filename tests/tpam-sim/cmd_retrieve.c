/* SPDX-License-Identifier: MIT */
/* cmd_retrieve.c: Retrieve: prints the bare password, or one TPAM error line.
 */
#include "sim.h"

#define NOT_AUTHORIZED "You are not authorized to perform this operation"

static const struct record *find_request(const struct fixture *fx,
                                         const char *id)
{
    for (size_t i = 0; i < fx->n; i++)
        if (fx->r[i].type == REC_REQUEST &&
            ieq(rec_get(&fx->r[i], "RequestID"), id))
            return &fx->r[i];
    return NULL;
}

/*
 * Retrieve --AccountName A --SystemName S [--ReasonText T] or
 * Retrieve --RequestID ID (an Active request). Names are matched exactly
 * (case-insensitive, no wildcards). An unknown account or system, or an
 * inactive request, gives "You are not authorized to perform this operation".
 * The account's retrieve_error (fixture) or the retrieve_error fault is
 * printed instead of the password when set; the retrieve_output fault is
 * printed as it is (escapes decoded, no line end added).
 */
int cmd_retrieve(struct ctx *c)
{
    const char *acct = optv(c, "AccountName");
    const char *sys = optv(c, "SystemName");
    const char *reqid = optv(c, "RequestID");
    const struct record *a;
    const char *v;

    if (reqid) {
        const struct record *rq = find_request(c->fx, reqid);

        if (!rq || !ieq(rec_get(rq, "Status"), "Active") ||
            (acct && !ieq(acct, rec_get(rq, "AccountName"))) ||
            (sys && !ieq(sys, rec_get(rq, "SystemName")))) {
            acct = sys = NULL;
        } else {
            acct = rec_get(rq, "AccountName");
            sys = rec_get(rq, "SystemName");
        }
    } else if (!acct || !sys) {
        usage(c->o, c->cmd,
              "AccountName and SystemName (or RequestID) are required");
        return SIM_EXIT_USAGE;
    }
    if (c->faults && c->faults->retrieve_output) {
        /* Exactly these bytes: several lines, no line end, any case. */
        out_str(c->o, c->faults->retrieve_output);
        return SIM_EXIT_OK;
    }
    if (c->faults && c->faults->retrieve_error) {
        out_line(c->o, c->faults->retrieve_error);
        return SIM_EXIT_OK;
    }
    a = acct && sys ? find_account(c->fx, sys, acct) : NULL;
    if (!a) {
        out_line(c->o, NOT_AUTHORIZED);
        return SIM_EXIT_OK;
    }
    v = rec_get(a, "RetrieveError");
    if (v) {
        out_line(c->o, v);
        return SIM_EXIT_OK;
    }
    v = rec_get(a, "Password");
    out_line(c->o, v ? v : "");
    return SIM_EXIT_OK;
}
