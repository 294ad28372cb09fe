#!/bin/bash
# SPDX-License-Identifier: MIT
# demo.sh: the README's main job: a password checked out of the local TPAM simulator
# through the full stack (credential store, TPAM resolver, prefix, policy, checkout).
#
# Usage: tests/demo.sh [BUILDDIR]   (run from `make demo`)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/_build}" && pwd)
credstack=$build/cli/credstack
work=$(mktemp -d "${TMPDIR:-/tmp}/credstack-demo.XXXXXX")
chmod 755 "$work"
cleanup() {
    "$src/tests/harness/tpam-sshd-stop" "$work/tpam" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*" >&2; }

# The demo asserts what it shows: each check counts, a failed one fails it.
passed=0 failed=0
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "demo: ok: $what" >&2
    else
        failed=$((failed + 1))
        echo "demo: FAIL: $what" >&2
    fi
}
absent() { ! grep -qF -- "$1" "$2"; }
# The password of root on PSM_DB02 in tests/tpam-sim/fixture.default.
want_password='p@ss word;#1'

say "starting the TPAM simulator behind a real sshd on 127.0.0.1"
TPAM_SIM=$build/tests/tpam-sim/tpam-sim "$src/tests/harness/tpam-sshd-start" "$work/tpam" >/dev/null
# shellcheck disable=SC1091
. "$work/tpam/env"

# The loader trusts only a module directory that nobody but root or us can change,
# all the way up from / (doc/security.md): copy the built modules into one.
# The same for their private libraries (libcredstack-tpam.so, libcredstack-store.so:
# found first through LD_LIBRARY_PATH) and the stack a [tpam] section selects (installed under
# $(pkgdatadir)/stacks; this build is not installed).
mkdir -m 755 "$work/modules" "$work/lib" "$work/stacks"
for so in "$build"/modules/*/.libs/*.so; do
    install -m 644 "$so" "$work/modules/"
    case ${so##*/} in lib*) install -m 644 "$so" "$work/lib/" ;; esac
done
install -m 644 "$build"/store/.libs/libcredstack-store.so "$work/lib/"
install -m 644 "$src"/modules/tpam-common/stacks/*.stack "$work/stacks/"
export LD_LIBRARY_PATH=$work/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export CREDSTACK_MODULE_DIR=$work/modules
export CREDSTACK_STORE_DIR=$work/stores
export CREDSTACK_STACK_DIR=$work/stacks

say "putting the TPAM CLI user's private key in the local credential store 'demo'"
"$credstack" store init --store demo
"$credstack" store set --store demo --type private-key tpam server_user_key <"$TPAM_CLIENT_KEY"
"$credstack" store list --store demo

say "the configuration: the vendor's options, the key taken from the store (\$)"
cat >"$work/credstack.conf" <<CONF
[tpam]
server = $TPAM_HOST
server_port = $TPAM_PORT
server_public_key = $TPAM_HOSTKEY_HASHED
server_user = $TPAM_USER
server_user_key = \$
system_name_resolver = tpam
system_prefix = PSM_
authorization = policy
required_policy = Privileged Access

[credential_store]
name = demo

[logging]
log_level = info
CONF
sed 's/^\(server_public_key = \).\{40\}.*/\1|1|... (hashed known_hosts line)/' "$work/credstack.conf" >&2

say "the stack credstack derives from it"
"$credstack" check --config "$work/credstack.conf"

say "bob asks for root@10.20.30.40 (TPAM lists DB02 and PSM_DB02 there)"
: >"$TPAM_COMMANDS_LOG"
rc=0
password=$("$credstack" get-password --config "$work/credstack.conf" \
    --gateway-user bob --target-user root --target-host 10.20.30.40 --trace) || rc=$?
echo "password checked out: $password"
check "bob: exit status 0 (got $rc)" test "$rc" -eq 0
check "bob: root's password on PSM_DB02, as the simulator's fixture holds it" \
    test "$password" = "$want_password"

say "what TPAM was asked (one SSH connection, one command per channel)"
cut -f2- "$TPAM_COMMANDS_LOG" >&2
connections=$(cut -f1 "$TPAM_COMMANDS_LOG" | sort -u | wc -l)
echo "connections: $connections" >&2
check "bob: one SSH connection (got $connections)" test "$connections" -eq 1
check "bob: the checkout names bob, SPS and the policy" \
    grep -qF "$(printf '\tRetrieve --AccountName root --SystemName PSM_DB02 --ReasonText "bob,SPS,policy,Privileged Access"')" \
    "$TPAM_COMMANDS_LOG"

say "carol holds no 'Privileged Access' policy: no password, exit status 1"
: >"$TPAM_COMMANDS_LOG"
rc=0
out=$("$credstack" get-password --config "$work/credstack.conf" \
    --gateway-user carol --target-user root --target-host 10.20.30.40 \
    2>"$work/carol.err") || rc=$?
cat "$work/carol.err" >&2
echo "exit status: $rc" >&2
check "carol: exit status 1, no password (got $rc)" test "$rc" -eq 1
check "carol: nothing on stdout" test -z "$out"
check "carol: the refusal says why" \
    grep -q "carol does not hold policy 'Privileged Access'" "$work/carol.err"
check "carol: no Retrieve was sent" absent "$(printf '\tRetrieve ')" "$TPAM_COMMANDS_LOG"

echo "demo.sh: $passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
