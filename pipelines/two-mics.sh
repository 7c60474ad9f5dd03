#!/bin/bash
# Live blind source separation with two microphones: a stereo capture
# device (autoaudiosrc, 2 channels) through nmfseparate, one source played
# back, the separation's picture in a window (none without a display),
# and the element's messages printed: with spatial=auto (the default) the
# element demixes the sources by where they are when the microphones hear
# them at the same instant (a coincident or near-coincident pair, a stereo
# microphone), and each message carries `position` (-1 left .. +1 right);
# with spaced microphones in a room it says spatial=room and separates by
# timbre.  Refuses (exit status 3, one line saying why) without a stereo
# capture device or a playback device; PulseAudio and PipeWire give two
# equal channels from a mono microphone, which it cannot tell: the
# messages then say spatial=not-diverse.  Stop with Ctrl-C.
#
#   pipelines/two-mics.sh [--print] [--sources N] [--play K] [--algorithm A]
#
#   --sources N     number of sources, 1..16 (default 2)
#   --play K        the source to listen to, 0..N-1 (default 0)
#   --algorithm A   kl (default) or volmin
#   --print         only print the gst-launch-1.0 line (the one run), do
#                   not check the devices nor run it
# (pipelines/live-mic.sh --channels 2 does the work; its messages are
# this script's)

# usage (the help: the comment above)
. "$(dirname -- "$0")/common.sh"
for arg; do
  case "$arg" in
    -h|--help) usage; exit 0 ;;
    # (live-mic.sh took it after its own --channels 2: two-mics.sh
    # --channels 1 captured one channel)
    --channels)
      echo "two-mics.sh: unknown argument --channels (see --help): it captures 2 channels; for another count: pipelines/live-mic.sh --channels C" >&2
      exit 2 ;;
  esac
done
NMF_LIVE_MIC_AS=two-mics.sh exec "$(dirname "$0")/live-mic.sh" --channels 2 "$@"
