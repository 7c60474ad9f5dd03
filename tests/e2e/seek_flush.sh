#!/bin/sh
# End to end: a flushing, accurate seek to 10 s in a playing
# filesrc ! wavparse ! audioconvert ! nmfseparate ! appsink x2 pipeline
# (system plugins for everything but nmfseparate) on a 20 s synthetic
# mixture; see seek_flush.c for what is checked.
#   seek_flush.sh MAKE_MIXTURE SEEK_FLUSH PLUGIN_DIR
set -eu
make_mixture=$(realpath "$1")
seek_flush=$(realpath "$2")
plugin_dir=$(realpath "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$make_mixture" "$work" 20 44100
. "$(dirname "$0")/use-build-plugin.sh"
use_build_plugin "$plugin_dir" "$work"

# bounded: the program has its own 60 s limit and a watchdog alarm.
# The default profile (auto) separates this file pipeline with the file
# settings: 6 s of look-ahead, so the sinks preroll after 6 s of input and
# the seek comes at 8 s; profile=live (causal) seeks at 2 s.
echo "== default (file settings)"
"$seek_flush" "$work/mix.wav" 20 44100 8
echo "== profile=live"
"$seek_flush" "$work/mix.wav" 20 44100 2 profile=live
