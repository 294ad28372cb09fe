/* SPDX-License-Identifier: MIT */
/* fuzz_known_hosts.c: libFuzzer harness of the known_hosts line of
 * server_public_key (plain, [host]:port, hashed). */
#include "autoconf.h"

#include <stdio.h>

#include <libssh/libssh.h>

#include <credstack/credstack.h>

#include "fuzz.h"
#include "tpam_hostkey.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* libssh must be initialised once before keys are imported. */
    ssh_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct {
        const char *host;
        unsigned port;
    } peers[] = {{"127.0.0.1", 22},
                 {"127.0.0.1", 2222},
                 {"tpam.example.com", 22},
                 {"TPAM.EXAMPLE.COM", 22},
                 {"2001:db8::5", 22},
                 {"2001:db8::5", 8022},
                 {"", 22},
                 {"[127.0.0.1]", 22}};
    /* The option's value is a C string: a NUL ends it. */
    char *line = fuzz_cstr(data, size);
    char err[512];
    tpam_hostkey *hk = NULL;

    if (tpam_hostkey_parse(line, &hk, err, sizeof(err)) == CREDSTACK_OK) {
        if (tpam_hostkey_type(hk) == NULL ||
            tpam_hostkey_algorithms(hk) == NULL || tpam_hostkey_key(hk) == NULL)
            abort();
        for (size_t i = 0; i < sizeof(peers) / sizeof(peers[0]); i++)
            (void)tpam_hostkey_matches(hk, peers[i].host, peers[i].port);
        /* The line's own key always checks against itself. */
        if (tpam_hostkey_check(hk, tpam_hostkey_key(hk), "127.0.0.1", 22, err,
                               sizeof(err)) != CREDSTACK_OK)
            abort();
        tpam_hostkey_free(hk);
    } else if (hk != NULL || err[0] == '\0') {
        abort();
    }
    free(line);
    return 0;
}
