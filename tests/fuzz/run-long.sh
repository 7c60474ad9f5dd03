#!/bin/bash
# Long libFuzzer runs of the .npy reader, the streaming separator and its
# spatial stage, in a clang build with AddressSanitizer and
# UndefinedBehaviorSanitizer.
#   tests/fuzz/run-long.sh [SECONDS_PER_TARGET]     (default 600)
set -eu
cd "$(dirname "$0")/../.."
. scripts/setup.sh
nmf_ensure_packages clang libclang-rt-14-dev
b=build-fuzz
if [ ! -f "$b/build.ninja" ]; then
  CC=clang meson setup "$b" -Dfuzzing=true -Db_sanitize=address,undefined \
    -Db_lundef=false -Dc_args=-fno-sanitize-recover=all >/dev/null
fi
ninja -C "$b" >/dev/null
for t in npy separator spatial; do
  mkdir -p "$b/tests/fuzz/corpus-$t"
  echo "== fuzz_$t, ${1:-600} s"
  "$b/tests/fuzz/fuzz_$t" -max_total_time="${1:-600}" -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$b/tests/fuzz/crash-$t-" \
    "$b/tests/fuzz/corpus-$t" "tests/fuzz/corpus/$t" 2>&1 \
    | grep -E "stat::number_of_executed_units|SUMMARY|Test unit written" || true
done
echo "reproduce: tests/fuzz/run-long.sh ${1:-600}"
