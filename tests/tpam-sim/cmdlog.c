/* SPDX-License-Identifier: MIT */
/* cmdlog.c: appends "<ppid>\t<command>" to DIR/commands.log in one write(),
 * and, when DIR/timing.log exists, when each command started and ended. */
#include "sim.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Non-zero when an option token names a password (--Password,
 * --NewPassword...). */
static int names_password(const char *opt)
{
    for (const char *p = opt; *p; p++)
        if (iprefix("password", p))
            return 1;
    return 0;
}

static void put_escaped(struct out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];

        if (c == '\t')
            out_str(o, "\\t");
        else if (c == '\n')
            out_str(o, "\\n");
        else if (c == '\r')
            out_str(o, "\\r");
        else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof(esc), "\\x%02x", c);
            out_str(o, esc);
        } else {
            out_bytes(o, (const char *)&c, 1);
        }
    }
}

/*
 * The command is logged as received (ReasonText included), except that the
 * value of any option whose name contains "password" becomes ********, and
 * control characters are written as \t \n \r \xNN so one invocation is
 * exactly one line.
 */
void cmdlog_append(const char *path, const char *line, const struct tokens *tk)
{
    struct out o = {0};
    char pid[32];
    size_t pos = 0;
    int fd;

    snprintf(pid, sizeof(pid), "%ld\t", (long)getppid());
    out_str(&o, pid);
    if (tk) {
        for (size_t i = 0; i < tk->n; i++) {
            const struct token *t = &tk->t[i];

            if (!is_option_token(t) || !names_password(t->text))
                continue;
            if (strchr(t->text, '=')) {
                const char *eq =
                    memchr(line + t->start, '=', t->end - t->start);

                put_escaped(&o, line + pos, (size_t)(eq + 1 - line) - pos);
                out_str(&o, "********");
                pos = t->end;
            } else if (i + 1 < tk->n && !is_option_token(&tk->t[i + 1])) {
                put_escaped(&o, line + pos, tk->t[i + 1].start - pos);
                out_str(&o, "********");
                pos = tk->t[i + 1].end;
                i++;
            }
        }
    }
    put_escaped(&o, line + pos, strlen(line + pos));
    out_str(&o, "\n");
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
        if (write(fd, o.buf, o.len) != (ssize_t)o.len)
            fprintf(stderr, "tpam-sim: short write to %s\n", path);
        close(fd);
    } else {
        perror(path);
    }
    out_free(&o);
}

long long timing_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* "<ppid>\t<start us>\t<end us>\t<command name>" in one write(), only into
 * a timing.log someone created (the benchmarks count round trips with it). */
void timing_append(const char *path, long long start_us, const char *name)
{
    char line[256];
    int n, fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);

    if (fd < 0)
        return;
    n = snprintf(line, sizeof(line), "%ld\t%lld\t%lld\t%.100s\n",
                 (long)getppid(), start_us, timing_now_us(), name);
    if (n > 0 && write(fd, line, (size_t)n) != n)
        fprintf(stderr, "tpam-sim: short write to %s\n", path);
    close(fd);
}
