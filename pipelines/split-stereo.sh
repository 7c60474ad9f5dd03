#!/bin/bash
# Split a stereo (or multichannel) mix into its sources: one WAV file per
# source, each with every channel of the input (the source as each channel
# has it: its place in the stereo image is kept), the files summing to the
# input, exactly as many samples as the input (an input outside 8 - 192 kHz
# is resampled to the nearer bound first).  On a panned studio mix the
# element demixes by where each source sits (spatial=auto) and this prints
# each source's pan, -1 left .. +1 right; on spaced microphones without
# reverberation it demixes per frequency and prints each source's delay
# between the channels; on other recordings it says why not (room:
# reverberation between the channels) and separates by timbre.
#
#   pipelines/split-stereo.sh [--sources N] INPUT OUTDIR
#
#   --sources N     number of sources, 2..8 (default 2)
# INPUT: a local file GStreamer decodes (a plain WAV of more than two
# channels without channel positions is refused by audioconvert: use
# `nmftool separate` for it).  Writes OUTDIR/source_K.wav (32-bit float).
# Uses the plugin of this tree's build/ when GST_PLUGIN_PATH is not set
# and build/ has one.
set -eu
# usage (the help: the comment above), root, use_uninstalled_plugin,
# file_uri (percent-encoded file:// URIs: any file name is safe in
# gst-launch's syntax that way), explain_failure (a failed gst-launch-1.0,
# and what takes a plain WAV audioconvert refused), check_output (an
# output that can be written), publish (a finished output)
. "$(dirname -- "$0")/common.sh"
die () { echo "split-stereo.sh: $*" >&2; exit 2; }

n=2
while [ $# -gt 0 ]; do
  case "$1" in
    --sources) [ $# -ge 2 ] || die "--sources needs a value (see --help)"; n=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --*) die "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || die "need INPUT and OUTDIR (see --help)"
input=$1 outdir=$2
# without its trailing slashes (it printed out//source_0.wav); / stays /
[[ $outdir =~ ^/+$ ]] || outdir=${outdir%"${outdir##*[!/]}"}
case "$n" in ''|*[!0-9]*) die "--sources needs an integer in 2..8" ;; esac
# decimal: a leading 0 made bash and GStreamer read 010 as 8
n=${n#"${n%%[!0]*}"} n=${n:-0}
[ ${#n} -le 2 ] && [ "$n" -ge 2 ] && [ "$n" -le 8 ] || die "--sources needs an integer in 2..8"
[ -r "$input" ] && [ -f "$input" ] || { echo "split-stereo.sh: $input: no such readable file" >&2; exit 1; }

# the outputs are written under temporary names and take theirs only when
# the run succeeds: a failed run leaves nothing behind, not even the
# directories it made for OUTDIR (those it leaves empty)
log= errlog= tmp=() made=()
cleanup () {
  local status=$? d
  rm -f -- ${log:+"$log"} ${errlog:+"$errlog"} "${tmp[@]}"
  if [ "$status" -ne 0 ]; then
    for d in "${made[@]}"; do rmdir -- "$d" 2>/dev/null || break; done
  fi
}
trap cleanup EXIT
d=$outdir
while [ ! -e "$d" ] && [ ! -L "$d" ]; do made+=("$d"); d=$(dirname -- "$d"); done
[ -d "$outdir" ] || [ ! -e "$outdir" ] || { echo "split-stereo.sh: $outdir: not a directory" >&2; exit 1; }
mkdir -p -- "$outdir"
for ((i = 0; i < n; i++)); do
  check_output "$outdir/source_$i.wav" "$input"
done
use_uninstalled_plugin --say

log=$(mktemp) errlog=$(mktemp)
# (audioresample: a rate outside the element's 8 - 192 kHz goes to the
# nearer bound, as nmftool separate does; it was "not-linked")
args=(uridecodebin "uri=$(file_uri "$input")" ! audioconvert ! audioresample !
      nmfseparate name=s "n-sources=$n" post-messages=true interval=1000000000)
for ((i = 0; i < n; i++)); do
  tmp[i]=$(mktemp --tmpdir="$outdir" .split-stereo.XXXXXX.wav)
  args+=(s.src_$i ! queue ! audioconvert ! audio/x-raw,format=F32LE !
         wavenc ! "$(file_uri "${tmp[i]}")")
done
echo "gst-launch-1.0 -m ${args[*]}" >&2
# -m: the element's messages, on stdout (read below); stderr apart: its
# errors and warnings, and what to do when audioconvert refused a plain WAV
# of more than two channels (it showed only wavparse's "Internal data
# stream error")
if ! gst_launch -m "${args[@]}" >"$log" 2>"$errlog"; then
  explain_failure split-stereo.sh "$input" "$errlog"
  exit 1
fi
for ((i = 0; i < n; i++)); do
  publish "${tmp[i]}" "$outdir/source_$i.wav"
done
tmp=()
# the last message says what the element did
last=$(grep -o 'spatial=(string)[a-z-]*[^;]*' "$log" | tail -n 1)
state=$(sed -n 's/^spatial=(string)\([a-z-]*\).*/\1/p' <<<"$last")
case "$state" in
  active)
    pans=$(sed -n 's/.*position=(double)< *\([^>]*\) *>.*/\1/p' <<<"$last")
    # spaced microphones, demixed per frequency: each source's delay
    # between the first two channels says where it is
    delays=$(sed -n 's/.*delay=(double)< *\([^>]*\) *>.*/\1/p' <<<"$last")
    i=0
    IFS=', ' read -r -a pan <<<"$pans"
    IFS=', ' read -r -a delay <<<"$delays"
    for p in "${pan[@]}"; do
      if [ -n "$delays" ]; then
        printf 'source %d: %s/source_%d.wav, delay %+.3f ms (channel 2 after 1)\n' \
          "$i" "$outdir" "$i" "$(awk -v d="${delay[i]}" 'BEGIN { print d * 1000 }')"
      else
        printf 'source %d: %s/source_%d.wav, pan %+.2f\n' "$i" "$outdir" "$i" "$p"
      fi
      i=$((i + 1))
    done ;;
  *)
    case "$state" in
      room) why="the channels differ by reverberation, or by delays the demixing per frequency did not find one per source (a room)" ;;
      not-diverse) why="the channels do not carry $n directions" ;;
      # unused: spatial=off, one channel or one source, or more than 8
      # channels (docs/element.md); here (spatial=auto, 2..8 sources) only
      # the channels are why. More sources than channels are demixed.
      unused) why="one channel, or more than 8 channels" ;;
      *) why="the stream was too short to decide" ;;
    esac
    echo "no spatial demixing ($why): separated by timbre" >&2
    for ((i = 0; i < n; i++)); do
      printf 'source %d: %s/source_%d.wav\n' "$i" "$outdir" "$i"
    done ;;
esac
