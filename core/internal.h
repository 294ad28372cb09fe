/* SPDX-License-Identifier: MIT */
/* internal.h: struct bodies and helpers shared by the core's files; never
 * installed. */
#ifndef CREDSTACK_CORE_INTERNAL_H
#define CREDSTACK_CORE_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

#include <credstack/credstack.h>
#include <credstack/module.h>

#include "config.h"

#define CS_ERRLEN 1024

/* What the dispatcher does with one module result (see actions.c). */
typedef enum cs_action {
    CS_ACTION_IGNORE = 0, /* the result does not count */
    CS_ACTION_OK,         /* a positive result for the stage */
    CS_ACTION_DONE,       /* a positive result that ends the stage */
    CS_ACTION_BAD,        /* a failure; the stage goes on, then fails */
    CS_ACTION_DIE,        /* a failure that ends the run at once */
    CS_ACTION_COUNT
} cs_action;

/* One key=value argument of a stack line. */
typedef struct cs_arg {
    char *key;
    char *value;
} cs_arg;

/*
 * A line's condition (@if=section.option[=v1|v2], @if=!section.option): the
 * line is active only when every condition holds (stack_cond.c).
 */
typedef struct cs_cond {
    char *section;
    char *option;
    char **values; /* NULL: "is true / set"; else any of these, no case */
    size_t nvalues;
    int negate;
} cs_cond;

/* One parsed stack line. */
typedef struct cs_line {
    char *stage;   /* a free word naming the group of lines */
    char *control; /* the control as written, for check and traces */
    cs_action actions[CREDSTACK_RESULT_COUNT];
    char *module; /* module name */
    cs_arg *args;
    size_t nargs;
    cs_cond *conds;
    size_t nconds;
    char *file; /* where the line came from */
    unsigned lineno;
} cs_line;

/* A stack: its lines and, when a configuration section chose it, which. */
typedef struct cs_stack {
    cs_line *lines;
    size_t nlines;
    char *path;      /* the stack file */
    char *chosen_by; /* "[section] at credstack.conf:3", or NULL */
} cs_stack;

/* Whether a module's ops struct is large enough to hold `field`. */
#define CS_OPS_HAS(ops, field)                                                 \
    ((ops)->size >=                                                            \
     offsetof(struct credstack_module_ops, field) + sizeof((ops)->field))

/* A loaded module file, shared by every line that names it. */
typedef struct cs_dso {
    char *name;
    char *path;      /* <module dir>/<name>.so, for messages */
    int fd;          /* the checked file, loaded as /proc/self/fd/<fd> */
    void *lt_handle; /* lt_dlhandle */
    const struct credstack_module_ops *ops;
    struct cs_dso *next;
} cs_dso;

/* A stack line's module instance (the module's credstack_module). */
struct credstack_module {
    credstack_handle *h;
    const cs_line *line;
    cs_dso *dso;
    void *data;      /* from init() */
    int active;      /* its conditions hold */
    int initialised; /* init() succeeded: free() runs at close */
    long budget_ms;  /* credstack_module_set_budget(); 0: not said */
};

/* One error: a code, a message and where it arose ("file:line"). */
typedef struct cs_error {
    int code; /* credstack_rc; CREDSTACK_OK when none */
    char where[256];
    char msg[CS_ERRLEN];
} cs_error;

/* A value supplied by a secret source, or handed in by the caller. */
typedef struct cs_value {
    char *section;
    char *option;
    char *value; /* a secret: wiped before free */
    struct cs_value *next;
} cs_value;

/* A string the core derived for a module (an absolute path), kept to close. */
typedef struct cs_owned {
    char *s;
    struct cs_owned *next;
} cs_owned;

typedef struct cs_cache cs_cache;

/* A file the handle's answers depend on (inputs.c). */
typedef struct cs_input cs_input;

struct credstack_handle {
    cs_config *cfg;
    /* The application's declarations (credstack_open_args.app_options),
     * copied; ended by a zeroed entry; NULL: none. */
    struct credstack_option *app_options;
    cs_stack stack;
    credstack_module *mods; /* one per stack line */
    cs_dso *dsos;
    char *module_dir;
    int loader_up; /* cs_loader_init() succeeded */
    int log_level;
    int log_stderr;
    FILE *trace;
    /* Problems found while opening: one per line, "file:line: ...". */
    char *problems;
    size_t problems_len;
    unsigned nproblems;
    unsigned long problem_reports; /* every cs_problem() call, repeats too */
    cs_value *supplied;            /* from secret sources, newest first */
    size_t nsupplied;
    cs_value *caller_values; /* from credstack_open_with() */
    cs_owned *owned;
    cs_value *probed; /* credstack_module_probe_first() keys */
    credstack_probe_fn probe_fn;
    void *probe_user;
    int probe_failed;
    const credstack_module *probing;
    cs_cache *cache;
    long cache_ttl[CREDSTACK_CACHE_KIND_COUNT];
    /* Live requests, so that close can empty them (request.c). */
    pthread_mutex_t lock;
    credstack_request *requests;
    /* What it read and loaded, in order (inputs.c), added only while
     * opening is set. */
    cs_input *inputs;
    int opening;
};

typedef struct cs_data {
    char *key;
    void *data;
    void (*cleanup)(void *data);
    struct cs_data *next;
} cs_data;

struct credstack_request {
    credstack_handle *h; /* NULL once the handle closed */
    char *items[CREDSTACK_ITEM_COUNT];
    cs_data *data;
    FILE *trace;
    int own_trace; /* credstack_request_set_trace() was called */
    FILE *log;     /* credstack_request_set_log(), or NULL */
    int log_level; /* its level (0: the handle's) */
    const credstack_module *running; /* the line whose run() is on */
    cs_error why;                    /* what the running line explained */
    cs_error err;                    /* why the last run failed */
    int lookahead; /* the run is in its look-ahead pass (dispatch.c) */
    credstack_request *prev, *next; /* in h->requests */
};

/* errors.c */
void cs_problem(credstack_handle *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cs_vproblem(credstack_handle *h, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void cs_error_set(cs_error *e, int code, const char *where, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));
int cs_item_is_secret(credstack_item item);
void cs_problems_sort(credstack_handle *h);

/* log.c */
void cs_log(const credstack_handle *h, int level, const char *tag,
            const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void cs_vlog(const credstack_handle *h, int level, const char *tag,
             const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
const char *cs_log_level_name(int level);
void cs_log_capture(FILE *sink, int level);

/* lookahead.c: whether this thread runs a look-ahead pass (dispatch.c
 * sets it; its log lines are dropped, the cache is not written). */
void cs_lookahead_set(int on);
int cs_lookahead_active(void);

/* actions.c */
const char *cs_result_name(int result);
const char *cs_action_name(cs_action action);
int cs_actions_from_control(const char *control, cs_action *actions, char *err,
                            size_t errlen);

/* stack_parse.c */
int cs_stack_parse_file(const char *path, cs_stack *stack, char *err,
                        size_t errlen);
/* The stack read from f (at most 1 MiB), named path in messages. */
int cs_stack_parse_stream(FILE *f, const char *path, cs_stack *stack, char *err,
                          size_t errlen);
int cs_stack_parse_string(const char *text, const char *name, cs_stack *stack,
                          char *err, size_t errlen);
void cs_stack_clear(cs_stack *stack);
const char *cs_line_arg(const cs_line *line, const char *key);

/* stack_cond.c */
int cs_cond_parse(const char *text, cs_cond *cond, char *err, size_t errlen);
void cs_cond_clear(cs_cond *cond);
int cs_line_conditions_hold(credstack_handle *h, const cs_line *line,
                            int *active_out);
void cs_cond_print(FILE *out, const cs_cond *cond);

/* stack_select.c: the stack file for a handle (given, configured, chosen) */
int cs_stack_select(credstack_handle *h, const char *stack_path);

/* loader.c */
int cs_loader_init(void);
void cs_loader_exit(void);
int cs_dso_load(credstack_handle *h, const char *name, cs_dso **dso_out,
                char *err, size_t errlen);
void cs_dso_unload_all(credstack_handle *h);

/* options.c: declared options and their values */
/* The minimum option_size: every field of version 2's struct. */
#define CS_OPTION_SIZE_MIN                                                     \
    (offsetof(struct credstack_option, help) + sizeof(const char *))
const struct credstack_option *cs_option_core(size_t i);
const struct credstack_option *
cs_option_decl_at(const struct credstack_module_ops *ops, size_t i);
int cs_option_same_section(const char *a, const char *b);
const cs_value *cs_option_supplied(const credstack_handle *h,
                                   const char *section, const char *name);
const struct credstack_option *cs_option_decl(const credstack_module *mod,
                                              const char *section,
                                              const char *name);
const struct credstack_option *cs_option_any_decl(const credstack_handle *h,
                                                  const char *section,
                                                  const char *name);
int cs_option_value(credstack_handle *h, const char *section, const char *name,
                    const char **value_out, unsigned *line_out);
int cs_core_options_read(credstack_handle *h);
int cs_option_parse(credstack_handle *h, const struct credstack_option *o,
                    const char *section, const char *value, unsigned line,
                    long *num_out, char *err, size_t errlen);

/* options_check.c: a configuration checked against the declarations */
int cs_options_check_decls(credstack_handle *h);
void cs_options_check_values(credstack_handle *h, int check_required,
                             int secret_sources_failed);
void cs_options_check_unknown(credstack_handle *h);

/* stack_args.c: ${section.option} in stack arguments */
int cs_args_expand(credstack_handle *h);

/* request.c */
void cs_requests_orphan(credstack_handle *h);

/* options.c: options written as exactly "$" and not supplied yet */
void cs_config_store_refs(credstack_handle *h, credstack_store_ref_fn fn,
                          void *user);
int cs_value_is_store_ref(credstack_handle *h, const char *section,
                          const char *option);

/* inputs.c: record a file before reading it; every loaded object */
int cs_input_add(credstack_handle *h, const char *path, const char *what);
/* The same with what stat(2) said before the file was read elsewhere
 * (seen, or seen_err its errno): a configuration read before the open. */
int cs_input_add_seen(credstack_handle *h, const char *path, const char *what,
                      const struct stat *seen, int seen_err);

/* A configuration read once (config_api.c), and what opening takes of it. */
struct credstack_config {
    char *path;
    cs_config *cfg; /* NULL when it could not be read or parsed */
    char *text;     /* the bytes read (NULL when unreadable) */
    size_t len;
    int rc;
    char err[CS_ERRLEN];
    struct stat seen; /* stat(2) before the read */
    int seen_err;     /* its errno, or 0 */
};
void cs_inputs_add_loaded(credstack_handle *h);
void cs_inputs_free(credstack_handle *h);

/* cache.c */
void cs_cache_free(cs_cache *c);
size_t cs_cache_count(cs_cache *c);

/* audit.c */
void cs_audit(credstack_handle *h, const credstack_request *req, int rc,
              long long started_ms);

/* util.c */
char *cs_strdup(const char *s);
char *cs_strndup(const char *s, size_t n);
void cs_free_secret(char *s);
char *cs_path_relative_to(const char *base_file, const char *path);
unsigned cs_edit_distance(const char *a, const char *b, unsigned cap);
/*
 * Open file (a plain name) in directory dir for loading, after checking that
 * nobody but root or us can have changed what is opened: every directory from
 * / down to dir, and the file (regular, not a symbolic link, owned by root or
 * us, not writable by group or others).  CREDSTACK_OK and an O_RDONLY
 * descriptor in *fd_out (close it); CREDSTACK_ERR_NOTFOUND when dir or the
 * file does not exist; CREDSTACK_ERR_MODULE when refused; the reason in err.
 */
int cs_open_module_file(const char *dir, const char *file, int *fd_out,
                        char *err, size_t errlen);

/*
 * The same checks for any file credstack loads or reads for policy (a
 * module's private libraries, stack files).  With CS_OPEN_FOLLOW, a
 * symbolic link as the file (owned by root or us) is followed, and its
 * target checked the same way, directories included.
 */
#define CS_OPEN_FOLLOW 1u
int cs_open_checked(const char *dir, const char *file, unsigned flags,
                    int *fd_out, char *err, size_t errlen);

/*
 * Before the module open in fd (from module_dir) is loaded: find the private
 * libraries it needs as the dynamic linker would (the module's RPATH, the
 * program's RPATH, LD_LIBRARY_PATH, the module's RUNPATH; $ORIGIN is the
 * module's directory), and those libraries' own, check each with
 * cs_open_checked() and load it through its checked descriptor, so that the
 * module's DT_NEEDED resolves to what was checked.  Libraries already
 * loaded, or found only through the system's cache and default
 * directories, are left to the dynamic linker.  CREDSTACK_OK, or
 * CREDSTACK_ERR_MODULE with err naming the library refused.  Call with the
 * loader's lock held.
 */
int cs_deps_preload(credstack_handle *h, int fd, const char *module_dir,
                    char *err, size_t errlen);

#endif /* CREDSTACK_CORE_INTERNAL_H */
