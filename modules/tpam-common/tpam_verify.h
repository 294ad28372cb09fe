/* SPDX-License-Identifier: MIT */
/* tpam_verify.h: checks each row of a TPAM list against the request, since
 * TPAM's filters are hints and its answers evidence (design.md). */
#ifndef TPAM_VERIFY_H
#define TPAM_VERIFY_H

#include <stddef.h>

#include "tpam_output.h"

/*
 * Names (users, accounts, systems, keywords) are equal when they are equal
 * byte for byte except for the letter case of ASCII letters; nothing else
 * is folded, whatever the locale.  NULL equals nothing, not even NULL.
 */
int tpam_name_eq(const char *a, const char *b);

/* A network address in binary form. */
typedef struct tpam_addr {
    int family;              /* AF_INET or AF_INET6 */
    unsigned char bytes[16]; /* 4 or 16 bytes used */
} tpam_addr;

/*
 * Parse a strict dotted-quad IPv4 address or an IPv6 address (no zone id,
 * no brackets; spaces around it ignored), as inet_pton(3) does.  An
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d) is its IPv4 address.  0, or -1
 * when text is no address (a host name, "010.1.1.1", "1.2.3").
 */
int tpam_addr_parse(const char *text, tpam_addr *out);

/* Non-zero when both parse and are the same address. */
int tpam_addr_text_eq(const char *a, const char *b);

/* The canonical text of an address (inet_ntop(3)), written to buf. */
const char *tpam_addr_str(const tpam_addr *a, char *buf, size_t len);

/*
 * A TPAM flag column (EffectiveFl, ...), the one parser of them all: 1 for
 * Y, Yes or True, 0 for N, No or False (ASCII letters in any case, spaces
 * around ignored), -1 for anything else (empty, 0, 1, "maybe", NULL).  How
 * TPAM spells its flags is documented by example only (Y, N); any other
 * spelling proves nothing, either way.
 */
int tpam_flag_value(const char *cell);

typedef enum tpam_match_kind {
    TPAM_MATCH_NAME = 0, /* the cell equals want (tpam_name_eq) */
    TPAM_MATCH_ADDRESS,  /* the cell is the address want (tpam_addr_parse) */
    /* The cell is the flag want ("Y" or "N") by tpam_flag_value(): a row
     * with the other value, a value that is no flag, or no such column at
     * all (whatever `optional` says) is refused. */
    TPAM_MATCH_FLAG
} tpam_match_kind;

/* One identity column a row must match. */
typedef struct tpam_match {
    const char *column; /* header name; NULL: the field at `position` */
    int position;       /* 0-based field, when column is NULL */
    tpam_match_kind kind;
    const char *want;
    int optional; /* an absent column is not checked (else: an error) */
} tpam_match;

/*
 * The rows of t that pass every match (cells compared trimmed of spaces):
 * their indexes, in table order, in *rows_out (free() it; NULL when none),
 * their number in *n_out.  Returns CREDSTACK_OK, CREDSTACK_ERR_BACKEND when
 * a column that is not optional is absent (err names it),
 * CREDSTACK_ERR_INVALID for a match without a want (or an ADDRESS want that
 * is no address), or CREDSTACK_ERR_NOMEM.
 */
int tpam_table_verify(const tpam_table *t, const tpam_match *m, size_t nm,
                      size_t **rows_out, size_t *n_out, char *err,
                      size_t errlen);

#endif /* TPAM_VERIFY_H */
