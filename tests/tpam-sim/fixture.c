/* SPDX-License-Identifier: MIT */
/* fixture.c: loads the fixture file (the data tpam-sim serves). */
#include "sim.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Fixture format (also in README.md)
 * ----------------------------------
 * Line based, UTF-8 or ASCII. Blank lines and lines whose first non-blank
 * character is '#' are ignored. A record starts with a section line:
 *
 *     [system]   [account]   [request]   [policy]
 *
 * and continues with "Key=Value" lines until the next section line. The key
 * is case-insensitive, surrounding blanks around the key are ignored. The
 * value is EVERYTHING after the first '=' up to the end of the line, byte for
 * byte (no trimming, no quoting, no escapes; a trailing CR is dropped), so a
 * password may hold spaces, '#', ';', '=', quotes and any printable character.
 *
 * A key is either a column name of the record's list command (ListSystems,
 * ListAccounts, ListRequestDetails, ListAssignedPolicies: e.g. PortNumber,
 * Custom3, "PSM DPA Affinity", AccountCustom5, TicketNumber, EffectiveFl) or
 * one of the short aliases below. Unknown keys are an error, so typos show.
 *
 *   [system]   name=SystemName  address=NetworkAddress  port=PortNumber
 *   [account]  system=SystemName  name|account=AccountName  password=Password
 *              custom1..custom6=AccountCustom1..6
 *              retrieve_error=TEXT: Retrieve prints TEXT instead of the
 * password [request]  id=RequestID  requestor|user=UserName
 * fullname=UserFullName system=SystemName  account=AccountName  status=Status
 *              expires=ExpiresDate  policy=AccessPolicyName
 * reason=ReasonCodeText [policy]   user=UserName  fullname=FullName
 * system=SystemName account=AccountName  policy=AccessPolicyName
 *              permtype=PermissionType  effective=EffectiveFl  group=GroupName
 *
 * Required: system: SystemName; account: SystemName, AccountName; request:
 * RequestID, UserName, SystemName, AccountName, Status; policy: UserName,
 * AccessPolicyName. Every column not given has a default (see columns.c).
 * A date column of a request given as +N or -N is "now + N seconds" in local
 * time, printed as "YYYY-MM-DD HH:MM:SS.000".
 *
 * Any record may say Repeat=N (1..100000): it stands for N records, in
 * place, in which "{n}" in every value becomes 1, 2, ... N (a fixture
 * generator for lists of hundreds of rows).
 */

struct alias {
    const char *alias;
    const char *key;
};

static const struct alias system_aliases[] = {{"name", "SystemName"},
                                              {"address", "NetworkAddress"},
                                              {"port", "PortNumber"},
                                              {NULL, NULL}};
static const struct alias account_aliases[] = {
    {"system", "SystemName"},
    {"name", "AccountName"},
    {"account", "AccountName"},
    {"password", "Password"},
    {"custom1", "AccountCustom1"},
    {"custom2", "AccountCustom2"},
    {"custom3", "AccountCustom3"},
    {"custom4", "AccountCustom4"},
    {"custom5", "AccountCustom5"},
    {"custom6", "AccountCustom6"},
    {"retrieve_error", "RetrieveError"},
    {"RetrieveError", "RetrieveError"},
    {NULL, NULL}};
static const struct alias request_aliases[] = {{"id", "RequestID"},
                                               {"requestor", "UserName"},
                                               {"user", "UserName"},
                                               {"fullname", "UserFullName"},
                                               {"system", "SystemName"},
                                               {"account", "AccountName"},
                                               {"status", "Status"},
                                               {"expires", "ExpiresDate"},
                                               {"policy", "AccessPolicyName"},
                                               {"reason", "ReasonCodeText"},
                                               {NULL, NULL}};
static const struct alias policy_aliases[] = {{"user", "UserName"},
                                              {"fullname", "FullName"},
                                              {"system", "SystemName"},
                                              {"account", "AccountName"},
                                              {"policy", "AccessPolicyName"},
                                              {"permtype", "PermissionType"},
                                              {"effective", "EffectiveFl"},
                                              {"group", "GroupName"},
                                              {NULL, NULL}};

static const char *const section_names[REC_NTYPES] = {"system", "account",
                                                      "request", "policy"};

static const char *const required[REC_NTYPES][6] = {
    {"SystemName", NULL},
    {"SystemName", "AccountName", NULL},
    {"RequestID", "UserName", "SystemName", "AccountName", "Status", NULL},
    {"UserName", "AccessPolicyName", NULL},
};

/* Canonical key for key in a record of type t, or NULL when unknown. */
static const char *canonical_key(enum rec_type t, const char *key)
{
    static const struct alias *const aliases[REC_NTYPES] = {
        system_aliases, account_aliases, request_aliases, policy_aliases};
    const struct column *cols[REC_NTYPES] = {system_columns, account_columns,
                                             request_columns, policy_columns};
    const size_t ncols[REC_NTYPES] = {n_system_columns, n_account_columns,
                                      n_request_columns, n_policy_columns};
    const struct column *c;

    if (ieq(key, "Repeat"))
        return "Repeat";
    for (const struct alias *a = aliases[t]; a->alias; a++)
        if (ieq(a->alias, key))
            return a->key;
    c = column_find(cols[t], ncols[t], key);
    if (c && (t != REC_SYSTEM || !ieq(key, "SystemID")) &&
        (t != REC_ACCOUNT || !ieq(key, "AccountID")))
        return c->name;
    return NULL;
}

static void rec_set(struct record *r, const char *key, const char *val)
{
    for (size_t i = 0; i < r->nf; i++) {
        if (ieq(r->f[i].key, key)) {
            free(r->f[i].val);
            r->f[i].val = xstrdup(val);
            return;
        }
    }
    r->f = xrealloc(r->f, (r->nf + 1) * sizeof(*r->f));
    r->f[r->nf].key = xstrdup(key);
    r->f[r->nf].val = xstrdup(val);
    r->nf++;
}

const char *rec_get(const struct record *r, const char *key)
{
    for (size_t i = 0; i < r->nf; i++)
        if (ieq(r->f[i].key, key))
            return r->f[i].val;
    return NULL;
}

static int check_record(const char *path, const struct record *r)
{
    for (size_t i = 0; required[r->type][i]; i++) {
        const char *v = rec_get(r, required[r->type][i]);

        if (!v || !*v) {
            sim_error("%s:%d: [%s] record lacks %s", path, r->line,
                      section_names[r->type], required[r->type][i]);
            return -1;
        }
    }
    return 0;
}

static char *trim(char *s)
{
    char *e;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* s with every "{n}" replaced by n; malloc'd. */
static char *subst_n(const char *s, long n)
{
    struct out o = {0};
    char num[32];

    snprintf(num, sizeof(num), "%ld", n);
    out_str(&o, "");
    while (*s) {
        if (strncmp(s, "{n}", 3) == 0) {
            out_str(&o, num);
            s += 3;
        } else {
            out_bytes(&o, s++, 1);
        }
    }
    return o.buf;
}

/* The N of a record's Repeat=N, 0 without one, -1 when N is bad. */
static long repeat_count(const char *path, const struct record *r)
{
    const char *rep = rec_get(r, "Repeat");
    char *end = NULL;
    long count;

    if (!rep)
        return 0;
    count = strtol(rep, &end, 10);
    if (!*rep || *end || count < 1 || count > 100000) {
        sim_error("%s:%d: Repeat wants 1..100000", path, r->line);
        return -1;
    }
    return count;
}

/* Expand every record with Repeat=N into N records; -1 on a bad N. */
static int expand_repeats(const char *path, struct fixture *fx)
{
    struct record *all = NULL;
    size_t n = 0;

    for (size_t i = 0; i < fx->n; i++)
        if (repeat_count(path, &fx->r[i]) < 0)
            return -1;
    for (size_t i = 0; i < fx->n; i++) {
        struct record *r = &fx->r[i];
        long count = repeat_count(path, r);

        if (count == 0) {
            all = xrealloc(all, (n + 1) * sizeof(*all));
            all[n++] = *r;
            continue;
        }
        all = xrealloc(all, (n + (size_t)count) * sizeof(*all));
        for (long k = 1; k <= count; k++) {
            struct record *c = &all[n++];

            c->type = r->type;
            c->line = r->line;
            c->nf = 0;
            c->f = NULL;
            for (size_t j = 0; j < r->nf; j++) {
                char *v;

                if (ieq(r->f[j].key, "Repeat"))
                    continue;
                v = subst_n(r->f[j].val, k);
                rec_set(c, r->f[j].key, v);
                free(v);
            }
        }
        for (size_t j = 0; j < r->nf; j++) {
            free(r->f[j].key);
            free(r->f[j].val);
        }
        free(r->f);
    }
    free(fx->r);
    fx->r = all;
    fx->n = n;
    return 0;
}

int fixture_load(const char *path, struct fixture *fx)
{
    FILE *fp = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0;
    struct record *cur = NULL;
    int rc = 0;

    fx->r = NULL;
    fx->n = 0;
    if (!fp) {
        sim_error("%s: %s", path, strerror(errno));
        return -1;
    }
    while (rc == 0 && (len = getline(&line, &cap, fp)) >= 0) {
        char *p = line;
        char *eq;

        lineno++;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        if (*p == '[') {
            char *name = trim(p);
            size_t n = strlen(name);
            int t;

            if (cur && check_record(path, cur) != 0) {
                rc = -1;
                break;
            }
            if (n < 2 || name[n - 1] != ']') {
                sim_error("%s:%d: bad section line", path, lineno);
                rc = -1;
                break;
            }
            name[n - 1] = '\0';
            name = trim(name + 1);
            for (t = 0; t < REC_NTYPES; t++)
                if (ieq(name, section_names[t]))
                    break;
            if (t == REC_NTYPES) {
                sim_error("%s:%d: unknown section [%s]", path, lineno, name);
                rc = -1;
                break;
            }
            fx->r = xrealloc(fx->r, (fx->n + 1) * sizeof(*fx->r));
            cur = &fx->r[fx->n++];
            cur->type = (enum rec_type)t;
            cur->line = lineno;
            cur->nf = 0;
            cur->f = NULL;
            continue;
        }
        eq = strchr(p, '=');
        if (!eq || !cur) {
            sim_error("%s:%d: %s", path, lineno,
                      cur ? "expected Key=Value"
                          : "expected a [section] line first");
            rc = -1;
            break;
        }
        *eq = '\0';
        {
            const char *key = canonical_key(cur->type, trim(p));

            if (!key) {
                sim_error("%s:%d: unknown key '%s' in [%s]", path, lineno,
                          trim(p), section_names[cur->type]);
                rc = -1;
                break;
            }
            rec_set(cur, key, eq + 1);
        }
    }
    if (rc == 0 && cur && check_record(path, cur) != 0)
        rc = -1;
    free(line);
    fclose(fp);
    if (rc == 0)
        rc = expand_repeats(path, fx);
    if (rc != 0)
        fixture_free(fx);
    return rc;
}

void fixture_free(struct fixture *fx)
{
    for (size_t i = 0; i < fx->n; i++) {
        for (size_t j = 0; j < fx->r[i].nf; j++) {
            free(fx->r[i].f[j].key);
            free(fx->r[i].f[j].val);
        }
        free(fx->r[i].f);
    }
    free(fx->r);
    fx->r = NULL;
    fx->n = 0;
}

const struct record *find_system(const struct fixture *fx, const char *name)
{
    for (size_t i = 0; i < fx->n; i++)
        if (fx->r[i].type == REC_SYSTEM &&
            ieq(rec_get(&fx->r[i], "SystemName"), name))
            return &fx->r[i];
    return NULL;
}

const struct record *find_account(const struct fixture *fx, const char *sys,
                                  const char *acct)
{
    for (size_t i = 0; i < fx->n; i++) {
        const struct record *r = &fx->r[i];

        if (r->type == REC_ACCOUNT && ieq(rec_get(r, "SystemName"), sys) &&
            ieq(rec_get(r, "AccountName"), acct))
            return r;
    }
    return NULL;
}

/* Local time now + offset_s as "YYYY-MM-DD HH:MM:SS.000". */
void format_time(char *buf, size_t len, long offset_s)
{
    time_t t = time(NULL) + offset_s;
    struct tm tm;

    if (!localtime_r(&t, &tm) ||
        strftime(buf, len, "%Y-%m-%d %H:%M:%S.000", &tm) == 0)
        snprintf(buf, len, "1970-01-01 00:00:00.000");
}

/* A date value "+N"/"-N" becomes now + N seconds; anything else is kept. */
const char *date_value(const char *v, char *buf, size_t len)
{
    const char *p = v;

    if (*p != '+' && *p != '-')
        return v;
    p++;
    if (!*p)
        return v;
    for (const char *q = p; *q; q++)
        if (!isdigit((unsigned char)*q))
            return v;
    format_time(buf, len, strtol(v, NULL, 10));
    return buf;
}
