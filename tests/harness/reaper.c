/* SPDX-License-Identifier: MIT */
/* reaper.c: run a test program as the subreaper of everything it starts, so
 * that a daemon it left behind (the credstack agent detaches itself) cannot
 * die unseen: a crash or a checker's exit status of any orphan fails the run.
 *
 * Usage: reaper [--grace SECONDS] PROGRAM ARGS...
 *
 * Exit status: PROGRAM's (128 + signal when a signal ended it); 1 when
 * PROGRAM passed but an orphaned descendant died of SIGSEGV, SIGBUS, SIGILL,
 * SIGFPE, SIGABRT, SIGSYS or SIGTRAP, or exited with 86 or 87 (ASan, UBSan,
 * as tests/run-test sets them) or 99 (valgrind's --error-exitcode).  When
 * PROGRAM ends, the orphans still running (agents waiting for their idle
 * time) get SIGTERM, which an agent answers with a clean exit (and, under a
 * checker, its leak report); SIGKILL after the grace time.  SIGKILL and
 * SIGTERM are never a finding: tests kill agents on purpose. */
#include "autoconf.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t main_pid;

/* Signal every process whose parent is us (the orphans adopted so far). */
static int signal_children(int sig)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char path[300], buf[512], *close_paren;
        long ppid = 0;
        pid_t pid = (pid_t)atol(e->d_name);
        FILE *f;

        if (pid <= 0)
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        if ((f = fopen(path, "re")) == NULL)
            continue;
        /* pid (comm) state ppid ...: comm may hold spaces and ')'. */
        if (fgets(buf, sizeof(buf), f) != NULL &&
            (close_paren = strrchr(buf, ')')) != NULL &&
            sscanf(close_paren + 1, " %*c %ld", &ppid) == 1 &&
            ppid == (long)getpid() && kill(pid, sig) == 0)
            n++;
        fclose(f);
    }
    closedir(d);
    return n;
}

static const char *finding(int status)
{
    static const int crashes[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE,
                                  SIGABRT, SIGSYS, SIGTRAP};

    if (WIFSIGNALED(status)) {
        for (size_t i = 0; i < sizeof(crashes) / sizeof(crashes[0]); i++)
            if (WTERMSIG(status) == crashes[i])
                return "crashed";
        return NULL;
    }
    switch (WEXITSTATUS(status)) {
    case 86:
        return "exited 86 (an AddressSanitizer or LeakSanitizer report)";
    case 87:
        return "exited 87 (an UndefinedBehaviorSanitizer report)";
    case 99:
        return "exited 99 (valgrind found errors)";
    default:
        return NULL;
    }
}

static void on_alarm(int sig)
{
    (void)sig;
    signal_children(SIGKILL);
}

int main(int argc, char **argv)
{
    int grace = 30, status = 0, main_status = -1, findings = 0, argi = 1;
    struct sigaction sa;

    if (argc > 3 && strcmp(argv[1], "--grace") == 0) {
        grace = atoi(argv[2]);
        argi = 3;
    }
    if (argi >= argc) {
        fprintf(stderr, "usage: reaper [--grace SECONDS] PROGRAM ARGS...\n");
        return 2;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
        perror("reaper: prctl(PR_SET_CHILD_SUBREAPER)");
        return 2;
    }
    main_pid = fork();
    if (main_pid < 0) {
        perror("reaper: fork");
        return 2;
    }
    if (main_pid == 0) {
        execvp(argv[argi], argv + argi);
        fprintf(stderr, "reaper: %s: %s\n", argv[argi], strerror(errno));
        _exit(127);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    for (;;) {
        siginfo_t info;
        char comm[64] = "?", path[64];
        const char *what;
        FILE *f;
        pid_t pid;

        /* Peek first: the zombie still has its name. */
        memset(&info, 0, sizeof(info));
        if (waitid(P_ALL, 0, &info, WEXITED | WNOWAIT) != 0) {
            if (errno == EINTR)
                continue;
            break; /* ECHILD: nobody left */
        }
        snprintf(path, sizeof(path), "/proc/%d/comm", (int)info.si_pid);
        if ((f = fopen(path, "re")) != NULL) {
            if (fgets(comm, sizeof(comm), f) != NULL)
                comm[strcspn(comm, "\n")] = '\0';
            fclose(f);
        }
        pid = waitpid(info.si_pid, &status, 0);
        if (pid < 0)
            continue;
        if (pid == main_pid) {
            main_status = status;
            /* Agents wait for requests until their idle time: end them. */
            if (signal_children(SIGTERM) > 0)
                alarm((unsigned)grace);
            continue;
        }
        if ((what = finding(status)) != NULL) {
            findings++;
            if (WIFSIGNALED(status))
                fprintf(stderr,
                        "reaper: FAIL: process %d (%s), started by the test "
                        "and orphaned (a daemon: the agent), %s: %s\n",
                        (int)pid, comm, what, strsignal(WTERMSIG(status)));
            else
                fprintf(stderr,
                        "reaper: FAIL: process %d (%s), started by the test "
                        "and orphaned (a daemon: the agent), %s\n",
                        (int)pid, comm, what);
        }
    }
    if (main_status < 0)
        return 2;
    if (WIFSIGNALED(main_status))
        return 128 + WTERMSIG(main_status);
    if (WEXITSTATUS(main_status) != 0)
        return WEXITSTATUS(main_status);
    return findings > 0 ? 1 : 0;
}
