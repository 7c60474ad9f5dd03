#!/bin/bash
# pipelines/remove-source.sh on a generated mixture: the output (input minus
# one source, the others mixed back with audiomixer) is a complete WAV file
# with exactly the input's sample count, for 2 and 3 sources; --print gives
# the gst-launch line without running it.
#   remove_source.sh REMOVE_SOURCE_SH MAKE_MIXTURE WAVCHECK PLUGIN_DIR
set -u
script=$(realpath "$1") make_mixture=$(realpath "$2") wavcheck=$(realpath "$3")
plugin_dir=$(realpath "$4")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GST_PLUGIN_PATH_1_0="$plugin_dir"
export GST_REGISTRY="$work/registry.bin"
fails=0
fail () { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

"$make_mixture" "$work" 10 >/dev/null || exit 1
read -r frames ch rate _ < <("$wavcheck" "$work/mix.wav") || exit 1
echo "input: $frames frames"

line=$("$script" --print --sources 3 --remove 1 "$work/mix.wav" "$work/x.wav") || fail "--print failed"
echo "$line"
case "$line" in
  gst-launch-1.0\ *nmfseparate*n-sources=3*s.src_1\ !\ fakesink*audiomixer\ name=mix*wavenc*) ;;
  *) fail "--print line unexpected" ;;
esac
[ ! -e "$work/x.wav" ] || fail "--print ran the pipeline"

for case in "2 0" "2 1" "3 2"; do
  read -r n k <<<"$case"
  out="$work/without $k of $n.wav"
  "$script" --sources "$n" --remove "$k" "$work/mix.wav" "$out" || { fail "$n sources, remove $k: exit $?"; continue; }
  if info=$("$wavcheck" "$out"); then
    read -r got gch grate _ <<<"$info"
    echo "without source $k of $n: $got frames"
    [ "$got $gch $grate" = "$frames $ch $rate" ] \
      || fail "output $got frames, $gch ch, $grate Hz; input $frames, $ch, $rate"
  else
    fail "$out is not a complete WAV file"
  fi
done

"$script" --sources 2 --remove 2 "$work/mix.wav" "$work/y.wav" 2>/dev/null && fail "--remove 2 of 2 accepted"
"$script" "$work/none.wav" "$work/y.wav" 2>/dev/null && fail "missing input accepted"

[ "$fails" -eq 0 ] && echo "all checks passed"
[ "$fails" -eq 0 ]
