#!/bin/bash
# Live blind source separation with two microphones: a stereo capture
# device (autoaudiosrc, 2 channels) through nmfseparate, one source played
# back, the separation's picture in a window, and the element's messages
# printed: with spatial=auto (the default) the element demixes the sources
# by where they are when the microphones hear them at the same instant (a
# coincident or near-coincident pair, a stereo microphone), and each
# message carries `position` (-1 left .. +1 right); with spaced microphones
# in a room it says spatial=room and separates by timbre.  Refuses (exit
# status 3, one line saying why) without a stereo capture device or a
# playback device.  Stop with Ctrl-C.
#
#   pipelines/two-mics.sh [--print] [--sources N] [--play K] [--algorithm A]
#
# (the options of pipelines/live-mic.sh, which this runs with --channels 2)
exec "$(dirname "$0")/live-mic.sh" --channels 2 "$@"
