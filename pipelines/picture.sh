#!/bin/bash
# The separation as a picture: a spectrogram whose every point is coloured
# by the source that owns it (mask-weighted colours).
#   pipelines/picture.sh MIX OUT.png [WIDTH HEIGHT]   one still picture of the whole file
#   pipelines/picture.sh --live MIX                    scrolling, in a window, with the sound
#                                                      (exit 3 without a playback device)
# WIDTH 16..8192 and HEIGHT 16..4096 pixels, the sizes the element's viz
# pad takes (default 1200 400).
# MIX: any audio file GStreamer decodes (but for a plain WAV of more than
# two channels without channel positions, which audioconvert refuses).
# OUT.png appears only when the picture was made (it is written under a
# temporary name first).
set -eu
die () { echo "picture.sh: $*" >&2; exit 1; }
# usage (the help: the comment above), usage_error (a bad command line:
# exit 2), root, use_uninstalled_plugin, file_uri (percent-encoded file://
# URIs: any file name is safe in gst-launch's syntax that way),
# check_output (an output that can be written), publish (a finished output)
. "$(dirname -- "$0")/common.sh"

live=0
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --live) live=1; shift ;;
    --) shift; break ;;
    -?*) usage_error "unknown option $1" ;;
    *) break ;;
  esac
done
if [ "$live" -eq 1 ]; then
  [ $# -eq 1 ] || usage_error "--live needs MIX, and nothing else"
else
  [ $# -eq 2 ] || [ $# -eq 4 ] \
    || usage_error "need MIX OUT.png, and WIDTH HEIGHT or neither"
fi
# size: the viz pad's ranges, decimal (it was GStreamer's "could not link
# s to videoconvert0", exit 1, for a size the pad does not take)
width=1200 height=400
if [ $# -eq 4 ]; then
  for v in "WIDTH $3 8192" "HEIGHT $4 4096"; do
    read -r what n max <<<"$v"
    case "$n" in ''|*[!0-9]*) usage_error "$what needs an integer in 16..$max" ;; esac
    n=${n#"${n%%[!0]*}"} n=${n:-0}
    [ ${#n} -le 5 ] && [ "$n" -ge 16 ] && [ "$n" -le "$max" ] \
      || usage_error "$what needs an integer in 16..$max"
  done
  width=${3#"${3%%[!0]*}"} height=${4#"${4%%[!0]*}"}
fi
use_uninstalled_plugin

if [ "$live" -eq 1 ]; then
  mix=$1
  [ -f "$mix" ] && [ -r "$mix" ] || die "$mix: no such readable file"
  # without a display autovideosink falls back to a sink that crashes
  # (GStreamer 1.22: segmentation fault); say so instead
  [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] \
    || die "--live needs a display (DISPLAY or WAYLAND_DISPLAY is not set); without one: picture.sh MIX OUT.png"
  # and a sound output: autoaudiosink falls back to a fakesink, and the
  # window showed a separation nobody heard
  check_playback_device picture.sh
  gst_launch uridecodebin "uri=$(file_uri "$mix")" ! audioconvert ! audioresample ! \
    nmfseparate name=s \
    s.src_0 ! queue ! audioconvert ! autoaudiosink \
    s.src_1 ! fakesink \
    s.viz ! queue ! videoconvert ! autovideosink
  exit
fi
mix=$1 out=$2
[ -f "$mix" ] && [ -r "$mix" ] || die "$mix: no such readable file"
check_output "$out" "$mix"
uri=$(file_uri "$mix")
log= tmp=
trap 'rm -f -- ${log:+"$log"} ${tmp:+"$tmp"}' EXIT
tmp=$(mktemp --tmpdir="$(dirname -- "$out")" .picture.XXXXXX.png)
log=$(mktemp)
# framerate=0/1: one picture of the whole stream, pushed at its end; the
# sink must not wait for it to preroll (async=false). The sink writes to a
# descriptor the shell opened on the temporary file, so that no file name
# goes through gst-launch's syntax (which misreads quotes and backslashes)
# and gst-launch runs where the script was started: relative paths in the
# environment (GST_PLUGIN_PATH=build/plugin) keep their meaning (it ran in
# the picture's directory, where they named nothing).
if ! gst_launch -q uridecodebin "uri=$uri" ! audioconvert ! audioresample ! \
    nmfseparate name=s s.src_0 ! fakesink s.src_1 ! fakesink \
    s.viz ! "video/x-raw,width=$width,height=$height,framerate=0/1" ! \
    videoconvert ! pngenc ! fdsink fd=3 async=false 3>"$tmp" 2>"$log"; then
  explain_failure picture.sh "$mix" "$log"
  exit 1
fi
cat -- "$log" >&2
# gst-launch may end without error and without a picture (a stream with
# no audio frame, or an interrupt): no PNG then either
if [ ! -s "$tmp" ]; then
  [ "$interrupted" -eq 0 ] || { echo "picture.sh: interrupted: $out not written" >&2; exit 130; }
  explain_no_positions picture.sh "$mix" "$log"
  die "$mix: no picture was made"
fi
chmod "$(printf '%o' $((0666 & ~$(umask))))" "$tmp"   # mktemp made it 0600
publish "$tmp" "$out"
