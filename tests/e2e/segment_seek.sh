#!/bin/sh
# End to end: a FLUSH | SEGMENT seek from 5 to 8 s in a
# filesrc ! wavparse ! audioconvert ! nmfseparate ! appsink x2 pipeline on a
# 20 s synthetic mixture; every source pad must deliver exactly the
# segment's samples before SEGMENT_DONE (see segment_seek.c).
#   segment_seek.sh MAKE_MIXTURE SEGMENT_SEEK PLUGIN_DIR
set -eu
make_mixture=$(realpath "$1")
segment_seek=$(realpath "$2")
plugin_dir=$(realpath "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$make_mixture" "$work" 20 44100 >/dev/null
. "$(dirname "$0")/use-build-plugin.sh"
use_build_plugin "$plugin_dir" "$work"

echo "== default (file settings: 6 s of look-ahead)"
"$segment_seek" "$work/mix.wav" 5 8
echo "== profile=live"
"$segment_seek" "$work/mix.wav" 5 8 profile=live
echo "== output-mode=mask"
"$segment_seek" "$work/mix.wav" 5 8 "output-mode=mask"
