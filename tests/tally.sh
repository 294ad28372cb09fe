#!/bin/bash
# SPDX-License-Identifier: MIT
# tally.sh: what a `make check` in BUILDDIR ran: tests passed, failed and
# skipped, counted inside each test program (tests/run-test's "run-test: N
# passed, N failed, N skipped" line, or any "NAME: N passed, ..." line a
# script prints), else one per automake test (its .trs), and every skip with
# its reason.
#
# Usage: tests/tally.sh BUILDDIR [LABEL]
# Prints "LABEL: N passed, N failed, N skipped", then "LABEL: skipped: ..."
# lines.  Exit 0 (the counts are information; make check's status is the
# verdict).
set -u
build=${1:?usage: tally.sh BUILDDIR [LABEL]}
label=${2:-tests}
passed=0 failed=0 skipped=0
skips=()
count_re='^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$'
while IFS= read -r trs; do
    log=${trs%.trs}.log
    name=${log#"$build"/}
    name=${name%.log}
    line=
    [ -f "$log" ] && line=$(grep -E "$count_re" "$log" | tail -n 1)
    if [ -n "$line" ]; then
        read -r p f s <<<"$(sed -E 's/^[^:]*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/' <<<"$line")"
        passed=$((passed + p))
        failed=$((failed + f))
        skipped=$((skipped + s))
        while IFS= read -r s; do
            skips+=("$name: ${s#*skipped: }")
        done < <(grep -E '^[A-Za-z0-9_.-]+: skipped: ' "$log")
        continue
    fi
    case "$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)" in
    PASS | XFAIL) passed=$((passed + 1)) ;;
    SKIP)
        skipped=$((skipped + 1))
        skips+=("$name: skipped (exit 77)")
        ;;
    *) failed=$((failed + 1)) ;;
    esac
done < <(find "$build" -name '*.trs' -not -path "$build/credstack-*" | sort)
echo "$label: $passed passed, $failed failed, $skipped skipped"
for s in "${skips[@]}"; do
    echo "$label: skipped: $s"
done
