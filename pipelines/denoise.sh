#!/bin/bash
# Speech (or any source) denoising with a noise dictionary: learn the noise's
# templates from a noise-only clip, then separate the noisy recording into
# the blind source (src_0) and the noise, whose templates stay fixed (src_1).
#   pipelines/denoise.sh NOISE_ONLY.wav NOISY.wav CLEAN.wav [COMPONENTS]
# NOISE_ONLY and NOISY: any format GStreamer decodes, the same sample rate.
set -eu
noise=${1:?usage: denoise.sh NOISE_ONLY.wav NOISY.wav CLEAN.wav [COMPONENTS]}
noisy=${2:?usage: denoise.sh NOISE_ONLY.wav NOISY.wav CLEAN.wav [COMPONENTS]}
clean=${3:?usage: denoise.sh NOISE_ONLY.wav NOISY.wav CLEAN.wav [COMPONENTS]}
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${GST_PLUGIN_PATH:-}${GST_PLUGIN_PATH_1_0:-}" ] && [ -f "$root/build/plugin/libgstnmf.so" ]; then
  export GST_PLUGIN_PATH="$root/build/plugin"   # the uninstalled plugin
fi
nmftool=${NMFTOOL:-$root/build/tools/nmftool}
dict=$(mktemp --suffix=.npy)
trap 'rm -f "$dict"' EXIT

"$nmftool" learn --components 16 --in "$noise" --out "$dict"
set -x
gst-launch-1.0 -q uridecodebin uri="$(realpath "$noisy" | sed 's|^|file://|')" ! \
  audioconvert ! audio/x-raw,format=F32LE ! \
  nmfseparate name=s n-sources=2 components="${4:-8}" dictionaries="1=$dict" \
  s.src_0 ! audioconvert ! wavenc ! filesink location="$clean" \
  s.src_1 ! fakesink
