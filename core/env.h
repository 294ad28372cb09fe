/* SPDX-License-Identifier: MIT */
/* env.h: the one way credstack reads its environment: secure_getenv(3)
 * where there is one, so that a set-id program ignores the caller's.
 * libcredstack exports it as credstack_getenv() (util.c) for the core, the
 * programs and the modules; the store, linked without libcredstack, uses
 * it directly. */
#ifndef CREDSTACK_CORE_ENV_H
#define CREDSTACK_CORE_ENV_H

#include <stdlib.h>

static inline const char *cs_env(const char *name)
{
#ifdef HAVE_SECURE_GETENV
    return secure_getenv(name);
#else
    return getenv(name);
#endif
}

#endif /* CREDSTACK_CORE_ENV_H */
