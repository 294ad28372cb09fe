/* SPDX-License-Identifier: MIT */
/* args.c: splits SSH_ORIGINAL_COMMAND into tokens and resolves abbreviated
 * names. */
#include "sim.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/*
 * Tokens are separated by unquoted spaces or tabs. A double quote starts or
 * ends a quoted part; the quotes themselves are dropped ("a b" -> a b).
 * There is no escape character. An unterminated quote is an error (-1 and
 * *err set), but the tokens are still returned, as if the quote were closed
 * at the end of the line, so that the command log can mask passwords.
 */
int tokenize(const char *line, struct tokens *out, const char **err)
{
    size_t i = 0;
    size_t cap = 0;
    int rc = 0;

    out->t = NULL;
    out->n = 0;
    for (;;) {
        struct token tok;
        char *buf;
        size_t blen = 0;
        int inq = 0;

        while (line[i] == ' ' || line[i] == '\t')
            i++;
        if (line[i] == '\0')
            break;
        tok.start = i;
        tok.quoted = 0;
        buf = xmalloc(strlen(line + i) + 1);
        while (line[i] != '\0' &&
               (inq || (line[i] != ' ' && line[i] != '\t'))) {
            if (line[i] == '"') {
                inq = !inq;
                tok.quoted = 1;
            } else {
                buf[blen++] = line[i];
            }
            i++;
        }
        buf[blen] = '\0';
        if (inq) {
            *err = "Unterminated double quote";
            rc = -1;
        }
        tok.end = i;
        tok.text = buf;
        if (out->n == cap) {
            cap = cap ? cap * 2 : 8;
            out->t = xrealloc(out->t, cap * sizeof(*out->t));
        }
        out->t[out->n++] = tok;
    }
    return rc;
}

void tokens_free(struct tokens *tk)
{
    for (size_t i = 0; i < tk->n; i++)
        free(tk->t[i].text);
    free(tk->t);
    tk->t = NULL;
    tk->n = 0;
}

/* An unquoted token "-x..." or "--..." is an option name, anything else a
 * value. */
int is_option_token(const struct token *t)
{
    const char *s = t->text;

    if (t->quoted || s[0] != '-')
        return 0;
    return s[1] == '-' || isalpha((unsigned char)s[1]);
}

int resolve_name(const char *name, const char *const *names, size_t n)
{
    int found = -1;

    if (!*name)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (ieq(name, names[i]))
            return (int)i;
    for (size_t i = 0; i < n; i++) {
        if (iprefix(name, names[i])) {
            if (found >= 0)
                return -2;
            found = (int)i;
        }
    }
    return found;
}
