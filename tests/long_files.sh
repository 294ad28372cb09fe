#!/bin/sh
# SPDX-License-Identifier: MIT
# long_files.sh: a source file over 500 lines says why near its top, in a line
# starting "Long file:" (issue 11: small files with one job each, or a reason).
set -eu
top=${srcdir:-.}
limit=500
bad=0
long=0
for f in $(cd "$top" && find . -type d \( -name .git -o -name '_*' -o -name autom4te.cache \
        -o -name build-aux -o -name corpus -o -name debian \) -prune -o -type f \
        \( -name '*.[ch]' -o -name '*.py' -o -name '*.sh' \) -print); do
    case $f in
    */config.h | */autoconf.h) continue ;;
    esac
    [ -f "$top/$f.in" ] && continue
    n=$(wc -l <"$top/$f")
    [ "$n" -gt "$limit" ] || continue
    long=$((long + 1))
    if ! head -n 40 "$top/$f" | grep -q 'Long file:'; then
        echo "long_files.sh: $f: $n lines and no 'Long file: <why>' in its first 40 lines" >&2
        bad=$((bad + 1))
    fi
done
echo "long_files.sh: $long files over $limit lines, $bad without a reason"
[ "$bad" -eq 0 ]
