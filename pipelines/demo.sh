#!/bin/bash
# The demo: installs what is missing (as root), builds, makes a two-source
# mixture itself, separates it with nmfseparate in a gst-launch pipeline and
# writes the sources as WAV files.
#   pipelines/demo.sh [OUTPUT_DIR]      (default: demo-output in this tree, named in full)
# OUTPUT_DIR, when given, is relative to the current directory.
set -eu
# usage (the help: the comment above), usage_error (a bad command line:
# exit 2), root (this tree), file_uri (percent-encoded file:// URIs: any
# file name is safe in gst-launch's syntax that way)
. "$(dirname -- "$0")/common.sh"
# (common.sh notes a Ctrl-C for the scripts that publish their outputs:
# here it stops the demo, as it always did)
trap - INT
no_options "$@"
set -- "${ARGS[@]}"
[ $# -le 1 ] || usage_error "one OUTPUT_DIR at most"
# (the script goes on in this tree: an OUTPUT_DIR given relative to where
# it was started keeps that meaning; it was taken in the tree, and the
# lines below named files that were not where they said)
# The default, in the tree, by its full name: the lines at the end name
# the files so that they are found from where the demo was started (they
# said demo-output/mix.wav, relative to the tree, from anywhere)
case ${1:-} in
  "") out=$root/demo-output ;;
  /*) out=$1 ;;
  *) out=$PWD/$1 ;;
esac
# before the packages and the build (mkdir said so only after them)
if [ -e "$out" ] && [ ! -d "$out" ]; then
  echo "demo.sh: $out exists and is not a directory: give OUTPUT_DIR a directory's name" >&2
  exit 1
fi

cd "$root"
. scripts/setup.sh
nmf_ensure_packages
nmf_build build

mkdir -p "$out/truth"
# two harmonic tones (220 Hz bright, 1318.5 Hz hollow) switching on and off
build/tests/tools/nmf-make-mixture "$out/truth" 30 44100 >/dev/null
mv "$out/truth/mix.wav" "$out/mix.wav"
echo "made $out/mix.wav (30 s at 44100 Hz) and its true sources in $out/truth/"

export GST_PLUGIN_PATH="$PWD/build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
# the files as URIs (gst-launch makes a filesrc and filesinks of them): a
# location=NAME with a backslash or two double quotes in OUTPUT_DIR was
# read as gst-launch's own syntax ("no element", or a file elsewhere)
mix_uri=$(file_uri "$out/mix.wav")
src0_uri=$(file_uri "$out/source0.wav") src1_uri=$(file_uri "$out/source1.wav")
set -x
gst_launch -q "$mix_uri" ! wavparse ! audioconvert ! \
  nmfseparate name=s n-sources=2 \
  s.src_0 ! audioconvert ! wavenc ! "$src0_uri" \
  s.src_1 ! audioconvert ! wavenc ! "$src1_uri"
{ set +x; } 2>/dev/null

echo
echo "mixture:   $out/mix.wav"
echo "separated: $out/source0.wav $out/source1.wav"
echo "quality against the true sources ($out/truth/):"
build/tests/tools/nmf-si-sdr "$out/truth/source_0.wav" "$out/truth/source_1.wav" \
  -- "$out/source0.wav" "$out/source1.wav" || true
