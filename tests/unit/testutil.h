/* SPDX-License-Identifier: MIT */
/* testutil.h: helpers of the core's Criterion tests: temp dirs, files, spawning
 * the credstack command. */
#ifndef CREDSTACK_TESTUTIL_H
#define CREDSTACK_TESTUTIL_H

#include <stddef.h>

/* An environment variable run-test sets; fails the test when it is absent. */
const char *tu_env(const char *name);

/* A fresh private (0700) directory under $TMPDIR; free with tu_rmtree(). */
char *tu_tmpdir(void);

/* Remove a directory tree and free its name.  NULL is a no-op. */
void tu_rmtree(char *dir);

/* Write text to dir/name (mode 0600); returns the path (free it). */
char *tu_write(const char *dir, const char *name, const char *text);

/* Like tu_write with len bytes (for NUL bytes). */
char *tu_write_len(const char *dir, const char *name, const char *text,
                   size_t len);

/* dir/name, malloc'd. */
char *tu_path(const char *dir, const char *name);

/* Copy a file (mode kept at 0644 unless changed later); 0 on success. */
int tu_copy(const char *from, const char *to);

/* Empty a file (made 0644 when missing); 0 on success. */
int tu_truncate(const char *path);

/* Read a whole file; NUL-terminated, malloc'd; NULL on failure. */
char *tu_slurp(const char *path);

/* What a spawned command did. */
typedef struct tu_run {
    int status; /* exit code, or 128+signal */
    char *out;  /* all of stdout */
    char *err;  /* all of stderr */
} tu_run;

/*
 * Run `$CREDSTACK_TEST_WRAPPER $CREDSTACK_BIN argv...` with `in` on stdin
 * (NULL: empty) and extra environment entries "NAME=value" (NULL-terminated,
 * may be NULL).  Fails the test if it cannot be spawned, or if a memory
 * checker judged it (tu_checker_verdict).
 */
tu_run tu_credstack(const char *const *argv, const char *in,
                    const char *const *env);

void tu_run_free(tu_run *r);

/* tu_credstack() itself: one run, whatever the override says. */
tu_run tu_credstack_once(const char *const *argv, const char *in,
                         const char *const *env);
/* The same without $CREDSTACK_TEST_WRAPPER (no valgrind: through env(1),
 * which run-test's valgrind does not follow): for runs another test already
 * makes under the wrapper. */
tu_run tu_credstack_unwrapped(const char *const *argv, const char *in,
                              const char *const *env);

/*
 * Make tu_credstack() call fn instead (NULL: back to one run): a
 * differential test program runs each request twice and compares
 * (tests/integration/tpam_diff.c).
 */
typedef tu_run (*tu_credstack_fn)(const char *const *argv, const char *in,
                                  const char *const *env);
void tu_credstack_override(tu_credstack_fn fn);

/*
 * Fail the test when a spawned command's exit status or stderr is a memory
 * checker's verdict: 86 (ASan, LSan), 87 (UBSan), 99 (valgrind), as
 * tests/run-test sets them, or a report on stderr.  A test that accepts
 * "any failure" (status 1 is credstack's "no password") must not accept a
 * memory error on a refusal path.
 */
void tu_checker_verdict(int status, const char *err, const char *what);

/*
 * A file's text as a multi-line ini value (every line after the first
 * indented, as ConfigParser continues a value): a private key written inline.
 * malloc'd.
 */
char *tu_ini_value(const char *path);

/* Count non-overlapping occurrences of needle in hay. */
int tu_count(const char *hay, const char *needle);

/*
 * Load the running TPAM harness's DIR/env (NAME='value' lines, see
 * tests/harness/README.md) into the environment; skips the test when
 * TPAM_HARNESS_DIR is unset.
 */
void tu_load_harness(void);

#endif /* CREDSTACK_TESTUTIL_H */
