/* SPDX-License-Identifier: MIT */
/* module.h: the interface between the credstack core and its loadable modules.
 */
#ifndef CREDSTACK_MODULE_H
#define CREDSTACK_MODULE_H

#include <stdarg.h>
#include <stddef.h>

#include <credstack/credstack.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The ABI version.  The core refuses a module built for another one.  Bump it
 * whenever struct credstack_module_ops or the semantics of a service change
 * incompatibly; adding a field at the end of the ops struct is compatible
 * because the struct starts with its size.
 */
#define CREDSTACK_MODULE_ABI_VERSION 1u

/* What a module's run() says.  Anything outside this range counts as ERROR. */
typedef enum credstack_result {
    CREDSTACK_RESULT_SUCCESS = 0, /* did its step */
    CREDSTACK_RESULT_DENIED,      /* not found, or not allowed */
    CREDSTACK_RESULT_IGNORE,      /* not applicable to this request */
    CREDSTACK_RESULT_ERROR, /* could not decide (backend down, bad data) */
    CREDSTACK_RESULT_COUNT  /* sentinel, not a result */
} credstack_result;

/* One stack line's module instance, as the module sees it. */
typedef struct credstack_module credstack_module;

/*
 * A module's operations.  init() runs once when the handle is opened and may
 * return private data through *data_out; run() runs once per request with it;
 * fini() releases it.  init and fini may be NULL.  init returns a
 * credstack_rc; on failure the module should explain with
 * credstack_module_error().
 */
struct credstack_module_ops {
    size_t size;          /* sizeof(struct credstack_module_ops) */
    unsigned abi_version; /* CREDSTACK_MODULE_ABI_VERSION */
    const char *name;     /* the module's name, e.g. "resolver-dns" */
    const char *description;
    int (*init)(credstack_module *mod, void **data_out);
    credstack_result (*run)(credstack_module *mod, credstack_request *req,
                            void *data);
    void (*fini)(void *data);
};

/* The one symbol a module exports.  Its type: */
typedef const struct credstack_module_ops *(*credstack_module_entry_fn)(void);
#define CREDSTACK_MODULE_ENTRY_SYMBOL "credstack_module_entry"

/*
 * Declare the entry point of a module whose ops are in `ops`.  It stays
 * visible even when the module is built with -fvisibility=hidden.
 */
#define CREDSTACK_MODULE_DEFINE(ops)                                           \
    __attribute__((visibility("default"))) const struct credstack_module_ops * \
    credstack_module_entry(void);                                              \
    const struct credstack_module_ops *credstack_module_entry(void)            \
    {                                                                          \
        return &(ops);                                                         \
    }

/* ---- Services of the core, for modules ---- */

/* The module's name (from the stack line). */
const char *credstack_module_name(const credstack_module *mod);

/* A key=value argument of the stack line, or NULL when absent. */
const char *credstack_module_arg(const credstack_module *mod, const char *key);

/*
 * Look up section.option of the configuration, interpolated.  During run()
 * options set on the request (credstack_request_set_option(), used by secret
 * sources) take precedence.  Returns CREDSTACK_OK with *value_out set (owned by
 * the core, valid until the request or handle ends), CREDSTACK_ERR_NOTFOUND
 * when the option is absent, or CREDSTACK_ERR_CONFIG (interpolation failed;
 * the message is already in the handle).
 */
int credstack_module_config_string(credstack_module *mod, const char *section,
                                   const char *option, const char **value_out);

/* A boolean option (yes/no, true/false, on/off, 1/0); def when absent. */
int credstack_module_config_bool(credstack_module *mod, const char *section,
                                 const char *option, int def, int *value_out);

/* An integer option within [min, max]; def when absent. */
int credstack_module_config_int(credstack_module *mod, const char *section,
                                const char *option, long def, long min,
                                long max, long *value_out);

/*
 * An option that must be one of `choices` (NULL-terminated, compared without
 * case); *index_out is its index.  def_index when absent (-1: required).
 */
int credstack_module_config_enum(credstack_module *mod, const char *section,
                                 const char *option, const char *const *choices,
                                 int def_index, int *index_out);

/*
 * Call fn(section, option, user) for every option whose value in the
 * configuration is exactly "$" (after interpolation): the vendor SDK's "take
 * this option from the credential store", with host = section and user =
 * option.  "$$" (a literal "$") is not one.  [DEFAULT] options are not
 * visited.  For secret sources, to check that they supplied every such
 * option.  Returns CREDSTACK_OK or CREDSTACK_ERR_INVALID.
 */
typedef void (*credstack_store_ref_fn)(const char *section, const char *option,
                                       void *user);
int credstack_module_config_store_refs(credstack_module *mod,
                                       credstack_store_ref_fn fn, void *user);

/* Log a message tagged with the module's name.  Never pass a secret. */
void credstack_module_log(credstack_module *mod, int level, const char *fmt,
                          ...) __attribute__((format(printf, 3, 4)));

/*
 * Record the detailed error message of the current init or run (what the
 * caller gets from credstack_error()); it is prefixed with the module's name
 * and also logged at ERROR level.  Never pass a secret.
 */
void credstack_module_error(credstack_module *mod, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Like credstack_module_error(), and also name the credstack_rc that explains
 * the failure (CREDSTACK_ERR_TIMEOUT, CREDSTACK_ERR_HOSTKEY, ...): when this
 * error decides the run, credstack_run() returns that code.  Without it an
 * error result is CREDSTACK_ERR_MODULE.
 */
void credstack_module_error_rc(credstack_module *mod, int rc, const char *fmt,
                               ...) __attribute__((format(printf, 3, 4)));

/*
 * Record why run() returned a non-success result, for --trace and the log
 * (INFO level): "no system at 10.0.0.5".  Never pass a secret.
 */
void credstack_module_note(credstack_module *mod, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The handle a module belongs to (for modules that need the error text). */
credstack_handle *credstack_module_handle(credstack_module *mod);

/* ---- Per-request services ---- */

/* credstack_request_get()/credstack_request_set() of credstack.h work here too.
 */

/*
 * Attach data to the request under `key`; cleanup(data) runs when the
 * request is freed or the key is set again.  Modules of one request share
 * state this way (one TPAM session per request).
 */
int credstack_request_set_data(credstack_request *req, const char *key,
                               void *data, void (*cleanup)(void *data));

/* The data attached under `key`, or NULL. */
void *credstack_request_get_data(const credstack_request *req, const char *key);

/*
 * Override section.option for the rest of this request (secret sources).  The
 * value is copied and wiped when the request is freed; `secret` values are
 * never shown in traces.
 */
int credstack_request_set_option(credstack_request *req, const char *section,
                                 const char *option, const char *value,
                                 int secret);

/* Wipe len bytes at p in a way the compiler cannot remove. */
void credstack_wipe(void *p, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* CREDSTACK_MODULE_H */
