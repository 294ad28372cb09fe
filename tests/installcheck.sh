#!/bin/bash
# SPDX-License-Identifier: MIT
# installcheck.sh: installs the build tree into a staging directory, builds
# examples/hello-module against the INSTALLED headers and credstack.pc alone,
# and runs the installed credstack with a stack of installed modules + hello.
#
# Usage: tests/installcheck.sh BUILDDIR   (run by `make installcheck`)
# The installation directories come from the environment (make passes them):
#   CREDSTACK_BINDIR CREDSTACK_LIBDIR CREDSTACK_MODULEDIR CREDSTACK_INCLUDEDIR
# No network, no TPAM: resolver-dns takes a host name's first label, and
# reuse-gateway answers when the gateway user is the target user.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: $0 BUILDDIR}" && pwd)
: "${MAKE:=make}"
: "${PKG_CONFIG:=pkg-config}"
: "${CC:=cc}"
bindir=${CREDSTACK_BINDIR:?set by make installcheck}
libdir=${CREDSTACK_LIBDIR:?set by make installcheck}
moduledir=${CREDSTACK_MODULEDIR:?set by make installcheck}
includedir=${CREDSTACK_INCLUDEDIR:?set by make installcheck}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/credstack-installcheck.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/stage
failures=0

say() { printf 'installcheck: %s\n' "$*"; }
fail() {
    printf 'installcheck: FAIL: %s\n' "$*" >&2
    failures=$((failures + 1))
}

# ---- 1. install the build tree into a staging directory ----
say "make install DESTDIR=$stage"
if ! $MAKE -C "$build" install DESTDIR="$stage" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log" >&2
    echo "installcheck: make install failed" >&2
    exit 1
fi
credstack=$stage$bindir/credstack
for f in "$credstack" "$stage$includedir/credstack/module.h" \
    "$stage$includedir/credstack/credstack.h" \
    "$stage$libdir/pkgconfig/credstack.pc" "$stage$moduledir/resolver-dns.so"; do
    [ -e "$f" ] || { echo "installcheck: not installed: $f" >&2; exit 1; }
done

# ---- 2. build the example module against the installed files only ----
export PKG_CONFIG_LIBDIR=$stage$libdir/pkgconfig
export PKG_CONFIG_SYSROOT_DIR=$stage
unset PKG_CONFIG_PATH
cflags=$($PKG_CONFIG --cflags credstack)
case " $cflags " in
*" -I$stage$includedir "*) ;;
*)  # pkgconf hides system include dirs; relocate the .pc instead.
    unset PKG_CONFIG_SYSROOT_DIR
    cflags=$($PKG_CONFIG --define-prefix --cflags credstack)
    case " $cflags " in
    *" -I$stage"*) ;;
    *) echo "installcheck: pkg-config gives '$cflags', not the staged headers" >&2
       exit 1 ;;
    esac
    export PKG_CONFIG="$PKG_CONFIG --define-prefix" ;;
esac
say "pkg-config --cflags credstack: $cflags"

cp "$src/examples/hello-module/hello.c" "$src/examples/hello-module/hello.map" \
    "$src/examples/hello-module/Makefile" "$tmp/"
mkdir "$tmp/hello" && mv "$tmp/hello.c" "$tmp/hello.map" "$tmp/Makefile" "$tmp/hello/"
say "building examples/hello-module with its Makefile"
if ! $MAKE -C "$tmp/hello" CC="$CC" PKG_CONFIG="$PKG_CONFIG" \
    CFLAGS="-O2 -g -Werror" >"$tmp/hello.log" 2>&1; then
    cat "$tmp/hello.log" >&2
    echo "installcheck: the example module does not build" >&2
    exit 1
fi

# Only the entry point is exported.
exported=$(nm -D --defined-only "$tmp/hello/hello.so" | awk '$2 ~ /^[TDBR]$/ {print $3}')
[ "$exported" = credstack_module_entry ] ||
    fail "hello.so exports '$(echo $exported)', not only credstack_module_entry"

# ---- 3. one module directory: the installed modules and hello.so ----
mods=$tmp/modules
install -d -m 0755 "$mods"
install -m 0755 "$stage$moduledir"/*.so "$tmp/hello/hello.so" "$mods/"

export LD_LIBRARY_PATH=$stage$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export CREDSTACK_MODULE_DIR=$mods
unset CREDSTACK_STORE_DIR CREDSTACK_STORE_PASSPHRASE

cat >"$tmp/credstack.conf" <<'EOF'
[hello]
refuse_users = root, admin

[logging]
log_level = info
EOF
cat >"$tmp/hello.stack" <<'EOF'
# installed modules + the out-of-tree hello module; no TPAM needed
resolve    required   resolver-dns
authorize  requisite  hello
authorize  required   auth-gateway
checkout   required   reuse-gateway
EOF

# run NAME EXPECTED_EXIT ARGS...: credstack with stdin from $tmp/stdin
run() {
    local name=$1 want=$2 got=0
    shift 2
    "$credstack" "$@" <"$tmp/stdin" >"$tmp/$name.out" 2>"$tmp/$name.err" || got=$?
    if [ "$got" != "$want" ]; then
        fail "$name: exit $got, expected $want"
        sed 's/^/  stderr: /' "$tmp/$name.err" >&2
    fi
}
: >"$tmp/stdin"

say "the installed credstack: $("$credstack" --version)"

run check 0 check --config "$tmp/credstack.conf" --stack "$tmp/hello.stack"
grep -q '^authorize  requisite   hello$' "$tmp/check.out" ||
    fail "check does not list the hello line: $(cat "$tmp/check.out")"
grep -q "^# module directory: $mods\$" "$tmp/check.out" ||
    fail "check does not use CREDSTACK_MODULE_DIR"

# hello declares its options: the core checks them at open, with file and
# line, before hello's init() runs -- a third-party module gets that for free.
printf '[hello]\nrefuse_users = root\nmax_users = many\nmax_user = 3\n' \
    >"$tmp/bad.conf"
run bad 2 check --config "$tmp/bad.conf" --stack "$tmp/hello.stack"
grep -q "bad.conf:3: hello.max_users: 'many' is not a whole number" \
    "$tmp/bad.err" || fail "bad: max_users = many not reported with its line"
grep -q "bad.conf:4: unknown option hello.max_user; did you mean max_users?" \
    "$tmp/bad.err" || fail "bad: the misspelt max_user is not reported"
printf '[hello]\nmax_users = 1\nrefuse_users = root, admin\n' >"$tmp/two.conf"
run two 2 check --config "$tmp/two.conf" --stack "$tmp/hello.stack"
grep -q "two.conf:2: hello.max_users: 1, but 2 users are listed" \
    "$tmp/two.err" || fail "two: hello's own init() check is not reported"

# alice logs in as alice: the gateway password is the answer.
printf 's3cret-Pw\n' >"$tmp/stdin"
run alice 0 get-password --config "$tmp/credstack.conf" --stack "$tmp/hello.stack" \
    --gateway-user alice --target-user alice --target-host web01.example.com \
    --gateway-password-stdin --trace
[ "$(cat "$tmp/alice.out")" = s3cret-Pw ] ||
    fail "alice: stdout is '$(cat "$tmp/alice.out")', expected the password"
grep -q 'hello .*-> success (ok)' "$tmp/alice.err" ||
    fail "alice: the trace does not show hello's success"

# root is on hello's list: denied (exit 1), nothing on stdout.
run root 1 get-password --config "$tmp/credstack.conf" --stack "$tmp/hello.stack" \
    --gateway-user root --target-user root --target-host web01.example.com \
    --gateway-password-stdin
[ ! -s "$tmp/root.out" ] || fail "root: something was printed on stdout"
grep -q 'target user root is refused by hello' "$tmp/root.err" ||
    fail "root: stderr does not say why: $(cat "$tmp/root.err")"

# The refuse= argument wins over [hello] refuse_users.
sed 's/^authorize  requisite  hello$/authorize  requisite  hello  refuse=alice/' \
    "$tmp/hello.stack" >"$tmp/arg.stack"
run arg 1 get-password --config "$tmp/credstack.conf" --stack "$tmp/arg.stack" \
    --gateway-user alice --target-user alice --target-host web01.example.com \
    --gateway-password-stdin
grep -q 'target user alice is refused by hello' "$tmp/arg.err" ||
    fail "arg: refuse=alice did not refuse alice"

# Different users: reuse-gateway does not apply, no password.
run other 1 get-password --config "$tmp/credstack.conf" --stack "$tmp/hello.stack" \
    --gateway-user alice --target-user bob --target-host web01.example.com \
    --gateway-password-stdin
[ ! -s "$tmp/other.out" ] || fail "other: something was printed on stdout"

# The SPS hook through the installed command.
printf '%s\n' '{"gateway_username": "alice", "gateway_password": "s3cret-Pw",
  "server_username": "alice", "target_username": "ignored",
  "target_host": "web01.example.com", "cookie": {}, "session_cookie": {}}' \
    >"$tmp/stdin"
run hook 0 hook get-password-list --config "$tmp/credstack.conf" \
    --stack "$tmp/hello.stack"
grep -q '"passwords":\["s3cret-Pw"\]' "$tmp/hook.out" ||
    fail "hook: reply is '$(cat "$tmp/hook.out")'"
: >"$tmp/stdin"

# A group-writable module file is refused.
chmod g+w "$mods/hello.so"
run unsafe 2 check --config "$tmp/credstack.conf" --stack "$tmp/hello.stack"
grep -q 'writable by group or others' "$tmp/unsafe.err" ||
    fail "unsafe: a group-writable hello.so was not refused"
chmod g-w "$mods/hello.so"

if [ "$failures" -ne 0 ]; then
    echo "installcheck: $failures failure(s)" >&2
    exit 1
fi
say "PASS: installed headers, credstack.pc, credstack and modules work with an out-of-tree module"
