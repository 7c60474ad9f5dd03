#!/bin/bash
# pipelines/picture.sh on a generated mixture: one PNG of the requested
# size; --live without a display refuses with exit 1 and a reason (it
# crashed in autovideosink), and without a playback device with exit 3.
#   picture.sh PICTURE_SH MAKE_MIXTURE PLUGIN_DIR
set -eu
script=$(realpath "$1") make_mixture=$(realpath "$2") plugin_dir=$(realpath "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GST_PLUGIN_PATH_1_0="$plugin_dir" GST_REGISTRY="$work/registry.bin"
"$make_mixture" "$work" 8 >/dev/null
timeout 120 "$script" "$work/mix.wav" "$work/out.png" 320 120
# a PNG, 320 x 120: signature, then the IHDR chunk's width and height
sig=$(head -c 8 "$work/out.png" | od -An -tx1 | tr -d ' \n')
size=$(head -c 24 "$work/out.png" | tail -c 8 | od -An -tu1 | awk '{ print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }')
echo "signature $sig, size $size"
[ "$sig" = "89504e470d0a1a0a" ] && [ "$size" = "320 120" ]
rc=0
env -u DISPLAY -u WAYLAND_DISPLAY timeout 30 "$script" --live "$work/mix.wav" \
  >"$work/live.log" 2>&1 || rc=$?
cat "$work/live.log"
[ "$rc" = 1 ] && grep -q "needs a display" "$work/live.log"
# --live without a playback device (every audio sink ranked out, so that
# autoaudiosink falls back to its fakesink whatever this machine has):
# refused with exit 3 and a reason, before any window (it played the
# separation to nobody and said nothing)
rc=0
DISPLAY=:99 GST_PLUGIN_FEATURE_RANK=pulsesink:0,alsasink:0,osssink:0,oss4sink:0,jackaudiosink:0,pipewiresink:0,openalsink:0,interaudiosink:0 \
  timeout 60 "$script" --live "$work/mix.wav" >"$work/nosink.log" 2>&1 || rc=$?
cat "$work/nosink.log"
[ "$rc" = 3 ] && grep -q "^picture.sh: no audio playback device found" "$work/nosink.log"
