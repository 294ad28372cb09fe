/* SPDX-License-Identifier: MIT */
/* config_read.c: the line reader: ConfigParser's line rules in front of inih,
 * which only ever sees short synthetic lines. */
/* Long file: configparser's line rules (continuations, comments,
 * indentation, both generations) are one reader; the reason for each rule is
 * written beside it. */

/*
 * Why inih is fed a synthetic stream
 * ----------------------------------
 * The configuration must parse exactly as Python's configparser.ConfigParser
 * (defaults, strict=True) parses it, and inih must be the parser.  Debian's
 * libinih is built with INI_MAX_LINE 200, INI_ALLOW_MULTILINE 1 and inline
 * ';' comments, so given the file itself it would
 *   - cut a known_hosts line (400-700 bytes) or any long value at 199 bytes
 *     and read the rest as further lines,
 *   - take the seed's sample, every line indented by one space as pasted from
 *     a PDF, as one option continued over all following lines,
 *   - drop everything after " ;" in a value,
 *   - truncate section names to 49 bytes (its MAX_SECTION).
 *
 * So this file does the line work itself, for any line length:
 *   1. split the text into physical lines (LF, CRLF or lone CR, as Python's
 *      universal newlines), skip a UTF-8 BOM, refuse NUL bytes;
 *   2. assemble ConfigParser's logical lines: whole-line '#'/';' comments,
 *      section headers, `name=value` / `name: value` split at the first
 *      delimiter, and continuation lines (indented deeper than the line that
 *      started the option; empty lines kept inside a value, trailing ones
 *      dropped; comments skipped).  Each record keeps its value and line;
 *   3. hand inih one short line per record: `[section]` and
 *      `name=\x01<index>`, never indented and never holding ';' or '#'.  inih
 *      tracks the current section and splits name from value and calls our
 *      handler, which maps the \x01 token back to the stored value and its
 *      original line number, checks that inih saw the same section and name
 *      as we did, and stores the option (refusing duplicates).
 * A name inih could misread (non-ASCII or control bytes, ';', '#', '[', ']',
 * or a section name over 49 bytes) is sent as a `\x02<index>` token instead
 * and mapped back the same way.  Names longer than CS_CONFIG_NAME_MAX are
 * refused with file:line, so no synthetic line reaches 190 bytes; if one ever
 * did not fit inih's buffer, we fail rather than let it be cut.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "credstack/credstack.h"
#include "credstack/module.h"
#include "config.h"
#include "config_int.h"

/* Longest synthetic line we hand to inih (Debian builds it with 200). */
#define CS_SYNTH_MAX 190

/* inih copies section names into a 50-byte buffer. */
#define CS_INIH_SECTION_MAX 49

/* A bigger file is not a configuration file; refuse it rather than read it all.
 */
#define CS_FILE_MAX (16u * 1024u * 1024u)

#define CS_NONE ((size_t)-1)

enum cs_rec_kind { CS_REC_SECTION, CS_REC_OPTION };

/* One logical line of the file: a section header or a whole option. */
struct cs_rec {
    enum cs_rec_kind kind;
    unsigned line;
    char *name;                 /* section name, or option name in lower case */
    size_t sect;                /* option: index of its section's record */
    struct cs_config_buf value; /* option: the assembled value */
};

struct cs_reader {
    const char *name; /* file name for messages */
    cs_config *cfg;
    struct cs_rec *recs;
    size_t nrecs, caprecs;
    size_t noptions;
    /* Feeding inih. */
    size_t next;      /* next record to turn into a line */
    size_t delivered; /* options inih handed back to us */
    int rc;           /* first error in the handler or the line source */
    char *err;
    size_t errlen;
};

/*
 * Length in bytes of the whitespace character at p, 0 if there is none.
 * The set is Python's str.isspace() (what strip() and the regex \s use),
 * decoded from UTF-8, so a no-break space pasted from a PDF indents and is
 * stripped as it is in ConfigParser.
 */
static size_t cs_ws_len(const unsigned char *p, const unsigned char *end)
{
    size_t left = (size_t)(end - p);

    if (left == 0)
        return 0;
    if (p[0] == ' ' || (p[0] >= 0x09 && p[0] <= 0x0d) ||
        (p[0] >= 0x1c && p[0] <= 0x1f))
        return 1;
    if (left >= 2 && p[0] == 0xc2 && (p[1] == 0x85 || p[1] == 0xa0))
        return 2; /* U+0085, U+00A0 */
    if (left < 3)
        return 0;
    if (p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80)
        return 3; /* U+1680 */
    if (p[0] == 0xe2 && p[1] == 0x80 &&
        (p[2] <= 0x8a || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf) &&
        p[2] >= 0x80)
        return 3; /* U+2000..U+200A, U+2028, U+2029, U+202F */
    if (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f)
        return 3; /* U+205F */
    if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
        return 3; /* U+3000 */
    return 0;
}

/* The end of [p, end) without trailing whitespace. */
static const unsigned char *cs_rstrip(const unsigned char *p,
                                      const unsigned char *end)
{
    const unsigned char *last = p;
    size_t n;

    /*
     * Scan forward: UTF-8 cannot be stripped from the back without decoding,
     * and no whitespace sequence starts with a continuation byte, so stepping
     * one byte over anything else is safe.
     */
    while (p < end) {
        n = cs_ws_len(p, end);
        if (n) {
            p += n;
        } else {
            p++;
            last = p;
        }
    }
    return last;
}

static char *cs_strndup_lower(const unsigned char *p, size_t n, int lower)
{
    char *d = malloc(n + 1);
    size_t i;

    if (!d)
        return NULL;
    for (i = 0; i < n; i++)
        d[i] = (char)((lower && p[i] >= 'A' && p[i] <= 'Z') ? p[i] - 'A' + 'a'
                                                            : p[i]);
    d[n] = '\0';
    return d;
}

static int cs_rec_new(struct cs_reader *rd, enum cs_rec_kind kind,
                      unsigned line, const unsigned char *name, size_t namelen,
                      size_t *index_out)
{
    int ret = CREDSTACK_OK;
    struct cs_rec *r = NULL;

    if (rd->nrecs == rd->caprecs) {
        size_t ncap = rd->caprecs ? rd->caprecs * 2 : 32;
        struct cs_rec *p = NULL;

        if (ncap > (size_t)-1 / sizeof(*p)) {
            ret = CREDSTACK_ERR_NOMEM;
            goto done;
        }
        p = realloc(rd->recs, ncap * sizeof(*p));
        if (!p) {
            ret = CREDSTACK_ERR_NOMEM;
            goto done;
        }
        rd->recs = p;
        rd->caprecs = ncap;
    }
    r = &rd->recs[rd->nrecs];
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    r->line = line;
    r->sect = CS_NONE;
    r->name = cs_strndup_lower(name, namelen, kind == CS_REC_OPTION);
    if (!r->name) {
        ret = CREDSTACK_ERR_NOMEM;
        goto done;
    }
    *index_out = rd->nrecs++;
done:
    return ret;
}

static void cs_recs_free(struct cs_reader *rd)
{
    size_t i;

    for (i = 0; i < rd->nrecs; i++) {
        free(rd->recs[i].name);
        cs_config_buf_wipe(&rd->recs[i].value);
    }
    free(rd->recs);
    rd->recs = NULL;
    rd->nrecs = rd->caprecs = 0;
}

/*
 * Step 2: turn the physical lines into records, following ConfigParser's
 * _read() line by line.  Errors name the line but never quote it: a
 * mis-indented line of a private key must not end up in a log.
 */
static int cs_assemble(struct cs_reader *rd, const unsigned char *text,
                       size_t len)
{
    int ret = CREDSTACK_OK;
    const unsigned char *pos = text;
    const unsigned char *end = text + len;
    const unsigned char *ls = NULL, *le = NULL, *p = NULL, *q = NULL;
    const unsigned char *d = NULL, *v = NULL;
    size_t cur_sect = CS_NONE, cur_opt = CS_NONE, idx = 0, n = 0;
    size_t indent = 0, indent_level = (size_t)-1, pending_empty = 0;
    unsigned lineno = 0;

    /* A UTF-8 byte order mark is not part of the first line. */
    if (len >= 3 && text[0] == 0xef && text[1] == 0xbb && text[2] == 0xbf)
        pos += 3;

    while (pos < end) {
        lineno++;
        ls = pos;
        while (pos < end && *pos != '\n' && *pos != '\r') {
            if (*pos == '\0') {
                cs_config_errf(rd->err, rd->errlen,
                               "%s:%u: NUL byte in the line", rd->name, lineno);
                ret = CREDSTACK_ERR_CONFIG;
                goto done;
            }
            pos++;
        }
        le = pos;
        if (pos < end)
            pos += (*pos == '\r' && pos + 1 < end && pos[1] == '\n') ? 2 : 1;

        /* Strip, counting the indentation in characters as Python does. */
        p = ls;
        indent = 0;
        while ((n = cs_ws_len(p, le)) != 0) {
            p += n;
            indent++;
        }
        le = cs_rstrip(p, le);

        if (p == le) {
            /* Kept as an empty value line only if a continuation follows. */
            if (cur_opt != CS_NONE)
                pending_empty++;
            continue;
        }
        if (*p == '#' || *p == ';')
            continue; /* neither ends nor joins a multi-line value */

        if (cur_opt != CS_NONE && indent > indent_level) {
            struct cs_config_buf *b = &rd->recs[cur_opt].value;

            for (; pending_empty > 0; pending_empty--)
                if ((ret = cs_config_buf_add(b, "\n", 1)) != CREDSTACK_OK)
                    goto done;
            if ((ret = cs_config_buf_add(b, "\n", 1)) != CREDSTACK_OK ||
                (ret = cs_config_buf_add(b, (const char *)p,
                                         (size_t)(le - p))) != CREDSTACK_OK)
                goto done;
            continue;
        }

        /* Anything else starts a new section or option, whatever its indent. */
        indent_level = indent;
        pending_empty = 0;
        cur_opt = CS_NONE;

        /*
         * A header is '[', at least one character, and the LAST ']' of the
         * line (the regex \[(.+)\] is greedy); text after it is ignored.
         */
        q = NULL;
        if (*p == '[' && le - p >= 3)
            for (d = le - 1; d >= p + 2; d--)
                if (*d == ']') {
                    q = d;
                    break;
                }
        if (q) {
            n = (size_t)(q - (p + 1));
            if (n > CS_CONFIG_NAME_MAX) {
                cs_config_errf(rd->err, rd->errlen,
                               "%s:%u: section name is too long (%zu bytes, "
                               "at most %d)",
                               rd->name, lineno, n, CS_CONFIG_NAME_MAX);
                ret = CREDSTACK_ERR_CONFIG;
                goto done;
            }
            if ((ret = cs_rec_new(rd, CS_REC_SECTION, lineno, p + 1, n,
                                  &idx)) != CREDSTACK_OK)
                goto done;
            ret = cs_config_add_section(rd->cfg, rd->recs[idx].name, lineno,
                                        rd->err, rd->errlen);
            if (ret != CREDSTACK_OK)
                goto done;
            cur_sect = idx;
            continue;
        }
        if (cur_sect == CS_NONE) {
            cs_config_errf(rd->err, rd->errlen,
                           "%s:%u: line outside any section: a [section] "
                           "header must come first",
                           rd->name, lineno);
            ret = CREDSTACK_ERR_CONFIG;
            goto done;
        }
        for (d = p; d < le && *d != '=' && *d != ':'; d++)
            ;
        if (d == le) {
            cs_config_errf(rd->err, rd->errlen,
                           "%s:%u: no '=' or ':' in the line (a continuation "
                           "line must be indented deeper than its option)",
                           rd->name, lineno);
            ret = CREDSTACK_ERR_CONFIG;
            goto done;
        }
        q = cs_rstrip(p, d);
        n = (size_t)(q - p);
        if (n == 0) {
            cs_config_errf(rd->err, rd->errlen,
                           "%s:%u: option name missing before '%c'", rd->name,
                           lineno, *d);
            ret = CREDSTACK_ERR_CONFIG;
            goto done;
        }
        if (n > CS_CONFIG_NAME_MAX) {
            cs_config_errf(rd->err, rd->errlen,
                           "%s:%u: option name is too long (%zu bytes, at "
                           "most %d)",
                           rd->name, lineno, n, CS_CONFIG_NAME_MAX);
            ret = CREDSTACK_ERR_CONFIG;
            goto done;
        }
        v = d + 1;
        while ((n = cs_ws_len(v, le)) != 0)
            v += n;
        if ((ret = cs_rec_new(rd, CS_REC_OPTION, lineno, p, (size_t)(q - p),
                              &idx)) != CREDSTACK_OK)
            goto done;
        rd->recs[idx].sect = cur_sect;
        /* Even an empty value gets a buffer: the option exists. */
        if ((ret = cs_config_buf_add(&rd->recs[idx].value, (const char *)v,
                                     (size_t)(le - v))) != CREDSTACK_OK)
            goto done;
        rd->noptions++;
        cur_opt = idx;
    }
done:
    if (ret == CREDSTACK_ERR_NOMEM)
        cs_config_errf(rd->err, rd->errlen, "%s: out of memory", rd->name);
    return ret;
}

/* Whether inih will read `name` back byte for byte from a synthetic line. */
static int cs_inih_safe(const char *name, size_t max)
{
    size_t n = strlen(name);
    size_t i;

    if (n == 0 || n > max || name[0] == ' ' || name[n - 1] == ' ')
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];

        if (c < 0x20 || c > 0x7e || strchr(";#[]=:", c))
            return 0;
    }
    return 1;
}

/* Parse "<tag><decimal index>" made by cs_feed_line(); 1 on success. */
static int cs_token(const char *s, char tag, size_t limit, size_t *out)
{
    size_t v = 0;

    if (!s || s[0] != tag || s[1] == '\0')
        return 0;
    for (s++; *s; s++) {
        if (*s < '0' || *s > '9' || v > ((size_t)-1 - 9) / 10)
            return 0;
        v = v * 10 + (size_t)(*s - '0');
    }
    if (v >= limit)
        return 0;
    *out = v;
    return 1;
}

/* inih's line source: one short synthetic line per record (step 3). */
static char *cs_feed_line(char *str, int num, void *stream)
{
    struct cs_reader *rd = stream;
    struct cs_rec *r = NULL;
    size_t i;
    int n;

    /* After an error, end the stream: inih would otherwise carry on. */
    if (rd->rc != CREDSTACK_OK || rd->next >= rd->nrecs || num <= 0)
        return NULL;
    i = rd->next;
    r = &rd->recs[i];
    if (r->kind == CS_REC_SECTION) {
        if (cs_inih_safe(r->name, CS_INIH_SECTION_MAX))
            n = snprintf(str, (size_t)num, "[%s]\n", r->name);
        else
            n = snprintf(str, (size_t)num, "[\x02%zu]\n", i);
    } else {
        if (cs_inih_safe(r->name, CS_CONFIG_NAME_MAX))
            n = snprintf(str, (size_t)num, "%s=\x01%zu\n", r->name, i);
        else
            n = snprintf(str, (size_t)num, "\x02%zu=\x01%zu\n", i, i);
    }
    if (n < 0 || n > CS_SYNTH_MAX || n >= num) {
        cs_config_errf(rd->err, rd->errlen,
                       "%s:%u: internal error: line too long for inih",
                       rd->name, r->line);
        rd->rc = CREDSTACK_ERR_CONFIG;
        return NULL;
    }
    rd->next++;
    return str;
}

/* inih's handler: map the tokens back to our record and store the option. */
#if INI_HANDLER_LINENO
static int cs_feed_option(void *user, const char *section, const char *name,
                          const char *value, int lineno)
#else
static int cs_feed_option(void *user, const char *section, const char *name,
                          const char *value)
#endif
{
    struct cs_reader *rd = user;
    struct cs_rec *r = NULL, *s = NULL;
    size_t j = 0, k = 0;
    int ret = CREDSTACK_OK;

#if INI_HANDLER_LINENO
    (void)lineno;
#endif
    if (rd->rc != CREDSTACK_OK)
        return 0;
    /* A build with INI_CALL_HANDLER_ON_NEW_SECTION reports headers so; we track
     * them ourselves. */
    if (!name && !value)
        return 1;
    if (!section || !name || !cs_token(value, '\x01', rd->nrecs, &j) ||
        rd->recs[j].kind != CS_REC_OPTION || !rd->recs[j].value.p)
        goto mismatch;
    r = &rd->recs[j];
    s = &rd->recs[r->sect];
    if (section[0] == '\x02') {
        if (!cs_token(section, '\x02', rd->nrecs, &k) ||
            rd->recs[k].kind != CS_REC_SECTION ||
            strcmp(rd->recs[k].name, s->name) != 0)
            goto mismatch;
    } else if (strcmp(section, s->name) != 0) {
        goto mismatch;
    }
    if (name[0] == '\x02') {
        if (!cs_token(name, '\x02', rd->nrecs, &k) || k != j)
            goto mismatch;
    } else if (strcmp(name, r->name) != 0) {
        goto mismatch;
    }
    ret = cs_config_add_option(rd->cfg, s->name, r->name, &r->value.p, r->line,
                               rd->err, rd->errlen);
    if (ret != CREDSTACK_OK) {
        rd->rc = ret;
        return 0;
    }
    /* The config owns the value now; forget our view of the buffer. */
    r->value.len = r->value.cap = 0;
    rd->delivered++;
    return 1;
mismatch:
    /* Fail closed if inih ever reads a line differently from us. */
    cs_config_errf(rd->err, rd->errlen,
                   "%s:%u: internal error: inih disagreed about this option",
                   rd->name, r ? r->line : 0u);
    rd->rc = CREDSTACK_ERR_CONFIG;
    return 0;
}

int cs_config_parse(const char *text, size_t len, const char *name,
                    cs_config **cfg_out, char *err, size_t errlen)
{
    int ret = CREDSTACK_OK;
    struct cs_reader rd;
    cs_config *cfg = NULL;
    int r = 0;

    memset(&rd, 0, sizeof(rd));
    if (err && errlen > 0)
        err[0] = '\0';
    if (!cfg_out || !text) {
        cs_config_errf(err, errlen, "invalid argument");
        ret = CREDSTACK_ERR_INVALID;
        goto done;
    }
    *cfg_out = NULL;
    if (!name)
        name = "<string>";
    cfg = cs_config_new(name);
    if (!cfg) {
        cs_config_errf(err, errlen, "%s: out of memory", name);
        ret = CREDSTACK_ERR_NOMEM;
        goto done;
    }
    rd.name = cs_config_path(cfg);
    rd.cfg = cfg;
    rd.err = err;
    rd.errlen = errlen;

    ret = cs_assemble(&rd, (const unsigned char *)text, len);
    if (ret != CREDSTACK_OK)
        goto done;

    r = ini_parse_stream(cs_feed_line, &rd, cs_feed_option, &rd);
    if (rd.rc != CREDSTACK_OK) {
        ret = rd.rc;
    } else if (r == -2) {
        cs_config_errf(err, errlen, "%s: out of memory", rd.name);
        ret = CREDSTACK_ERR_NOMEM;
    } else if (r != 0) {
        cs_config_errf(err, errlen,
                       "%s:%u: internal error: inih refused the line", rd.name,
                       (r > 0 && (size_t)r <= rd.nrecs) ? rd.recs[r - 1].line
                                                        : 0u);
        ret = CREDSTACK_ERR_CONFIG;
    } else if (rd.delivered != rd.noptions) {
        cs_config_errf(err, errlen,
                       "%s: internal error: inih lost %zu of %zu options",
                       rd.name, rd.noptions - rd.delivered, rd.noptions);
        ret = CREDSTACK_ERR_CONFIG;
    }
    if (ret != CREDSTACK_OK)
        goto done;
    *cfg_out = cfg;
    cfg = NULL;
done:
    cs_recs_free(&rd);
    cs_config_free(cfg);
    return ret;
}

int cs_config_load_string(const char *text, const char *name,
                          cs_config **cfg_out, char *err, size_t errlen)
{
    if (!text)
        return cs_config_parse(NULL, 0, name, cfg_out, err, errlen);
    return cs_config_parse(text, strlen(text), name, cfg_out, err, errlen);
}

/*
 * read(2) rather than stdio: stdio would keep a copy of the file (keys
 * included) in a buffer that fclose() frees without wiping.
 */
int cs_config_load_file(const char *path, cs_config **cfg_out, char *err,
                        size_t errlen)
{
    return cs_config_read_file(path, cfg_out, NULL, NULL, err, errlen);
}

int cs_config_read_file(const char *path, cs_config **cfg_out, char **text_out,
                        size_t *len_out, char *err, size_t errlen)
{
    int ret = CREDSTACK_OK;
    int fd = -1;
    struct cs_config_buf buf = {NULL, 0, 0};
    char chunk[4096];
    ssize_t got = 0;

    if (err && errlen > 0)
        err[0] = '\0';
    if (!cfg_out || !path) {
        cs_config_errf(err, errlen, "invalid argument");
        ret = CREDSTACK_ERR_INVALID;
        goto done;
    }
    *cfg_out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        cs_config_errf(err, errlen, "%s: cannot open: %s", path,
                       strerror(errno));
        ret = CREDSTACK_ERR_IO;
        goto done;
    }
    for (;;) {
        got = read(fd, chunk, sizeof(chunk));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            cs_config_errf(err, errlen, "%s: cannot read: %s", path,
                           strerror(errno));
            ret = CREDSTACK_ERR_IO;
            goto done;
        }
        if (got == 0)
            break;
        if (buf.len + (size_t)got > CS_FILE_MAX) {
            cs_config_errf(err, errlen, "%s: file is larger than %u bytes",
                           path, CS_FILE_MAX);
            ret = CREDSTACK_ERR_CONFIG;
            goto done;
        }
        if (cs_config_buf_add(&buf, chunk, (size_t)got) != CREDSTACK_OK) {
            cs_config_errf(err, errlen, "%s: out of memory", path);
            ret = CREDSTACK_ERR_NOMEM;
            goto done;
        }
    }
    ret = cs_config_parse(buf.p ? buf.p : "", buf.len, path, cfg_out, err,
                          errlen);
    /* The bytes parsed, parsed or not: the caller names what it read. */
    if (text_out != NULL && ret != CREDSTACK_ERR_NOMEM) {
        if (buf.p == NULL && cs_config_buf_add(&buf, "", 0) != CREDSTACK_OK) {
            cs_config_free(*cfg_out);
            *cfg_out = NULL;
            ret = CREDSTACK_ERR_NOMEM;
            goto done;
        }
        *text_out = buf.p;
        *len_out = buf.len;
        buf.p = NULL;
        buf.len = buf.cap = 0;
    }
done:
    credstack_wipe(chunk, sizeof(chunk));
    cs_config_buf_wipe(&buf);
    if (fd >= 0)
        close(fd);
    return ret;
}
