/* SPDX-License-Identifier: MIT */
/* test_tpam_hostkey.c: known_hosts line parsing, host matching and key
 * comparison. */
#include <criterion/criterion.h>
#include <string.h>

#include <libssh/libssh.h>

#include <credstack/credstack.h>

#include "../../modules/tpam-common/tpam_hostkey.h"

/* Keys and hashed lines made once with ssh-keygen (-t ..., then -H). */
#define KEY_A                                                                  \
    "AAAAC3NzaC1lZDI1NTE5AAAAIKZ87JtHG5je3/a27JJ47WEEmqGudskBkYmAZfWZuFRq"
#define FP_A "SHA256:bAu96Itcl9dayxge41lbkk1PTSrnIKCGmGN8gi3gBsk"
#define KEY_B                                                                  \
    "AAAAC3NzaC1lZDI1NTE5AAAAIEB5A6yMwxQtXv51yrkQkMzljOA6uSc15BHj+akAX1eV"
#define FP_B "SHA256:5IpQ48DWCAebdQkOXEW+cQ70Tn8dcZi0VH+y67+XQzA"
#define KEY_RSA                                                                \
    "AAAAB3NzaC1yc2EAAAADAQABAAABAQDdCwNzO4Gq+7dT9n8CIf8hKA0HPJQBonu+9rWETR"   \
    "VRCTLZOMRyfd/Qu+KWQvJNg6DYGX5BVbUqSXcZwxaD5rkCN693iiRCErPqd2jXo7lslLq/"   \
    "Rue4zUV4F43/9ga48Ig5rL8EJOt2+kTW5ko5LFLzyl31+RB5ff+N9OKi/P5xBj1jLzXkYG"   \
    "vAhvSom+OisZf8+UUr/wVk601thZkY2n6W6mux8g7csiPDcmPeRChChwYzkhiRaxMQliuS"   \
    "JnuB6tV6TP+rizvrafAKi+VtdOi/l9nw2JvAS0sMmtcOzLA7HMUyCGOeDqDI/ChQXBpl0O"   \
    "utyOtLb2vKaAWV0IMfaJAp"
#define FP_RSA "SHA256:Yx7RXpgNLfZWqCIVXlBBlpyiCHsH1CJWWPtTKOuHDxo"
#define KEY_EC                                                                 \
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGRI1/1e24mziNMhxE"   \
    "kbKe5d2Y7SdigbHE9N6BIEeJeKskcKlzx7hLr95UZv4X+qcbncUWA/lLcYg+YJE+W5U+0="
/* ssh-keygen -H of "tpam.example.com", "[127.0.0.1]:2222", "TPAM.Example.com".
 */
#define HASH_NAME "|1|sk2H8UhlpvnPF1SQ9+E3wo2ZmxY=|H3k8ITxApXWqSQFzg52SWlDI4Gw="
#define HASH_PORT "|1|yOIN0Kq3QsMjeS+XvuYHJVSatRY=|GP75TiQapjRk0ffNnKdZOwhAiiM="
#define HASH_UPPER                                                             \
    "|1|+TVfp6/OIqtVjC7G/TyfCXINYY0=|7254VqegBnnD6nUU39mn6V/hf5I="

static tpam_hostkey *parse_ok(const char *line)
{
    char err[512] = "";
    tpam_hostkey *hk = NULL;
    int rc = tpam_hostkey_parse(line, &hk, err, sizeof(err));

    cr_assert_eq(rc, CREDSTACK_OK, "\"%s\": rc %d (%s)", line, rc, err);
    cr_assert_not_null(hk);
    return hk;
}

static ssh_key import(const char *b64, enum ssh_keytypes_e type)
{
    ssh_key key = NULL;

    cr_assert_eq(ssh_pki_import_pubkey_base64(b64, type, &key), SSH_OK);
    return key;
}

Test(hostkey, plain_list_matching)
{
    tpam_hostkey *hk =
        parse_ok("tpam.example.com,10.0.0.9,[10.0.0.9]:2222 ssh-ed25519 " KEY_A
                 " admin@tpam");

    cr_assert_str_eq(tpam_hostkey_type(hk), "ssh-ed25519");
    cr_assert_str_eq(tpam_hostkey_algorithms(hk), "ssh-ed25519");
    cr_assert(tpam_hostkey_matches(hk, "tpam.example.com", 22));
    cr_assert(tpam_hostkey_matches(hk, "TPAM.example.COM", 22));
    cr_assert(tpam_hostkey_matches(hk, "10.0.0.9", 22));
    cr_assert(tpam_hostkey_matches(hk, "10.0.0.9", 2222));
    /* A bare name is for port 22 only. */
    cr_assert_not(tpam_hostkey_matches(hk, "tpam.example.com", 2222));
    cr_assert_not(tpam_hostkey_matches(hk, "10.0.0.9", 2223));
    cr_assert_not(tpam_hostkey_matches(hk, "tpam", 22));
    cr_assert_not(tpam_hostkey_matches(hk, "10.0.0.90", 22));
    cr_assert_not(tpam_hostkey_matches(hk, "", 22));
    cr_assert_not(tpam_hostkey_matches(hk, NULL, 22));
    tpam_hostkey_free(hk);
}

Test(hostkey, bracketed_port_22_and_ipv6)
{
    tpam_hostkey *hk =
        parse_ok("[tpam]:22,[::1]:2222,fe80::1 ssh-ed25519 " KEY_A);

    cr_assert(tpam_hostkey_matches(hk, "tpam", 22));
    cr_assert(tpam_hostkey_matches(hk, "::1", 2222));
    cr_assert(tpam_hostkey_matches(hk, "fe80::1", 22));
    cr_assert_not(tpam_hostkey_matches(hk, "::1", 22));
    cr_assert_not(tpam_hostkey_matches(hk, "tpam", 2222));
    tpam_hostkey_free(hk);
}

Test(hostkey, hashed_matching)
{
    tpam_hostkey *hk = parse_ok(HASH_NAME " ssh-ed25519 " KEY_A);

    cr_assert(tpam_hostkey_matches(hk, "tpam.example.com", 22));
    /* ssh looks up the lowercased name. */
    cr_assert(tpam_hostkey_matches(hk, "TPAM.EXAMPLE.com", 22));
    cr_assert_not(tpam_hostkey_matches(hk, "tpam.example.com", 2222));
    cr_assert_not(tpam_hostkey_matches(hk, "tpam.example.co", 22));
    tpam_hostkey_free(hk);

    hk = parse_ok(HASH_PORT " ssh-ed25519 " KEY_A);
    cr_assert(tpam_hostkey_matches(hk, "127.0.0.1", 2222));
    cr_assert_not(tpam_hostkey_matches(hk, "127.0.0.1", 22));
    cr_assert_not(tpam_hostkey_matches(hk, "127.0.0.1", 2223));
    cr_assert_not(tpam_hostkey_matches(hk, "127.0.0.2", 2222));
    tpam_hostkey_free(hk);

    /* ssh-keygen -H hashes the lowercased name, whatever the spelling. */
    hk = parse_ok(HASH_UPPER " ssh-ed25519 " KEY_A);
    cr_assert(tpam_hostkey_matches(hk, "TPAM.Example.com", 22));
    cr_assert(tpam_hostkey_matches(hk, "tpam.example.com", 22));
    tpam_hostkey_free(hk);
}

Test(hostkey, key_types_and_algorithms)
{
    tpam_hostkey *hk = parse_ok("h ssh-rsa " KEY_RSA);

    cr_assert_str_eq(tpam_hostkey_algorithms(hk),
                     "rsa-sha2-512,rsa-sha2-256,ssh-rsa");
    cr_assert_eq(ssh_key_type(tpam_hostkey_key(hk)), SSH_KEYTYPE_RSA);
    tpam_hostkey_free(hk);

    hk = parse_ok("  h\tecdsa-sha2-nistp256\t" KEY_EC "  \r\n");
    cr_assert_str_eq(tpam_hostkey_algorithms(hk), "ecdsa-sha2-nistp256");
    cr_assert_eq(ssh_key_type(tpam_hostkey_key(hk)), SSH_KEYTYPE_ECDSA_P256);
    tpam_hostkey_free(hk);
}

Test(hostkey, bad_lines_are_config_errors)
{
    static const struct {
        const char *line;
        const char *why;
    } cases[] = {
        {"", "is empty"},
        {"   \r\n", "is empty"},
        {"ssh-ed25519 " KEY_A " comment", "bare public key"},
        {"ssh-ed25519 " KEY_A, "bare public key"},
        {"tpam.example.com", "not a known_hosts line"},
        {"tpam.example.com ssh-ed25519", "not a known_hosts line"},
        {"@cert-authority *.example.com ssh-ed25519 " KEY_A, "marker"},
        {"@revoked tpam ssh-ed25519 " KEY_A, "marker"},
        {"*.example.com ssh-ed25519 " KEY_A, "patterns"},
        {"tpam,!evil ssh-ed25519 " KEY_A, "patterns"},
        {"tpam? ssh-ed25519 " KEY_A, "patterns"},
        {"tpam,,x ssh-ed25519 " KEY_A, "empty host name"},
        {"[tpam] ssh-ed25519 " KEY_A, "[host]:port"},
        {"[tpam]:x ssh-ed25519 " KEY_A, "[host]:port"},
        {"[tpam]:70000 ssh-ed25519 " KEY_A, "[host]:port"},
        {"[]:22 ssh-ed25519 " KEY_A, "[host]:port"},
        {"|2|abc|def ssh-ed25519 " KEY_A, "unknown kind"},
        {"|1|c2FsdA==|aGFzaA== ssh-ed25519 " KEY_A, "malformed hashed"},
        {"|1|sk2H8UhlpvnPF1SQ9+E3wo2ZmxY= ssh-ed25519 " KEY_A,
         "malformed hashed"},
        {"tpam ssh-foo " KEY_A, "libssh does not know"},
        {"tpam ssh-ed25519-cert-v01@openssh.com " KEY_A, "certificate"},
        {"tpam ssh-rsa " KEY_A, "not base64 of a ssh-rsa key"},
        {"tpam ssh-ed25519 " KEY_RSA, "not base64 of a ssh-ed25519"},
        {"tpam ssh-ed25519 AAAA!!!!", "not base64"},
        {"tpam ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKZ87JtHG5je3",
         "not base64"},
        {"tpam ssh-ed25519 " KEY_A "\ntpam ssh-ed25519 " KEY_B,
         "several lines"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[512] = "";
        tpam_hostkey *hk = NULL;
        int rc = tpam_hostkey_parse(cases[i].line, &hk, err, sizeof(err));

        cr_expect_eq(rc, CREDSTACK_ERR_CONFIG, "case %zu: rc %d (%s)", i, rc,
                     err);
        cr_expect_null(hk, "case %zu", i);
        cr_expect(strstr(err, cases[i].why) != NULL,
                  "case %zu: message \"%s\" lacks \"%s\"", i, err,
                  cases[i].why);
        cr_expect(strstr(err, "tpam.server_public_key") != NULL,
                  "case %zu: message \"%s\" names no option", i, err);
        tpam_hostkey_free(hk);
    }
    cr_assert_eq(tpam_hostkey_parse(NULL, NULL, NULL, 0),
                 CREDSTACK_ERR_INVALID);
}

Test(hostkey, compare_with_server_key)
{
    char err[512] = "";
    tpam_hostkey *hk = parse_ok("[127.0.0.1]:2222 ssh-ed25519 " KEY_A);
    ssh_key same = import(KEY_A, SSH_KEYTYPE_ED25519);
    ssh_key other = import(KEY_B, SSH_KEYTYPE_ED25519);
    ssh_key rsa = import(KEY_RSA, SSH_KEYTYPE_RSA);

    cr_assert_eq(
        tpam_hostkey_check(hk, same, "127.0.0.1", 2222, err, sizeof(err)),
        CREDSTACK_OK, "%s", err);
    cr_assert_eq(
        tpam_hostkey_check(hk, other, "127.0.0.1", 2222, err, sizeof(err)),
        CREDSTACK_ERR_HOSTKEY);
    cr_assert(strstr(err, "127.0.0.1:2222") != NULL, "%s", err);
    cr_assert(strstr(err, FP_A) != NULL, "%s", err);
    cr_assert(strstr(err, FP_B) != NULL, "%s", err);
    cr_assert_eq(tpam_hostkey_check(hk, rsa, "::1", 22, err, sizeof(err)),
                 CREDSTACK_ERR_HOSTKEY);
    cr_assert(strstr(err, "[::1]:22") != NULL, "%s", err);
    cr_assert(strstr(err, "ssh-rsa " FP_RSA) != NULL, "%s", err);
    cr_assert(strstr(err, "ssh-ed25519 " FP_A) != NULL, "%s", err);
    cr_assert_eq(tpam_hostkey_check(hk, NULL, "h", 22, err, sizeof(err)),
                 CREDSTACK_ERR_HOSTKEY);
    ssh_key_free(same);
    ssh_key_free(other);
    ssh_key_free(rsa);
    tpam_hostkey_free(hk);
}
