/* SPDX-License-Identifier: MIT */
/* stack_select.c: which stack file a handle runs: the one given, the one
 * [credstack] stack names, or the one a section of the configuration selects
 * (a [vault] section selects <stack dir>/vault.stack).  The core names no
 * backend: the stacks are shipped by the modules that need them. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#ifndef CREDSTACK_STACKDIR
#define CREDSTACK_STACKDIR "/usr/local/share/credstack/stacks"
#endif

typedef struct candidates {
    const char *dir;
    char *path;      /* the first candidate's file */
    char *section;   /* and its section */
    unsigned line;   /* and the section's line */
    unsigned count;  /* how many sections select a stack */
    char names[512]; /* "[a], [b]" of the candidates, for messages */
    char seen[512];  /* "[x], [y]" of every section looked at */
} candidates;

/* Section names used as file names: plain words only. */
static int plain_word(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static void append(char *buf, size_t len, const char *section)
{
    size_t used = strlen(buf);

    snprintf(buf + used, len - used, "%s[%s]", used ? ", " : "", section);
}

static void look(const char *section, unsigned line, void *user)
{
    candidates *c = user;
    char *path = NULL;

    if (!plain_word(section))
        return;
    append(c->seen, sizeof(c->seen), section);
    if (asprintf(&path, "%s/%s.stack", c->dir, section) < 0)
        return;
    if (access(path, F_OK) != 0) {
        free(path);
        return;
    }
    append(c->names, sizeof(c->names), section);
    if (c->count++ == 0) {
        c->path = path;
        c->section = strdup(section);
        c->line = line;
    } else {
        free(path);
    }
}

static char *stack_dir(credstack_handle *h)
{
    const char *v = credstack_getenv("CREDSTACK_STACK_DIR");

    if (v != NULL && *v != '\0')
        return strdup(v);
    if (cs_option_value(h, "credstack", "stack_dir", &v, NULL) ==
            CREDSTACK_OK &&
        *v != '\0')
        return cs_path_relative_to(cs_config_path(h->cfg), v);
    return strdup(CREDSTACK_STACKDIR);
}

/*
 * Read the stack at path as the loader opens a module: the file and every
 * directory from / down to it owned by root or us and not writable by group
 * or others (a stack decides what runs and who is authorized).
 */
static int read_checked(const char *path, cs_stack *stack, char *err,
                        size_t errlen)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL
                    ? strdup(".")
                    : strndup(path, slash == path ? 1 : (size_t)(slash - path));
    const char *file = slash == NULL ? path : slash + 1;
    char why[CS_ERRLEN];
    FILE *f;
    int fd = -1, ret;

    if (dir == NULL)
        return CREDSTACK_ERR_NOMEM;
    ret = cs_open_checked(dir, file, CS_OPEN_FOLLOW, &fd, why, sizeof(why));
    free(dir);
    if (ret == CREDSTACK_ERR_NOTFOUND) {
        snprintf(err, errlen, "%s: cannot open stack file: %.900s", path, why);
        return CREDSTACK_ERR_IO;
    }
    if (ret != CREDSTACK_OK) {
        snprintf(err, errlen, "%s: stack file refused: %.900s", path, why);
        return ret == CREDSTACK_ERR_NOMEM ? ret : CREDSTACK_ERR_STACK;
    }
    f = fdopen(fd, "r");
    if (f == NULL) {
        close(fd);
        return CREDSTACK_ERR_NOMEM;
    }
    ret = cs_stack_parse_stream(f, path, stack, err, errlen);
    fclose(f);
    return ret;
}

static int parse(credstack_handle *h, const char *path, const char *chosen_by)
{
    char err[CS_ERRLEN];
    int ret = cs_input_add(h, path, "stack");

    if (ret != CREDSTACK_OK)
        return ret;
    ret = read_checked(path, &h->stack, err, sizeof(err));
    if (ret != CREDSTACK_OK) {
        if (chosen_by != NULL)
            cs_problem(h, "%s (the stack that %s selects)", err, chosen_by);
        else
            cs_problem(h, "%s", err);
        return ret;
    }
    if (chosen_by != NULL && (h->stack.chosen_by = strdup(chosen_by)) == NULL)
        return CREDSTACK_ERR_NOMEM;
    return CREDSTACK_OK;
}

int cs_stack_select(credstack_handle *h, const char *stack_path)
{
    candidates c;
    char *owned = NULL, chosen[512];
    const char *v = NULL;
    int ret;

    if (stack_path != NULL)
        return parse(h, stack_path, NULL);
    if (cs_option_value(h, "credstack", "stack", &v, NULL) == CREDSTACK_OK &&
        *v != '\0') {
        owned = cs_path_relative_to(cs_config_path(h->cfg), v);
        if (owned == NULL)
            return CREDSTACK_ERR_NOMEM;
        ret = parse(h, owned, NULL);
        free(owned);
        return ret;
    }
    memset(&c, 0, sizeof(c));
    owned = stack_dir(h);
    if (owned == NULL)
        return CREDSTACK_ERR_NOMEM;
    c.dir = owned;
    /* A stack added to or removed from it changes what is chosen. */
    if ((ret = cs_input_add(h, owned, "stack directory")) != CREDSTACK_OK)
        goto done;
    cs_config_foreach_section(h->cfg, look, &c);
    if (c.count != 1) {
        if (c.count == 0)
            cs_problem(h,
                       "%s: no stack to run: give --stack, set [credstack] "
                       "stack, or configure a backend section (no "
                       "SECTION.stack in %s for %s)",
                       cs_config_path(h->cfg), owned,
                       c.seen[0] ? c.seen : "any section");
        else
            cs_problem(h,
                       "%s: sections %s each select a stack in %s: name the "
                       "one to run with [credstack] stack",
                       cs_config_path(h->cfg), c.names, owned);
        ret = CREDSTACK_ERR_CONFIG;
        goto done;
    }
    snprintf(chosen, sizeof(chosen), "[%s] at %s:%u", c.section,
             cs_config_path(h->cfg), c.line);
    ret = parse(h, c.path, chosen);
done:
    free(c.path);
    free(c.section);
    free(owned);
    return ret;
}
