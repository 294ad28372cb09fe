#!/bin/sh
# SPDX-License-Identifier: MIT
# core_deps.sh: the core's files depend on each other one way only -- no two
# files of libcredstack call into each other (issue: dispatch.c/request.c,
# config.c/config_interp.c) -- and no core file names a backend.
set -eu
top=${srcdir:-.}
objs=$(ls core/.libs/libcredstack_la-*.o 2>/dev/null || true)
[ -n "$objs" ] || { echo "core_deps.sh: no core/.libs/libcredstack_la-*.o under $(pwd)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/core_deps.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for o in $objs; do
    f=$(basename "$o" .o)
    f=${f#libcredstack_la-}
    nm --defined-only -g "$o" | awk -v f="$f" '$2 ~ /^[TDBR]$/ {print $3, f}' >>"$tmp/defs"
    nm -u "$o" | awk -v f="$f" '{print $2, f}' >>"$tmp/uses"
done
# "user definer" pairs, then the pairs that appear both ways.
awk 'NR == FNR {def[$1] = $2; next} ($1 in def) && def[$1] != $2 {print $2, def[$1]}' \
    "$tmp/defs" "$tmp/uses" | sort -u >"$tmp/edges"
bad=$(awk '{e[$1 " " $2] = 1} END {for (k in e) {split(k, p, " "); if ((p[2] " " p[1]) in e && p[1] < p[2]) print p[1] " <-> " p[2]}}' "$tmp/edges")
status=0
if [ -n "$bad" ]; then
    echo "core_deps.sh: core files that call into each other:" >&2
    echo "$bad" | sed 's/^/  /' >&2
    status=1
fi
if grep -rniI tpam "$top/core" >"$tmp/tpam" 2>/dev/null; then
    echo "core_deps.sh: the core names a backend (grep -ri tpam core/):" >&2
    sed 's/^/  /' "$tmp/tpam" >&2
    status=1
fi
echo "core_deps.sh: $(wc -l <"$tmp/edges") one-way dependencies between $(echo "$objs" | wc -w) core files"
exit $status
