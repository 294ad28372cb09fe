#!/bin/bash
# SPDX-License-Identifier: MIT
# proof.sh: the suite's checkers can fail.  A fault is planted (the test-fault
# module, loaded through the real loader) in each place product code runs:
# in a test program linking libcredstack, in a spawned `credstack
# get-password`, and in the agent.  tests/checkers/test_planted accepts
# whatever answer the fault leads to, as a careless test would; each planted
# run must still fail, through tests/run-test, with the checker's own report,
# and the same program without a plant must pass.
#
# Which faults depend on the build (tests/run-test --checker):
#   valgrind  leak, uninit, overflow, crash   (CREDSTACK_VALGRIND=1)
#   asan      leak, uninit, overflow, crash   (configure --enable-sanitizers)
#   plain     crash only: a plain build has no memory checker; the leak, the
#             uninitialised read and the overflow are proved in the other two.
set -u
srcdir=$(cd "${srcdir:-.}" && pwd)
run_test=$srcdir/tests/run-test
prog=tests/checkers/test_planted
checker=$("$run_test" --checker)
work=$(mktemp -d "${TMPDIR:-/tmp}/credstack-proof.XXXXXX")
trap 'rm -rf "$work"' EXIT

case "$checker" in
valgrind | asan) faults=(leak uninit overflow crash) ;;
*) faults=(crash) ;;
esac
places=(library command agent)

# What the checker's report says, per fault: the line quoted as evidence.
evidence() {
    case "$checker:$1" in
    valgrind:leak) echo '48 bytes in 1 blocks are definitely lost' ;;
    valgrind:uninit) echo 'depends on uninitialised value' ;;
    valgrind:overflow) echo 'Invalid write of size 1' ;;
    asan:leak) echo 'Direct leak of 48 byte' ;;
    # The agent's stderr is its log, removed when it exits: the reaper's
    # line shows UBSan's exit status there.
    asan:uninit) echo "not a valid value for type '_Bool'\|exited 87 (an UndefinedBehaviorSanitizer" ;;
    asan:overflow) echo 'ERROR: AddressSanitizer: heap-buffer-overflow' ;;
    *:crash) echo 'SIGSEGV\|Segmentation fault\|CRASH\|signal 11\|exit 139\|AddressSanitizer: SEGV' ;;
    esac
}

passed=0 failed=0
echo "proof.sh: checker of this build: $checker"
[ "$checker" = plain ] && echo "proof.sh: a plain build has no memory" \
    "checker: only a crash is planted here (the ASan and valgrind steps plant" \
    "a leak, an uninitialised read and an overflow)"

# Without a plant: every test of the program passes.
if CREDSTACK_PLANT= "$run_test" "$prog" >"$work/clean" 2>&1; then
    echo "ok: nothing planted: $(grep -m1 '^run-test: .* passed' "$work/clean")"
    passed=$((passed + 1))
else
    echo "FAIL: nothing planted, yet the run failed:"
    tail -n 60 "$work/clean"
    failed=$((failed + 1))
fi

for fault in "${faults[@]}"; do
    for place in "${places[@]}"; do
        out=$work/$fault.$place
        rc=0
        CREDSTACK_PLANT=$fault:$place "$run_test" "$prog" \
            --filter "planted/$place" >"$out" 2>&1 || rc=$?
        line=$(grep -m1 -e "$(evidence "$fault")" "$out")
        verdict=$(grep -m1 -E '^(run-test: FAIL|reaper: FAIL|\[FAIL\])|a memory checker.s verdict' "$out")
        if [ "$rc" -ne 0 ] && [ -n "$line" ]; then
            echo "ok: $fault in $place: exit $rc: ${verdict:-failed}"
            echo "    evidence: ${line:0:220}"
            passed=$((passed + 1))
        else
            echo "FAIL: $fault in $place: exit $rc, evidence" \
                "'$(evidence "$fault")' ${line:+found}${line:-not found}:"
            tail -n 80 "$out"
            failed=$((failed + 1))
        fi
    done
done
echo "proof.sh: $passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
