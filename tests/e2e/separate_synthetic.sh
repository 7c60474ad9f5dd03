#!/bin/sh
# End to end: the gst-launch pipeline users write, on a synthetic
# two-source mixture (distinct spectra, different on/off patterns, 60 s),
# must give each source back with SI-SDR >= 12 dB and exactly as many
# samples as the mixture.
#   separate_synthetic.sh MAKE_MIXTURE SI_SDR PLUGIN_DIR
set -eu
make_mixture=$(realpath "$1")
si_sdr=$(realpath "$2")
plugin_dir=$(realpath "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$make_mixture" "$work" 60 44100
# the plugin under test must be the one of this build
export GST_PLUGIN_PATH_1_0="$plugin_dir"
export GST_REGISTRY="$work/registry.bin"
found=$(gst-inspect-1.0 nmfseparate | sed -n 's/^ *Filename *//p')
case "$found" in
  "$plugin_dir"/*) ;;
  *) echo "nmfseparate comes from '$found', not from $plugin_dir" >&2; exit 1 ;;
esac

cd "$work"
gst-launch-1.0 -q filesrc location=mix.wav ! wavparse ! audioconvert ! \
  nmfseparate name=s n-sources=2 \
  s.src_0 ! audioconvert ! wavenc ! filesink location=source0.wav \
  s.src_1 ! audioconvert ! wavenc ! filesink location=source1.wav
"$si_sdr" --min 12 source_0.wav source_1.wav -- source0.wav source1.wav
