/* SPDX-License-Identifier: MIT */
/* store_sys.h: the system calls that change a store's files on disk, with a
 * fault-injection seam that only the test builds compile in. */
#ifndef CREDSTACK_STORE_SYS_H
#define CREDSTACK_STORE_SYS_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_fault.h"

/*
 * Every step that changes a file of a store, its key file or their
 * directory goes through one of these wrappers, so that a test can stop a
 * writer before any single step (doc/store-format.md, "Crash safety").
 *
 * Built with -DCS_STORE_FAULTS (tests/store.mk, test binaries only), each
 * wrapper first calls cs_store_fault_hook(op, file) when it is set: the hook
 * returns 0 to let the step run, or -1 with errno set to make it fail; it
 * may also raise(SIGKILL) to stand for a kill.  Without CS_STORE_FAULTS (the
 * library that is installed) the wrappers are the bare system calls.
 */
#ifdef CS_STORE_FAULTS
static inline int cs_store_step(const char *op, const char *file)
{
    return cs_store_fault_hook != NULL ? cs_store_fault_hook(op, file) : 0;
}
#else
static inline int cs_store_step(const char *op, const char *file)
{
    (void)op;
    (void)file;
    return 0;
}
#endif

/* mkostemp(tmpl, O_CLOEXEC): a new file, mode 0600, named tmpl with its
 * trailing XXXXXX replaced. */
static inline int cs_sys_mkstemp(char *tmpl)
{
    return cs_store_step("create", tmpl) != 0 ? -1 : mkostemp(tmpl, O_CLOEXEC);
}

static inline int cs_sys_fchmod(int fd, mode_t mode, const char *file)
{
    return cs_store_step("fchmod", file) != 0 ? -1 : fchmod(fd, mode);
}

static inline ssize_t cs_sys_write(int fd, const void *buf, size_t len,
                                   const char *file)
{
    return cs_store_step("write", file) != 0 ? -1 : write(fd, buf, len);
}

/* file: the file (or directory) that fd is open on, for the seam. */
static inline int cs_sys_fsync(int fd, const char *file)
{
    return cs_store_step("fsync", file) != 0 ? -1 : fsync(fd);
}

static inline int cs_sys_rename(const char *from, const char *to)
{
    return cs_store_step("rename", to) != 0 ? -1 : rename(from, to);
}

static inline int cs_sys_link(const char *from, const char *to)
{
    return cs_store_step("link", to) != 0 ? -1 : link(from, to);
}

static inline int cs_sys_unlink(const char *file)
{
    return cs_store_step("unlink", file) != 0 ? -1 : unlink(file);
}

#endif /* CREDSTACK_STORE_SYS_H */
