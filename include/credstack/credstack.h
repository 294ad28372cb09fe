/* SPDX-License-Identifier: MIT */
/* credstack.h: the application interface of libcredstack. */
#ifndef CREDSTACK_CREDSTACK_H
#define CREDSTACK_CREDSTACK_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Return codes of every library function.  Zero is success; a denied or
 * not-found answer is CREDSTACK_ERR_DENIED; everything else is an error whose
 * details are kept in the handle (credstack_error()).
 */
typedef enum credstack_rc {
    CREDSTACK_OK = 0,
    CREDSTACK_ERR_DENIED,   /* no password: denied or not found */
    CREDSTACK_ERR_INVALID,  /* a bad argument from the caller */
    CREDSTACK_ERR_NOMEM,    /* out of memory */
    CREDSTACK_ERR_IO,       /* a file could not be read or written */
    CREDSTACK_ERR_CONFIG,   /* the configuration is wrong */
    CREDSTACK_ERR_STACK,    /* the stack file is wrong */
    CREDSTACK_ERR_MODULE,   /* a module failed to load or misbehaved */
    CREDSTACK_ERR_BACKEND,  /* the backend (TPAM) failed or answered oddly */
    CREDSTACK_ERR_TIMEOUT,  /* the backend did not answer in time */
    CREDSTACK_ERR_HOSTKEY,  /* the backend's host key did not match */
    CREDSTACK_ERR_REFUSED,  /* an input value was refused as unsafe */
    CREDSTACK_ERR_NOTFOUND, /* a looked-up item or option is absent */
    CREDSTACK_ERR_COUNT     /* sentinel, not a code */
} credstack_rc;

/* A static English text for a return code; never NULL. */
const char *credstack_strerror(int rc);

/*
 * Request items.  The caller sets the GATEWAY_* and TARGET_* items, the
 * modules fill in the rest; PASSWORD is the answer.
 */
typedef enum credstack_item {
    CREDSTACK_ITEM_GATEWAY_USER = 0,
    CREDSTACK_ITEM_GATEWAY_PASSWORD, /* secret */
    CREDSTACK_ITEM_TARGET_USER,
    CREDSTACK_ITEM_TARGET_HOST,
    CREDSTACK_ITEM_TARGET_PORT,
    CREDSTACK_ITEM_PROTOCOL,
    CREDSTACK_ITEM_CLIENT_IP,
    CREDSTACK_ITEM_SESSION_ID,
    CREDSTACK_ITEM_SYSTEM,  /* backend system name, set by resolvers */
    CREDSTACK_ITEM_ACCOUNT, /* backend account name; defaults to TARGET_USER */
    CREDSTACK_ITEM_AUTH_KIND,   /* how the request was authorized: "gateway",
                                   "approval", "policy", ... */
    CREDSTACK_ITEM_AUTH_DETAIL, /* what authorized it: a request id, a policy
                                   name; unset when nothing more to say */
    CREDSTACK_ITEM_PASSWORD,    /* secret: the answer */
    CREDSTACK_ITEM_BACKEND,     /* the backend server that answered
                                   ("tpam1:22"), for the audit line */
    CREDSTACK_ITEM_TARGET_NAME, /* a host name that came with the connect
                                   address: shown in logs, never used to
                                   choose the system */
    CREDSTACK_ITEM_COUNT        /* sentinel, not an item */
} credstack_item;

/* The item's name as used in traces and errors ("target_host"); NULL if out of
 * range. */
const char *credstack_item_name(credstack_item item);

typedef struct credstack_handle credstack_handle;
typedef struct credstack_request credstack_request;

/* Log levels; the numbers are those of the seed's log_level option. */
enum credstack_log_level {
    CREDSTACK_LOG_DEBUG = 10,
    CREDSTACK_LOG_INFO = 20,
    CREDSTACK_LOG_WARNING = 30,
    CREDSTACK_LOG_ERROR = 40,
    CREDSTACK_LOG_CRITICAL = 50
};

/* Flags for credstack_open(). */
enum credstack_open_flags {
    CREDSTACK_OPEN_LOG_STDERR = 1u << 0, /* log to stderr instead of syslog */
    CREDSTACK_OPEN_NO_LOAD = 1u << 1 /* parse and check, do not load modules */
};

/*
 * Open a handle: read the configuration file, then the stack file (NULL:
 * [credstack] stack, else the stack that a section of the configuration
 * selects, see credstack-stack(5)), load the stack's modules, check every
 * option they declare, and initialise them.  Every problem found is
 * reported, each naming its file and line.  On failure *h_out is still set
 * when memory allowed it, so that credstack_error() can tell what went wrong;
 * free it with credstack_close().
 */
int credstack_open(credstack_handle **h_out, const char *config_path,
                   const char *stack_path, unsigned flags);

/*
 * A value the caller resolved for an option itself, such as a secret the SPS
 * plugin fetched from SPS's own credential store for an option written "$".
 * A secret source module (secret-source-caller) hands it to the stack.
 */
typedef struct credstack_value {
    const char *section;
    const char *option;
    const char *value; /* copied by credstack_open_with(), wiped at close */
} credstack_value;

struct credstack_config;
struct credstack_option;

/* Everything credstack_open_with() takes; set size to sizeof the struct. */
struct credstack_open_args {
    size_t size;
    const char *config_path;
    const char *stack_path; /* NULL: as credstack_open() */
    unsigned flags;         /* enum credstack_open_flags */
    const credstack_value *caller_values;
    size_t ncaller_values;
    /* Where the lines logged while opening go instead of stderr (when
     * logging to stderr), or NULL; an agent keeps them for its callers. */
    FILE *log;
    /* The configuration, read already (credstack_config_read()): the handle
     * uses it instead of reading config_path again, and takes it over
     * (opened or not: do not free it).  NULL: read config_path. */
    struct credstack_config *config;
    /*
     * The options the application itself reads, in its own section (the
     * credstack command's [credstack] agent), declared as modules declare
     * theirs (struct credstack_option, credstack_module(3)), ended by an
     * entry whose name is NULL; app_option_size is the size of one entry.
     * They are checked at open with every other option, and the core then
     * knows them (no "unknown option").  The strings must outlive the
     * handle.  NULL: none.
     */
    const struct credstack_option *app_options;
    size_t app_option_size;
};

/*
 * A configuration file read and parsed once, for a program that needs some
 * of its options before it opens a handle (the credstack command: whether
 * to ask an agent, and which) and then opens the handle from the same parse
 * (credstack_open_args.config): one read, one parse, one view of the file.
 */
typedef struct credstack_config credstack_config;

/*
 * Read and parse path.  CREDSTACK_OK; or CREDSTACK_ERR_IO when it cannot be
 * read, _ERR_CONFIG when it cannot be parsed.  *cfg_out is set either way
 * when memory allowed it: credstack_config_error() says what went wrong, and
 * a handle opened from a failed configuration reports that problem.  Free
 * it with credstack_config_free(), unless a handle took it over.
 */
int credstack_config_read(const char *path, credstack_config **cfg_out);

/* What went wrong reading it ("" when nothing did; NULL cfg: out of
 * memory). */
const char *credstack_config_error(const credstack_config *cfg);

/*
 * The interpolated value of section.option, unchecked (options are checked
 * when a handle opens): *value_out is owned by cfg.  CREDSTACK_ERR_NOTFOUND
 * when absent; CREDSTACK_ERR_CONFIG on an interpolation error or when the
 * file was not read.  Not for secrets.
 */
int credstack_config_get(credstack_config *cfg, const char *section,
                         const char *option, const char **value_out);

/*
 * The file's bytes exactly as they were read (*len_out bytes, NUL-terminated),
 * for a program that must name what it read: the agent's digest.  They may
 * hold secrets: never log or copy them.  NULL when the file was not read.
 */
const char *credstack_config_bytes(const credstack_config *cfg,
                                   size_t *len_out);

/* Wipe and free.  NULL is a no-op. */
void credstack_config_free(credstack_config *cfg);

/*
 * One option of a configuration file, interpolated, without opening a handle
 * (and so unchecked; credstack_config_read() reads the file once for many):
 * *value_out is a new string (free() it). CREDSTACK_ERR_NOTFOUND when absent;
 * CREDSTACK_ERR_IO or _CONFIG when the file cannot be read or parsed.  Not for
 * secrets.
 */
int credstack_config_value(const char *config_path, const char *section,
                           const char *option, char **value_out);

/* credstack_open() with caller-resolved values (and an open log). */
int credstack_open_with(credstack_handle **h_out,
                        const struct credstack_open_args *args);

/*
 * Release the handle, its modules and its configuration.  NULL is a no-op.
 * Requests of the handle that are still alive lose their module data now
 * (their cleanups run while the modules are loaded); credstack_request_free()
 * still frees them, and credstack_run() refuses them.
 */
void credstack_close(credstack_handle *h);

/*
 * What went wrong when the handle was opened, one problem per line, each
 * "file:line: ..." ("" when nothing did).  For a failed run see
 * credstack_request_error().
 */
const char *credstack_error(const credstack_handle *h);

/*
 * Where --trace output goes (NULL: nowhere) for the handle's requests, unless
 * a request has its own (credstack_request_set_trace()).  Traces never carry
 * secrets.
 */
void credstack_set_trace(credstack_handle *h, FILE *trace);

/* Override the configured log level (a CREDSTACK_LOG_* value). */
void credstack_set_log_level(credstack_handle *h, int level);

/*
 * A log level as the seed's log_level option writes it: debug, info,
 * warning (warn), error, critical (fatal) in any case, or 10..50.
 * CREDSTACK_OK with *level_out set, or CREDSTACK_ERR_INVALID.
 */
int credstack_log_level_parse(const char *text, int *level_out);

/*
 * The files the handle's answers depend on, as they were when it opened:
 * the configuration (by the path it was given), every stack file read and
 * the stack directory searched for one, every module file, every shared
 * object in the process (the program and its libraries), and the files
 * modules reported (credstack_module_add_input(): the credential store).
 * fn(path, what, user) for each, in the order they were read; `what` says
 * which kind ("configuration", "stack", "module", "library", ...).
 */
typedef void (*credstack_input_fn)(const char *path, const char *what,
                                   void *user);
int credstack_inputs(const credstack_handle *h, credstack_input_fn fn,
                     void *user);

/*
 * Whether opening the handle again could read something else: 1 when any of
 * those files changed, appeared or went since it was recorded (stat(2):
 * device, inode, size, mode, owner, modification and change times), with
 * `why` naming the first one; 0 when none did.  A process that keeps a
 * handle open across requests (the agent) calls it before each request and
 * does not answer from the handle on 1.  Each file is recorded before it is
 * read, so a change during the open is reported too.
 */
int credstack_inputs_changed(const credstack_handle *h, char *why,
                             size_t whylen);

/*
 * The longest one credstack_run() of this handle should take, in
 * milliseconds: the sum of what the active modules declared from their own
 * timeouts (credstack_module_set_budget()), and 30 s for each active module
 * that declared nothing.  A caller that waits for another process to run a
 * request (the agent's client) waits no longer than this.
 */
long credstack_request_budget_ms(const credstack_handle *h);

/* The stack file the handle runs (NULL when none was read). */
const char *credstack_stack_path(const credstack_handle *h);

/* Print the effective stack, one line per module, as `credstack check` does. */
int credstack_print_stack(const credstack_handle *h, FILE *out);

/* The outcome of one step of a probe (credstack check --connect). */
typedef enum credstack_probe_status {
    CREDSTACK_PROBE_OK = 0,
    CREDSTACK_PROBE_FAIL,
    CREDSTACK_PROBE_INFO
} credstack_probe_status;

/* One step of credstack_probe(), as a module reported it. */
typedef struct credstack_probe_step {
    const char *module; /* the module that probed */
    const char *where;  /* its stack line, "file:line" */
    credstack_probe_status status;
    const char *step; /* "tcp", "hostkey", "auth", "command", ... */
    const char *message;
    const char *hint; /* how to fix a failure, or NULL */
} credstack_probe_step;

typedef void (*credstack_probe_fn)(const credstack_probe_step *step,
                                   void *user);

/*
 * Call fn(module, line, user) for each line of status the core (its cache)
 * and the modules (their backend sessions) report, for credstack agent
 * --status.  Never a secret.
 */
typedef void (*credstack_status_fn)(const char *module, const char *line,
                                    void *user);
int credstack_status(credstack_handle *h, credstack_status_fn fn, void *user);

/*
 * Ask every module of the effective stack that can to exercise its backend
 * (log in, run one harmless command), reporting each step to fn.
 * CREDSTACK_OK when no step failed; CREDSTACK_ERR_BACKEND otherwise.
 */
int credstack_probe(credstack_handle *h, credstack_probe_fn fn, void *user);

/*
 * A new, empty request for this handle; free it with credstack_request_free().
 * Requests of one handle may run concurrently in different threads; one
 * request is used by one thread at a time.
 */
int credstack_request_new(credstack_handle *h, credstack_request **req_out);

/* Wipe the request's secrets, run its data cleanups and free it.  NULL is a
 * no-op. */
void credstack_request_free(credstack_request *req);

/* Where this request's --trace goes, instead of the handle's (NULL: nowhere).
 */
void credstack_request_set_trace(credstack_request *req, FILE *trace);

/*
 * Where the log lines of this request's runs go, instead of stderr, when the
 * handle logs to stderr: the lines the running thread logs, at `level` or
 * above (0: the handle's level), formatted as on stderr.  An agent uses it to
 * hand them back to the command that asked.
 */
void credstack_request_set_log(credstack_request *req, FILE *log, int level);

/*
 * Why the last credstack_run() of this request gave no password: "stage:
 * file:line: reason" for a denial, "module (file:line): reason" for an error
 * ("" after a success).  Owned by the request.
 */
const char *credstack_request_error(const credstack_request *req);

/* Set an item (the value is copied; the old value is wiped).  NULL unsets it.
 */
int credstack_request_set(credstack_request *req, credstack_item item,
                          const char *value);

/* An item's value, or NULL when unset.  Owned by the request. */
const char *credstack_request_get(const credstack_request *req,
                                  credstack_item item);

/*
 * Run the stack for a request.  CREDSTACK_OK: the PASSWORD item holds the
 * answer; CREDSTACK_ERR_DENIED: no password; anything else: an error, with
 * details in credstack_request_error().  Every run ends with one audit line
 * in the log (INFO): who, what, how authorized, the result and the latency,
 * never a secret.
 */
int credstack_run(credstack_handle *h, credstack_request *req);

#ifdef __cplusplus
}
#endif

#endif /* CREDSTACK_CREDSTACK_H */
