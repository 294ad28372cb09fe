/* SPDX-License-Identifier: MIT */
/* run.c: one request, as get-password and hook make it: through the agent
 * when the configuration says agent = auto and one answers, else here. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <credstack/module.h>

#include "agent.h"

/*
 * [credstack] agent; when the configuration says nothing, $CREDSTACK_AGENT
 * (the SPS plugin sets auto): the configuration has the last word.
 */
static int wants_agent(credstack_config *config)
{
    const char *v = NULL;
    int yes = 0;

    if (credstack_config_get(config, "credstack", "agent", &v) != CREDSTACK_OK)
        v = credstack_getenv("CREDSTACK_AGENT");
    if (v != NULL) {
        /* Anything but auto runs here; opening reports a bad value. */
        size_t n = strlen(v);
        const char *s = v;
        while (*s == ' ' || *s == '\t')
            s++, n--;
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        yes = n == 4 && strncasecmp(s, "auto", 4) == 0;
    }
    return yes;
}

/* Run r in this process, from config when it was read (taken over). */
static void run_here(const char *cmd, const cli_request *r,
                     credstack_config *config, cli_result *res)
{
    credstack_handle *h = NULL;
    credstack_request *req = NULL;
    int rc;

    rc = cli_open(cmd, &h, r->config, r->stack, CREDSTACK_OPEN_LOG_STDERR,
                  r->values, r->nvalues, config);
    if (rc != CREDSTACK_OK) {
        res->rc = rc;
        return;
    }
    res->opened = 1;
    if (r->log_level > 0)
        credstack_set_log_level(h, r->log_level);
    if (r->trace)
        credstack_set_trace(h, stderr);
    rc = credstack_request_new(h, &req);
    for (int i = 0; rc == CREDSTACK_OK && i < CREDSTACK_ITEM_COUNT; i++)
        if (r->items[i] != NULL)
            rc = credstack_request_set(req, (credstack_item)i, r->items[i]);
    if (rc == CREDSTACK_OK)
        rc = credstack_run(h, req);
    res->rc = rc;
    if (rc == CREDSTACK_OK) {
        const char *pw = credstack_request_get(req, CREDSTACK_ITEM_PASSWORD);
        if (pw == NULL)
            res->rc = CREDSTACK_ERR_MODULE; /* a success without an answer */
        else if ((res->password = strdup(pw)) == NULL)
            res->rc = CREDSTACK_ERR_NOMEM;
    }
    res->error =
        strdup(req ? credstack_request_error(req) : credstack_strerror(rc));
    credstack_request_free(req);
    credstack_close(h);
}

/*
 * The environment's relative directories, made absolute from here: they
 * mean the same in this process, and in an agent whose working directory
 * is "/" they still do.
 */
static void absolute_env(void)
{
    static const char *const names[] = {"CREDSTACK_STACK_DIR",
                                        "CREDSTACK_STORE_DIR", NULL};

    for (size_t i = 0; names[i] != NULL; i++) {
        const char *v = credstack_getenv(names[i]);
        char *abs;

        if (v == NULL || *v == '\0' || *v == '/')
            continue;
        abs = cli_absolute_path(v);
        if (abs != NULL)
            setenv(names[i], abs, 1);
        free(abs);
    }
}

void cli_run(const char *cmd, const cli_request *r, cli_result *res)
{
    cli_request named = *r;
    char *config = cli_absolute_path(r->config);
    char *stack = r->stack ? cli_absolute_path(r->stack) : NULL;
    credstack_config *parsed = NULL;

    memset(res, 0, sizeof(*res));
    /*
     * One naming for both ways of running, so that they read the same
     * files and print the same names: the configuration and stack by
     * absolute paths built from the working directory (symbolic links
     * kept: relative paths in the configuration follow the directory it
     * was reached through).  When the working directory is unknown, the
     * request runs here, with the paths as given.
     */
    if (config != NULL && (r->stack == NULL || stack != NULL)) {
        absolute_env();
        named.config = config;
        named.stack = stack;
        /*
         * Read and parsed once: whether to ask an agent, which one (its
         * digest and socket), and, when none answers, the handle here.
         * A file that cannot be read is reported by the open below.
         */
        credstack_config_read(named.config, &parsed);
        if (parsed != NULL && wants_agent(parsed) &&
            cli_agent_run(&named, parsed, res) == CREDSTACK_OK)
            goto done;
    }
    cli_result_free(res);
    run_here(cmd, &named, parsed, res);
    parsed = NULL; /* taken over */
done:
    credstack_config_free(parsed);
    free(config);
    free(stack);
}

void cli_result_free(cli_result *res)
{
    if (res->password != NULL) {
        credstack_wipe(res->password, strlen(res->password));
        free(res->password);
    }
    free(res->error);
    memset(res, 0, sizeof(*res));
}
