/* SPDX-License-Identifier: MIT */
/* agent_proto.c: the agent's framing: one JSON object per message (built
 * and read by agent_codec.c), after its length (4 bytes, big-endian), on a
 * UNIX stream socket; a frame of length 0 is a beat (the agent is alive and
 * still working on the request).  Messages may carry passwords: every
 * buffer is wiped after use. */
#include "autoconf.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

#include <jansson.h>

#include <credstack/module.h>

#include "agent.h"

/* Wait until fd is ready for events, or the deadline (0: none) passes. */
static int wait_for(int fd, short events, long long deadline)
{
    for (;;) {
        struct pollfd pfd = {fd, events, 0};
        int wait = -1, r;

        if (deadline > 0) {
            long long left = deadline - credstack_now_ms();
            if (left <= 0)
                return CREDSTACK_ERR_TIMEOUT;
            wait = left > 1000000 ? 1000000 : (int)left;
        }
        r = poll(&pfd, 1, wait);
        if (r > 0)
            return CREDSTACK_OK;
        if (r < 0 && errno != EINTR)
            return CREDSTACK_ERR_IO;
    }
}

/* The whole buffer within the deadline (0: none), on a blocking or
 * non-blocking descriptor; never SIGPIPE. */
static int write_all(int fd, const unsigned char *p, size_t n,
                     long long deadline)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int r = wait_for(fd, POLLOUT, deadline);
            if (r != CREDSTACK_OK)
                return r;
            continue;
        }
        if (w <= 0)
            return CREDSTACK_ERR_IO;
        p += w;
        n -= (size_t)w;
    }
    return CREDSTACK_OK;
}

int cli_agent_send(int fd, json_t *msg, int timeout_ms)
{
    long long deadline = timeout_ms > 0 ? credstack_now_ms() + timeout_ms : 0;
    char *text = json_dumps(msg, JSON_COMPACT);
    unsigned char *frame;
    size_t n;
    int ret;

    if (text == NULL)
        return CREDSTACK_ERR_NOMEM;
    n = strlen(text);
    if (n > CLI_AGENT_MSG_MAX || (frame = malloc(n + 4)) == NULL) {
        credstack_wipe(text, n);
        free(text);
        return n > CLI_AGENT_MSG_MAX ? CREDSTACK_ERR_INVALID
                                     : CREDSTACK_ERR_NOMEM;
    }
    frame[0] = (unsigned char)(n >> 24);
    frame[1] = (unsigned char)(n >> 16);
    frame[2] = (unsigned char)(n >> 8);
    frame[3] = (unsigned char)n;
    memcpy(frame + 4, text, n);
    credstack_wipe(text, n);
    free(text);
    /* One write: a reader sees the whole frame or nothing of a short one. */
    ret = write_all(fd, frame, n + 4, deadline);
    credstack_wipe(frame, n + 4);
    free(frame);
    return ret;
}

int cli_agent_send_beat(int fd)
{
    static const unsigned char beat[4] = {0, 0, 0, 0};

    /* Never waits: a caller that does not read misses a beat, no more.  A
     * frame this small is queued whole or not at all. */
    return send(fd, beat, sizeof(beat), MSG_DONTWAIT | MSG_NOSIGNAL) ==
                   (ssize_t)sizeof(beat)
               ? CREDSTACK_OK
               : CREDSTACK_ERR_IO;
}

static int read_all(int fd, unsigned char *p, size_t n, long long deadline)
{
    while (n > 0) {
        ssize_t got;
        int r = wait_for(fd, POLLIN, deadline);

        if (r != CREDSTACK_OK)
            return r;
        got = read(fd, p, n);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0)
            return CREDSTACK_ERR_IO;
        p += got;
        n -= (size_t)got;
    }
    return CREDSTACK_OK;
}

static int recv_frame(int fd, json_t **msg_out, int timeout_ms, int beats)
{
    long long deadline = timeout_ms > 0 ? credstack_now_ms() + timeout_ms : 0;
    unsigned char head[4], *body = NULL;
    size_t n;
    json_error_t jerr;
    int ret;

    *msg_out = NULL;
    ret = read_all(fd, head, sizeof(head), deadline);
    if (ret != CREDSTACK_OK)
        return ret;
    n = (size_t)head[0] << 24 | (size_t)head[1] << 16 | (size_t)head[2] << 8 |
        head[3];
    if (n == 0 && beats)
        return CREDSTACK_OK; /* a beat: the agent is alive and working */
    if (n == 0 || n > CLI_AGENT_MSG_MAX)
        return CREDSTACK_ERR_IO;
    if ((body = malloc(n)) == NULL)
        return CREDSTACK_ERR_NOMEM;
    ret = read_all(fd, body, n, deadline);
    if (ret == CREDSTACK_OK) {
        *msg_out =
            json_loadb((const char *)body, n, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(*msg_out)) {
            json_decref(*msg_out);
            *msg_out = NULL;
            ret = CREDSTACK_ERR_IO;
        }
    }
    credstack_wipe(body, n);
    free(body);
    return ret;
}

int cli_agent_recv(int fd, json_t **msg_out, int timeout_ms)
{
    return recv_frame(fd, msg_out, timeout_ms, 0);
}

int cli_agent_recv_or_beat(int fd, json_t **msg_out, int timeout_ms)
{
    return recv_frame(fd, msg_out, timeout_ms, 1);
}

int cli_agent_sockaddr(struct sockaddr_un *sa, const char *path)
{
    size_t n = strlen(path);

    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (n >= sizeof(sa->sun_path))
        return -1;
    memcpy(sa->sun_path, path, n + 1);
    return 0;
}
