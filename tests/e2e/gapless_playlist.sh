#!/bin/sh
# End to end: playbin audio-filter="nmfextract source=1" over a gapless
# playlist (system plugins for everything but the element): a 3 s file,
# shorter than the file profile's 6 s look-ahead, then files of other rates
# and channels; see gapless_playlist.c for what is checked.
#   gapless_playlist.sh MAKE_MIXTURE GAPLESS_PLAYLIST PLUGIN_DIR
set -eu
make_mixture=$(realpath "$1")
gapless_playlist=$(realpath "$2")
plugin_dir=$(realpath "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir "$work/short" "$work/tiny" "$work/long"
"$make_mixture" "$work/short" 3 44100 >/dev/null
"$make_mixture" "$work/tiny" 0.05 22050 >/dev/null
"$make_mixture" "$work/long" 8 48000 >/dev/null
. "$(dirname "$0")/use-build-plugin.sh"
use_build_plugin "$plugin_dir" "$work"
# stereo, 32000 Hz: 100 buffers of 640 frames
gst-launch-1.0 -q audiotestsrc num-buffers=100 samplesperbuffer=640 \
  wave=pink-noise ! audio/x-raw,format=F32LE,rate=32000,channels=2 ! \
  wavenc ! filesink location="$work/stereo.wav"

"$gapless_playlist" "$work/short/mix.wav:132300" \
  "$work/stereo.wav:64000" "$work/tiny/mix.wav:1102" \
  "$work/long/mix.wav:384000" "$work/short/mix.wav:132300"
