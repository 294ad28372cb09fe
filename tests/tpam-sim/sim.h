/* SPDX-License-Identifier: MIT */
/* sim.h: shared declarations of the tpam-sim TPAM 2.5 CLI emulator. */
#ifndef TPAM_SIM_H
#define TPAM_SIM_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stddef.h>

/* Exit statuses. */
#define SIM_EXIT_OK 0
#define SIM_EXIT_USAGE 1
#define SIM_EXIT_NOTIMPL 2
#define SIM_EXIT_SETUP 3

/* ---- out.c: growable output buffer ---- */
struct out {
    char *buf;
    size_t len;
    size_t cap;
};

void out_bytes(struct out *o, const char *s, size_t n);
void out_str(struct out *o, const char *s);
void out_field(struct out *o, const char *s); /* s then a tab */
void out_eol(struct out *o);                  /* CRLF */
void out_line(struct out *o, const char *s);  /* s then CRLF */
void out_free(struct out *o);
int write_all(int fd, const char *buf, size_t len);
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* ---- match.c: case-insensitive comparison and '*' wildcards ---- */
int ieq(const char *a, const char *b);
int iprefix(const char *prefix, const char *s);
int wildmatch(const char *pattern, const char *s);
/* How a list filter matches a value (faults file: filter=). */
enum filter_mode {
    FILTER_WILDCARD = 0, /* default: '*' globs, else the whole value */
    FILTER_EXACT,        /* the whole value, '*' is an ordinary character */
    FILTER_SUBSTRING,    /* the value contains the filter */
    FILTER_PREFIX,       /* the value begins with the filter */
    FILTER_IGNORE        /* filters are ignored: every row is listed */
};
int filter_ok(int mode, int case_sensitive, const char *filter,
              const char *value);

/* ---- args.c: tokenizer and TPAM-style option parser ---- */
struct token {
    char *text;   /* unquoted text */
    int quoted;   /* some part was double-quoted */
    size_t start; /* span in the raw command line */
    size_t end;
};

struct tokens {
    struct token *t;
    size_t n;
};

int tokenize(const char *line, struct tokens *out, const char **err);
void tokens_free(struct tokens *tk);
int is_option_token(const struct token *t);
/* Resolve name among names[0..n-1]: exact (case-insensitive) match first,
 * then unique prefix. Returns index, -1 unknown, -2 ambiguous. */
int resolve_name(const char *name, const char *const *names, size_t n);

/* ---- fixture.c: the fixture file ---- */
enum rec_type { REC_SYSTEM, REC_ACCOUNT, REC_REQUEST, REC_POLICY, REC_NTYPES };

struct field {
    char *key;
    char *val;
};

struct record {
    enum rec_type type;
    int line;
    size_t nf;
    struct field *f;
};

struct fixture {
    struct record *r;
    size_t n;
};

int fixture_load(const char *path, struct fixture *fx);
void fixture_free(struct fixture *fx);
const char *rec_get(const struct record *r, const char *key);
const struct record *find_system(const struct fixture *fx, const char *name);
const struct record *find_account(const struct fixture *fx, const char *sys,
                                  const char *acct);
void format_time(char *buf, size_t len, long offset_s);
const char *date_value(const char *v, char *buf, size_t len);

/* ---- columns.c: column lists of the list commands ---- */
struct column {
    const char *name;
    const char *def; /* default value when the fixture sets none */
};

extern const struct column system_columns[];
extern const size_t n_system_columns;
extern const struct column account_columns[];
extern const size_t n_account_columns;
extern const struct column request_columns[];
extern const size_t n_request_columns;
extern const struct column policy_columns[];
extern const size_t n_policy_columns;
const struct column *column_find(const struct column *cols, size_t n,
                                 const char *name);

/* ---- faults.c: the faults file ---- */
struct faults {
    long delay_ms;
    int hang;
    int drop;
    int garbage;
    int half_line;
    int leading_blank;
    int lf_only;
    int empty;
    char *retrieve_error;
    char *retrieve_output; /* escapes decoded, printed as it is */
    char *list_output;     /* escapes decoded, instead of a list's table */
    int filter_mode;       /* enum filter_mode */
    int filter_case;       /* 1: filters compare letter case */
    int filter_set;        /* filter= was given */
    int case_set;          /* filter_case= was given */
    char *command;         /* comma-separated list, NULL = all commands */
    int exit_set;          /* exit_status= given */
    long exit_status;      /* the command's exit status, whatever it printed */
};

int faults_load(const char *path, struct faults *f, int only_filters);
int faults_apply_to(const struct faults *f, const char *command);
void faults_free(struct faults *f);
void faults_before(
    const struct faults *f); /* delay, hang, drop, garbage, empty */
void faults_shape(const struct faults *f, struct out *o); /* output faults */

/* ---- errors.c: setup errors, also kept in STATE/errors ---- */
void sim_errors_to(const char *path);
void sim_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- cmdlog.c: commands.log ---- */
void cmdlog_append(const char *path, const char *line, const struct tokens *tk);
/* Microseconds since the epoch; append a command's interval to an existing
 * DIR/timing.log (nothing when the file does not exist). */
long long timing_now_us(void);
void timing_append(const char *path, long long start_us, const char *name);

/* ---- commands.c: command table and usage ---- */
#define MAX_OPTS 16

struct ctx {
    const struct command *cmd;
    const struct fixture *fx;
    const struct faults *faults; /* NULL when no fault applies */
    int filter_mode;             /* how list filters match (enum) */
    int filter_case;             /* 1: with letter case */
    const char *opt[MAX_OPTS];   /* option values by index, NULL = absent */
    struct out *o;
};

struct command {
    const char *name;
    const char *const *opts;
    size_t nopts;
    int (*run)(struct ctx *c); /* NULL = not implemented */
};

extern const struct command commands[];
extern const size_t n_commands;
int command_find(const char *name);
void usage(struct out *o, const struct command *cmd, const char *why);
const char *optv(const struct ctx *c, const char *name);
long max_rows(const char *v);
int parse_options(const struct tokens *tk, struct ctx *c);

/* ---- list.c: engine of the List* commands ---- */
struct listdef {
    enum rec_type type;
    const struct column *cols;
    size_t ncols;
    const char *none; /* "No Systems to list" ... */
    /* Value of column col of row r (pos = 1-based position among its type). */
    const char *(*cell)(const struct fixture *fx, const struct record *r,
                        size_t pos, const char *col, char *buf, size_t len);
    int (*extra)(struct ctx *c, const struct record *r); /* optional filter */
};

int list_run(struct ctx *c, const struct listdef *d);
const char *plain_cell(const struct column *cols, size_t ncols,
                       const struct record *r, const char *col);

/* ---- cmd_*.c ---- */
int cmd_list_systems(struct ctx *c);
int cmd_list_accounts(struct ctx *c);
int cmd_list_request_details(struct ctx *c);
int cmd_list_assigned_policies(struct ctx *c);
int cmd_retrieve(struct ctx *c);

#endif
