/* SPDX-License-Identifier: MIT */
/* log.c: logging to syslog or stderr with the seed's log levels. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "internal.h"

static const struct {
    const char *name;
    int level;
} levels[] = {
    {"debug", CREDSTACK_LOG_DEBUG},     {"info", CREDSTACK_LOG_INFO},
    {"warning", CREDSTACK_LOG_WARNING}, {"warn", CREDSTACK_LOG_WARNING},
    {"error", CREDSTACK_LOG_ERROR},     {"critical", CREDSTACK_LOG_CRITICAL},
    {"fatal", CREDSTACK_LOG_CRITICAL},
};

/* The seed takes Python logging names or numbers 10..50. */
int credstack_log_level_parse(const char *text, int *level_out)
{
    char *end = NULL;
    long n;

    if (text == NULL || level_out == NULL)
        return CREDSTACK_ERR_INVALID;
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        if (strcasecmp(text, levels[i].name) == 0) {
            *level_out = levels[i].level;
            return CREDSTACK_OK;
        }
    }
    n = strtol(text, &end, 10);
    if (end != text && *end == '\0' && n >= 10 && n <= 50) {
        *level_out = (int)n;
        return CREDSTACK_OK;
    }
    return CREDSTACK_ERR_INVALID;
}

const char *cs_log_level_name(int level)
{
    if (level >= CREDSTACK_LOG_CRITICAL)
        return "critical";
    if (level >= CREDSTACK_LOG_ERROR)
        return "error";
    if (level >= CREDSTACK_LOG_WARNING)
        return "warning";
    if (level >= CREDSTACK_LOG_INFO)
        return "info";
    return "debug";
}

static int syslog_priority(int level)
{
    if (level >= CREDSTACK_LOG_CRITICAL)
        return LOG_CRIT;
    if (level >= CREDSTACK_LOG_ERROR)
        return LOG_ERR;
    if (level >= CREDSTACK_LOG_WARNING)
        return LOG_WARNING;
    if (level >= CREDSTACK_LOG_INFO)
        return LOG_INFO;
    return LOG_DEBUG;
}

/*
 * A request's own log (credstack_request_set_log()): while its run is on, the
 * lines this thread logs go there instead of stderr, so that an agent can
 * hand a request's lines back to the command that asked.
 */
static _Thread_local FILE *cs_tl_sink;
static _Thread_local int cs_tl_level;

void cs_log_capture(FILE *sink, int level)
{
    cs_tl_sink = sink;
    cs_tl_level = level;
}

void cs_vlog(const credstack_handle *h, int level, const char *tag,
             const char *fmt, va_list ap)
{
    char msg[2048];
    int to_stderr = h == NULL || h->log_stderr;
    int threshold = h == NULL ? CREDSTACK_LOG_INFO : h->log_level;
    FILE *out = stderr;

    if (cs_tl_sink != NULL && to_stderr) {
        out = cs_tl_sink;
        if (cs_tl_level > 0)
            threshold = cs_tl_level;
    }
    /* A look-ahead pass is silent: only the real pass speaks. */
    if (level < threshold || cs_lookahead_active())
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    /* One line per message: a newline in a value must not forge a log
     * line, nor another control character drive a terminal. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
        else if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    if (to_stderr) {
        fprintf(out, "credstack: %s: %s%s%s\n", cs_log_level_name(level),
                tag ? tag : "", tag ? ": " : "", msg);
    } else {
        openlog("credstack", LOG_PID, LOG_AUTHPRIV);
        syslog(syslog_priority(level), "%s%s%s", tag ? tag : "",
               tag ? ": " : "", msg);
    }
}

void cs_log(const credstack_handle *h, int level, const char *tag,
            const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cs_vlog(h, level, tag, fmt, ap);
    va_end(ap);
}
