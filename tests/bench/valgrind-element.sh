#!/bin/bash
# valgrind memcheck over the element tests (no fork, so every allocation of
# the element is seen); fails on any memory error or definite leak.
#   tests/bench/valgrind-element.sh
set -eu
cd "$(dirname "$0")/../.."
. scripts/setup.sh
nmf_ensure_packages valgrind
nmf_build build
export GST_PLUGIN_SYSTEM_PATH_1_0= GST_PLUGIN_PATH_1_0="$PWD/build/plugin"
export GST_REGISTRY=$(mktemp -u) CK_FORK=no CK_DEFAULT_TIMEOUT=3000
trap 'rm -f "$GST_REGISTRY"' EXIT
status=0
for t in nmfseparate stress; do
  echo "== valgrind memcheck: test_element_$t"
  valgrind --error-exitcode=1 --leak-check=full --show-leak-kinds=definite \
    --errors-for-leak-kinds=definite --suppressions=tests/bench/valgrind.supp \
    build/tests/element/test_element_$t 2>&1 | grep -E "ERROR SUMMARY|definitely lost|Checks:|^[0-9]+%" || true
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done
echo "reproduce: tests/bench/valgrind-element.sh"
exit $status
