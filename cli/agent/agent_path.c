/* SPDX-License-Identifier: MIT */
/* agent_path.c: where an agent lives: a private directory per user, and one
 * socket per digest of what the caller names (the configuration's path and
 * content, --stack, the caller's values, the environment that steers
 * credstack); the agent itself checks every file it read before each
 * request. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <credstack/module.h>

#include "agent.h"

/* The digest's input, gathered first (it holds secrets: wiped after). */
typedef struct macbuf {
    unsigned char *p;
    size_t len, cap;
    int failed;
} macbuf;

static void mac_add(macbuf *b, const void *data, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        unsigned char *grown;
        while (cap < b->len + n)
            cap *= 2;
        grown = malloc(cap);
        if (grown == NULL) {
            b->failed = 1;
            return;
        }
        if (b->p != NULL) {
            memcpy(grown, b->p, b->len);
            credstack_wipe(b->p, b->cap);
            free(b->p);
        }
        b->p = grown;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

#define KEY_LEN 32

/* dir exists (made 0700 if not), is a real directory, ours, closed to others.
 */
static int private_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return CREDSTACK_ERR_IO;
    }
    if (lstat(dir, &st) != 0) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return CREDSTACK_ERR_IO;
    }
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 077) != 0) {
        snprintf(err, errlen,
                 "%s is not a private directory of uid %u (mode %04o, owner "
                 "%u): the agent is not used",
                 dir, (unsigned)geteuid(), (unsigned)(st.st_mode & 07777),
                 (unsigned)st.st_uid);
        return CREDSTACK_ERR_REFUSED;
    }
    return CREDSTACK_OK;
}

static int choose_dir(char *buf, size_t len, char *err, size_t errlen)
{
    const char *v = credstack_getenv("CREDSTACK_AGENT_DIR");
    const char *xdg = credstack_getenv("XDG_RUNTIME_DIR");
    struct stat st;

    if (v != NULL && *v != '\0')
        snprintf(buf, len, "%s", v);
    else if (geteuid() == 0)
        snprintf(buf, len, "/run/credstack");
    else if (xdg != NULL && xdg[0] == '/' && stat(xdg, &st) == 0 &&
             st.st_uid == geteuid())
        snprintf(buf, len, "%s/credstack", xdg);
    else
        snprintf(buf, len, "/tmp/credstack-%u", (unsigned)geteuid());
    return private_dir(buf, err, errlen);
}

/* The per-user key of the digest, made once: a digest of secrets (a store
 * passphrase, the caller's values) must not be guessable from its name. */
static int read_key(const char *dir, unsigned char key[KEY_LEN], char *err,
                    size_t errlen)
{
    char path[600];
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "%s/key", dir);
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        if (RAND_bytes(key, KEY_LEN) != 1) {
            snprintf(err, errlen, "no random bytes for %s", path);
            return CREDSTACK_ERR_IO;
        }
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
        if (fd >= 0) {
            n = write(fd, key, KEY_LEN);
            close(fd);
            if (n == KEY_LEN)
                return CREDSTACK_OK;
            unlink(path);
            snprintf(err, errlen, "cannot write %s", path);
            return CREDSTACK_ERR_IO;
        }
        /* Another command made it meanwhile: read theirs. */
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return CREDSTACK_ERR_IO;
    }
    n = read(fd, key, KEY_LEN);
    close(fd);
    if (n != KEY_LEN) {
        snprintf(err, errlen, "%s: not a %d-byte key", path, KEY_LEN);
        return CREDSTACK_ERR_IO;
    }
    return CREDSTACK_OK;
}

static void mac_str(macbuf *c, const char *tag, const char *s)
{
    unsigned char len[4];
    size_t n = s ? strlen(s) : 0;

    /* Length-prefixed, so that no two inputs run into each other. */
    mac_add(c, tag, strlen(tag) + 1);
    len[0] = (unsigned char)(n >> 24);
    len[1] = (unsigned char)(n >> 16);
    len[2] = (unsigned char)(n >> 8);
    len[3] = (unsigned char)n;
    mac_add(c, len, sizeof(len));
    mac_add(c, s, n);
}

/* The configuration's path as named and all of its content, as read once
 * for the request (credstack_config_bytes()); a file that could not be
 * read counts as such.  The agent checks the file again before each request
 * (credstack_inputs_changed()); the content here also tells two versions
 * written within one tick of the file system's clock apart. */
static void mac_config(macbuf *c, const cli_agent_key *k)
{
    size_t n = 0;
    const char *text = credstack_config_bytes(k->parsed, &n);

    mac_str(c, "config", k->config);
    if (text == NULL) {
        const char *why = credstack_config_error(k->parsed);
        mac_str(c, "unreadable", why ? why : "not read");
        return;
    }
    mac_add(c, text, n);
}

static int digest(const cli_agent_key *k, const unsigned char key[KEY_LEN],
                  char hex[65])
{
    static const char *const envs[] = {
        "CREDSTACK_MODULE_DIR", "CREDSTACK_STACK_DIR", "CREDSTACK_STORE_DIR",
        "CREDSTACK_STORE_PASSPHRASE", NULL};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char uid[32];
    macbuf buf = {NULL, 0, 0, 0}, *c = &buf;
    int ok;

    snprintf(uid, sizeof(uid), "%u", (unsigned)geteuid());
    mac_str(c, "version", PACKAGE_VERSION);
    mac_str(c, "uid", uid);
    /* As the caller named it (cli_absolute_path()): two links to one file
     * are two agents, since relative paths in it follow the link's
     * directory. */
    mac_config(c, k);
    mac_str(c, "stack", k->stack);
    for (size_t i = 0; i < k->nvalues; i++) {
        mac_str(c, "section", k->values[i].section);
        mac_str(c, "option", k->values[i].option);
        mac_str(c, "value", k->values[i].value);
    }
    for (size_t i = 0; envs[i]; i++)
        mac_str(c, envs[i], credstack_getenv(envs[i]));
    ok = !buf.failed &&
         HMAC(EVP_sha256(), key, KEY_LEN, buf.p, buf.len, md, &mdlen) != NULL &&
         mdlen >= 32;
    if (buf.p != NULL) {
        credstack_wipe(buf.p, buf.cap);
        free(buf.p);
    }
    if (!ok)
        return CREDSTACK_ERR_IO;
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return CREDSTACK_OK;
}

int cli_agent_paths_for(const cli_agent_key *key, cli_agent_paths *p, char *err,
                        size_t errlen)
{
    unsigned char k[KEY_LEN];
    int ret;

    memset(p, 0, sizeof(*p));
    ret = choose_dir(p->dir, sizeof(p->dir), err, errlen);
    if (ret == CREDSTACK_OK)
        ret = read_key(p->dir, k, err, errlen);
    if (ret == CREDSTACK_OK)
        ret = digest(key, k, p->digest);
    credstack_wipe(k, sizeof(k));
    if (ret != CREDSTACK_OK) {
        if (err[0] == '\0')
            snprintf(err, errlen, "cannot compute the agent's digest");
        return ret;
    }
    /* 128 bits of the digest name the files: short enough for sun_path. */
    snprintf(p->socket, sizeof(p->socket), "%s/agent-%.32s.sock", p->dir,
             p->digest);
    snprintf(p->lock, sizeof(p->lock), "%s/agent-%.32s.lock", p->dir,
             p->digest);
    snprintf(p->log, sizeof(p->log), "%s/agent-%.32s.log", p->dir, p->digest);
    if (strlen(p->socket) >= 108) {
        snprintf(err, errlen, "agent socket path too long: %s", p->socket);
        return CREDSTACK_ERR_INVALID;
    }
    return CREDSTACK_OK;
}

const char *cli_agent_fixed_socket(credstack_config *config)
{
    const char *v = NULL;

    if (credstack_config_get(config, "credstack", "agent_socket", &v) !=
            CREDSTACK_OK ||
        v[0] != '/')
        return NULL;
    return v;
}
