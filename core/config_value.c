/* SPDX-License-Identifier: MIT */
/* config_value.c: typed option values (boolean, integer, one of a list) with
 * messages that say what is wrong. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "credstack/credstack.h"
#include "config.h"
#include "config_int.h"

/* A bad value is quoted in the message, at most this many bytes of it. */
#define CS_QUOTE_MAX 40

static int cs_is_space(int c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* [*start, *end) without surrounding ASCII whitespace. */
static void cs_trim(const char *value, const char **start, size_t *len)
{
    const char *s = value;
    const char *e = value + strlen(value);

    while (s < e && cs_is_space((unsigned char)*s))
        s++;
    while (e > s && cs_is_space((unsigned char)e[-1]))
        e--;
    *start = s;
    *len = (size_t)(e - s);
}

/*
 * "file:line: section.option: " (the line only when known).  Booleans,
 * numbers and choices are not secrets, so the messages may quote the value.
 */
static void cs_prefix(const cs_config *cfg, const char *section,
                      const char *option, char *buf, size_t n)
{
    unsigned line = cfg ? cs_config_line(cfg, section, option) : 0;

    if (line > 0)
        snprintf(buf, n, "%s:%u: %s.%s: ", cs_config_path(cfg), line, section,
                 option);
    else
        snprintf(buf, n, "%s.%s: ", section, option);
}

/* The value in single quotes, shortened, with control bytes shown as '?'. */
static void cs_quote(const char *value, char *buf, size_t n)
{
    size_t len = strlen(value), i, o = 0;

    if (n < CS_QUOTE_MAX + 6)
        return;
    buf[o++] = '\'';
    for (i = 0; i < len && i < CS_QUOTE_MAX; i++) {
        unsigned char c = (unsigned char)value[i];

        buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (len > CS_QUOTE_MAX) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '\'';
    buf[o] = '\0';
}

static int cs_word_eq(const char *s, size_t n, const char *word)
{
    size_t i;

    if (strlen(word) != n)
        return 0;
    for (i = 0; i < n; i++) {
        int a = (unsigned char)s[i], b = (unsigned char)word[i];

        if (a >= 'A' && a <= 'Z')
            a += 'a' - 'A';
        if (b >= 'A' && b <= 'Z')
            b += 'a' - 'A';
        if (a != b)
            return 0;
    }
    return 1;
}

int cs_config_parse_bool(const cs_config *cfg, const char *section,
                         const char *option, const char *value, int *out,
                         char *err, size_t errlen)
{
    /* The spellings of Python's ConfigParser.BOOLEAN_STATES. */
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    int ret = CREDSTACK_ERR_CONFIG;
    char prefix[512], quoted[CS_QUOTE_MAX + 8];
    const char *s = NULL;
    size_t n = 0, i;

    if (!section || !option || !value || !out) {
        cs_config_errf(err, errlen, "invalid argument");
        ret = CREDSTACK_ERR_INVALID;
        goto done;
    }
    cs_trim(value, &s, &n);
    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (cs_word_eq(s, n, yes[i]) || cs_word_eq(s, n, no[i])) {
            *out = cs_word_eq(s, n, yes[i]);
            ret = CREDSTACK_OK;
            goto done;
        }
    }
    cs_prefix(cfg, section, option, prefix, sizeof(prefix));
    cs_quote(value, quoted, sizeof(quoted));
    cs_config_errf(err, errlen,
                   "%s%s is not a boolean (use yes/no, true/false, on/off, "
                   "1/0)",
                   prefix, quoted);
done:
    return ret;
}

int cs_config_parse_int(const cs_config *cfg, const char *section,
                        const char *option, const char *value, long min,
                        long max, long *out, char *err, size_t errlen)
{
    int ret = CREDSTACK_ERR_CONFIG;
    char prefix[512], quoted[CS_QUOTE_MAX + 8];
    const char *s = NULL;
    size_t n = 0, i = 0;
    int neg = 0, range = 0;
    unsigned long mag = 0, limit = 0;

    if (!section || !option || !value || !out || min > max) {
        cs_config_errf(err, errlen, "invalid argument");
        ret = CREDSTACK_ERR_INVALID;
        goto done;
    }
    cs_prefix(cfg, section, option, prefix, sizeof(prefix));
    cs_quote(value, quoted, sizeof(quoted));
    cs_trim(value, &s, &n);
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n) {
        cs_config_errf(err, errlen, "%s%s is not a whole number", prefix,
                       quoted);
        goto done;
    }
    /* Accumulate the magnitude; anything past LONG_MIN's is out of range
     * anyway. */
    limit = neg ? (unsigned long)LONG_MAX + 1ul : (unsigned long)LONG_MAX;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            cs_config_errf(err, errlen, "%s%s is not a whole number", prefix,
                           quoted);
            goto done;
        }
        if (!range) {
            unsigned d = (unsigned)(s[i] - '0');

            if (mag > (limit - d) / 10)
                range = 1;
            else
                mag = mag * 10 + d;
        }
    }
    if (!range) {
        long v =
            neg ? (mag == (unsigned long)LONG_MAX + 1ul ? LONG_MIN : -(long)mag)
                : (long)mag;

        if (v >= min && v <= max) {
            *out = v;
            ret = CREDSTACK_OK;
            goto done;
        }
    }
    cs_config_errf(err, errlen, "%s%s is out of range (%ld to %ld)", prefix,
                   quoted, min, max);
done:
    return ret;
}

int cs_config_parse_enum(const cs_config *cfg, const char *section,
                         const char *option, const char *value,
                         const char *const *choices, int *index_out, char *err,
                         size_t errlen)
{
    int ret = CREDSTACK_ERR_CONFIG;
    char prefix[512], quoted[CS_QUOTE_MAX + 8], list[512];
    const char *s = NULL;
    size_t n = 0, used = 0, len;
    int i;

    if (!section || !option || !value || !choices || !index_out) {
        cs_config_errf(err, errlen, "invalid argument");
        ret = CREDSTACK_ERR_INVALID;
        goto done;
    }
    cs_trim(value, &s, &n);
    for (i = 0; choices[i]; i++) {
        if (cs_word_eq(s, n, choices[i])) {
            *index_out = i;
            ret = CREDSTACK_OK;
            goto done;
        }
    }
    list[0] = '\0';
    for (i = 0; choices[i]; i++) {
        len = strlen(choices[i]) + (i ? 2 : 0);
        if (used + len + 1 > sizeof(list))
            break;
        snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
                 choices[i]);
        used += len;
    }
    cs_prefix(cfg, section, option, prefix, sizeof(prefix));
    cs_quote(value, quoted, sizeof(quoted));
    cs_config_errf(err, errlen, "%s%s is not one of: %s", prefix, quoted, list);
done:
    return ret;
}
