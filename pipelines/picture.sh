#!/bin/bash
# The separation as a picture: a spectrogram whose every point is coloured
# by the source that owns it (mask-weighted colours).
#   pipelines/picture.sh MIX.wav OUT.png [WIDTH HEIGHT]   one still picture of the whole file
#   pipelines/picture.sh --live MIX.wav                    scrolling, in a window, with the sound
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${GST_PLUGIN_PATH:-}${GST_PLUGIN_PATH_1_0:-}" ] && [ -f "$root/build/plugin/libgstnmf.so" ]; then
  export GST_PLUGIN_PATH="$root/build/plugin"   # the uninstalled plugin
fi
if [ "${1:-}" = "--live" ]; then
  exec gst-launch-1.0 filesrc location="$2" ! wavparse ! audioconvert ! audioresample ! \
    nmfseparate name=s \
    s.src_0 ! queue ! audioconvert ! autoaudiosink \
    s.src_1 ! fakesink \
    s.viz ! queue ! videoconvert ! autovideosink
fi
mix=${1:?usage: picture.sh MIX.wav OUT.png [WIDTH HEIGHT]}
out=${2:?usage: picture.sh MIX.wav OUT.png [WIDTH HEIGHT]}
# framerate=0/1: one picture of the whole stream, pushed at its end; the
# file sink must not wait for it to preroll (async=false)
exec gst-launch-1.0 -q filesrc location="$mix" ! wavparse ! audioconvert ! \
  nmfseparate name=s s.src_0 ! fakesink s.src_1 ! fakesink \
  s.viz ! "video/x-raw,width=${3:-1200},height=${4:-400},framerate=0/1" ! \
  videoconvert ! pngenc ! filesink location="$out" async=false
