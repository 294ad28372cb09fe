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

#include <openssl/rand.h>

#include <credstack/credstack.h>

#include "store.h"

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

/* Remove <base>.tmp.* left by a writer that was killed. */
static void remove_stale(const char *dir, const char *base)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t blen = strlen(base);

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, base, blen) == 0 &&
            strncmp(e->d_name + blen, ".tmp.", 5) == 0)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

static int write_all(int fd, const unsigned char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int cs_store_file_replace(const char *path, const unsigned char *buf,
                          size_t len, int excl, char *err, size_t errlen)
{
    char *dir = NULL, *base = NULL, *tmp = NULL;
    unsigned char rnd[8];
    int fd = -1, dfd = -1, ret;
    struct stat st;

    ret = split(path, &dir, &base);
    if (ret != CREDSTACK_OK) {
        snprintf(err, errlen, "out of memory");
        return ret;
    }
    ret = CREDSTACK_ERR_IO;
    if (excl && lstat(path, &st) == 0) {
        snprintf(err, errlen, "store %s already exists", path);
        ret = CREDSTACK_ERR_REFUSED;
        goto done;
    }
    remove_stale(dir, base);
    if (RAND_bytes(rnd, sizeof(rnd)) != 1 ||
        asprintf(&tmp, "%s.tmp.%ld.%02x%02x%02x%02x%02x%02x%02x%02x", path,
                 (long)getpid(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5],
                 rnd[6], rnd[7]) < 0) {
        tmp = NULL;
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "store %s: cannot create %s: %s", path, tmp,
                 strerror(errno));
        free(tmp);
        tmp = NULL;
        goto done;
    }
    if (write_all(fd, buf, len) != 0 || fsync(fd) != 0) {
        snprintf(err, errlen, "store %s: cannot write %s: %s", path, tmp,
                 strerror(errno));
        goto done;
    }
    if (close(fd) != 0) {
        fd = -1;
        snprintf(err, errlen, "store %s: cannot write %s: %s", path, tmp,
                 strerror(errno));
        goto done;
    }
    fd = -1;
    /* Readers see the old file or the new one, never a part: rename is atomic.
     */
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "store %s: cannot rename %s into place: %s", path,
                 tmp, strerror(errno));
        goto done;
    }
    free(tmp);
    tmp = NULL;
    /* The rename itself must reach the disk before we say it is done. */
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0) {
        snprintf(err, errlen, "store %s: cannot sync directory %s: %s", path,
                 dir, strerror(errno));
        goto done;
    }
    ret = CREDSTACK_OK;
done:
    if (fd >= 0)
        close(fd);
    if (dfd >= 0)
        close(dfd);
    if (tmp != NULL) {
        unlink(tmp);
        free(tmp);
    }
    free(dir);
    free(base);
    return ret;
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
