/* SPDX-License-Identifier: MIT */
/* test_planted.c: the program tests/checkers/proof.sh runs to prove that the
 * suite's checkers see a memory error wherever product code runs: in a test
 * linking libcredstack, in a spawned `credstack get-password`, and in the
 * agent.  CREDSTACK_PLANT=FAULT:PLACE (FAULT leak, uninit, overflow or crash;
 * PLACE library, command or agent) makes the test-fault module plant FAULT
 * there; unset, nothing is planted and every test must pass.
 *
 * On purpose these tests accept whatever status and answer a planted fault
 * leads to, as a careless test would: only the checkers (tests/run-test,
 * tests/harness/reaper, tu_credstack) may make them fail. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <credstack/credstack.h>

#include "../unit/testutil.h"

/* The fault to plant at place ("none" when CREDSTACK_PLANT names another). */
static const char *fault_for(const char *place)
{
    static char fault[32];
    const char *plant = getenv("CREDSTACK_PLANT"), *colon;

    if (plant == NULL || *plant == '\0')
        return "none";
    colon = strchr(plant, ':');
    cr_assert(colon != NULL && (size_t)(colon - plant) < sizeof(fault),
              "CREDSTACK_PLANT=%s: want FAULT:PLACE", plant);
    if (strcmp(colon + 1, place) != 0)
        return "none";
    memcpy(fault, plant, (size_t)(colon - plant));
    fault[colon - plant] = '\0';
    return fault;
}

static char *write_stack(const char *dir, const char *place)
{
    char text[256];

    snprintf(text, sizeof(text),
             "checkout required test-fault fault=%s in=%s user=planted\n",
             fault_for(place), place);
    return tu_write(dir, "planted.stack", text);
}

Test(planted, library)
{
    char *dir = tu_tmpdir();
    char *cfg = tu_write(dir, "c.ini", "[credstack]\nagent = off\n");
    char *st = write_stack(dir, "library");
    credstack_handle *h = NULL;
    credstack_request *req = NULL;

    cr_assert_eq(credstack_open(&h, cfg, st, CREDSTACK_OPEN_LOG_STDERR),
                 CREDSTACK_OK, "%s", credstack_error(h));
    cr_assert_eq(credstack_request_new(h, &req), CREDSTACK_OK);
    credstack_request_set(req, CREDSTACK_ITEM_GATEWAY_USER, "gw");
    credstack_request_set(req, CREDSTACK_ITEM_TARGET_USER, "planted");
    credstack_request_set(req, CREDSTACK_ITEM_TARGET_HOST, "10.0.0.1");
    (void)credstack_run(h, req);
    credstack_request_free(req);
    credstack_close(h);
    free(cfg);
    free(st);
    tu_rmtree(dir);
}

static tu_run get_password(const char *cfg, const char *st, const char *user,
                           const char *env_dir)
{
    const char *argv[] = {"get-password",
                          "--config",
                          cfg,
                          "--stack",
                          st,
                          "--gateway-user",
                          "gw",
                          "--target-user",
                          user,
                          "--target-host",
                          "10.0.0.1",
                          NULL};
    const char *env[] = {env_dir, NULL};

    return tu_credstack(argv, NULL, env_dir ? env : NULL);
}

Test(planted, command)
{
    char *dir = tu_tmpdir();
    char *cfg = tu_write(dir, "c.ini", "[credstack]\nagent = off\n");
    char *st = write_stack(dir, "command");
    tu_run r = get_password(cfg, st, "planted", NULL);

    /* Any status: see the top of this file. */
    cr_log_info("get-password: exit %d", r.status);
    tu_run_free(&r);
    free(cfg);
    free(st);
    tu_rmtree(dir);
}

Test(planted, agent)
{
    char *dir = tu_tmpdir();
    char *cfg = tu_write(dir, "c.ini", "[credstack]\nagent = auto\n");
    char *st = write_stack(dir, "agent");
    char *agentdir = tu_path(dir, "agent"), *env_dir = NULL;
    const char *status[] = {"agent", "--config", cfg, "--stack",
                            st,      "--status", NULL};
    const char *stop[] = {"agent", "--config", cfg, "--stack",
                          st,      "--stop",   NULL};
    const char *env[2] = {NULL, NULL};
    tu_run r;

    cr_assert(asprintf(&env_dir, "CREDSTACK_AGENT_DIR=%s", agentdir) > 0);
    env[0] = env_dir;
    /* A first request (nothing planted for this user) starts the agent... */
    r = get_password(cfg, st, "warmup", env_dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    r = tu_credstack(status, NULL, env);
    cr_assert(strstr(r.out, "agent pid ") != NULL, "no agent runs: %s%s", r.out,
              r.err);
    tu_run_free(&r);
    /* ...which the second one reaches: the fault is planted there. */
    r = get_password(cfg, st, "planted", env_dir);
    cr_log_info("get-password: exit %d", r.status);
    tu_run_free(&r);
    r = tu_credstack(stop, NULL, env);
    tu_run_free(&r);
    free(env_dir);
    free(agentdir);
    free(cfg);
    free(st);
    tu_rmtree(dir);
}
