#!/bin/bash
# SPDX-License-Identifier: MIT
# dev.sh: set up a Debian 12 machine for credstack, build it, and run the demo or the tests.
#
# Usage: tools/dev.sh setup|build|demo|test|check-asan|check-valgrind|fuzz-smoke|distcheck|
#                     sps-release|deb
#   setup           install the Debian packages credstack needs (idempotent; apt-get
#                   runs as root: directly when you are root, else through sudo)
#   build           setup + autoreconf + configure + make in _build/
#   demo            build, start the local TPAM simulator behind a real sshd,
#                   and check a password out through the full stack
#   test            build and run the whole test suite (make check)
#   check-asan      the suite again in a -fsanitize=address,undefined build (_asan/)
#   check-valgrind  the suite again with every test and spawned credstack under valgrind
#   fuzz-smoke      clang + libFuzzer build in _fuzz/, each fuzz target for 20 s
#   distcheck       make distcheck (tarball builds and passes its tests)
#   sps-release     the SPS plugin zip for shipping, in _build-release/: built from HEAD
#                   in a Debian 11 chroot (glibc floor 2.27, not 2.34), then tested here
#   deb             build the Debian packages from HEAD in a temp dir, lintian
#                   --pedantic them, install them, check that every packaged module
#                   loads, and remove them again
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# unzip and binutils (objdump, readelf): the SPS plugin's test unpacks the
# zip as an administrator would and reads its ELF files; a test skipped for a
# missing package fails in CI (tests/run-test, tests/skips.allowed).
PACKAGES=(build-essential autoconf automake libtool libltdl-dev pkg-config
    libssh-dev libssl-dev libinih-dev libjansson-dev libcriterion-dev
    libnss-wrapper openssh-server openssh-client valgrind python3 zip unzip
    binutils patchelf clang libclang-rt-14-dev)

say() { printf '== %s\n' "$*" >&2; }

# as_root CMD...: CMD as root; only apt-get needs it.  Root runs it directly
# (a fresh Debian machine has no sudo); anyone else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "dev.sh: '$1' needs root: run dev.sh as root, or install sudo" >&2
        exit 2
    fi
}

# apt_get ARGS...: apt-get as root, without questions.
apt_get() {
    as_root env DEBIAN_FRONTEND=noninteractive apt-get "$@"
}

# setup [EXTRA-PACKAGE...]: PACKAGES plus any extra ones a subcommand needs.
setup() {
    local missing=()
    for p in "${PACKAGES[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        say "all Debian packages present"
        return
    fi
    say "installing: ${missing[*]}"
    apt_get update -qq
    apt_get install -y -qq --no-install-recommends "${missing[@]}"
}

configure_in() {
    local dir=$1
    shift
    [ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi
    mkdir -p "$dir"
    if [ ! -f "$dir/Makefile" ] || [ "$dir/config.status" -ot configure ]; then
        # --enable-test-hooks: the harness runs the agent under valgrind too
        # (cli/agent/agent_exec.c); release builds (deb, sps-release) do not.
        (cd "$dir" && ../configure --enable-werror --enable-test-hooks "$@")
    fi
}

build() {
    setup
    say "building in _build/"
    configure_in _build
    make -C _build -j"$(nproc)"
}

demo() {
    build
    make -C _build -j"$(nproc)" demo
}

run_tests() {
    build
    say "running the test suite: make check"
    make -C _build -j"$(nproc)" check || { tail -n 50 _build/test-suite.log >&2; exit 1; }
}

check_asan() {
    setup
    say "building with -fsanitize=address,undefined in _asan/"
    configure_in _asan --enable-sanitizers
    make -C _asan -j"$(nproc)" check || { tail -n 80 _asan/test-suite.log >&2; exit 1; }
}

check_valgrind() {
    build
    say "running the test suite under valgrind"
    CREDSTACK_VALGRIND=1 make -C _build -j"$(nproc)" check ||
        { tail -n 80 _build/test-suite.log >&2; exit 1; }
}

fuzz_smoke() {
    setup
    say "libFuzzer targets in _fuzz/ (clang), 20 s each"
    CC=clang configure_in _fuzz --enable-fuzzing --enable-sanitizers
    make -C _fuzz -j"$(nproc)" fuzz-smoke
}

distcheck() {
    build
    make -C _build -j"$(nproc)" distcheck
}

# The release zip: built where glibc is older than Debian 12's (doc/sps.md, "The
# glibc floor").  Debian 11's packages are the oldest the Debian archive still
# serves; the chroot is kept in $CREDSTACK_CHROOT for the next run.
SPS_SUITE=bullseye
SPS_CHROOT_PACKAGES=build-essential,autoconf,automake,libtool,libltdl-dev,pkg-config,libssh-dev,libssl-dev,libinih-dev,libjansson-dev,libcriterion-dev,python3,patchelf,zip

sps_release() {
    setup debootstrap
    local chroot=${CREDSTACK_CHROOT:-/var/tmp/credstack-$SPS_SUITE} version zip
    if [ ! -x "$chroot/usr/bin/patchelf" ]; then
        say "debootstrap $SPS_SUITE into $chroot"
        # No mirror named: debootstrap knows its default; CREDSTACK_MIRROR
        # picks a local one.
        as_root debootstrap --variant=minbase --include="$SPS_CHROOT_PACKAGES" \
            "$SPS_SUITE" "$chroot" ${CREDSTACK_MIRROR:+"$CREDSTACK_MIRROR"} >/dev/null
    fi
    git diff --quiet HEAD -- || say "note: uncommitted changes are not built (git archive HEAD)"
    say "building the zip from HEAD in the $SPS_SUITE chroot"
    as_root rm -rf "$chroot/root/credstack"
    git archive --prefix=credstack/ HEAD | as_root tar -x -C "$chroot/root"
    as_root chroot "$chroot" /bin/sh -ec 'cd /root/credstack && autoreconf -fi >/dev/null 2>&1 &&
        mkdir _build && cd _build && ../configure >/dev/null && make -j2 >/dev/null &&
        make sps-plugin'
    version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' configure.ac)
    zip=credstack-sps-$version.zip
    mkdir -p _build-release
    as_root cat "$chroot/root/credstack/_build/$zip" >"_build-release/$zip"
    zip=_build-release/$zip
    say "the plugin's test (tests/sps/test_plugin.py) on that zip, here"
    build
    CREDSTACK_SPS_ZIP="$top/$zip" CREDSTACK_TEST_BUILDDIR="$top/_build" \
        TPAM_SIM="$top/_build/tests/tpam-sim/tpam-sim" python3 tests/sps/test_plugin.py \
        >_build-release/test_plugin.log 2>&1 ||
        { tail -n 40 _build-release/test_plugin.log >&2; exit 1; }
    say "sps-release: $top/$zip (glibc floor $(python3 -c 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read("GLIBC_FLOOR").decode().strip())' "$zip"))"
}

DEB_PACKAGES=(dpkg-dev debhelper dh-autoreconf lintian)
DEB_BINARIES=(libcredstack0 credstack credstack-dev)
# The first upload closes no bug report: the one tag lintian may report.
LINTIAN_ALLOWED=(initial-upload-closes-no-bugs)
deb_tmp=
deb_installed=no

deb_cleanup() {
    if [ "$deb_installed" = yes ]; then
        apt_get remove -y -qq "${DEB_BINARIES[@]}" >/dev/null || true
    fi
    [ -z "$deb_tmp" ] || rm -rf "$deb_tmp"
}

# deb_check WHAT CONFIG [STACK]: credstack check as installed; prints its output.
deb_check() {
    local what=$1 out rc=0
    shift
    out=$(/usr/bin/credstack check --config "$@" 2>&1) || rc=$?
    printf '%s\n' "$out"
    if [ "$rc" -ne 0 ]; then
        echo "dev.sh deb: credstack check on $what failed (exit $rc)" >&2
        exit 1
    fi
    deb_check_out=$out
}

deb() {
    setup "${DEB_PACKAGES[@]}"
    deb_tmp=$(mktemp -d /tmp/credstack-deb.XXXXXX)
    chmod 0755 "$deb_tmp"
    trap deb_cleanup EXIT
    git diff --quiet HEAD -- || say "note: uncommitted changes are not packaged (git archive HEAD)"
    say "dpkg-buildpackage -us -uc -b from HEAD in $deb_tmp/src"
    mkdir "$deb_tmp/src"
    git archive HEAD | tar -x -C "$deb_tmp/src"
    (cd "$deb_tmp/src" && dpkg-buildpackage -us -uc -b >"$deb_tmp/build.log" 2>&1) || {
        tail -n 60 "$deb_tmp/build.log" >&2
        if grep -q 'dpkg-gensymbols' "$deb_tmp/build.log"; then
            echo "dev.sh deb: libcredstack's exported symbols changed: update" \
                "debian/libcredstack0.symbols (the diff is above)" >&2
        fi
        exit 1
    }
    local version arch changes debs=()
    version=$(dpkg-parsechangelog -l debian/changelog -S Version)
    arch=$(dpkg --print-architecture)
    changes="$deb_tmp/credstack_${version}_${arch}.changes"
    say "lintian --pedantic ${changes##*/}: no error, no warning but ${LINTIAN_ALLOWED[*]}"
    # --fail-on error,warning: lintian's exit status says it; the tags
    # allowed above are suppressed, everything else at those levels fails.
    lintian --pedantic --display-info --fail-on error,warning \
        --suppress-tags "$(IFS=,; echo "${LINTIAN_ALLOWED[*]}")" "$changes" ||
        { echo "dev.sh deb: lintian reported errors or warnings (above)" >&2; exit 1; }
    for p in "${DEB_BINARIES[@]}"; do
        debs+=("$deb_tmp/${p}_${version}_${arch}.deb")
    done
    say "installing ${debs[*]##*/}"
    deb_installed=yes
    apt_get install -y -qq "${debs[@]}" >/dev/null
    local modules=() m
    mapfile -t modules < <(dpkg -L libcredstack0 | grep -E '/credstack/modules/[^/]+\.so$' | sort)
    if [ ${#modules[@]} -eq 0 ]; then
        echo "dev.sh deb: libcredstack0 ships no module" >&2
        exit 1
    fi
    say "credstack check: a stack of every packaged module (${#modules[@]}), each loaded"
    # Every option is checked when the handle opens: a complete [tpam]
    # configuration (a key made here, inline; a host key line for it).
    ssh-keygen -q -t ed25519 -N '' -C dev.sh -f "$deb_tmp/key" >/dev/null
    {
        printf '[tpam]\nserver = tpam.example.com\nserver_user = isacli\n'
        printf 'authorization = policy\nserver_public_key = tpam.example.com %s\n' \
            "$(cut -d' ' -f1,2 "$deb_tmp/key.pub")"
        printf 'server_user_key = '
        sed '2,$s/^/    /' "$deb_tmp/key"
    } >"$deb_tmp/credstack.conf"
    for m in "${modules[@]}"; do
        m=${m##*/}
        m=${m%.so}
        # prefix is the one module with a required argument.
        printf 'map  optional  %s%s\n' "$m" "$([ "$m" = prefix ] && echo ' prefix=PSM')"
    done >"$deb_tmp/all.stack"
    deb_check "every packaged module" "$deb_tmp/credstack.conf" --stack "$deb_tmp/all.stack"
    for m in "${modules[@]}"; do
        m=${m##*/}
        grep -qw -- "${m%.so}" <<<"$deb_check_out" || {
            echo "dev.sh deb: credstack check did not list ${m%.so}" >&2
            exit 1
        }
    done
    say "credstack check on the packaged sample configuration, as shipped"
    local sample=/usr/share/doc/credstack/examples/credstack.conf.sample
    if [ -f "$sample.gz" ]; then
        zcat "$sample.gz" >"$deb_tmp/sample.conf"
    else
        cp "$sample" "$deb_tmp/sample.conf"
    fi
    # A template: check names exactly what a new user must fill in.
    local out rc=0 missing
    out=$(/usr/bin/credstack check --config "$deb_tmp/sample.conf" 2>&1) || rc=$?
    printf '%s\n' "$out"
    missing=$(grep -c ': \[tpam\] [a-z_]* is required' <<<"$out" || true)
    if [ "$rc" -ne 2 ] || [ "$missing" -ne 4 ] ||
        ! grep -q 'configuration error (4 problems)' <<<"$out"; then
        echo "dev.sh deb: check on the sample: exit $rc, expected 2 naming the" \
            "4 required [tpam] options and nothing else" >&2
        exit 1
    fi
    say "removing the packages again"
    apt_get remove -y -qq "${DEB_BINARIES[@]}" >/dev/null
    deb_installed=no
    say "deb: OK (built, lintian clean, installed, every module loaded from the package, removed)"
}

case "${1:-}" in
setup) setup ;;
build) build ;;
demo) demo ;;
test) run_tests ;;
check-asan) check_asan ;;
check-valgrind) check_valgrind ;;
fuzz-smoke) fuzz_smoke ;;
distcheck) distcheck ;;
sps-release) sps_release ;;
deb) deb ;;
-h | --help)
    sed -n '3,21p' "$0" | sed 's/^# \{0,1\}//'
    ;;
*)
    sed -n '3,21p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
