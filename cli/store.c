/* SPDX-License-Identifier: MIT */
/* store.c: `credstack store`: init, set, get, list, delete and rekey of a local
 * credential store. */
/* Long file: the six store subcommands share their option parsing,
 * passphrase prompts and messages; each alone is short. */
#include "autoconf.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <credstack/module.h>

#include "../store/store.h"
#include "cli.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "Usage: credstack store COMMAND --store NAME|PATH [OPTIONS] [ARGS]\n"
        "\n"
        "Manage a local credential store: an encrypted file of credentials\n"
        "addressed by host and user: host is a configuration section, user\n"
        "an option of it, whose value written \"$\" is then taken from the\n"
        "store (e.g. host 'backend', user 'server_user_key').\n"
        "\n"
        "Commands:\n"
        "  init                create an empty store and, unless a passphrase\n"
        "                      is given, its master key file (mode 0400)\n"
        "  set HOST USER       store the secret read from standard input (or\n"
        "                      --from-file); replaces the entry's credentials\n"
        "                      unless --append\n"
        "  get HOST USER       describe the entry; print the secret only\n"
        "                      with --show-secret\n"
        "  list                list every entry (never a secret)\n"
        "  delete HOST USER    remove the entry\n"
        "  rekey               re-encrypt under a new key\n"
        "\n"
        "Which store:\n"
        "  -S, --store NAME|PATH     a store name ([credential_store] name), "
        "or\n"
        "                            a path to the file when it has a '/'\n"
        "  -d, --store-dir DIR       where named stores live (default:\n"
        "                            $CREDSTACK_STORE_DIR, else %s)\n"
        "  -k, --key-file FILE       the master key file (default: the store\n"
        "                            file with .key for .store)\n"
        "  -P, --passphrase-file F   use the passphrase on F's first line\n"
        "                            instead of a key file (also:\n"
        "                            $CREDSTACK_STORE_PASSPHRASE)\n"
        "init and rekey:\n"
        "      --cipher C            aes-256-gcm (default) or "
        "chacha20-poly1305\n"
        "      --kdf K               for a passphrase: scrypt (default) or "
        "pbkdf2\n"
        "      --kdf-cost N          scrypt: log2 of N (default 15); pbkdf2:\n"
        "                            rounds (default 600000)\n"
        "rekey:\n"
        "      --new-key-file FILE   protect with this key file (created when\n"
        "                            absent); default: a new key in the\n"
        "                            current key file\n"
        "      --new-passphrase-file F  protect with this passphrase\n"
        "set:\n"
        "  -t, --type T              password (default) or private-key\n"
        "      --key-type T          ssh-rsa, ssh-ed25519, "
        "ecdsa-sha2-nistp256,\n"
        "                            ... (default: read from the key)\n"
        "  -f, --from-file FILE      read the secret from FILE, not stdin\n"
        "  -a, --append              add a credential to the entry\n"
        "get:\n"
        "  -n, --index N             the entry's N-th credential (from 0)\n"
        "      --show-secret         print the secret on standard output\n"
        "  -h, --help                show this help\n"
        "  -V, --version             show the version\n"
        "\n"
        "Secrets are never taken from the command line.  Exit status: 0 done,\n"
        "1 no such entry, 2 usage or store error.\n",
        cs_store_default_dir());
}

enum {
    OPT_CIPHER = 256,
    OPT_KDF,
    OPT_KDF_COST,
    OPT_NEW_KEY_FILE,
    OPT_NEW_PASS_FILE,
    OPT_KEY_TYPE,
    OPT_SHOW_SECRET
};

typedef struct opts {
    const char *store, *dir, *key_file, *pass_file;
    const char *cipher, *kdf, *kdf_cost;
    const char *new_key_file, *new_pass_file;
    const char *type, *key_type, *from_file, *index;
    int append, show_secret;
} opts_t;

/* A file's content (at most max bytes), NUL-terminated; free with
 * cli_free_secret. */
static int read_file(const char *path, size_t max, char **buf_out,
                     size_t *len_out)
{
    FILE *f = fopen(path, "re");
    int rc;

    if (f == NULL) {
        fprintf(stderr, "credstack store: %s: %s\n", path, strerror(errno));
        return CREDSTACK_ERR_IO;
    }
    rc = cli_read_all(f, max, buf_out, len_out);
    fclose(f);
    if (rc != CREDSTACK_OK)
        fprintf(stderr,
                "credstack store: cannot read %s (at most %zu "
                "bytes)\n",
                path, max);
    return rc;
}

/* Cut one trailing line ending. */
static void chomp(char *s, size_t *len)
{
    if (*len > 0 && s[*len - 1] == '\n')
        s[--*len] = '\0';
    if (*len > 0 && s[*len - 1] == '\r')
        s[--*len] = '\0';
}

/* The passphrase from a file's first line or the environment, or none. */
static int get_passphrase(const char *file, char **pass_out, size_t *len_out)
{
    const char *env = credstack_getenv("CREDSTACK_STORE_PASSPHRASE");
    char *buf = NULL;
    size_t len = 0;
    int rc;

    *pass_out = NULL;
    *len_out = 0;
    if (file != NULL) {
        rc = read_file(file, 4096, &buf, &len);
        if (rc != CREDSTACK_OK)
            return rc;
        len = strcspn(buf, "\r\n");
        buf[len] = '\0';
    } else if (env != NULL && *env != '\0') {
        len = strlen(env);
        buf = strdup(env);
        if (buf == NULL)
            return CREDSTACK_ERR_NOMEM;
    } else {
        return CREDSTACK_OK;
    }
    if (len == 0) {
        fprintf(stderr, "credstack store: the passphrase is empty\n");
        cli_free_secret(buf, len);
        return CREDSTACK_ERR_INVALID;
    }
    *pass_out = buf;
    *len_out = len;
    return CREDSTACK_OK;
}

/* --cipher, --kdf, --kdf-cost into params (kdf from whether a passphrase is
 * used). */
static int make_params(const opts_t *o, int passphrase, cs_store_params *p)
{
    cs_store_cipher cipher = CS_STORE_AES_256_GCM;
    cs_store_kdf kdf = passphrase ? CS_STORE_KDF_SCRYPT : CS_STORE_KDF_KEYFILE;

    if (o->cipher != NULL) {
        if (strcmp(o->cipher, "aes-256-gcm") == 0)
            cipher = CS_STORE_AES_256_GCM;
        else if (strcmp(o->cipher, "chacha20-poly1305") == 0)
            cipher = CS_STORE_CHACHA20_POLY1305;
        else {
            fprintf(stderr,
                    "credstack store: --cipher: '%s' is not "
                    "aes-256-gcm or chacha20-poly1305\n",
                    o->cipher);
            return CREDSTACK_ERR_INVALID;
        }
    }
    if (o->kdf != NULL || o->kdf_cost != NULL) {
        if (!passphrase) {
            fprintf(stderr, "credstack store: --kdf and --kdf-cost need a "
                            "passphrase\n");
            return CREDSTACK_ERR_INVALID;
        }
        if (o->kdf == NULL || strcmp(o->kdf, "scrypt") == 0)
            kdf = CS_STORE_KDF_SCRYPT;
        else if (strcmp(o->kdf, "pbkdf2") == 0)
            kdf = CS_STORE_KDF_PBKDF2;
        else {
            fprintf(stderr,
                    "credstack store: --kdf: '%s' is not scrypt or "
                    "pbkdf2\n",
                    o->kdf);
            return CREDSTACK_ERR_INVALID;
        }
    }
    cs_store_params_default(p, cipher, kdf);
    if (o->kdf_cost != NULL) {
        char *end = NULL;
        unsigned long n = strtoul(o->kdf_cost, &end, 10);
        p->kdf_p1 = (uint32_t)n;
        if (end == o->kdf_cost || *end != '\0' || n > 0xffffffffUL ||
            !cs_store_kdf_params_ok(p)) {
            fprintf(stderr,
                    "credstack store: --kdf-cost: '%s' is out of "
                    "range (scrypt 1..22, pbkdf2 1000..50000000)\n",
                    o->kdf_cost);
            return CREDSTACK_ERR_INVALID;
        }
    }
    return CREDSTACK_OK;
}

typedef struct set_args {
    const char *host, *user, *key_type;
    cs_store_type type;
    const char *secret;
    size_t len;
    int append;
} set_args;

static int edit_set(cs_store *st, void *user, char *err, size_t errlen)
{
    set_args *a = user;

    return cs_store_put(st, a->host, a->user, a->type, a->key_type, a->secret,
                        a->len, a->append, err, errlen);
}

static int edit_delete(cs_store *st, void *user, char *err, size_t errlen)
{
    set_args *a = user;
    int rc = cs_store_delete(st, a->host, a->user);

    if (rc == CREDSTACK_ERR_NOTFOUND) {
        snprintf(err, errlen, "store %s has no entry for host '%s' user '%s'",
                 st->path, a->host, a->user);
        rc = CREDSTACK_ERR_DENIED; /* exit 1, and nothing is written */
    }
    return rc;
}

static int do_set(const opts_t *o, const char *path, const cs_store_unlock *un,
                  const char *host, const char *user, char *err, size_t errlen)
{
    set_args a = {host, user, o->key_type, CS_STORE_PASSWORD,
                  NULL, 0,    o->append};
    char *buf = NULL;
    size_t len = 0;
    int rc;

    if (o->type == NULL || strcmp(o->type, "password") == 0) {
        a.type = CS_STORE_PASSWORD;
    } else if (strcmp(o->type, "private-key") == 0 ||
               strcmp(o->type, "key") == 0) {
        a.type = CS_STORE_PRIVATE_KEY;
    } else {
        snprintf(err, errlen, "--type: '%s' is not password or private-key",
                 o->type);
        return CREDSTACK_ERR_INVALID;
    }
    if (a.type == CS_STORE_PASSWORD && o->key_type != NULL) {
        snprintf(err, errlen, "--key-type is for --type private-key");
        return CREDSTACK_ERR_INVALID;
    }
    rc = o->from_file ? read_file(o->from_file, 1024 * 1024, &buf, &len)
                      : cli_read_all(stdin, 1024 * 1024, &buf, &len);
    if (rc != CREDSTACK_OK) {
        snprintf(err, errlen, "cannot read the secret from %s",
                 o->from_file ? o->from_file : "standard input");
        return rc;
    }
    /* A password is one line; a key keeps its text as it is. */
    if (a.type == CS_STORE_PASSWORD)
        chomp(buf, &len);
    if (a.type == CS_STORE_PRIVATE_KEY && a.key_type == NULL) {
        a.key_type = cs_store_guess_key_type(buf, len);
        if (a.key_type == NULL) {
            snprintf(err, errlen,
                     "cannot tell the key's type (an encrypted or unknown "
                     "key?): give --key-type");
            rc = CREDSTACK_ERR_INVALID;
            goto done;
        }
    }
    a.secret = buf;
    a.len = len;
    rc = cs_store_update(path, un, edit_set, &a, err, errlen);
done:
    cli_free_secret(buf, len);
    return rc;
}

static int do_get(const opts_t *o, const char *path, const cs_store_unlock *un,
                  const char *host, const char *user, char *err, size_t errlen)
{
    cs_store *st = NULL;
    unsigned long n = 0;
    long i;
    int rc;

    if (o->index != NULL) {
        char *end = NULL;
        n = strtoul(o->index, &end, 10);
        if (end == o->index || *end != '\0') {
            snprintf(err, errlen, "--index: '%s' is not a number", o->index);
            return CREDSTACK_ERR_INVALID;
        }
    }
    rc = cs_store_open(path, un, &st, err, errlen);
    if (rc != CREDSTACK_OK)
        return rc;
    i = cs_store_find(st, host, user, n);
    if (i < 0) {
        snprintf(err, errlen, "store %s has no %s for host '%s' user '%s'",
                 path, n ? "such credential" : "entry", host, user);
        rc = CREDSTACK_ERR_DENIED;
    } else if (o->show_secret) {
        const cs_store_cred *c = &st->creds[i];
        int nl = c->secret_len == 0 || c->secret[c->secret_len - 1] != '\n';
        if (fwrite(c->secret, 1, c->secret_len, stdout) != c->secret_len ||
            (nl && fputc('\n', stdout) == EOF) || fflush(stdout) != 0) {
            snprintf(err, errlen, "cannot write to standard output");
            rc = CREDSTACK_ERR_IO;
        }
    } else {
        const cs_store_cred *c = &st->creds[i];
        printf("%s\t%s\t%s\t%s\t(secret not shown; use --show-secret)\n",
               c->host, c->user, cs_store_type_name(c->type),
               *c->key_type ? c->key_type : "-");
    }
    cs_store_free(st);
    return rc;
}

static int do_list(const char *path, const cs_store_unlock *un, char *err,
                   size_t errlen)
{
    cs_store *st = NULL;
    int rc = cs_store_open(path, un, &st, err, errlen);

    if (rc != CREDSTACK_OK)
        return rc;
    for (size_t i = 0; i < st->ncreds; i++) {
        const cs_store_cred *c = &st->creds[i];
        printf("%s\t%s\t%s\t%s\n", c->host, c->user,
               cs_store_type_name(c->type), *c->key_type ? c->key_type : "-");
    }
    cs_store_free(st);
    return rc;
}

static int parse(int argc, char **argv, opts_t *o)
{
    static const struct option table[] = {
        {"store", required_argument, NULL, 'S'},
        {"store-dir", required_argument, NULL, 'd'},
        {"key-file", required_argument, NULL, 'k'},
        {"passphrase-file", required_argument, NULL, 'P'},
        {"cipher", required_argument, NULL, OPT_CIPHER},
        {"kdf", required_argument, NULL, OPT_KDF},
        {"kdf-cost", required_argument, NULL, OPT_KDF_COST},
        {"new-key-file", required_argument, NULL, OPT_NEW_KEY_FILE},
        {"new-passphrase-file", required_argument, NULL, OPT_NEW_PASS_FILE},
        {"type", required_argument, NULL, 't'},
        {"key-type", required_argument, NULL, OPT_KEY_TYPE},
        {"from-file", required_argument, NULL, 'f'},
        {"append", no_argument, NULL, 'a'},
        {"index", required_argument, NULL, 'n'},
        {"show-secret", no_argument, NULL, OPT_SHOW_SECRET},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "S:d:k:P:t:f:an:hV", table, NULL)) !=
           -1) {
        switch (c) {
        case 'S':
            o->store = optarg;
            break;
        case 'd':
            o->dir = optarg;
            break;
        case 'k':
            o->key_file = optarg;
            break;
        case 'P':
            o->pass_file = optarg;
            break;
        case OPT_CIPHER:
            o->cipher = optarg;
            break;
        case OPT_KDF:
            o->kdf = optarg;
            break;
        case OPT_KDF_COST:
            o->kdf_cost = optarg;
            break;
        case OPT_NEW_KEY_FILE:
            o->new_key_file = optarg;
            break;
        case OPT_NEW_PASS_FILE:
            o->new_pass_file = optarg;
            break;
        case 't':
            o->type = optarg;
            break;
        case OPT_KEY_TYPE:
            o->key_type = optarg;
            break;
        case 'f':
            o->from_file = optarg;
            break;
        case 'a':
            o->append = 1;
            break;
        case 'n':
            o->index = optarg;
            break;
        case OPT_SHOW_SECRET:
            o->show_secret = 1;
            break;
        case 'h':
            return 1;
        case 'V':
            return 2;
        default:
            return -1;
        }
    }
    return 0;
}

int cli_store(int argc, char **argv)
{
    static const struct {
        const char *name;
        int nargs;
    } cmds[] = {{"init", 0}, {"set", 2},    {"get", 2},
                {"list", 0}, {"delete", 2}, {"rekey", 0}};
    opts_t o = {0};
    char err[1024] = "", note[1024] = "";
    char *path = NULL, *key_file = NULL, *pass = NULL, *new_pass = NULL;
    size_t pass_len = 0, new_pass_len = 0;
    cs_store_unlock un = {0};
    cs_store_params params;
    const char *cmd;
    int which = -1, rc = CREDSTACK_OK, p;

    p = parse(argc, argv, &o);
    if (p == 2) {
        cli_version(stdout);
        return CLI_EXIT_OK;
    }
    if (p != 0) {
        usage(p > 0 ? stdout : stderr);
        return p > 0 ? CLI_EXIT_OK : CLI_EXIT_CONFIG;
    }
    cmd = optind < argc ? argv[optind] : NULL;
    for (size_t i = 0; cmd && i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (strcmp(cmd, cmds[i].name) == 0)
            which = (int)i;
    if (which < 0 || argc - optind - 1 != cmds[which].nargs) {
        fprintf(stderr, "credstack store: %s\n",
                which < 0 ? "name one COMMAND"
                          : "wrong number of arguments (secrets are never "
                            "taken from the command line)");
        usage(stderr);
        return CLI_EXIT_CONFIG;
    }
    if (o.store == NULL) {
        fprintf(stderr, "credstack store: --store NAME|PATH is required\n");
        return CLI_EXIT_CONFIG;
    }
    rc = cs_store_locate(o.store, o.dir, &path, &key_file, err, sizeof(err));
    if (rc != CREDSTACK_OK)
        goto done;
    if ((rc = get_passphrase(o.pass_file, &pass, &pass_len)) != CREDSTACK_OK)
        goto quiet;
    un.key_file = o.key_file ? o.key_file : key_file;
    un.passphrase = pass;
    un.passphrase_len = pass_len;
    /* Every command but init first settles what a killed writer left (a
     * rekey interrupted at any step, temporaries), and says what it did;
     * rekey does it itself.  get and list still read when the lock cannot
     * be taken (a read-only directory). */
    if (which != 0 && which != 5) {
        rc = cs_store_recover(path, &un, note, sizeof(note), err, sizeof(err));
        if (rc != CREDSTACK_OK && which != 2 && which != 3)
            goto done;
        if (rc != CREDSTACK_OK)
            fprintf(stderr, "credstack store %s: warning: %s\n", cmd, err);
        rc = CREDSTACK_OK;
        err[0] = '\0';
    }
    switch (which) {
    case 0: /* init */
        if ((rc = make_params(&o, pass != NULL, &params)) != CREDSTACK_OK)
            goto quiet;
        rc = cs_store_init(path, &un, &params, err, sizeof(err));
        if (rc == CREDSTACK_OK)
            fprintf(stderr, "credstack store: created %s%s%s\n", path,
                    pass ? "" : " with master key file ",
                    pass ? " (passphrase)" : un.key_file);
        break;
    case 1:
        rc = do_set(&o, path, &un, argv[optind + 1], argv[optind + 2], err,
                    sizeof(err));
        break;
    case 2:
        rc = do_get(&o, path, &un, argv[optind + 1], argv[optind + 2], err,
                    sizeof(err));
        break;
    case 3:
        rc = do_list(path, &un, err, sizeof(err));
        break;
    case 4: {
        set_args a = {argv[optind + 1], argv[optind + 2], NULL, 0, NULL, 0, 0};
        rc = cs_store_update(path, &un, edit_delete, &a, err, sizeof(err));
        break;
    }
    case 5: { /* rekey */
        cs_store_unlock to = {0};
        if (o.new_key_file && o.new_pass_file) {
            snprintf(err, sizeof(err),
                     "give --new-key-file or "
                     "--new-passphrase-file, not both");
            rc = CREDSTACK_ERR_INVALID;
            break;
        }
        if (o.new_pass_file != NULL) {
            rc = get_passphrase(o.new_pass_file, &new_pass, &new_pass_len);
            if (rc != CREDSTACK_OK)
                goto quiet;
            to.passphrase = new_pass;
            to.passphrase_len = new_pass_len;
        } else {
            to.key_file = o.new_key_file ? o.new_key_file : un.key_file;
        }
        if ((rc = make_params(&o, new_pass != NULL, &params)) != CREDSTACK_OK)
            goto quiet;
        rc = cs_store_rekey(path, &un, &to, &params, note, sizeof(note), err,
                            sizeof(err));
        break;
    }
    default:
        break;
    }
done:
    if (note[0] != '\0')
        fprintf(stderr, "credstack store %s: recovered: %s\n", cmd, note);
    if (rc != CREDSTACK_OK)
        fprintf(stderr, "credstack store %s: %s\n", cmd, err);
quiet:
    free(path);
    free(key_file);
    cli_free_secret(pass, pass_len);
    cli_free_secret(new_pass, new_pass_len);
    return rc == CREDSTACK_OK           ? CLI_EXIT_OK
           : rc == CREDSTACK_ERR_DENIED ? CLI_EXIT_DENIED
                                        : CLI_EXIT_CONFIG;
}
