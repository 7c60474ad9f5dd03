#!/bin/bash
# An embedding example (pipelines/embed.c, or embed.py through python.sh):
# its command line, then the example itself on its default live source,
# whose exit status is the test's (77: skipped). The command line: --help
# and -h print the help and exit 0; an unknown option or a second INPUT is
# exit 2 with the usage on stderr (both took --help for an input: "FAILED:
# the stream did not end normally", exit 1).
#   embed.sh PROGRAM [ARG...]
set -u
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail () { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

for h in --help -h; do
  timeout 30 "$@" "$h" >"$work/out" 2>"$work/err"; rc=$?
  [ "$rc" = 0 ] && grep -q ' \[INPUT\]$' "$work/out" && [ ! -s "$work/err" ] \
    || fail "$h: exit $rc: $(cat "$work/out" "$work/err" | tail -n 2)"
done
for bad in "--bogus" "-x" "one.wav two.wav"; do
  # shellcheck disable=SC2086 # the words of $bad are the arguments
  timeout 30 "$@" $bad >"$work/out" 2>"$work/err"; rc=$?
  [ "$rc" = 2 ] && grep -q '^usage: .* \[INPUT\]$' "$work/err" && [ ! -s "$work/out" ] \
    || fail "$bad: exit $rc, expected 2 and the usage: $(cat "$work/out" "$work/err" | tail -n 2)"
done
[ "$fails" -eq 0 ] || exit 1
echo "command line: --help, -h: the help; a bad one: exit 2"

exec "$@"
