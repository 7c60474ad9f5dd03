#!/bin/bash
# The example scripts of pipelines/ take what their help and the README say
# they take: "any format GStreamer decodes" includes rates outside the
# element's 8 - 192 kHz, which every script resamples into it as nmftool
# does (split-stereo.sh and denoise.sh linked the decoder straight to the
# element, and a 4 kHz file ended in wavparse's "Internal data stream
# error ... not-linked"); and denoise.sh works whatever TMPDIR is called
# (its dictionary, a temporary file, went to the element's dictionaries
# property by name, which splits at commas: a TMPDIR with a comma made it
# "no such file").
#   script_inputs.sh PIPELINES_DIR NMFTOOL PLUGIN_DIR
set -u
pipelines=$(realpath "$1") nmftool=$(realpath "$2") plugin_dir=$(realpath "$3")
. "$(dirname "$0")/../cli/scratch.sh" "$plugin_dir"
export NMFTOOL="$nmftool"

# 4 kHz inputs: a stereo pair of tones, a noise-only clip, and the tones
# with that noise
gst-launch-1.0 -q audiotestsrc freq=300 num-buffers=40 ! \
  audio/x-raw,rate=4000,channels=2 ! wavenc ! filesink location="$work/tones.wav" \
  || exit 1
gst-launch-1.0 -q audiotestsrc wave=pink-noise volume=0.3 num-buffers=40 ! \
  audio/x-raw,rate=4000,channels=1 ! wavenc ! filesink location="$work/noise.wav" \
  || exit 1
gst-launch-1.0 -q audiomixer name=m ! audio/x-raw,rate=4000,channels=1 ! \
  wavenc ! filesink location="$work/noisy.wav" \
  audiotestsrc freq=300 num-buffers=40 ! audio/x-raw,rate=4000,channels=1 ! m. \
  audiotestsrc wave=pink-noise volume=0.3 num-buffers=40 ! \
  audio/x-raw,rate=4000,channels=1 ! m. || exit 1

if "$pipelines/split-stereo.sh" tones.wav split >split.log 2>&1; then
  for k in 0 1; do
    [ -s "split/source_$k.wav" ] || fail "split-stereo.sh at 4 kHz: no split/source_$k.wav"
  done
else
  fail "split-stereo.sh at 4 kHz: exit $?"; cat split.log >&2
fi
if "$pipelines/denoise.sh" noise.wav noisy.wav clean.wav >denoise.log 2>&1; then
  [ -s clean.wav ] || fail "denoise.sh at 4 kHz: no clean.wav"
else
  fail "denoise.sh at 4 kHz: exit $?"; cat denoise.log >&2
fi
# (remove-source.sh and picture.sh resampled already: kept in step)
"$pipelines/remove-source.sh" tones.wav rest.wav >remove.log 2>&1 \
  || { fail "remove-source.sh at 4 kHz: exit $?"; cat remove.log >&2; }
"$pipelines/picture.sh" tones.wav picture.png 64 32 >picture.log 2>&1 \
  || { fail "picture.sh at 4 kHz: exit $?"; cat picture.log >&2; }

# denoise.sh with a comma (and a space) in TMPDIR, at an ordinary rate
mkdir "tmp, dir" || exit 1
gst-launch-1.0 -q audiotestsrc wave=pink-noise num-buffers=20 ! \
  audio/x-raw,rate=16000,channels=1 ! wavenc ! filesink location=noise16.wav || exit 1
gst-launch-1.0 -q audiotestsrc num-buffers=20 ! \
  audio/x-raw,rate=16000,channels=1 ! wavenc ! filesink location=noisy16.wav || exit 1
if TMPDIR="$work/tmp, dir" "$pipelines/denoise.sh" noise16.wav noisy16.wav clean16.wav \
    >denoise16.log 2>&1; then
  [ -s clean16.wav ] || fail "denoise.sh, TMPDIR with a comma: no clean16.wav"
  [ -z "$(ls -A "tmp, dir")" ] || fail "denoise.sh left $(ls -A "tmp, dir") in TMPDIR"
else
  fail "denoise.sh, TMPDIR with a comma: exit $?"; cat denoise16.log >&2
fi

[ "$fails" -eq 0 ] && echo "ok: the scripts take 4 kHz input, denoise.sh any TMPDIR"
[ "$fails" -eq 0 ]
