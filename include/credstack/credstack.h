/* SPDX-License-Identifier: MIT */
/* credstack.h: the application interface of libcredstack. */
#ifndef CREDSTACK_CREDSTACK_H
#define CREDSTACK_CREDSTACK_H

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
    CREDSTACK_ITEM_SYSTEM,   /* backend system name, set by resolvers */
    CREDSTACK_ITEM_ACCOUNT,  /* backend account name; defaults to TARGET_USER */
    CREDSTACK_ITEM_REASON,   /* authorization reason, e.g. "policy,Privileged
                                Access" */
    CREDSTACK_ITEM_PASSWORD, /* secret: the answer */
    CREDSTACK_ITEM_COUNT     /* sentinel, not an item */
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
 * derive the stack from the configuration), and load the modules.
 * On failure *h_out is still set when memory allowed it, so that
 * credstack_error() can tell what went wrong; free it with credstack_close().
 */
int credstack_open(credstack_handle **h_out, const char *config_path,
                   const char *stack_path, unsigned flags);

/* Release the handle, its modules and its configuration.  NULL is a no-op. */
void credstack_close(credstack_handle *h);

/* The detailed message of the last error on this handle ("" when none). */
const char *credstack_error(const credstack_handle *h);

/* Where --trace output goes (NULL: nowhere).  Traces never carry secrets. */
void credstack_set_trace(credstack_handle *h, FILE *trace);

/* Override the configured log level (a CREDSTACK_LOG_* value). */
void credstack_set_log_level(credstack_handle *h, int level);

/* Print the effective stack, one line per module, as `credstack check` does. */
int credstack_print_stack(const credstack_handle *h, FILE *out);

/* A new, empty request for this handle; free it with credstack_request_free().
 */
int credstack_request_new(credstack_handle *h, credstack_request **req_out);

/* Wipe the request's secrets, run its data cleanups and free it.  NULL is a
 * no-op. */
void credstack_request_free(credstack_request *req);

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
 * details in credstack_error().
 */
int credstack_run(credstack_handle *h, credstack_request *req);

#ifdef __cplusplus
}
#endif

#endif /* CREDSTACK_CREDSTACK_H */
