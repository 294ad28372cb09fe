/* SPDX-License-Identifier: MIT */
/* faults.c: reads DIR/faults and injects delays, hangs, drops and bad output.
 */
#include "sim.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * DIR/faults is optional and re-read on every invocation. "key=value" lines,
 * '#' comments. Keys (see README.md):
 *   delay_ms=N        sleep N ms before answering
 *   hang=1            never answer (until the SSH channel or parent goes away)
 *   drop=1            no output; SIGKILL the parent sshd (drops the connection)
 *   garbage=1         print random bytes that are not TPAM output
 *   half_line=1       print the first half of the first line, no newline
 *   leading_blank=1   output begins with an empty line
 *   lf_only=1         LF line endings instead of CRLF
 *   empty=1           print nothing, exit 0
 *   retrieve_error=T  Retrieve prints line T instead of the password
 *   retrieve_output=T Retrieve prints T as it is (\n \r \t \\ \xNN decoded,
 *                     no line end added): several lines, no line end...
 *   list_output=T     list commands print T (decoded so) instead of a table
 *   filter=M          how list filters match: wildcard (default; also
 *                     wildcard-only), exact, substring, prefix, ignore
 *   filter_case=C     insensitive (default) or sensitive
 *   command=A[,B]     the faults apply only to these commands (canonical names)
 *   exit_status=N     the command exits with N (0..255) after its answer
 */

/* T with \n \r \t \\ \xNN decoded (an unknown escape is kept as it is). */
static char *decode_escapes(const char *t)
{
    struct out o = {0};

    out_str(&o, "");
    for (const char *p = t; *p; p++) {
        char c = *p;

        if (c == '\\' && p[1]) {
            p++;
            switch (*p) {
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            case '\\':
                c = '\\';
                break;
            case 'x':
                if (isxdigit((unsigned char)p[1]) &&
                    isxdigit((unsigned char)p[2])) {
                    char hex[3] = {p[1], p[2], '\0'};

                    c = (char)strtol(hex, NULL, 16);
                    p += 2;
                    if (c == '\0')
                        continue; /* a C string cannot carry it */
                    break;
                }
                /* fall through */
            default:
                out_bytes(&o, p - 1, 1);
                c = *p;
                break;
            }
        }
        out_bytes(&o, &c, 1);
    }
    return o.buf;
}

static const char *const filter_modes[] = {[FILTER_WILDCARD] = "wildcard",
                                           [FILTER_EXACT] = "exact",
                                           [FILTER_SUBSTRING] = "substring",
                                           [FILTER_PREFIX] = "prefix",
                                           [FILTER_IGNORE] = "ignore"};

static int parse_long(const char *v, long *out)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < 0)
        return -1;
    *out = n;
    return 0;
}

/*
 * Reads path into f (a missing file is no fault).  Anything the simulator
 * does not understand (an unknown key, a bad value, a line without '=') is a
 * setup error (sim_error): -1, and the client gets no answer.  A misspelt
 * fault must not silently leave the kind default in place.  only_filters:
 * the file may set filter and filter_case only (STATE/defaults).
 */
int faults_load(const char *path, struct faults *f, int only_filters)
{
    FILE *fp;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, errors = 0;

    memset(f, 0, sizeof(*f));
    fp = fopen(path, "r");
    if (!fp) {
        if (errno == ENOENT)
            return 0;
        sim_error("%s: %s", path, strerror(errno));
        return -1;
    }
    while ((len = getline(&line, &cap, fp)) >= 0) {
        char *p = line;
        char *eq;
        char *key;
        char *end;
        long n = 0;

        lineno++;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        eq = strchr(p, '=');
        if (!eq) {
            sim_error("%s:%d: expected key=value", path, lineno);
            errors++;
            continue;
        }
        *eq = '\0';
        key = p;
        end = eq;
        while (end > key && isspace((unsigned char)end[-1]))
            *--end = '\0';
        p = eq + 1;
        if (only_filters && !ieq(key, "filter") && !ieq(key, "filter_case")) {
            sim_error("%s:%d: only filter and filter_case may be set here",
                      path, lineno);
            errors++;
            continue;
        }
        if (ieq(key, "retrieve_error")) {
            free(f->retrieve_error);
            f->retrieve_error = xstrdup(p);
            continue;
        }
        if (ieq(key, "retrieve_output") || ieq(key, "list_output")) {
            char **dst = ieq(key, "retrieve_output") ? &f->retrieve_output
                                                     : &f->list_output;

            free(*dst);
            *dst = decode_escapes(p);
            continue;
        }
        if (ieq(key, "filter")) {
            size_t m;

            for (m = 0; m < sizeof(filter_modes) / sizeof(filter_modes[0]); m++)
                if (ieq(p, filter_modes[m]))
                    break;
            if (ieq(p, "wildcard-only"))
                m = FILTER_WILDCARD;
            if (m < sizeof(filter_modes) / sizeof(filter_modes[0])) {
                f->filter_mode = (int)m;
                f->filter_set = 1;
            } else {
                sim_error("%s:%d: filter is wildcard, exact, substring, "
                          "prefix or ignore, not '%s'",
                          path, lineno, p);
                errors++;
            }
            continue;
        }
        if (ieq(key, "filter_case")) {
            if (ieq(p, "sensitive") || ieq(p, "insensitive")) {
                f->filter_case = ieq(p, "sensitive");
                f->case_set = 1;
            } else {
                sim_error("%s:%d: filter_case is sensitive or insensitive, "
                          "not '%s'",
                          path, lineno, p);
                errors++;
            }
            continue;
        }
        if (ieq(key, "command")) {
            free(f->command);
            f->command = xstrdup(p);
            continue;
        }
        if (!ieq(key, "delay_ms") && !ieq(key, "hang") && !ieq(key, "drop") &&
            !ieq(key, "garbage") && !ieq(key, "half_line") &&
            !ieq(key, "leading_blank") && !ieq(key, "lf_only") &&
            !ieq(key, "empty") && !ieq(key, "exit_status")) {
            sim_error("%s:%d: unknown fault '%s'", path, lineno, key);
            errors++;
        } else if (parse_long(p, &n) != 0) {
            sim_error("%s:%d: %s wants a number, not '%s'", path, lineno, key,
                      p);
            errors++;
        } else if (ieq(key, "delay_ms"))
            f->delay_ms = n;
        else if (ieq(key, "hang"))
            f->hang = n != 0;
        else if (ieq(key, "drop"))
            f->drop = n != 0;
        else if (ieq(key, "garbage"))
            f->garbage = n != 0;
        else if (ieq(key, "half_line"))
            f->half_line = n != 0;
        else if (ieq(key, "leading_blank"))
            f->leading_blank = n != 0;
        else if (ieq(key, "lf_only"))
            f->lf_only = n != 0;
        else if (ieq(key, "exit_status")) {
            if (n <= 255) {
                f->exit_set = 1;
                f->exit_status = n;
            } else {
                sim_error("%s:%d: exit_status is 0..255, not %ld", path, lineno,
                          n);
                errors++;
            }
        } else
            f->empty = n != 0;
    }
    free(line);
    fclose(fp);
    return errors > 0 ? -1 : 0;
}

/* Non-zero when the faults apply to command (a canonical or raw name). */
int faults_apply_to(const struct faults *f, const char *command)
{
    const char *p;

    if (!f->command || !*f->command)
        return 1;
    p = f->command;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *one = xstrndup(p, n);
        int hit = ieq(one, command);

        free(one);
        if (hit)
            return 1;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

void faults_free(struct faults *f)
{
    free(f->retrieve_error);
    free(f->retrieve_output);
    free(f->list_output);
    free(f->command);
    memset(f, 0, sizeof(*f));
}

static void sleep_ms(long ms)
{
    struct timespec ts;

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Sleep until our stdout's reader goes away, the parent changes, or 1 hour. */
static void hang_forever(void)
{
    pid_t parent = getppid();

    for (int i = 0; i < 3600; i++) {
        struct pollfd pfd;

        pfd.fd = STDOUT_FILENO;
        pfd.events = 0;
        pfd.revents = 0;
        if (poll(&pfd, 1, 1000) > 0 &&
            (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)))
            break;
        if (getppid() != parent)
            break;
    }
    _exit(SIM_EXIT_OK);
}

/* Kill the parent only when it really is a per-connection sshd. */
static void kill_parent_sshd(void)
{
    char path[64];
    char comm[64] = "";
    pid_t parent = getppid();
    FILE *fp;

    if (!getenv("SSH_CONNECTION") || parent <= 1)
        return;
    snprintf(path, sizeof(path), "/proc/%ld/comm", (long)parent);
    fp = fopen(path, "r");
    if (fp) {
        if (!fgets(comm, sizeof(comm), fp))
            comm[0] = '\0';
        fclose(fp);
    }
    if (strncmp(comm, "sshd", 4) == 0)
        kill(parent, SIGKILL);
}

static void garbage(void)
{
    unsigned char buf[257];
    int fd = open("/dev/urandom", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;

    if (fd >= 0)
        close(fd);
    if (n != (ssize_t)sizeof(buf)) {
        unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();

        for (size_t i = 0; i < sizeof(buf); i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = (unsigned char)(seed >> 16);
        }
    }
    /* Make sure it is never mistaken for text: NUL and 0xff up front. */
    buf[0] = 0xff;
    buf[1] = 0x00;
    buf[2] = 0xfe;
    write_all(STDOUT_FILENO, (const char *)buf, sizeof(buf));
    _exit(SIM_EXIT_OK);
}

void faults_before(const struct faults *f)
{
    if (f->delay_ms > 0)
        sleep_ms(f->delay_ms);
    if (f->hang)
        hang_forever();
    if (f->drop) {
        kill_parent_sshd();
        _exit(255);
    }
    if (f->garbage)
        garbage();
    if (f->empty)
        _exit(SIM_EXIT_OK);
}

/* Output faults applied to the complete answer before it is written. */
void faults_shape(const struct faults *f, struct out *o)
{
    if (f->lf_only && o->len > 0) {
        size_t j = 0;

        for (size_t i = 0; i < o->len; i++)
            if (!(o->buf[i] == '\r' && i + 1 < o->len && o->buf[i + 1] == '\n'))
                o->buf[j++] = o->buf[i];
        o->len = j;
        o->buf[j] = '\0';
    }
    if (f->half_line) {
        char *nl = memchr(o->buf ? o->buf : "", '\n', o->len);
        size_t first = nl ? (size_t)(nl - o->buf) : o->len;

        if (first > 0 && o->buf[first - 1] == '\r')
            first--;
        o->len = first / 2;
        if (o->buf)
            o->buf[o->len] = '\0';
    }
    if (f->leading_blank) {
        struct out n = {0};

        out_str(&n, f->lf_only ? "\n" : "\r\n");
        out_bytes(&n, o->buf ? o->buf : "", o->len);
        out_free(o);
        *o = n;
    }
}
