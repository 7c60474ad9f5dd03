#!/bin/bash
# "Remove one source": separate a recording into N sources with nmfseparate
# and mix all of them back with audiomixer except source K, to a WAV file
# (32-bit float, same rate, channels and length as the input; an input
# outside 8 - 192 kHz is resampled to the nearer bound first). As the
# sources add up to the input, the result is the input minus source K.
#
#   pipelines/remove-source.sh [--print] [--sources N] [--remove K]
#                              [--algorithm kl|volmin] INPUT OUTPUT.wav
#
#   --sources N     number of sources, 2..16 (default 2)
#   --remove K      the source left out, 0..N-1 (default 0); which index
#                   holds which sound depends on the recording: listen to
#                   the outputs of 'nmftool separate' first
#   --algorithm A   kl (default) or volmin
#   --print         only print the gst-launch-1.0 line, do not run it
# INPUT is a file name or URI of anything GStreamer decodes (but for a plain
# WAV of more than two channels without channel positions, which
# audioconvert refuses: use `nmftool separate` for it). Uses the plugin of
# this tree's build/ when GST_PLUGIN_PATH is not set and build/ has one.
set -eu
# usage (the help: the comment above), root, use_uninstalled_plugin,
# file_uri (percent-encoded file:// URIs: any file name is safe in
# gst-launch's syntax that way), check_output (an output that can be
# written), publish (a finished output)
. "$(dirname -- "$0")/common.sh"
die () { echo "remove-source.sh: $*" >&2; exit 2; }

n=2 k=0 algorithm=kl print_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --sources) [ $# -ge 2 ] || die "--sources needs a value (see --help)"; n=$2; shift 2 ;;
    --remove) [ $# -ge 2 ] || die "--remove needs a value (see --help)"; k=$2; shift 2 ;;
    --algorithm) [ $# -ge 2 ] || die "--algorithm needs a value (see --help)"; algorithm=$2; shift 2 ;;
    --print) print_only=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --*) die "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || die "need INPUT and OUTPUT.wav (see --help)"
input=$1 output=$2
# decimal: a leading 0 made bash and GStreamer read 010 as 8
case "$n" in ''|*[!0-9]*) die "--sources needs an integer in 2..16" ;; esac
n=${n#"${n%%[!0]*}"} n=${n:-0}
# (its range first: an --sources of 20 digits overflowed the message below)
[ ${#n} -le 2 ] && [ "$n" -ge 2 ] && [ "$n" -le 16 ] || die "--sources needs an integer in 2..16"
case "$k" in ''|*[!0-9]*) die "--remove needs an integer in 0..$((n - 1))" ;; esac
k=${k#"${k%%[!0]*}"} k=${k:-0}
[ ${#k} -le 2 ] && [ "$k" -lt "$n" ] || die "--remove needs an integer in 0..$((n - 1))"
case "$algorithm" in kl|volmin) ;; *) die "--algorithm is kl or volmin" ;; esac

case "$input" in
  file:*)
    # the local file behind a file: URI (percent-decoded), for the check
    # below that the output is not the input
    local_input=${input#file:}
    case $local_input in
      //*) local_input=${local_input#//}; local_input=/${local_input#*/} ;;
    esac
    local_input=${local_input%%[?#]*}
    printf -v local_input '%b' "${local_input//%/\\x}"
    uri=$input ;;
  *://*) uri=$input local_input= ;;
  *)
    [ -r "$input" ] && [ -f "$input" ] || { echo "remove-source.sh: $input: no such readable file" >&2; exit 1; }
    uri=$(file_uri "$input") local_input=$input
    ;;
esac
use_uninstalled_plugin --say

# gst-launch-1.0 arguments: decoder, separator, the removed source to
# fakesink, every other source into audiomixer, the mix to a WAV file
args=(uridecodebin "uri=$uri" ! audioconvert ! audioresample !
      nmfseparate name=s "n-sources=$n" "algorithm=$algorithm")
for ((i = 0; i < n; i++)); do
  if [ "$i" -eq "$k" ]; then
    args+=(s.src_$i ! fakesink)
  else
    args+=(s.src_$i ! mix.)
  fi
done
# the output as a URI too (a sink element in gst-launch); when run, the
# pipeline writes a temporary file beside it, renamed to OUTPUT.wav only
# if the pipeline succeeded: no empty or partial output on failure
if [ "$print_only" -eq 1 ]; then
  sink_uri=$(file_uri "$output") || die "$output: cannot make a URI of it"
else
  check_output "$output" "$local_input"
  log= tmp=
  trap 'rm -f -- ${log:+"$log"} ${tmp:+"$tmp"}' EXIT
  tmp=$(mktemp --tmpdir="$(dirname -- "$output")" .remove-source.XXXXXX.wav) || exit 1
  log=$(mktemp) || exit 1
  sink_uri=$(file_uri "$tmp")
fi
args+=(audiomixer name=mix ! audioconvert ! wavenc ! "$sink_uri")

# print it as one line that can be pasted into a shell
quote () {
  if [[ $1 == '!' || $1 =~ ^[A-Za-z0-9_./:=,+@%-]+$ ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}
printf 'gst-launch-1.0'
for a in "${args[@]}"; do printf ' '; quote "$a"; done
printf '\n'
[ "$print_only" -eq 1 ] && exit 0
if ! gst_launch -q "${args[@]}" 2>"$log"; then
  explain_failure remove-source.sh "$input" "$log"
  exit 1
fi
cat -- "$log" >&2
chmod "$(printf '%o' $((0666 & ~$(umask))))" "$tmp"   # mktemp made it 0600
publish "$tmp" "$output"
echo "wrote $output: the input without source $k of $n" >&2
