#!/bin/bash
# Speech (or any source) denoising with a noise dictionary: learn the noise's
# templates from a noise-only clip, then separate the noisy recording into
# the blind source (src_0) and the noise, whose templates stay fixed (src_1).
#   pipelines/denoise.sh NOISE_ONLY.wav NOISY.wav CLEAN.wav [COMPONENTS]
# NOISE_ONLY and NOISY: any format GStreamer decodes, the same sample rate
# (outside 8 - 192 kHz both are resampled to the nearer bound, and so is
# CLEAN.wav).
# COMPONENTS: the blind source's templates (the element's components),
# 1..256 (default 8); the noise gets 16, with their shifted copies 80.
# NMFTOOL: the nmftool that learns the dictionary; unset, this tree's
# build/tools/nmftool when it has been built, else nmftool on PATH. The
# plugin: this tree's build/plugin when GST_PLUGIN_PATH is not set and
# build/ has one, else the usual GStreamer way.
# CLEAN.wav appears only when the whole pipeline succeeded (it is written
# under a temporary name first, and the temporary files are removed
# whatever happens); it may not be one of the inputs, and its directory
# must exist.
set -eu
die () { echo "denoise.sh: $*" >&2; exit 1; }
# usage (the help: the comment above), usage_error (a bad command line:
# exit 2), root, use_uninstalled_plugin, find_nmftool, file_uri
# (percent-encoded file:// URIs: any file name is safe in gst-launch's
# syntax that way), check_output (an output that can be written), publish
# (a finished output)
. "$(dirname -- "$0")/common.sh"

no_options "$@"
set -- "${ARGS[@]}"
[ $# -ge 3 ] && [ $# -le 4 ] \
  || usage_error "need NOISE_ONLY.wav NOISY.wav CLEAN.wav [COMPONENTS]"
noise=$1 noisy=$2 clean=$3 components=${4:-8}
# (it was GStreamer's "could not set property", exit 1, after the learning)
case "$components" in ''|*[!0-9]*) usage_error "COMPONENTS needs an integer in 1..256" ;; esac
components=${components#"${components%%[!0]*}"}
[ ${#components} -le 3 ] && [ "${components:-0}" -ge 1 ] && [ "$components" -le 256 ] \
  || usage_error "COMPONENTS needs an integer in 1..256"
use_uninstalled_plugin
find_nmftool


[ -f "$noisy" ] && [ -r "$noisy" ] || die "$noisy: no such readable file"
check_output "$clean" "$noise" "$noisy"

# the temporary files go as the script ends, whatever ends it: the trap is
# set before the first is made
dict= out=
# (xtrace off first: a failed gst-launch-1.0 below ends the script with
# it on, and the removal was printed as "+ rm -f -- ...")
trap '{ set +x; } 2>/dev/null; rm -f -- ${dict:+"$dict"} ${out:+"$out"}' EXIT
outdir=$(dirname -- "$clean")
dict=$(mktemp --suffix=.npy) || die "cannot make a temporary file in ${TMPDIR:-/tmp}"
out=$(mktemp --tmpdir="$outdir" .denoise.XXXXXX.wav) || die "cannot make a temporary file in $outdir"

"$nmftool" learn --components 16 --in "$noise" --out "$dict"
in_uri=$(file_uri "$noisy")
out_uri=$(file_uri "$out")
# The dictionary reaches the element as /dev/fd/3, a descriptor the shell
# opened on it: the dictionaries property is a comma-separated list, and a
# TMPDIR holding a comma made its name two entries ("no such file").
# audioresample: a rate outside the element's 8 - 192 kHz goes to the
# nearer bound, where nmftool learn took the noise's (it was "not-linked").
set -x
gst_launch -q uridecodebin "uri=$in_uri" ! \
  audioconvert ! audioresample ! audio/x-raw,format=F32LE ! \
  nmfseparate name=s n-sources=2 components="$components" dictionaries=1=/dev/fd/3 \
  s.src_0 ! audioconvert ! wavenc ! "$out_uri" \
  s.src_1 ! fakesink 3<"$dict"
{ set +x; } 2>/dev/null
chmod "$(printf '%o' $((0666 & ~$(umask))))" "$out"   # mktemp made it 0600
publish "$out" "$clean"
