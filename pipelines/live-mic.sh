#!/bin/bash
# Live: the microphone (autoaudiosrc) through nmfseparate, one source played
# back (autoaudiosink), the others dropped, the separation's picture in a
# window (without a display, DISPLAY and WAYLAND_DISPLAY unset: no window,
# the sound alone) and the element's messages printed. Stop with Ctrl-C.
#
#   pipelines/live-mic.sh [--print] [--sources N] [--play K]
#                         [--algorithm kl|volmin] [--channels C]
#
#   --sources N     number of sources, 1..16 (default 2)
#   --channels C    capture C channels, 1..8 (default: what the device
#                   gives); 2 with two microphones (pipelines/two-mics.sh):
#                   the element then demixes where the sources are when
#                   they reach the microphones at the same time (a
#                   coincident or close pair; spatial=auto) and the
#                   messages (-m) give each source's position
#   --play K        the source to listen to, 0..N-1 (default 0)
#   --algorithm A   kl (default) or volmin
#   --print         only print the gst-launch-1.0 line (the one run), do
#                   not check the devices nor run it
# Refuses (exit status 3, one line saying which) when there is no audio
# capture or playback device: autoaudiosrc/autoaudiosink would otherwise
# fall back to silence/a fake sink and run without any sound.
# The latency added by nmfseparate is fft-size / rate (46 ms at the default
# 2048 samples, 44.1 kHz); use headphones so the playback does not feed the
# microphone. Uses the plugin of this tree's build/ when GST_PLUGIN_PATH is
# not set and build/ has one.
set -eu
# usage (the help: the comment above), root, use_uninstalled_plugin
. "$(dirname -- "$0")/common.sh"
# (common.sh notes a Ctrl-C for the scripts that publish their outputs:
# here it must stop the script, also while it checks the devices; it was
# noted and ignored, and the live pipeline started anyway)
trap - INT
# the name said in messages: two-mics.sh runs this script as its own
me=${NMF_LIVE_MIC_AS:-live-mic.sh}
die () { echo "$me: $*" >&2; exit 2; }

n=2 k=0 algorithm=kl print_only=0 channels=
while [ $# -gt 0 ]; do
  case "$1" in
    --sources) [ $# -ge 2 ] || die "--sources needs a value (see --help)"; n=$2; shift 2 ;;
    --play) [ $# -ge 2 ] || die "--play needs a value (see --help)"; k=$2; shift 2 ;;
    --algorithm) [ $# -ge 2 ] || die "--algorithm needs a value (see --help)"; algorithm=$2; shift 2 ;;
    --channels) [ $# -ge 2 ] || die "--channels needs a value (see --help)"; channels=$2; shift 2 ;;
    --print) print_only=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
# decimal: a leading 0 made bash and GStreamer read 010 as 8
case "$n" in ''|*[!0-9]*) die "--sources needs an integer in 1..16" ;; esac
n=${n#"${n%%[!0]*}"} n=${n:-0}
# (its range first: an --sources of 20 digits overflowed the message below)
[ ${#n} -le 2 ] && [ "$n" -ge 1 ] && [ "$n" -le 16 ] || die "--sources needs an integer in 1..16"
case "$k" in ''|*[!0-9]*) die "--play needs an integer in 0..$((n - 1))" ;; esac
k=${k#"${k%%[!0]*}"} k=${k:-0}
[ ${#k} -le 2 ] && [ "$k" -lt "$n" ] || die "--play needs an integer in 0..$((n - 1))"
case "$algorithm" in kl|volmin) ;; *) die "--algorithm is kl or volmin" ;; esac
case "$channels" in ''|[1-8]) ;; *) die "--channels needs an integer in 1..8" ;; esac
caps=()
[ -n "$channels" ] && caps=(! "audio/x-raw,channels=$channels")

use_uninstalled_plugin --say

# (the queue: the capture thread hands its buffers over and goes back to
# the device; pushing them on through the element, it waited whenever the
# sound card held the output back, and the device dropped samples: "Can't
# record audio fast enough": 0.3 s lost near the start in 2 runs of 5 on
# a PulseAudio source of a busy machine, none in 5 with the queue)
args=(autoaudiosrc "${caps[@]}" ! queue ! audioconvert ! audioresample !
      nmfseparate name=s "n-sources=$n" "algorithm=$algorithm" post-messages=true)
for ((i = 0; i < n; i++)); do
  if [ "$i" -eq "$k" ]; then
    args+=(s.src_$i ! audioconvert ! audioresample ! autoaudiosink)
  else
    args+=(s.src_$i ! fakesink)
  fi
done
# and the picture of the separation, live, in a window; without a display
# autovideosink falls back to a sink that crashes (GStreamer 1.22:
# segmentation fault, before any sound): no window then
display=0
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  display=1
  args+=(s.viz ! queue ! videoconvert ! autovideosink)
fi
# -e: Ctrl-C ends the stream (EOS) before the pipeline stops; -m: the
# element's messages, with each source's position when it demixes
echo "gst-launch-1.0 -e -m ${args[*]}"
[ "$print_only" -eq 1 ] && exit 0

# Is there a real device? autoaudiosrc/autoaudiosink fall back to
# audiotestsrc/fakesink (with only a warning) when none opens.
src_probe=$(timeout 15 gst-launch-1.0 -v autoaudiosrc ! identity eos-after=3 ! fakesink 2>&1) \
  && src_rc=0 || src_rc=$?
if ! device_probe_found Src "$src_rc" "$src_probe"; then
  echo "$me: no audio capture device found (autoaudiosrc could not open PulseAudio/PipeWire, ALSA, OSS or JACK): connect a microphone or start the sound server, then try again" >&2
  exit 3
fi
if [ -n "$channels" ] && ! timeout 15 gst-launch-1.0 autoaudiosrc ! "audio/x-raw,channels=$channels" ! identity eos-after=3 ! fakesink >/dev/null 2>&1; then
  echo "$me: the capture device does not give $channels channels (for two microphones: a stereo input, e.g. a USB interface or an array; pick it with PULSE_SOURCE / the sound settings), or it could not start" >&2
  exit 3
fi
check_playback_device "$me"

[ "$display" -eq 1 ] \
  || echo "$me: no display (DISPLAY and WAYLAND_DISPLAY are not set): no picture, the sound alone" >&2
echo "listening: source $k of $n; Ctrl-C stops" >&2
gst_launch -e -m "${args[@]}"
