#!/bin/sh
# SPDX-License-Identifier: MIT
# layout_deps.sh: the top-level folders depend on each other one way only
# (README, "Layout"): include/ on nothing, core/ (libcredstack) on include/,
# store/ on core/ and include/, modules/ on those, cli/ on any of them -- and
# no files and no folders in a circle.
#
# A file depends on another when it includes it (#include "..." resolved as
# the build's -I options do, <credstack/...> in include/), when its object
# uses a symbol the other's object defines (nm, over the objects of the
# build in the current directory), or, for a header, when an inline body in
# it uses a symbol the other file defines (store_sys.h and its fault hook).
# Run from the build directory with srcdir set, as make check does.
set -eu
top=$(cd "${srcdir:-.}" && pwd)
build=$(pwd)
folders="include core store modules cli"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/layout_deps.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/edges"

# ---- the files, and where an include names one ----
(cd "$top" && find $folders -name '*.[ch]' | sort) >"$tmp/files"
[ -s "$tmp/files" ] || { echo "layout_deps.sh: no sources under $top" >&2; exit 1; }

# resolve FILE NAME: the tree path NAME names when FILE includes it "quoted"
# (FILE's folder first, then the -I folders the build passes), or nothing.
resolve() {
    for d in "${1%/*}" cli cli/agent core include .; do
        p=$(cd "$top" && realpath -m --relative-to=. "$d/$2")
        if grep -qx "$p" "$tmp/files"; then
            echo "$p"
            return
        fi
    done
}
while read -r f; do
    sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$top/$f" |
        while read -r inc; do
            p=$(resolve "$f" "$inc")
            [ -z "$p" ] || echo "$f $p include"
        done
    sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*<\(credstack\/[^>]*\)>.*/\1/p' "$top/$f" |
        while read -r inc; do
            echo "$f include/$inc include"
        done
done <"$tmp/files" >>"$tmp/edges"

# ---- symbols: who defines what, who uses what ----
# The objects of the build's own targets only (a stale object of a renamed
# target would speak for code that is gone).
objs=$(cd "$build" && ls core/.libs/libcredstack_la-*.o \
    store/.libs/libcredstack_store_la-*.o \
    store/.libs/tests_unit_libcsstore_faults_la-*.o \
    cli/credstack-*.o cli/agent/credstack-*.o \
    modules/*/.libs/*.o 2>/dev/null || true)
[ -n "$objs" ] || { echo "layout_deps.sh: no objects under $build (run make first)" >&2; exit 1; }
nobj=0
for o in $objs; do
    dir=${o%/*}
    dir=${dir%/.libs}
    base=${o##*/}
    base=${base%.o}
    src=$dir/$base.c
    # Per-target objects are named <target>-<file>.o.
    grep -qx "$src" "$tmp/files" || src=$dir/${base#*-}.c
    grep -qx "$src" "$tmp/files" || continue
    nobj=$((nobj + 1))
    nm --defined-only -g "$build/$o" | awk -v f="$src" '$2 ~ /^[TDBRV]$/ {print $3, f}' >>"$tmp/defs"
    nm -u "$build/$o" | awk -v f="$src" '{print $2, f}' >>"$tmp/uses"
done
# A symbol more than one file defines (each module's entry point) links
# nothing to anything.
sort -u "$tmp/defs" | awk '{n[$1]++; f[$1] = $2} END {for (s in n) if (n[s] == 1) print s, f[s]}' \
    >"$tmp/defs1"
awk 'NR == FNR {def[$1] = $2; next} ($1 in def) && def[$1] != $2 {print $2, def[$1], "calls"}' \
    "$tmp/defs1" "$tmp/uses" >>"$tmp/edges"

# Headers: the identifiers in the bodies of inline functions, with comments,
# strings and preprocessor lines left out.
grep '\.h$' "$tmp/files" | while read -r h; do
    awk -v h="$h" '
    { line = $0
      if (incomment) { if (sub(/.*\*\//, "", line)) incomment = 0; else next }
      gsub(/\/\*([^*]|\*+[^*\/])*\*+\//, " ", line)
      if (sub(/\/\*.*/, "", line)) incomment = 1
      sub(/\/\/.*/, "", line)
      gsub(/"([^"\\]|\\.)*"/, " ", line)
      if (line ~ /^[ \t]*#/ || line ~ /^[ \t]*extern[ \t]*\{/) next
      if (depth == 0 && line ~ /(^|[^A-Za-z0-9_])inline([^A-Za-z0-9_]|$)/) inl = 1
      while (line != "") {
          c = substr(line, 1, 1)
          if (c == "{") { if (depth++ == 0) body = inl; line = substr(line, 2); continue }
          if (c == "}") { if (depth > 0 && --depth == 0) body = inl = 0; line = substr(line, 2); continue }
          if (match(line, /^[A-Za-z_][A-Za-z0-9_]*/)) {
              if (body) print substr(line, 1, RLENGTH), h
              line = substr(line, RLENGTH + 1); continue
          }
          line = substr(line, 2)
      } }' "$top/$h"
done | sort -u >"$tmp/huses"
awk 'NR == FNR {def[$1] = $2; next} ($1 in def) && def[$1] != $2 {print $2, def[$1], "uses"}' \
    "$tmp/defs1" "$tmp/huses" >>"$tmp/edges"
sort -u -o "$tmp/edges" "$tmp/edges"

# ---- the checks ----
status=0
# folder FILE: its folder for the layer and circle checks (each module its own).
folder_of='function folder(p,  a) { split(p, a, "/"); return a[1] == "modules" ? a[1] "/" a[2] : a[1] }
function rank(p,  a) { split(p, a, "/"); return index(" include core store modules cli ", " " a[1] " ") }'

# Up a layer: a file that depends on a folder above its own.
awk "$folder_of"' rank($2) > rank($1) {print "  " $1 " -> " $2 " (" $3 ")"}' \
    "$tmp/edges" >"$tmp/up"
if [ -s "$tmp/up" ]; then
    echo "layout_deps.sh: dependencies that point up a layer (include < core < store < modules < cli):" >&2
    cat "$tmp/up" >&2
    status=1
fi

# Circles: tsort names each loop it breaks, one per line here.
loops() {
    tsort "$1" 2>&1 >/dev/null |
        awk '/input contains a loop/ {if (l != "") print l; l = ""; next}
             {sub(/^tsort: /, ""); l = l (l == "" ? "" : " ") $0}
             END {if (l != "") print l}'
}
# File circles fail in every folder.
strict=" include core store modules cli "
awk '$1 != $2 {print $1, $2}' "$tmp/edges" >"$tmp/pairs"
loops "$tmp/pairs" >"$tmp/loops"
while read -r loop; do
    top_of=${loop%%/*}
    case $strict in
    *" $top_of "*)
        echo "layout_deps.sh: files in a circle: $loop" >&2
        status=1
        ;;
    *) echo "layout_deps.sh: note: files in a circle (not yet checked in ${top_of}/): $loop" ;;
    esac
done <"$tmp/loops"
awk "$folder_of"' folder($1) != folder($2) {print folder($1), folder($2)}' "$tmp/edges" |
    sort -u >"$tmp/fpairs"
loops "$tmp/fpairs" >"$tmp/floops"
if [ -s "$tmp/floops" ]; then
    sed 's/^/layout_deps.sh: folders in a circle: /' "$tmp/floops" >&2
    status=1
fi
echo "layout_deps.sh: $(wc -l <"$tmp/edges") file dependencies ($(grep -c ' include$' "$tmp/edges") includes)" \
    "between $(wc -l <"$tmp/files") files, $nobj objects; $(wc -l <"$tmp/fpairs") between folders"
exit $status
