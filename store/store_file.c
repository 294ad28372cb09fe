/* SPDX-License-Identifier: MIT */
/* store_file.c: reading a store file, the writers' lock, and atomic replacement
 * (temp, fsync, rename, fsync dir). */
#include "autoconf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <credstack/credstack.h>

#include "store.h"
#include "store_sys.h"

int cs_store_file_read(const char *path, unsigned char **buf_out,
                       size_t *len_out, char *err, size_t errlen)
{
    struct stat st;
    unsigned char *buf = NULL;
    size_t len = 0;
    int fd, ret = CREDSTACK_ERR_IO;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, errlen, "store %s: %s", path, strerror(errno));
        return errno == ENOENT ? CREDSTACK_ERR_NOTFOUND : CREDSTACK_ERR_IO;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "store %s: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "store %s: refused: not a regular file", path);
        ret = CREDSTACK_ERR_REFUSED;
        goto done;
    }
    if ((uint64_t)st.st_size > CS_STORE_MAX_FILE) {
        snprintf(err, errlen, "store %s: too large (%lld bytes)", path,
                 (long long)st.st_size);
        goto done;
    }
    /* One byte more than fstat said, to notice a file that grew. */
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        ret = CREDSTACK_ERR_NOMEM;
        goto done;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, (size_t)st.st_size + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "store %s: %s", path, strerror(errno));
            goto done;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > (size_t)st.st_size) {
            snprintf(err, errlen, "store %s: changed while being read", path);
            goto done;
        }
    }
    *buf_out = buf;
    *len_out = len;
    buf = NULL;
    ret = CREDSTACK_OK;
done:
    free(buf); /* ciphertext only */
    close(fd);
    return ret;
}

int cs_store_file_lock(const char *path, int *fd_out, char *err, size_t errlen)
{
    char *lock = NULL;
    int fd;

    if (asprintf(&lock, "%s.lock", path) < 0) {
        snprintf(err, errlen, "out of memory");
        return CREDSTACK_ERR_NOMEM;
    }
    /* The lock file is never removed: removing it would let two writers
     * lock two different files. */
    fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "store lock %s: %s", lock, strerror(errno));
        free(lock);
        return CREDSTACK_ERR_IO;
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno == EINTR)
            continue;
        snprintf(err, errlen, "store lock %s: %s", lock, strerror(errno));
        free(lock);
        close(fd);
        return CREDSTACK_ERR_IO;
    }
    free(lock);
    *fd_out = fd;
    return CREDSTACK_OK;
}

void cs_store_file_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* closing the last descriptor releases the flock */
}

/* dirname() and basename() of a copy; free *dir_out and *base_out. */
static int split(const char *path, char **dir_out, char **base_out)
{
    char *a = strdup(path), *b = strdup(path);

    *dir_out = NULL;
    *base_out = NULL;
    if (a == NULL || b == NULL) {
        free(a);
        free(b);
        return CREDSTACK_ERR_NOMEM;
    }
    *dir_out = strdup(dirname(a));
    *base_out = strdup(basename(b));
    free(a);
    free(b);
    if (*dir_out == NULL || *base_out == NULL) {
        free(*dir_out);
        free(*base_out);
        return CREDSTACK_ERR_NOMEM;
    }
    return CREDSTACK_OK;
}

/* Whether name is exactly <base>.tmp. followed by the six characters that
 * mkstemp() draws from [A-Za-z0-9]: no other file can match, since every
 * other file of a store ends in a dot and a word (.store, .key, .lock,
 * .new). */
static int is_temp_of(const char *name, const char *base)
{
    size_t blen = strlen(base);

    if (strncmp(name, base, blen) != 0 || strncmp(name + blen, ".tmp.", 5))
        return 0;
    name += blen + 5;
    for (int i = 0; i < 6; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') ||
              (name[i] >= 'A' && name[i] <= 'Z') ||
              (name[i] >= '0' && name[i] <= '9')))
            return 0;
    return name[6] == '\0';
}

int cs_store_remove_temps(const char *file)
{
    char *dir = NULL, *base = NULL;
    DIR *d = NULL;
    struct dirent *e;
    struct stat sb;
    int removed = 0;

    if (split(file, &dir, &base) != CREDSTACK_OK)
        return 0;
    d = opendir(dir);
    while (d != NULL && (e = readdir(d)) != NULL) {
        char *victim = NULL;

        if (!is_temp_of(e->d_name, base) ||
            fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(sb.st_mode))
            continue;
        if (asprintf(&victim, "%s/%s", dir, e->d_name) < 0)
            break;
        if (cs_sys_unlink(victim) == 0)
            removed++;
        free(victim);
    }
    if (d != NULL)
        closedir(d);
    free(dir);
    free(base);
    return removed;
}

int cs_store_sync_dir(const char *file, char *err, size_t errlen)
{
    char *dir = NULL, *base = NULL;
    int dfd, ret = CREDSTACK_OK;

    if (split(file, &dir, &base) != CREDSTACK_OK) {
        snprintf(err, errlen, "out of memory");
        return CREDSTACK_ERR_NOMEM;
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || cs_sys_fsync(dfd, dir) != 0) {
        snprintf(err, errlen, "%s: cannot sync directory %s: %s", file, dir,
                 strerror(errno));
        ret = CREDSTACK_ERR_IO;
    }
    if (dfd >= 0)
        close(dfd);
    free(dir);
    free(base);
    return ret;
}

static int write_all(int fd, const unsigned char *buf, size_t len,
                     const char *file)
{
    while (len > 0) {
        ssize_t n = cs_sys_write(fd, buf, len, file);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int cs_store_file_publish(const char *path, const unsigned char *buf,
                          size_t len, mode_t mode, int excl, const char *what,
                          char *err, size_t errlen)
{
    char *tmp = NULL;
    int fd = -1, ret = CREDSTACK_ERR_IO;

    if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
        snprintf(err, errlen, "out of memory");
        return CREDSTACK_ERR_NOMEM;
    }
    fd = cs_sys_mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "%s %s: cannot create %s: %s", what, path, tmp,
                 strerror(errno));
        free(tmp);
        return CREDSTACK_ERR_IO;
    }
    if ((mode != 0600 && cs_sys_fchmod(fd, mode, tmp) != 0) ||
        write_all(fd, buf, len, tmp) != 0 || cs_sys_fsync(fd, tmp) != 0) {
        snprintf(err, errlen, "%s %s: cannot write %s: %s", what, path, tmp,
                 strerror(errno));
        goto done;
    }
    if (close(fd) != 0) {
        fd = -1;
        snprintf(err, errlen, "%s %s: cannot write %s: %s", what, path, tmp,
                 strerror(errno));
        goto done;
    }
    fd = -1;
    /* Readers see the old file or the new one, never a part: link and
     * rename are atomic.  link() never replaces an existing file. */
    if (excl ? cs_sys_link(tmp, path) != 0 : cs_sys_rename(tmp, path) != 0) {
        ret = excl && errno == EEXIST ? CREDSTACK_ERR_REFUSED : ret;
        snprintf(err, errlen, "%s %s: %s", what, path,
                 ret == CREDSTACK_ERR_REFUSED ? "already exists"
                                              : strerror(errno));
        goto done;
    }
    if (!excl) {
        free(tmp);
        tmp = NULL;
    }
    /* The new name must reach the disk before we say it is done. */
    ret = cs_store_sync_dir(path, err, errlen);
done:
    if (fd >= 0)
        close(fd);
    /* Not yet renamed, or a second name of the linked file: removing it
     * never removes what was published.  Left behind (a kill), it is
     * removed by the next writer (cs_store_remove_temps). */
    if (tmp != NULL)
        cs_sys_unlink(tmp);
    free(tmp);
    return ret;
}

int cs_store_file_replace(const char *path, const unsigned char *buf,
                          size_t len, int excl, char *err, size_t errlen)
{
    return cs_store_file_publish(path, buf, len, 0600, excl, "store", err,
                                 errlen);
}

int cs_store_mkdirs(const char *dir, char *err, size_t errlen)
{
    char *copy = strdup(dir);
    int ret = CREDSTACK_OK;

    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return CREDSTACK_ERR_NOMEM;
    }
    if (*copy == '\0') {
        free(copy);
        return CREDSTACK_OK;
    }
    for (char *p = copy + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "store directory %s: %s", copy,
                     strerror(errno));
            ret = CREDSTACK_ERR_IO;
            break;
        }
        *p = c;
        if (c == '\0')
            break;
    }
    free(copy);
    return ret;
}
