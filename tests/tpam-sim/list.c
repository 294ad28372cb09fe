/* SPDX-License-Identifier: MIT */
/* list.c: the engine shared by the List* commands (filters, MaxRows, output).
 */
#include "sim.h"

#include <string.h>

/* The column an option filters: the option of the same name, or an alias. */
static const char *filter_column(const struct listdef *d, const char *opt)
{
    if (ieq(opt, "RequestorName"))
        return "UserName";
    if (column_find(d->cols, d->ncols, opt))
        return opt;
    return NULL;
}

static int row_matches(struct ctx *c, const struct listdef *d,
                       const struct record *r, size_t pos)
{
    int mode = c->filter_mode;
    int cs = c->filter_case;

    for (size_t i = 0; i < c->cmd->nopts; i++) {
        const char *col;
        char buf[128];

        if (!c->opt[i])
            continue;
        col = filter_column(d, c->cmd->opts[i]);
        if (col && !filter_ok(mode, cs, c->opt[i],
                              d->cell(c->fx, r, pos, col, buf, sizeof(buf))))
            return 0;
    }
    /* filter=ignore ignores every filter, --AllOrEffectiveFlag's too. */
    return d->extra && mode != FILTER_IGNORE ? d->extra(c, r) : 1;
}

/*
 * Prints the header row and the matching rows (each field followed by a
 * tab, CRLF line ends), or the single line d->none when nothing matches.
 */
int list_run(struct ctx *c, const struct listdef *d)
{
    long max = max_rows(optv(c, "MaxRows"));
    long shown = 0;
    size_t pos = 0;

    if (max < 0) {
        usage(c->o, c->cmd, "MaxRows must be a number");
        return SIM_EXIT_USAGE;
    }
    if (c->faults && c->faults->list_output) {
        /* An error text (or anything else) instead of the table. */
        out_str(c->o, c->faults->list_output);
        return SIM_EXIT_OK;
    }
    for (size_t i = 0; i < c->fx->n; i++) {
        const struct record *r = &c->fx->r[i];

        if (r->type != d->type)
            continue;
        pos++;
        if (!row_matches(c, d, r, pos))
            continue;
        if (max != 0 && shown >= max)
            break;
        if (shown == 0) {
            for (size_t k = 0; k < d->ncols; k++)
                out_field(c->o, d->cols[k].name);
            out_eol(c->o);
        }
        for (size_t k = 0; k < d->ncols; k++) {
            char buf[128];

            out_field(c->o, d->cell(c->fx, r, pos, d->cols[k].name, buf,
                                    sizeof(buf)));
        }
        out_eol(c->o);
        shown++;
    }
    if (shown == 0)
        out_line(c->o, d->none);
    return SIM_EXIT_OK;
}

/* Default cell: the fixture's value, else the column default. */
const char *plain_cell(const struct column *cols, size_t ncols,
                       const struct record *r, const char *col)
{
    const char *v = rec_get(r, col);
    const struct column *k;

    if (v)
        return v;
    k = column_find(cols, ncols, col);
    return k && k->def ? k->def : "";
}
