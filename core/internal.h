/* SPDX-License-Identifier: MIT */
/* internal.h: struct bodies and helpers shared by the core's files; never
 * installed. */
#ifndef CREDSTACK_CORE_INTERNAL_H
#define CREDSTACK_CORE_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

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

/* One parsed stack line. */
typedef struct cs_line {
    char *stage;   /* secret, checkout, resolve, map, authorize, ... */
    char *control; /* the control as written, for check and traces */
    cs_action actions[CREDSTACK_RESULT_COUNT];
    char *module; /* module name */
    cs_arg *args;
    size_t nargs;
    char *file; /* where the line came from */
    unsigned lineno;
} cs_line;

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
    void *data; /* from init() */
    int initialised;
    credstack_request *req; /* the request being run, NULL during init */
    char note[CS_ERRLEN];   /* why the last run was not a success */
    int rc;                 /* credstack_rc of the last error result */
};

typedef struct cs_stack {
    cs_line *lines;
    size_t nlines;
    int derived; /* built from [tpam] options, not read from a file */
} cs_stack;

struct credstack_handle {
    cs_config *cfg;
    cs_stack stack;
    credstack_module *mods; /* one per stack line */
    cs_dso *dsos;
    char *module_dir;
    int loader_up; /* cs_loader_init() succeeded */
    int log_level;
    int log_stderr;
    FILE *trace;
    char err[CS_ERRLEN];
};

/* A per-request option override (from a secret source). */
typedef struct cs_override {
    char *section;
    char *option;
    char *value;
    int secret;
    struct cs_override *next;
} cs_override;

typedef struct cs_data {
    char *key;
    void *data;
    void (*cleanup)(void *data);
    struct cs_data *next;
} cs_data;

struct credstack_request {
    credstack_handle *h;
    char *items[CREDSTACK_ITEM_COUNT];
    cs_override *overrides;
    cs_data *data;
};

/* errors.c */
void cs_set_error(credstack_handle *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cs_vset_error(credstack_handle *h, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
int cs_item_is_secret(credstack_item item);

/* log.c */
void cs_log(const credstack_handle *h, int level, const char *tag,
            const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void cs_vlog(const credstack_handle *h, int level, const char *tag,
             const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
int cs_log_level_parse(const char *text, int *level_out);
const char *cs_log_level_name(int level);

/* actions.c */
const char *cs_result_name(int result);
const char *cs_action_name(cs_action action);
int cs_actions_from_control(const char *control, cs_action *actions, char *err,
                            size_t errlen);

/* stack_parse.c */
int cs_stack_parse_file(const char *path, cs_stack *stack, char *err,
                        size_t errlen);
int cs_stack_parse_string(const char *text, const char *name, cs_stack *stack,
                          char *err, size_t errlen);
void cs_stack_clear(cs_stack *stack);
const char *cs_line_arg(const cs_line *line, const char *key);
int cs_stack_append(cs_stack *stack, const char *stage, const char *control,
                    const char *module, const char *const *args,
                    const char *file, unsigned lineno, char *err,
                    size_t errlen);

/* stack_default.c */
int cs_stack_derive(credstack_handle *h, cs_stack *stack);

/* loader.c */
int cs_loader_init(void);
void cs_loader_exit(void);
int cs_dso_load(credstack_handle *h, const char *name, cs_dso **dso_out);
void cs_dso_unload_all(credstack_handle *h);

/* dispatch.c */
int cs_dispatch(credstack_handle *h, credstack_request *req);

/* module_api.c: options written as exactly "$" (take from the credential store)
 */
void cs_config_store_refs(credstack_handle *h, credstack_store_ref_fn fn,
                          void *user);

/* config_check.c */
void cs_config_check(credstack_handle *h);
int cs_config_lookup(credstack_handle *h, credstack_request *req,
                     const char *section, const char *option,
                     const char **value_out);

/* util.c */
char *cs_strdup(const char *s);
char *cs_strndup(const char *s, size_t n);
void cs_free_secret(char *s);
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

#endif /* CREDSTACK_CORE_INTERNAL_H */
