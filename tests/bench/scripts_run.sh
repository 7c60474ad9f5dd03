#!/bin/bash
# The benchmarks' Python scripts still start: each asked for --help prints
# its usage, with no traceback, and each module without a main imports. They run outside CI (they need corpora), so
# nothing else notices when one stops importing or parsing. A script whose
# import needs a module this machine lacks (mir_eval is not in CI's
# packages) is skipped by name, any other failure fails.
#   scripts_run.sh SOURCE_ROOT
set -u
root=$(realpath "$1")
py=/usr/bin/python3
checked=0 skipped=0 failed=0
for script in "$root"/tests/bench/quality/*.py "$root"/tests/bench/spatial/*.py; do
  name=${script#"$root"/}
  if grep -q '^if __name__ == "__main__"' "$script"; then
    out=$(cd "$(dirname "$script")" && timeout 60 "$py" "$script" --help 2>&1)
  else
    module=$(basename "$script" .py)
    out=$(cd "$(dirname "$script")" && timeout 60 "$py" -c "import $module" 2>&1 \
      && echo "module $module imports" && echo "(no main)")
  fi
  if grep -q '^ModuleNotFoundError' <<<"$out"; then
    echo "skipped $name: $(grep '^ModuleNotFoundError' <<<"$out")"
    skipped=$((skipped + 1))
  elif grep -q 'Traceback' <<<"$out" || [ "$(wc -l <<<"$out")" -lt 2 ]; then
    echo "FAIL $name:"; sed 's/^/  /' <<<"$out" | tail -8
    failed=$((failed + 1))
  else
    checked=$((checked + 1))
  fi
done
echo "$checked scripts print their usage or import, $skipped skipped, $failed failed"
[ "$failed" -eq 0 ] || exit 1
[ "$checked" -gt 0 ] || exit 77
