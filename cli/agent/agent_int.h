/* SPDX-License-Identifier: MIT */
/* agent_int.h: the agent's state, shared by its command (agent_cmd.c), its
 * request loop (agent_server.c) and its start and leaving (agent_life.c). */
#ifndef CREDSTACK_CLI_AGENT_INT_H
#define CREDSTACK_CLI_AGENT_INT_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>

#include <jansson.h>

#include "agent.h"

/* At most this many requests run at once; more wait to be accepted. */
#define AGENT_MAX_WORKERS 128
/* A client sends its request at once: this bounds a stuck one. */
#define AGENT_READ_MS 10000
/* Latencies kept for --status percentiles. */
#define AGENT_LATENCIES 1024

/* One caller's connection while its request runs: the loop beats on it
 * until the answer is sent (wlock keeps beats out of the answer). */
typedef struct conn {
    struct agent *a;
    int fd;
    pthread_mutex_t wlock;
    int answered; /* under wlock */
    struct conn *prev, *next;
} conn_t;

typedef struct agent {
    credstack_handle *h;
    cli_agent_paths paths;
    cli_agent_key key;
    char *open_log; /* what opening logged, replayed to every caller */
    int listen_fd;
    long idle_s;
    atomic_int workers;
    atomic_llong last_ms;
    atomic_ulong requests;
    atomic_int stopping;
    atomic_int retiring; /* an input changed: stale to every caller */
    pthread_mutex_t conns_lock;
    conn_t *conns; /* requests running, for the beats */
    long long last_beat_ms;
    pthread_mutex_t lat_lock;
    long lat[AGENT_LATENCIES];
    size_t nlat;
    long long started_ms;
    int systemd; /* the socket is systemd's: taken, never unlinked */
    int lock_fd; /* the lock: one agent serves a digest's socket */
} agent_t;

/* The signal that asked the agent to leave (SIGTERM, SIGINT), or 0. */
extern volatile sig_atomic_t cli_agent_signal;

/* Accept and serve requests until asked to leave, idle, or stale. */
void cli_agent_serve(agent_t *a);
/* Beat on every running request's connection, at most once a beat. */
void cli_agent_beat(agent_t *a);
/* Send a connection its answer (no beat after it). */
void cli_agent_answer(conn_t *c, json_t *out);

/* agent_life.c: start and leave */
int cli_agent_take_lock(agent_t *a);
void cli_agent_release_lock(agent_t *a);
int cli_agent_bind(agent_t *a, char *err, size_t errlen);
int cli_agent_systemd_socket(agent_t *a, char *err, size_t errlen);
int cli_agent_daemonize(agent_t *a, int ready_fd);
void cli_agent_lock_memory(void);
void cli_agent_stop_serving(agent_t *a);
void cli_agent_remove_own_log(const agent_t *a, int foreground);

#endif /* CREDSTACK_CLI_AGENT_INT_H */
