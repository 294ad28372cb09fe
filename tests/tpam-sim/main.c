/* SPDX-License-Identifier: MIT */
/* main.c: tpam-sim entry point: log, faults, parse, answer (TPAM 2.5 CLI
 * emulator). */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = xmalloc(n);

    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static const char *state_dir(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--state") == 0 && i + 1 < argc)
            return argv[i + 1];
        if (strncmp(argv[i], "--state=", 8) == 0)
            return argv[i] + 8;
    }
    return NULL;
}

/* Builds the answer to the command in o; returns the exit status. */
static int answer(const char *state, const struct tokens *tk,
                  const char *tokerr, const struct faults *dflt,
                  const struct faults *fa, struct out *o)
{
    struct fixture fx;
    struct ctx c;
    char *fpath;
    int idx;
    int rc;

    if (tokerr) {
        usage(o, NULL, tokerr);
        return SIM_EXIT_USAGE;
    }
    if (tk->n == 0) {
        usage(o, NULL, NULL);
        return SIM_EXIT_USAGE;
    }
    idx = command_find(tk->t[0].text);
    if (idx < 0) {
        struct out msg = {0};

        out_str(&msg, idx == -2 ? "Ambiguous command: " : "Unknown command: ");
        out_str(&msg, tk->t[0].text);
        usage(o, NULL, msg.buf);
        out_free(&msg);
        return SIM_EXIT_USAGE;
    }
    if (!commands[idx].run) {
        out_str(o, "tpam-sim: ");
        out_str(o, commands[idx].name);
        out_line(o, " is not implemented");
        return SIM_EXIT_NOTIMPL;
    }
    memset(&c, 0, sizeof(c));
    c.cmd = &commands[idx];
    c.faults = fa;
    /* STATE/defaults, then the faults that apply to this command. */
    c.filter_mode = fa && fa->filter_set ? fa->filter_mode : dflt->filter_mode;
    c.filter_case = fa && fa->case_set ? fa->filter_case : dflt->filter_case;
    c.o = o;
    if (parse_options(tk, &c) != 0)
        return SIM_EXIT_USAGE;
    fpath = path_in(state, "fixture");
    rc = fixture_load(fpath, &fx);
    free(fpath);
    if (rc != 0)
        return SIM_EXIT_SETUP;
    c.fx = &fx;
    rc = c.cmd->run(&c);
    fixture_free(&fx);
    return rc;
}

int main(int argc, char **argv)
{
    const char *state = state_dir(argc, argv);
    const char *line = getenv("SSH_ORIGINAL_COMMAND");
    const char *tokerr = NULL;
    const char *name = "";
    struct tokens tk = {0};
    struct faults fa, dflt;
    struct out o = {0};
    long long started = timing_now_us();
    char *path, *errors;
    int have_faults;
    int rc;

    if (!state) {
        fputs("usage: tpam-sim --state DIR   (command in "
              "$SSH_ORIGINAL_COMMAND)\n",
              stderr);
        return SIM_EXIT_SETUP;
    }
    if (!line)
        line = "";
    tokenize(line, &tk, &tokerr); /* tokens kept even on error, for the log */

    path = path_in(state, "commands.log");
    cmdlog_append(path, line, &tk);
    free(path);

    if (!tokerr && tk.n > 0) {
        int idx = command_find(tk.t[0].text);

        name = idx >= 0 ? commands[idx].name : tk.t[0].text;
    }
    errors = path_in(state, "errors");
    sim_errors_to(errors);
    /* The harness's default matching (filter=, filter_case=), which a test's
     * faults file overrides.  A file we cannot read, or do not understand,
     * is an error: the client gets nothing, the harness a record. */
    path = path_in(state, "defaults");
    rc = faults_load(path, &dflt, 1);
    free(path);
    path = path_in(state, "faults");
    if (faults_load(path, &fa, 0) != 0 || rc != 0) {
        free(path);
        faults_free(&fa);
        faults_free(&dflt);
        tokens_free(&tk);
        free(errors);
        return SIM_EXIT_SETUP;
    }
    free(path);
    have_faults = faults_apply_to(&fa, name);
    if (have_faults)
        faults_before(&fa);

    rc = answer(state, &tk, tokerr, &dflt, have_faults ? &fa : NULL, &o);
    if (have_faults)
        faults_shape(&fa, &o);
    if (o.len > 0 && write_all(STDOUT_FILENO, o.buf, o.len) != 0 && rc == 0)
        rc = SIM_EXIT_SETUP;
    /* A TPAM that prints an answer and says it failed. */
    if (have_faults && fa.exit_set)
        rc = (int)fa.exit_status;
    path = path_in(state, "timing.log");
    timing_append(path, started, name);
    free(path);
    out_free(&o);
    faults_free(&fa);
    faults_free(&dflt);
    tokens_free(&tk);
    free(errors);
    return rc;
}
