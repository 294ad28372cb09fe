/* SPDX-License-Identifier: MIT */
/* inputs.c: the files a handle's answers depend on, recorded while it opens
 * (configuration, stacks, the stack directory searched, modules, every
 * shared object in the process, and what modules report, such as the
 * credential store), so that a process that keeps the handle (the agent) can
 * tell before each request whether a fresh open would read something else. */
#include "autoconf.h"

#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* What stat(2) said about a path: its identity and last change. */
typedef struct cs_input_state {
    int err; /* 0: it exists; else stat's errno (ENOENT: absent) */
    dev_t dev;
    ino_t ino;
    off_t size;
    mode_t mode;
    uid_t uid;
    struct timespec mtim, ctim;
} cs_input_state;

struct cs_input {
    char *path;
    char *what;
    cs_input_state st;
    struct cs_input *next;
};

static void state_from(const struct stat *st, int err, cs_input_state *s)
{
    memset(s, 0, sizeof(*s));
    if (err != 0) {
        s->err = err;
        return;
    }
    s->dev = st->st_dev;
    s->ino = st->st_ino;
    s->size = st->st_size;
    s->mode = st->st_mode;
    s->uid = st->st_uid;
    s->mtim = st->st_mtim;
    s->ctim = st->st_ctim;
}

static void state_of(const char *path, cs_input_state *s)
{
    struct stat st;
    int err = stat(path, &st) != 0 ? (errno ? errno : EIO) : 0;

    state_from(&st, err, s);
}

static int same_state(const cs_input_state *a, const cs_input_state *b)
{
    if (a->err || b->err)
        return a->err == b->err;
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mode == b->mode && a->uid == b->uid &&
           a->mtim.tv_sec == b->mtim.tv_sec &&
           a->mtim.tv_nsec == b->mtim.tv_nsec &&
           a->ctim.tv_sec == b->ctim.tv_sec &&
           a->ctim.tv_nsec == b->ctim.tv_nsec;
}

/*
 * Recorded before the file is read: a change between this stat and the read
 * makes the record older than what was read, which the next check reports
 * (a needless re-open at worst, never a missed change).
 */
int cs_input_add(credstack_handle *h, const char *path, const char *what)
{
    return cs_input_add_seen(h, path, what, NULL, 0);
}

int cs_input_add_seen(credstack_handle *h, const char *path, const char *what,
                      const struct stat *seen, int seen_err)
{
    cs_input *in, **tail;

    /* Only while the handle opens (one thread): afterwards the list is
     * read by concurrent requests without a lock. */
    if (h == NULL || !h->opening || path == NULL || *path == '\0' ||
        what == NULL)
        return CREDSTACK_ERR_INVALID;
    for (tail = &h->inputs; *tail != NULL; tail = &(*tail)->next)
        if (strcmp((*tail)->path, path) == 0)
            return CREDSTACK_OK; /* the first record is the oldest: kept */
    in = calloc(1, sizeof(*in));
    if (in == NULL || (in->path = strdup(path)) == NULL ||
        (in->what = strdup(what)) == NULL) {
        if (in != NULL) {
            free(in->path);
            free(in);
        }
        return CREDSTACK_ERR_NOMEM;
    }
    if (seen != NULL || seen_err != 0)
        state_from(seen, seen_err, &in->st);
    else
        state_of(path, &in->st);
    *tail = in;
    return CREDSTACK_OK;
}

static int add_object(struct dl_phdr_info *info, size_t size, void *user)
{
    credstack_handle *h = user;
    char exe[PATH_MAX];
    ssize_t n;

    (void)size;
    if (info->dlpi_name == NULL || info->dlpi_name[0] == '\0') {
        /* The program itself. */
        n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n > 0 && (size_t)n < sizeof(exe) - 1) {
            exe[n] = '\0';
            cs_input_add(h, exe, "program");
        }
        return 0;
    }
    /* The vDSO has no file; modules are loaded as /proc/self/fd/N and were
     * recorded by their own path (loader.c). */
    if (info->dlpi_name[0] != '/' ||
        strncmp(info->dlpi_name, "/proc/self/fd/", 14) == 0)
        return 0;
    cs_input_add(h, info->dlpi_name, "library");
    return 0;
}

void cs_inputs_add_loaded(credstack_handle *h)
{
    dl_iterate_phdr(add_object, h);
}

void cs_inputs_free(credstack_handle *h)
{
    while (h->inputs != NULL) {
        cs_input *next = h->inputs->next;
        free(h->inputs->path);
        free(h->inputs->what);
        free(h->inputs);
        h->inputs = next;
    }
}

int credstack_inputs(const credstack_handle *h, credstack_input_fn fn,
                     void *user)
{
    if (h == NULL || fn == NULL)
        return CREDSTACK_ERR_INVALID;
    for (const cs_input *in = h->inputs; in != NULL; in = in->next)
        fn(in->path, in->what, user);
    return CREDSTACK_OK;
}

int credstack_inputs_changed(const credstack_handle *h, char *why,
                             size_t whylen)
{
    if (why != NULL && whylen > 0)
        why[0] = '\0';
    /* No handle: nothing known, so nothing can be vouched for. */
    if (h == NULL)
        return 1;
    for (const cs_input *in = h->inputs; in != NULL; in = in->next) {
        cs_input_state now;

        state_of(in->path, &now);
        if (same_state(&in->st, &now))
            continue;
        if (why != NULL && whylen > 0)
            snprintf(why, whylen, "%s %s %s", in->what, in->path,
                     in->st.err == ENOENT ? "appeared"
                     : now.err == ENOENT  ? "is gone"
                                          : "changed");
        return 1;
    }
    return 0;
}

int credstack_module_add_input(credstack_module *mod, const char *path,
                               const char *what)
{
    if (mod == NULL)
        return CREDSTACK_ERR_INVALID;
    return cs_input_add(mod->h, path, what ? what : mod->line->module);
}
