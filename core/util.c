/* SPDX-License-Identifier: MIT */
/* util.c: small string, wiping and file-safety helpers of the core. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "env.h"
#include "internal.h"

void credstack_wipe(void *p, size_t len)
{
    if (p == NULL || len == 0)
        return;
#ifdef HAVE_EXPLICIT_BZERO
    explicit_bzero(p, len);
#else
    /* A volatile pointer keeps the compiler from dropping the stores. */
    volatile unsigned char *v = p;
    while (len--)
        *v++ = 0;
#endif
}

long long credstack_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *credstack_getenv(const char *name)
{
    return cs_env(name);
}

char *cs_strdup(const char *s)
{
    return s == NULL ? NULL : strdup(s);
}

char *cs_strndup(const char *s, size_t n)
{
    return s == NULL ? NULL : strndup(s, n);
}

void cs_free_secret(char *s)
{
    if (s == NULL)
        return;
    credstack_wipe(s, strlen(s));
    free(s);
}

/* ---- opening what the loader may trust ---------------------------------
 *
 * Whoever can change a directory on the way to a module, or the module file,
 * can run code with our privileges.  As OpenSSH's safe_path() (StrictModes),
 * every directory from / down to the module directory must be owned by root
 * or by us (the effective user) and not writable by group or others; the
 * module file too, and it must be a regular file.
 *
 * One exception, for ancestors only: a directory with the sticky bit (/tmp,
 * mode 1777) may be writable by others.  In a sticky directory an entry can
 * be renamed or removed only by its owner or the directory's owner, and both
 * are checked to be root or us (the entry is the next component, checked in
 * turn), so nobody else can swap what we walk through.  Others can only add
 * names; a name that is not ours or root's is refused.  The module directory
 * itself gets no such exception: nobody else may add a file to it.
 *
 * The check is made on what is used, not on a path someone could swap
 * afterwards: the walk opens each component relative to the descriptor of the
 * one before (O_PATH | O_NOFOLLOW) and checks that descriptor with fstat; a
 * symbolic link on the way is followed only after checking the link's owner
 * (its directory is already checked, so the link cannot change under us),
 * and its target is walked the same way.  The module file is opened with
 * O_NOFOLLOW (a symbolic link there is refused) and checked with fstat on the
 * descriptor the loader then loads through /proc/self/fd/N.
 */

/* At most this many symbolic links on the way, as the kernel's MAXSYMLINKS. */
#define CS_MAX_SYMLINKS 40

static int owner_ok(const struct stat *st)
{
    return st->st_uid == 0 || st->st_uid == geteuid();
}

/* Check one directory we walk through (last: the module directory itself). */
static int check_dir(const struct stat *st, const char *shown, int last,
                     char *err, size_t errlen)
{
    if (!S_ISDIR(st->st_mode)) {
        snprintf(err, errlen, "%s: not a directory", shown);
        return CREDSTACK_ERR_MODULE;
    }
    if (!owner_ok(st)) {
        snprintf(err, errlen,
                 "%s: refused: owned by uid %u, not root or us (uid %u)", shown,
                 (unsigned)st->st_uid, (unsigned)geteuid());
        return CREDSTACK_ERR_MODULE;
    }
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) &&
        (last || !(st->st_mode & S_ISVTX))) {
        snprintf(err, errlen,
                 "%s: refused: writable by group or others (mode %04o)", shown,
                 (unsigned)(st->st_mode & 07777));
        return CREDSTACK_ERR_MODULE;
    }
    return CREDSTACK_OK;
}

/* Append "/name" to the shown path (kept for messages only). */
static void shown_add(char *shown, size_t cap, const char *name, size_t len)
{
    size_t used = strlen(shown);

    if (used == 1 && shown[0] == '/')
        used = 0;
    snprintf(shown + used, cap - used, "/%.*s", (int)len, name);
}

/* Drop the last component of the shown path ("..") */
static void shown_up(char *shown)
{
    char *slash = strrchr(shown, '/');

    if (slash == shown)
        shown[1] = '\0';
    else if (slash != NULL)
        *slash = '\0';
}

/*
 * Open directory `path` for use as the module directory, checking every
 * directory on the way (see above).  A relative path is taken from the
 * current directory, whose ancestors are checked too.  On success *fd_out is
 * an O_PATH descriptor of the directory; close it.
 */
static int open_safe_dir(const char *path, int *fd_out, char *err,
                         size_t errlen)
{
    char *todo = NULL, shown[PATH_MAX + 64] = "/";
    char *cwd = NULL;
    size_t pos = 0;
    int cur = -1, links = 0, ret = CREDSTACK_OK;
    struct stat st;

    if (path[0] != '/') {
        cwd = getcwd(NULL, 0);
        if (cwd == NULL) {
            snprintf(err, errlen, "%s: cannot find the current directory: %s",
                     path, strerror(errno));
            return CREDSTACK_ERR_MODULE;
        }
    }
    if (asprintf(&todo, "%s/%s", cwd ? cwd : "", path) < 0) {
        free(cwd);
        return CREDSTACK_ERR_NOMEM;
    }
    free(cwd);
    cur = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (cur < 0 || fstat(cur, &st) != 0) {
        snprintf(err, errlen, "/: %s", strerror(errno));
        ret = CREDSTACK_ERR_MODULE;
        goto done;
    }
    if ((ret = check_dir(&st, "/", 0, err, errlen)) != CREDSTACK_OK)
        goto done;
    for (;;) {
        size_t len;
        const char *name;
        int next;

        while (todo[pos] == '/')
            pos++;
        if (todo[pos] == '\0')
            break;
        name = todo + pos;
        len = strcspn(name, "/");
        pos += len;
        if (len == 1 && name[0] == '.')
            continue;
        if (len >= NAME_MAX + 1) {
            snprintf(err, errlen, "%s: a path component is too long", path);
            ret = CREDSTACK_ERR_MODULE;
            goto done;
        }
        {
            char comp[NAME_MAX + 1];
            memcpy(comp, name, len);
            comp[len] = '\0';
            next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
            if (len == 2 && name[0] == '.' && name[1] == '.')
                shown_up(shown);
            else
                shown_add(shown, sizeof(shown), name, len);
        }
        if (next < 0) {
            snprintf(err, errlen, "%s: %s", shown, strerror(errno));
            ret =
                errno == ENOENT ? CREDSTACK_ERR_NOTFOUND : CREDSTACK_ERR_MODULE;
            goto done;
        }
        if (fstat(next, &st) != 0) {
            snprintf(err, errlen, "%s: %s", shown, strerror(errno));
            close(next);
            ret = CREDSTACK_ERR_MODULE;
            goto done;
        }
        if (S_ISLNK(st.st_mode)) {
            /* Its directory (cur) is checked: only root or we could have
             * put the link there; it must be ours or root's too. */
            char target[PATH_MAX + 1], *rest = NULL;
            ssize_t n;

            if (!owner_ok(&st)) {
                snprintf(err, errlen,
                         "%s: refused: a symbolic link owned by uid %u, not "
                         "root or us (uid %u)",
                         shown, (unsigned)st.st_uid, (unsigned)geteuid());
                close(next);
                ret = CREDSTACK_ERR_MODULE;
                goto done;
            }
            n = readlinkat(next, "", target, sizeof(target) - 1);
            close(next);
            if (n <= 0 || (size_t)n >= sizeof(target) - 1 ||
                ++links > CS_MAX_SYMLINKS) {
                snprintf(err, errlen, "%s: %s", shown,
                         n < 0 ? strerror(errno)
                               : "cannot follow the symbolic link");
                ret = CREDSTACK_ERR_MODULE;
                goto done;
            }
            target[n] = '\0';
            if (asprintf(&rest, "%s/%s", target, todo + pos) < 0) {
                ret = CREDSTACK_ERR_NOMEM;
                goto done;
            }
            free(todo);
            todo = rest;
            pos = 0;
            if (target[0] == '/') {
                /* Start again from /, already checked. */
                close(cur);
                cur = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (cur < 0) {
                    snprintf(err, errlen, "/: %s", strerror(errno));
                    ret = CREDSTACK_ERR_MODULE;
                    goto done;
                }
                snprintf(shown, sizeof(shown), "/");
            } else {
                shown_up(shown);
            }
            continue;
        }
        if ((ret = check_dir(&st, shown, 0, err, errlen)) != CREDSTACK_OK) {
            close(next);
            goto done;
        }
        close(cur);
        cur = next;
    }
    /* The module directory itself: no sticky exception. */
    if (fstat(cur, &st) != 0) {
        snprintf(err, errlen, "%s: %s", shown, strerror(errno));
        ret = CREDSTACK_ERR_MODULE;
        goto done;
    }
    ret = check_dir(&st, shown, 1, err, errlen);
done:
    free(todo);
    if (ret == CREDSTACK_OK) {
        *fd_out = cur;
    } else if (cur >= 0) {
        close(cur);
    }
    return ret;
}

/*
 * One step of cs_open_checked(): file in dir.  With CS_OPEN_FOLLOW, a
 * symbolic link there (owned by root or us; its directory is checked) is
 * not opened but handed back in *link_out for the caller to walk.
 */
static int open_in_dir(const char *dir, const char *file, unsigned flags,
                       int *fd_out, char **link_out, char *err, size_t errlen)
{
    struct stat st;
    int dfd = -1, fd = -1, ret;

    *fd_out = -1;
    *link_out = NULL;
    if (file[0] == '\0' || strcmp(file, ".") == 0 || strcmp(file, "..") == 0 ||
        (file[0] == '.' && !(flags & CS_OPEN_FOLLOW)) ||
        strchr(file, '/') != NULL) {
        snprintf(err, errlen, "'%s': not a plain file name", file);
        return CREDSTACK_ERR_MODULE;
    }
    ret = open_safe_dir(dir, &dfd, err, errlen);
    if (ret == CREDSTACK_ERR_NOTFOUND) {
        char why[1024];
        snprintf(why, sizeof(why), "%s", err);
        snprintf(err, errlen, "no %s in %s (%s)", file, dir, why);
    }
    if (ret != CREDSTACK_OK)
        return ret;
    if (flags & CS_OPEN_FOLLOW) {
        int lfd = openat(dfd, file, O_PATH | O_NOFOLLOW | O_CLOEXEC);

        if (lfd >= 0 && fstat(lfd, &st) == 0 && S_ISLNK(st.st_mode)) {
            char target[PATH_MAX + 1];
            ssize_t n = -1;

            if (!owner_ok(&st)) {
                snprintf(err, errlen,
                         "%s/%s: refused: a symbolic link owned by uid %u, not "
                         "root or us (uid %u)",
                         dir, file, (unsigned)st.st_uid, (unsigned)geteuid());
                ret = CREDSTACK_ERR_MODULE;
            } else if ((n = readlinkat(lfd, "", target, sizeof(target) - 1)) <=
                           0 ||
                       (size_t)n >= sizeof(target) - 1) {
                snprintf(err, errlen, "%s/%s: cannot follow the symbolic link",
                         dir, file);
                ret = CREDSTACK_ERR_MODULE;
            } else {
                target[n] = '\0';
                if ((*link_out = strdup(target)) == NULL)
                    ret = CREDSTACK_ERR_NOMEM;
            }
            close(lfd);
            close(dfd);
            return ret;
        }
        if (lfd >= 0)
            close(lfd);
    }
    /* O_NONBLOCK: a FIFO must not hang us; it is refused below anyway. */
    fd = openat(dfd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            snprintf(err, errlen, "no %s in %s", file, dir);
            ret = CREDSTACK_ERR_NOTFOUND;
        } else if (errno == ELOOP) {
            snprintf(err, errlen, "%s/%s: refused: a symbolic link", dir, file);
            ret = CREDSTACK_ERR_MODULE;
        } else {
            snprintf(err, errlen, "%s/%s: %s", dir, file, strerror(errno));
            ret = CREDSTACK_ERR_MODULE;
        }
        goto done;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s/%s: %s", dir, file, strerror(errno));
        ret = CREDSTACK_ERR_MODULE;
    } else if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s/%s: not a regular file", dir, file);
        ret = CREDSTACK_ERR_MODULE;
    } else if (!owner_ok(&st)) {
        snprintf(err, errlen,
                 "%s/%s: refused: owned by uid %u, not root or us (uid %u)",
                 dir, file, (unsigned)st.st_uid, (unsigned)geteuid());
        ret = CREDSTACK_ERR_MODULE;
    } else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(err, errlen,
                 "%s/%s: refused: writable by group or others (mode %04o)", dir,
                 file, (unsigned)(st.st_mode & 07777));
        ret = CREDSTACK_ERR_MODULE;
    }
done:
    if (ret == CREDSTACK_OK) {
        *fd_out = fd;
    } else if (fd >= 0) {
        close(fd);
    }
    close(dfd);
    return ret;
}

int cs_open_checked(const char *dir, const char *file, unsigned flags,
                    int *fd_out, char *err, size_t errlen)
{
    char *d = strdup(dir), *f = strdup(file), *link = NULL;
    int ret = CREDSTACK_ERR_NOMEM;

    *fd_out = -1;
    for (int links = 0; d != NULL && f != NULL; links++) {
        char *slash, *nd = NULL, *nf = NULL;

        ret = open_in_dir(d, f, flags, fd_out, &link, err, errlen);
        if (ret != CREDSTACK_OK || link == NULL)
            break;
        if (links == CS_MAX_SYMLINKS) {
            snprintf(err, errlen, "%s/%s: too many symbolic links", d, f);
            ret = CREDSTACK_ERR_MODULE;
            break;
        }
        /* The target, relative to the link's directory unless absolute. */
        slash = strrchr(link, '/');
        if (slash == NULL) {
            nd = strdup(d);
            nf = strdup(link);
        } else {
            *slash = '\0';
            nf = strdup(slash + 1);
            if (link[0] == '/' || slash == link)
                nd = strdup(slash == link ? "/" : link);
            else if (asprintf(&nd, "%s/%s", d, link) < 0)
                nd = NULL;
        }
        free(link);
        link = NULL;
        free(d);
        free(f);
        d = nd;
        f = nf;
        ret = CREDSTACK_ERR_NOMEM;
    }
    free(link);
    free(d);
    free(f);
    return ret;
}

int cs_open_module_file(const char *dir, const char *file, int *fd_out,
                        char *err, size_t errlen)
{
    return cs_open_checked(dir, file, 0, fd_out, err, errlen);
}

/* path, or path taken relative to base_file's directory; free() the result. */
char *cs_path_relative_to(const char *base_file, const char *path)
{
    const char *slash;
    char *out = NULL;

    if (path == NULL)
        return NULL;
    if (path[0] == '/' || base_file == NULL ||
        (slash = strrchr(base_file, '/')) == NULL)
        return strdup(path);
    if (asprintf(&out, "%.*s/%s", (int)(slash - base_file), base_file, path) <
        0)
        return NULL;
    return out;
}

static int cs_fold(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/*
 * Levenshtein distance between two names, ignoring ASCII case, for "did you
 * mean"; anything over cap (or a name longer than 63 bytes) is cap + 1.
 */
unsigned cs_edit_distance(const char *a, const char *b, unsigned cap)
{
    unsigned row[64], prev_diag, tmp;
    size_t la = strlen(a), lb = strlen(b);

    if (la > 63 || lb > 63)
        return cap + 1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = (unsigned)j;
    for (size_t i = 1; i <= la; i++) {
        prev_diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= lb; j++) {
            unsigned cost = cs_fold((unsigned char)a[i - 1]) !=
                            cs_fold((unsigned char)b[j - 1]);
            tmp = row[j];
            row[j] = row[j] + 1;
            if (row[j - 1] + 1 < row[j])
                row[j] = row[j - 1] + 1;
            if (prev_diag + cost < row[j])
                row[j] = prev_diag + cost;
            prev_diag = tmp;
        }
    }
    return row[lb] > cap ? cap + 1 : row[lb];
}
