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
 * The ABI version.  The core refuses a module built for another one, naming
 * both versions.  Bump it whenever struct credstack_module_ops, struct
 * credstack_option or the semantics of a service change incompatibly.  Adding
 * a field at the end of either struct is compatible: both cross the ABI with
 * their size (ops->size, ops->option_size), and the core reads a field only
 * when the module's size covers it.
 *
 * Version 1 (credstack 0.1) read options lazily at request time; version 2
 * declares them, and the core checks them all when the handle opens.
 */
#define CREDSTACK_MODULE_ABI_VERSION 2u

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

/* ---- Declared options ---- */

/* What an option's value must be; the core checks it before init(). */
typedef enum credstack_option_type {
    CREDSTACK_OPTION_STRING = 0, /* any text */
    CREDSTACK_OPTION_BOOL,       /* yes/no, true/false, on/off, 1/0, any case */
    CREDSTACK_OPTION_INT,        /* a decimal integer within [min, max] */
    CREDSTACK_OPTION_PORT,       /* a TCP port, 1..65535 */
    CREDSTACK_OPTION_ENUM,       /* one of choices, compared without case */
    CREDSTACK_OPTION_PRIVATE_KEY, /* an unencrypted PEM or OpenSSH key */
    CREDSTACK_OPTION_KNOWN_HOSTS, /* one known_hosts line per line */
    CREDSTACK_OPTION_PATH, /* a path; relative = to the configuration file */
    CREDSTACK_OPTION_TYPE_COUNT /* sentinel, not a type */
} credstack_option_type;

/* Flags of a declared option. */
enum credstack_option_flags {
    /* Absent or empty is an error (when the module's line is active). */
    CREDSTACK_OPTION_REQUIRED = 1u << 0,
    /* Never shown; a value written in the configuration itself draws a
     * warning that the credential store ("$") is the safer place. */
    CREDSTACK_OPTION_SECRET = 1u << 1,
};

/*
 * One option a module reads.  A module's ops list them in an array ended by
 * an entry whose name is NULL.  Several modules may declare the same option
 * (the TPAM modules all declare [tpam] server); their declarations should
 * agree.
 */
struct credstack_option {
    /* The configuration section ("tpam"), or NULL for an argument of the
     * module's stack line (key=value). */
    const char *section;
    const char *name; /* the option's name, lower case */
    credstack_option_type type;
    unsigned flags;             /* enum credstack_option_flags */
    const char *def;            /* the default, as text; NULL: none */
    long min, max;              /* INT: the range (inclusive) */
    const char *const *choices; /* ENUM: NULL-terminated */
    /*
     * A deeper check of a value that passed its type's own (a key that
     * libssh must be able to import, say); NULL for none.  Return 0 to
     * accept, or write one line (never the value if it may be a secret)
     * into err and return nonzero.
     */
    int (*check)(const char *value, char *err, size_t errlen);
    const char *help; /* what the option is, for messages */
};

/* Flags of a module (ops->flags). */
enum credstack_module_flags {
    /*
     * A secret source: its init() runs first, before the other modules'
     * options are checked, and supplies option values with
     * credstack_module_supply() (the local credential store, or the values
     * the caller resolved).  Its work is then done (a failing init() stops
     * the open), so its run() may be NULL: its line then succeeds.
     */
    CREDSTACK_MODULE_SECRET_SOURCE = 1u << 0,
    /*
     * The module's run() knows the look-ahead pass
     * (credstack_request_lookahead()).  A line whose module lacks this flag
     * ends a look-ahead pass: modules that change or release anything (a
     * checkout) never run in one.
     */
    CREDSTACK_MODULE_LOOKAHEAD = 1u << 1,
};

/*
 * A module's operations.
 *
 * - init() runs once per stack line when the handle opens, after every
 *   declared option of the stack has been checked; it turns the options it
 *   reads (credstack_module_option_*()) into private data returned through
 *   *data_out.  On failure it explains with credstack_module_error() and
 *   returns a credstack_rc.  May be NULL.
 * - run() runs once per request with that data; it reads only its data and
 *   the request.  Requests may run concurrently on one handle (the agent):
 *   run() must not change data.  Required, except of a secret source.
 * - free() releases the data at close.  May be NULL.
 * - probe() (credstack check --connect) exercises the backend: connect,
 *   authenticate, one harmless command, each step reported with
 *   credstack_module_probe_report().  May be NULL.
 * - status() (credstack agent --status) reports the module's state, may run
 *   while requests run, and must not block on them.  May be NULL.
 */
struct credstack_module_ops {
    size_t size;          /* sizeof(struct credstack_module_ops) */
    unsigned abi_version; /* CREDSTACK_MODULE_ABI_VERSION */
    const char *name;     /* the module's name, e.g. "resolver-dns" */
    const char *description;
    unsigned flags;                         /* enum credstack_module_flags */
    const struct credstack_option *options; /* ended by name == NULL */
    size_t option_size; /* sizeof(struct credstack_option) */
    int (*init)(credstack_module *mod, void **data_out);
    credstack_result (*run)(credstack_module *mod, credstack_request *req,
                            void *data);
    void (*free)(void *data);
    int (*probe)(credstack_module *mod, void *data);
    /* credstack agent --status: report the module's backend sessions with
     * credstack_module_status_line().  May be NULL. */
    void (*status)(credstack_module *mod, void *data);
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

/*
 * The value of a declared option, checked and with its default applied (in
 * init() and probe(); run() reads only its data).  section NULL reads an
 * argument of the stack line.  Strings are owned by the core and stay valid
 * until the handle closes; a secret's copy must be wiped by the module.
 * Returns CREDSTACK_OK; CREDSTACK_ERR_NOTFOUND when the option is absent and
 * has no default (*value_out is then NULL, 0 or -1); CREDSTACK_ERR_INVALID
 * when the module did not declare the option with that type (a bug: the
 * core records it).
 */
int credstack_module_option_string(credstack_module *mod, const char *section,
                                   const char *name, const char **value_out);
int credstack_module_option_bool(credstack_module *mod, const char *section,
                                 const char *name, int *value_out);
/* INT and PORT options. */
int credstack_module_option_int(credstack_module *mod, const char *section,
                                const char *name, long *value_out);
/* ENUM options: the index of the value among the declared choices. */
int credstack_module_option_enum(credstack_module *mod, const char *section,
                                 const char *name, int *index_out);

/* The configuration file's line where section.option is set (0: unknown). */
unsigned credstack_module_option_line(credstack_module *mod,
                                      const char *section, const char *name);

/*
 * Record a file this module reads when the handle opens (call it before
 * reading the file): credstack_inputs_changed() then watches it, so that a
 * process that keeps the handle open (the agent) never answers from what the
 * file said before it changed.  `what` names its kind for messages
 * ("credential store"); NULL: the module's name.  The configuration, stack
 * and module files are recorded by the core.  A file that does not exist
 * may be recorded too: its appearance is then a change.  Only while the
 * handle opens (from init()); CREDSTACK_ERR_INVALID afterwards.
 */
int credstack_module_add_input(credstack_module *mod, const char *path,
                               const char *what);

/*
 * The longest one run() of this module can take, in milliseconds, from its
 * own timeouts (connect and command timeouts, retries, servers tried): call
 * it from init().  The core adds these into credstack_request_budget_ms(),
 * which bounds how long the agent's caller waits for an answer.
 */
void credstack_module_set_budget(credstack_module *mod, long ms);

/* The configuration file's path, for messages. */
const char *credstack_module_config_path(const credstack_module *mod);

/*
 * Call fn(section, option, user) for every option whose value in the
 * configuration is exactly "$" (after interpolation; "$$" is a literal "$")
 * and that no secret source has supplied yet: the vendor SDK's "take this
 * option from the credential store", host = section, user = option.
 */
typedef void (*credstack_store_ref_fn)(const char *section, const char *option,
                                       void *user);
int credstack_module_config_store_refs(credstack_module *mod,
                                       credstack_store_ref_fn fn, void *user);

/*
 * Secret sources, in init() only: supply section.option's value for the
 * handle (it replaces the configured value, "$" or not).  The value is
 * copied, kept as a secret and wiped at close.
 */
int credstack_module_supply(credstack_module *mod, const char *section,
                            const char *option, const char *value);

/* How many option values secret sources have supplied so far. */
size_t credstack_module_supplied_count(const credstack_module *mod);

/*
 * Secret sources: a value the caller resolved itself and handed to
 * credstack_open_with() (the SPS plugin's credential store), or NULL.
 */
const char *credstack_module_caller_value(const credstack_module *mod,
                                          const char *section,
                                          const char *option);

/* Log a message tagged with the module's name.  Never pass a secret. */
void credstack_module_log(credstack_module *mod, int level, const char *fmt,
                          ...) __attribute__((format(printf, 3, 4)));

/*
 * In init() or probe(): record a problem with the configuration or the
 * module's data (several may be recorded; open reports them all).  The
 * message is prefixed with the stack line; name the option and its line
 * (credstack_module_option_line()).  Never pass a secret.
 */
void credstack_module_error(credstack_module *mod, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * In init(): a problem with one option's value, reported as
 * "<configuration file>:<line>: <section>.<option>: <message>" (section NULL:
 * "<stack file>:<line>: <module>.<argument>: ...").  Never pass a secret.
 */
void credstack_module_option_error(credstack_module *mod, const char *section,
                                   const char *option, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * In probe(): one step's outcome ("tcp", "hostkey", "auth", "command"),
 * with a fix hint for a failure (NULL for none).  Never pass a secret.
 */
void credstack_module_probe_report(credstack_module *mod,
                                   credstack_probe_status status,
                                   const char *step, const char *hint,
                                   const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * In probe(): whether `key` (e.g. "tpam:host:22:user") is probed for the
 * first time in this check, so that modules sharing one backend probe it
 * once.  1 the first time, 0 after.
 */
int credstack_module_probe_first(credstack_module *mod, const char *key);

/* In status(): one line of the module's state.  Never a secret. */
void credstack_module_status_line(credstack_module *mod, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- Per-request services (in run()) ---- */

/* credstack_request_get()/credstack_request_set() of credstack.h work here. */

/*
 * Explain the result run() is about to return: for ERROR, rc names the
 * failure (CREDSTACK_ERR_TIMEOUT, CREDSTACK_ERR_HOSTKEY, CREDSTACK_ERR_BACKEND,
 * ...; when this line decides the run, credstack_run() returns it; a code
 * outside the range counts as CREDSTACK_ERR_MODULE); for DENIED or IGNORE,
 * pass CREDSTACK_ERR_DENIED and a reason ("no system at 10.0.0.5").  The
 * message is logged (ERROR or INFO) and shown by --trace.  Never pass a
 * secret.
 */
void credstack_request_explain(credstack_request *req, int rc, const char *fmt,
                               ...) __attribute__((format(printf, 3, 4)));

/*
 * Attach data to the request under `key`; cleanup(data) runs when the
 * request is freed, when the key is set again, or when the handle closes
 * first (modules are still loaded then).  Modules of one request share state
 * this way (one TPAM session per request).
 */
int credstack_request_set_data(credstack_request *req, const char *key,
                               void *data, void (*cleanup)(void *data));

/* The data attached under `key`, or NULL. */
void *credstack_request_get_data(const credstack_request *req, const char *key);

/*
 * Whether run() is called in a look-ahead pass.  When the handle's cache
 * holds entries (an agent's, across requests), the core first runs the
 * stack's lines in a look-ahead pass, then runs the request for real from
 * the first line, as if there had been none.  The look-ahead exists to
 * start work early: a module flagged CREDSTACK_MODULE_LOOKAHEAD may take
 * cached lookups in place of asking, and start the backend queries it and
 * the lines after it will need, keeping them in request data for the real
 * pass to take.  Nothing else of the pass counts: its items, results,
 * explanations, log lines and trace are discarded, the cache is not
 * written, a credential or an ERROR result ends it, and so does a line
 * whose module is not flagged.  In the real pass a module must not trust
 * the cache for anything that releases a secret: it asks (or takes what the
 * look-ahead started) and decides on the backend's answer alone.
 */
int credstack_request_lookahead(const credstack_request *req);

/* ---- A handle-wide cache of non-secret lookups ---- */

/*
 * What a cache entry is, which decides how long it lives: LOOKUP entries
 * ([credstack] cache_ttl, default 300 s; address -> system, account maps)
 * and AUTH entries ([credstack] auth_cache_ttl, default 0 = never cached).
 * A one-shot command's cache dies with it; the agent's lives across
 * requests.  Keys are shared by every module of the handle: prefix them
 * ("tpam.system:10.0.0.5") so that modules of one backend share entries and
 * can drop one another's.  Never put a secret in the cache.
 */
typedef enum credstack_cache_kind {
    CREDSTACK_CACHE_LOOKUP = 0,
    CREDSTACK_CACHE_AUTH,
    CREDSTACK_CACHE_KIND_COUNT
} credstack_cache_kind;

/*
 * A live entry's value for key, as a new string for
 * the caller to free(); CREDSTACK_ERR_NOTFOUND when absent, expired or the
 * kind is off.
 */
int credstack_cache_get(credstack_module *mod, credstack_cache_kind kind,
                        const char *key, char **value_out);
/* Store (or replace) an entry; a no-op when the kind's TTL is 0. */
int credstack_cache_put(credstack_module *mod, credstack_cache_kind kind,
                        const char *key, const char *value);
/*
 * credstack_cache_put() for an entry that must not outlive max_s seconds
 * from now (an authorization that ends then), nor the kind's TTL.  With
 * max_s <= 0 nothing is stored (and an older entry for key is dropped).
 */
int credstack_cache_put_for(credstack_module *mod, credstack_cache_kind kind,
                            const char *key, const char *value, long max_s);
/* Drop an entry (the backend contradicted it). */
void credstack_cache_drop(credstack_module *mod, credstack_cache_kind kind,
                          const char *key);
/* The kind's TTL in seconds ([credstack] cache_ttl, auth_cache_ttl); 0: off. */
long credstack_cache_ttl(const credstack_module *mod,
                         credstack_cache_kind kind);

/* Wipe len bytes at p in a way the compiler cannot remove: the one wipe
 * of the core, the programs and the modules. */
void credstack_wipe(void *p, size_t len);

/* Milliseconds on a monotonic clock (deadlines, durations): the one clock
 * of the core, the programs and the modules. */
long long credstack_now_ms(void);

/* An environment variable as credstack reads every one: secure_getenv(3)
 * where there is one, so a set-id program ignores the caller's.  NULL when
 * unset. */
const char *credstack_getenv(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* CREDSTACK_MODULE_H */
