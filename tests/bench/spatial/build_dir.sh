#!/bin/bash
# The spatial benchmark (evaluate.py, run by run.sh) loads the element of
# the tree it is in by default, ROOT/build, as the quality benchmark does
# (its default was another worktree's build, /work/main/build). Exit 77
# (skipped) without Debian's python3 and the benchmark's modules.
#   build_dir.sh SOURCE_ROOT
set -u
root=$(realpath "$1")
py=/usr/bin/python3
"$py" -c 'import numpy, mir_eval' 2>/dev/null || {
  echo "SKIP: $py lacks numpy/mir_eval (python3-numpy python3-mir-eval)" >&2
  exit 77
}
help=$("$py" "$root/tests/bench/spatial/evaluate.py" --help) || exit 1
got=$(tr -s ' \n' '  ' <<<"$help" | sed -n 's/.*--build-dir BUILD_DIR meson build dir;[^(]*(default \([^)]*\)).*/\1/p')
echo "evaluate.py --build-dir default: $got"
[ -n "$got" ] && [ "$(realpath -m "$got")" = "$root/build" ] \
  || { echo "FAIL: expected $root/build" >&2; exit 1; }
