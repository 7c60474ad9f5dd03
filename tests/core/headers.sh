#!/bin/bash
# headers.sh INCLUDE_DIR SHARED_LIB PROJECT_VERSION
#
# The public headers as an application meets them: each compiles alone in
# C (C89 on) and C++ (C++98 on) with -Wall -Wextra -pedantic -Werror, with
# every C and C++ compiler found (gcc, clang); the shared library exports
# exactly the functions they declare NMF_API; the version macros of
# nmf/nmf.h are the project's version.
set -u
inc=$1 lib=$2 version=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail () { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

compilers=()
for cc in gcc clang; do command -v $cc >/dev/null && compilers+=("$cc c89 c99 c11"); done
for cxx in g++ clang++; do command -v $cxx >/dev/null && compilers+=("$cxx c++98 c++11 c++17"); done
[ ${#compilers[@]} -gt 0 ] || { echo "no compiler found"; exit 77; }

for h in "$inc"/nmf/*.h; do
  name=nmf/$(basename "$h")
  [ "$name" = nmf/export.h ] && continue  # macros only: an empty unit
  printf '#include <%s>\nint nmf_header_test_;\n' "$name" >"$work/t.c"
  cp "$work/t.c" "$work/t.cc"
  for spec in "${compilers[@]}"; do
    set -- $spec
    tool=$1
    shift
    src=$work/t.c
    case $tool in *++) src=$work/t.cc ;; esac
    for std in "$@"; do
      "$tool" -std=$std -Wall -Wextra -pedantic -Werror -I"$inc" -c "$src" \
        -o "$work/t.o" 2>"$work/cc.log" \
        || fail "$name alone, $tool -std=$std -pedantic: $(head -5 "$work/cc.log")"
    done
  done
done

# exported symbols against the declarations
nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | sort >"$work/exported"
# (a declaration starts a line with NMF_API and names its function there)
grep -h '^NMF_API ' "$inc"/nmf/*.h | sed 's/ *(.*//; s/.*[ *]//' \
  | sort >"$work/declared"
if ! cmp -s "$work/exported" "$work/declared"; then
  fail "exports differ from the NMF_API declarations (< exported only, > declared only):
$(diff "$work/exported" "$work/declared" | grep '^[<>]')"
fi
# (global symbols only: nm's lower-case types are local, visible to no
# other object; GNU ld 2.40 puts the coverage sections' __start_ / __stop_
# there in a fuzzing build, bound locally)
nm -D --defined-only "$lib" | awk '$2 ~ /^[A-Z]$/ && $2 != "T" && $2 != "A" { print }' >"$work/other"
[ -s "$work/other" ] && fail "the library exports more than functions: $(cat "$work/other")"

# the version macros
printf '#include <nmf/nmf.h>\n#include <stdio.h>\nint main (void) { printf ("%%d.%%d.%%d", NMF_VERSION_MAJOR, NMF_VERSION_MINOR, NMF_VERSION_MICRO); return 0; }\n' >"$work/v.c"
if cc -I"$inc" "$work/v.c" -o "$work/v" 2>"$work/cc.log"; then
  got=$("$work/v")
  [ "$got" = "$version" ] || fail "nmf/nmf.h says version $got, the project is $version"
else
  fail "version check did not build: $(cat "$work/cc.log")"
fi

[ "$fails" -eq 0 ] && echo "all checks passed ($(wc -l <"$work/declared") functions)"
[ "$fails" -eq 0 ]
