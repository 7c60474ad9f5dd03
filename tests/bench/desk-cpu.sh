#!/bin/bash
# CPU of nmf-desk playing a file at its defaults, side by side with
# gst-launch-1.0 running the same separation into fakesinks, in one run,
# alternating, RUNS times each; prints every run and the medians.
#
#   tests/bench/desk-cpu.sh [RUNS [FILE]]        (default 5 runs)
#   BUILD=build-desk tests/bench/desk-cpu.sh     (default build dir: build)
#
# FILE: any audio file (default: a 22 s corpus mixture from
# /tmp/gst-nmf-quality if cached there, else a 20 s two-tone mixture from
# nmf-make-mixture). Everything plays in real time (sync=true): the desk
# with its picture in a window on a private Xvfb, its sound on the default
# output (autoaudiosink; a fakesink where there is no sound card), the
# references with the same element settings:
#   A  nmfseparate + its picture pad at the desk's caps (768x320 RGB,
#      30 fps), everything into fakesinks: what the desk asks of the element
#   B  nmfseparate alone into fakesinks: the separation
# The machine may be shared: the load average is printed with the figures.
set -u
cd "$(dirname "$0")/../.." || exit 1
runs=${1:-5}
build=${BUILD:-build}
desk=$build/tools/desk/nmf-desk
[ -x "$desk" ] || { echo "no $desk: build first (meson setup $build && ninja -C $build)" >&2; exit 1; }
command -v Xvfb >/dev/null || { echo "Xvfb missing (Debian package xvfb)" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill "$xpid" 2>/dev/null; rm -rf "$work"' EXIT
export GST_PLUGIN_PATH=$PWD/$build/plugin GST_REGISTRY=$work/registry.bin

file=${2:-}
if [ -z "$file" ]; then
  file=$(ls /tmp/gst-nmf-quality/*/m4_speech_en_piano/mix.wav /tmp/gst-nmf-quality/m4_speech_en_piano/mix.wav 2>/dev/null | head -1)
  if [ -z "$file" ]; then
    "$build/tests/tools/nmf-make-mixture" "$work" 20 >/dev/null || exit 1
    file=$work/mix.wav
  fi
fi
file=$(realpath "$file")
uri=$(/usr/bin/python3 -c 'import sys, urllib.parse, pathlib; print(pathlib.Path(sys.argv[1]).as_uri())' "$file")

# a private X server; its CPU is counted apart (the picture's pixels go there)
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$work/display" 2>/dev/null &
xpid=$!
for _ in $(seq 50); do [ -s "$work/display" ] && break; sleep 0.1; done
export DISPLAY=:$(cat "$work/display")
xcpu () { awk '{ print $14 + $15 }' "/proc/$xpid/stat"; }
tck=$(getconf CLK_TCK)

viz='video/x-raw,format=RGB,width=768,height=320,framerate=30/1'
cpu () { /usr/bin/time -f "%U %S" -o "$work/t" "$@" >/dev/null 2>&1; awk '{ printf "%.2f", $1 + $2 }' "$work/t"; }

seconds=$(/usr/bin/python3 -c '
import sys, gi
gi.require_version("Gst", "1.0"); gi.require_version("GstPbutils", "1.0")
from gi.repository import Gst, GstPbutils
Gst.init(None)
info = GstPbutils.Discoverer.new(10 * Gst.SECOND).discover_uri(sys.argv[1])
print("%.1f s" % (info.get_duration() / Gst.SECOND))' "$uri" 2>/dev/null)
echo "file: $file (${seconds:-duration unknown})"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start (shared: figures are noisy)"
printf '%-4s %10s %10s %10s %12s\n' run desk A B "X server"
: > "$work/all"
for i in $(seq "$runs"); do
  x0=$(xcpu)
  d=$(cpu "$desk" "$file" --play --exit-at-eos)
  x1=$(xcpu)
  a=$(cpu gst-launch-1.0 -q uridecodebin "uri=$uri" ! audioconvert ! audioresample ! \
      nmfseparate name=s post-messages=true s.src_0 ! fakesink sync=true \
      s.src_1 ! fakesink sync=true s.viz ! "$viz" ! fakesink sync=true)
  b=$(cpu gst-launch-1.0 -q uridecodebin "uri=$uri" ! audioconvert ! audioresample ! \
      nmfseparate name=s post-messages=true s.src_0 ! fakesink sync=true \
      s.src_1 ! fakesink sync=true)
  x=$(awk -v a="$x0" -v b="$x1" -v t="$tck" 'BEGIN { printf "%.2f", (b - a) / t }')
  printf '%-4s %10s %10s %10s %12s\n' "$i" "$d" "$a" "$b" "$x"
  echo "$d $a $b $x" >> "$work/all"
done
med () { cut -d' ' -f"$1" "$work/all" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
d=$(med 1) a=$(med 2) b=$(med 3) x=$(med 4)
echo "median CPU seconds: desk $d, A (separation + picture, fakesinks) $a, B (separation, fakesinks) $b, X server during the desk $x"
awk -v d="$d" -v a="$a" -v b="$b" 'BEGIN { printf "desk / A = %.2f, desk / B = %.2f (target <= 1.5)\n", d / a, d / b }'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
