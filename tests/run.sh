#!/bin/bash
# Installs what the build and tests need (as root), builds, runs every test
# with meson, and ends with "N passed, N failed" from meson's summary.
#   tests/run.sh [BUILD_DIR]     (default: build)
set -u
cd "$(dirname "$0")/.." || exit 1
. scripts/setup.sh
builddir=${1:-build}

if ! nmf_ensure_packages; then
  echo "0 passed, 1 failed"
  exit 1
fi
if ! nmf_build "$builddir"; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
meson test -C "$builddir" --print-errorlogs 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

count () { sed -n "s/^$1: *\([0-9]*\).*/\1/p" "$log" | tail -n 1; }
ok=$(count "Ok"); xfail=$(count "Expected Fail"); fail=$(count "Fail")
xpass=$(count "Unexpected Pass"); skipped=$(count "Skipped"); timeout=$(count "Timeout")
passed=$(( ${ok:-0} + ${xfail:-0} ))
failed=$(( ${fail:-0} + ${xpass:-0} + ${timeout:-0} ))
if [ -z "$ok" ]; then
  # no summary at all: meson itself failed
  failed=$(( failed + 1 ))
fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi
echo "$passed passed, $failed failed, ${skipped:-0} skipped"
[ "$failed" -eq 0 ]
