#!/bin/sh
# End to end: the gst-launch pipeline users write, on a synthetic
# two-source mixture (distinct spectra, different on/off patterns, 60 s),
# must give each source back with SI-SDR >= 12 dB and exactly as many
# samples as the mixture; the same in a pipeline that tees the file to a
# second sink, with the queue the README asks for there (the default,
# file profile, holds 6 s before its first output) and with profile=live
# behind a default queue.
#   separate_synthetic.sh MAKE_MIXTURE SI_SDR PLUGIN_DIR
set -eu
make_mixture=$(realpath "$1")
si_sdr=$(realpath "$2")
plugin_dir=$(realpath "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$make_mixture" "$work" 60 44100
. "$(dirname "$0")/use-build-plugin.sh"
use_build_plugin "$plugin_dir" "$work"

# gst-inspect documents the element: example launch lines, every pad
# template, every property with its range and default
doc=$(gst-inspect-1.0 nmfseparate)
for want in Example-launch-line Example-masks Example-picture "SRC template: 'src_%u'" \
    "SRC template: 'viz'" "SINK template: 'sink'" n-sources components fft-size \
    hop-size window-frames iterations output-mode mask-exponent seed algorithm \
    regularization post-messages interval message-masks dictionaries profile \
    lookahead-frames bands-per-octave; do
  echo "$doc" | grep -qF -- "$want" || { echo "gst-inspect does not show: $want"; exit 1; }
done

cd "$work"
gst-launch-1.0 -q filesrc location=mix.wav ! wavparse ! audioconvert ! \
  nmfseparate name=s n-sources=2 \
  s.src_0 ! audioconvert ! wavenc ! filesink location=source0.wav \
  s.src_1 ! audioconvert ! wavenc ! filesink location=source1.wav
"$si_sdr" --min 12 source_0.wav source_1.wav -- source0.wav source1.wav

# teed: a hang (the pipeline never prerolling) fails through timeout
teed () {
  queue_props=$1; shift
  timeout 120 gst-launch-1.0 -q filesrc location=mix.wav ! wavparse ! \
    audioconvert ! tee name=t \
    t. ! queue ! nmfseparate name=s n-sources=2 "$@" \
      s.src_0 ! audioconvert ! wavenc ! filesink location=tee0.wav \
      s.src_1 ! audioconvert ! wavenc ! filesink location=tee1.wav \
    t. ! queue $queue_props ! fakesink sync=false ||
    { echo "teed pipeline ($queue_props $*) failed or hung: exit $?"; exit 1; }
  "$si_sdr" --min 12 source_0.wav source_1.wav -- tee0.wav tee1.wav
}
teed "max-size-time=10000000000 max-size-buffers=0 max-size-bytes=0"
teed "" profile=live
