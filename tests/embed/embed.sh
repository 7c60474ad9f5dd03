#!/bin/bash
# An embedding example (pipelines/embed.c, or embed.py through python.sh):
# its command line, then the example itself on its default live source,
# whose exit status is the test's (77: skipped). The command line: --help
# and -h print the help and exit 0; an unknown option or a second INPUT is
# exit 2 with the usage on stderr (both took --help for an input: "FAILED:
# the stream did not end normally", exit 1). The help says what the
# example's property change changes: the settings in force before it are
# the profile's, as the element logs them (the help said mask-exponent
# 2 -> 1 and iterations 15 -> 30: the properties' unset defaults; the
# change to mask-exponent 1 did nothing). An INPUT file named like a URI
# (take:1.wav) is the file, and a URI with quotes is not written into the
# pipeline's description. Without the plugin it says to set GST_PLUGIN_PATH.
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

# a file INPUT whose name is also a valid URI (take:1.wav, of the scheme
# "take": "No URI handler implemented") is the file; a URI with double
# quotes fails as a missing file, not as a broken pipeline description
# ('no element "c"': the URI was written into it)
if gst-launch-1.0 -q audiotestsrc num-buffers=40 ! wavenc ! \
    filesink location="$work/take:1.wav" 2>/dev/null; then
  # (the program by its absolute name: the input is named relative to $work)
  prog=$(realpath -- "$(command -v -- "$1")")
  (cd "$work" && timeout 60 "$prog" "${@:2}" "take:1.wav") >"$work/out" 2>&1; rc=$?
  [ "$rc" = 77 ] && { cat "$work/out"; exit 77; }
  [ "$rc" = 0 ] || fail "INPUT take:1.wav: exit $rc: $(grep -m1 '^error\|^cannot' "$work/out")"
  timeout 60 "$@" 'file:///nonexistent/a"b c"d.wav' >"$work/out" 2>&1; rc=$?
  [ "$rc" = 1 ] && grep -q '^error from .*: Resource not found' "$work/out" \
    || fail "a URI with quotes: exit $rc: $(grep -m1 '^error\|^cannot' "$work/out")"
  [ "$fails" -eq 0 ] || exit 1
  echo "a file named take:1.wav, a URI with quotes: ok"
fi

# without the plugin (GStreamer's own plugins only): exit 1 and what to
# do, as embed.py says it (nmf-embed said only 'cannot build the pipeline:
# no element "nmfseparate"')
mkdir "$work/no-plugins"
if ! GST_PLUGIN_PATH_1_0="$work/no-plugins" GST_PLUGIN_PATH= \
    GST_REGISTRY="$work/registry-none.bin" gst-inspect-1.0 nmfseparate \
    >/dev/null 2>&1; then
  GST_PLUGIN_PATH_1_0="$work/no-plugins" GST_PLUGIN_PATH= \
    GST_REGISTRY="$work/registry-none.bin" timeout 60 "$@" >"$work/out" 2>&1; rc=$?
  [ "$rc" = 77 ] && { cat "$work/out"; exit 77; }
  [ "$rc" = 1 ] && grep -q 'nmfseparate was not found (set GST_PLUGIN_PATH' "$work/out" \
    || fail "without the plugin: exit $rc, want 1 and what to do: $(tail -n 2 "$work/out")"
  [ "$fails" -eq 0 ] || exit 1
  echo "without the plugin: exit 1, GST_PLUGIN_PATH named"
fi

# the example, the element's settings in force logged (one INFO line)
GST_DEBUG="${GST_DEBUG:+$GST_DEBUG,}nmfseparate:4" GST_DEBUG_NO_COLOR=1 \
  "$@" 2>"$work/log"; rc=$?
cat "$work/log" >&2
[ "$rc" = 0 ] || exit "$rc"
read -r it me < <(sed -n 's/.* \([0-9]*\) iterations, .*, mask exponent \([0-9]*\)$/\1 \2/p' "$work/log")
[ -n "${me:-}" ] || { echo "FAIL: the element logged no settings" >&2; exit 1; }
echo "in force before the change: iterations $it, mask-exponent $me"
want_it="iterations $it -> 30" want_me="mask-exponent $me -> 2"
help=$("$@" --help | tr -s ' \n' '  ')
for want in "$want_it" "$want_me"; do
  case "$help" in
    *"$want"*) ;;
    *) fail "the help does not say \"$want\": $(grep -o '[^.]*->[^.]*' <<<"$help")" ;;
  esac
done
[ "$fails" -eq 0 ] && echo "the help says: $want_it; $want_me"
[ "$fails" -eq 0 ]
