#!/bin/bash
# CPU of nmf-desk playing a file at its defaults, side by side with
# gst-launch-1.0 running the same separation into fakesinks: RUNS rounds,
# each running every variant once (alternating, so that a busy moment of a
# shared machine hits all of them alike); prints every run and the medians.
#
#   tests/bench/desk-cpu.sh [RUNS [FILE]]           (default 5 runs)
#   BUILD=build-desk tests/bench/desk-cpu.sh 5 FILE  (default build dir: build)
#   BREAKDOWN=1 ...   four more variants, between B and the desk (see below)
#   OTHER=DIR ...     also the desk of another build directory (say, of the
#                     commit before a change, built in a git worktree), in
#                     the same rounds: before and after side by side
#
# FILE: any audio file (default: a 22 s corpus mixture from
# /tmp/gst-nmf-quality if cached there, else a 20 s two-tone mixture from
# nmf-make-mixture).
#
# The comparison (docs/desk.md, CPU). Everything plays in real time
# (sync=true), so every variant takes the file's duration of wall time: the
# desk is a real-time program whose costs go by the second (pictures,
# meters, its main loop), and a separation run as fast as possible would
# leave out the waiting and waking that real time costs the reference too.
#   desk  nmf-desk FILE --play --exit-at-eos, its window on a private Xvfb,
#         its sound on the default output (autoaudiosink; a fakesink where
#         there is no sound card)
#   R     the reference: gst-launch-1.0 with the desk's input chain
#         (uridecodebin, audioconvert, audioresample, F32, audiobuffersplit
#         10 ms) and element settings (n-sources 2, kl, profile auto,
#         post-messages every 50 ms), the picture pad at the desk's caps into
#         a fakesink, each source into a fakesink
#   B     R without the picture pad: the separation alone
#   B1    B with OPENBLAS_NUM_THREADS=1, as the desk runs (it sets that
#         unless told otherwise: OpenBLAS's idle worker thread only spins,
#         about 0.1 s at every start, in gst-launch too)
# With BREAKDOWN=1, what the desk adds, step by step (all with
# OPENBLAS_NUM_THREADS=1, like B1 and the desk):
#   R1    B1 + the picture pad at the desk's caps into a fakesink
#   M     R1 + the desk's sound: per source volume ! tee, audiomixer,
#         audioconvert, audioresample, autoaudiosink
#   V     M + the desk's picture path (queue, videoconvert if the pad's
#         format is not gtksink's, gtksink) shown as the desk shows it (1:1,
#         in an X window of its own) by a minimal Python GTK program: the
#         same pipeline, a window holding only the picture (gst-launch's
#         gtksink makes its own 640x480 window: scaled, not the desk's
#         cost). desk - V is then the desk's own: its widgets, meters,
#         messages, main loop, start and exit beyond a bare window's
#   S     (between M and V) M shown the same way, but the picture pad goes
#         into a fakesink and the window holds a still black area: what a
#         bare Python GTK window costs, showing nothing that moves
# With OTHER=DIR: "other", DIR/tools/desk/nmf-desk run as the desk is, with
# DIR's plugin and a registry file of its own.
# CPU = user + system seconds of the process (/usr/bin/time). The X server
# is a process of its own: its CPU while the desk (and V) run is counted
# apart, not in the ratio.
set -u
# Python writes its compiled modules as it does for a user (a developer's
# environment may say not to: then every start compiles them again)
unset PYTHONDONTWRITEBYTECODE
cd "$(dirname "$0")/../.." || exit 1
runs=${1:-5}
build=${BUILD:-build}
breakdown=${BREAKDOWN:-0}
desk=$build/tools/desk/nmf-desk
[ -x "$desk" ] || { echo "no $desk: build first (meson setup $build && ninja -C $build)" >&2; exit 1; }
other=${OTHER:-}
if [ -n "$other" ]; then
  other=$(realpath "$other")
  [ -x "$other/tools/desk/nmf-desk" ] || { echo "no $other/tools/desk/nmf-desk" >&2; exit 1; }
fi
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
uri=$(/usr/bin/python3 -c 'import sys, pathlib; print(pathlib.Path(sys.argv[1]).as_uri())' "$file")

# a private X server; its CPU is counted apart (the picture's pixels go there)
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$work/display" 2>/dev/null &
xpid=$!
for _ in $(seq 50); do [ -s "$work/display" ] && break; sleep 0.1; done
export DISPLAY=:$(cat "$work/display")
xcpu () { awk '{ print $14 + $15 }' "/proc/$xpid/stat"; }
tck=$(getconf CLK_TCK)

# what the desk asks of the element (tools/desk/nmfdesk/engine.py): its
# defaults, and the picture in a format gtksink takes as it is if the viz
# pad offers one, else RGB
read -r fps fmt settings <<<"$(PYTHONPATH=tools/desk /usr/bin/python3 -c '
import gi
gi.require_version("Gst", "1.0")
from gi.repository import Gst
Gst.init(None)
from nmfdesk import engine as e
s = e.Settings()
print(e.VIZ_FPS, e.Engine.viz_format_asked(),
      "n-sources=%d algorithm=%s profile=%s post-messages=true interval=%d"
      % (s.n_sources, s.algorithm, s.profile, e.MESSAGE_INTERVAL))' 2>/dev/null)"
[ -n "${settings:-}" ] || { echo "cannot read the desk's settings (PyGObject, nmfseparate?)" >&2; exit 1; }
viz="video/x-raw,format=$fmt,width=768,height=320,framerate=$fps/1"
input="uridecodebin uri=$uri ! audioconvert ! audioresample ! audio/x-raw,format=F32LE,layout=interleaved,channels=[1,2] ! audiobuffersplit output-buffer-duration=1/100 ! nmfseparate name=s $settings"
conv="videoconvert ! video/x-raw,format=BGRx"
case $fmt in BGRx|BGRA) conv=identity ;; esac
sound="audiomixer name=m ! audioconvert ! audioresample ! autoaudiosink s.src_0 ! volume ! tee name=t0 t0.src_0 ! m.sink_0 s.src_1 ! volume ! tee name=t1 t1.src_0 ! m.sink_1"
picture="s.viz ! $viz ! queue max-size-buffers=90 max-size-time=0 max-size-bytes=0 ! $conv ! gtksink name=picture force-aspect-ratio=false qos=false"

cpu () { /usr/bin/time -f "%U %S" -o "$work/t" "$@" >/dev/null 2>&1; awk '{ printf "%.2f", $1 + $2 }' "$work/t"; }
# V: a pipeline description shown in a bare GTK window, the desk's way
cat > "$work/show.py" <<'EOF_PY'
import os, sys
os.environ.setdefault("GDK_GL", "disable")
import gi
gi.require_version("Gst", "1.0"); gi.require_version("Gtk", "3.0")
from gi.repository import Gst, Gtk
Gst.init(None); Gtk.init(None)
p = Gst.parse_launch(sys.argv[1])
sink = p.get_by_name("picture")
if sink is not None:
    area = sink.get_property("widget")
else:
    # S: no picture sink, a still (black) area in its place
    area = Gtk.DrawingArea()
    area.connect("draw", lambda w, cr: cr.paint() or True)
area.set_size_request(768, 320)
area.connect("realize", lambda w: w.get_window().ensure_native())
win = Gtk.Window(); win.add(area); win.show_all()
bus = p.get_bus(); bus.add_signal_watch()
bus.connect("message::eos", lambda *a: Gtk.main_quit())
bus.connect("message::error", lambda *a: Gtk.main_quit())
p.set_state(Gst.State.PLAYING)
Gtk.main()
p.set_state(Gst.State.NULL)
EOF_PY
# a description split into words (no globbing: caps have brackets)
# (a second argument: a command prefix, e.g. env VAR=VALUE)
launch () { set -f; cpu ${2:-} gst-launch-1.0 -q $1; set +f; }
xdelta () { awk -v a="$1" -v b="$2" -v t="$tck" 'BEGIN { printf "%.2f", (b - a) / t }'; }

seconds=$(/usr/bin/python3 -c '
import sys, gi
gi.require_version("Gst", "1.0"); gi.require_version("GstPbutils", "1.0")
from gi.repository import Gst, GstPbutils
Gst.init(None)
info = GstPbutils.Discoverer.new(10 * Gst.SECOND).discover_uri(sys.argv[1])
print("%.1f s" % (info.get_duration() / Gst.SECOND))' "$uri" 2>/dev/null)
echo "file: $file (${seconds:-duration unknown})"
echo "element: $settings; picture $viz ($([ "$conv" = identity ] && echo "no conversion" || echo "the desk's videoconvert to gtksink's BGRx"))"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start (shared: figures are noisy)"
# the other build's registry is made before the rounds (a first run would
# count the plugin scan)
if [ -n "$other" ]; then
  GST_PLUGIN_PATH=$other/plugin GST_REGISTRY=$work/registry-other.bin \
    gst-inspect-1.0 nmfseparate >/dev/null 2>&1
fi
# the columns of a round, in the order they run
cols="desk"
[ -n "$other" ] && cols="$cols other"
cols="$cols R B B1"
[ "$breakdown" = 1 ] && cols="$cols R1 M S V"
cols="$cols Xdesk"
[ -n "$other" ] && cols="$cols Xother"
[ "$breakdown" = 1 ] && cols="$cols XV"
printf '%-4s' run; for c in $cols; do printf ' %7s' "$c"; done; echo
blas1="env OPENBLAS_NUM_THREADS=1"
: > "$work/all"
for i in $(seq "$runs"); do
  declare -A v=()
  x0=$(xcpu)
  v[desk]=$(cpu "$desk" "$file" --play --exit-at-eos)
  v[Xdesk]=$(xdelta "$x0" "$(xcpu)")
  if [ -n "$other" ]; then
    x0=$(xcpu)
    v[other]=$(GST_PLUGIN_PATH=$other/plugin GST_REGISTRY=$work/registry-other.bin \
      cpu "$other/tools/desk/nmf-desk" "$file" --play --exit-at-eos)
    v[Xother]=$(xdelta "$x0" "$(xcpu)")
  fi
  v[R]=$(launch "$input s.src_0 ! fakesink sync=true s.src_1 ! fakesink sync=true s.viz ! $viz ! fakesink sync=true")
  v[B]=$(launch "$input s.src_0 ! fakesink sync=true s.src_1 ! fakesink sync=true")
  v[B1]=$(launch "$input s.src_0 ! fakesink sync=true s.src_1 ! fakesink sync=true" "$blas1")
  if [ "$breakdown" = 1 ]; then
    v[R1]=$(launch "$input s.src_0 ! fakesink sync=true s.src_1 ! fakesink sync=true s.viz ! $viz ! fakesink sync=true" "$blas1")
    v[M]=$(launch "$input $sound s.viz ! $viz ! fakesink sync=true" "$blas1")
    v[S]=$(cpu $blas1 /usr/bin/python3 "$work/show.py" "$input $sound s.viz ! $viz ! fakesink sync=true")
    x0=$(xcpu)
    v[V]=$(cpu $blas1 /usr/bin/python3 "$work/show.py" "$input $sound $picture")
    v[XV]=$(xdelta "$x0" "$(xcpu)")
  fi
  printf '%-4s' "$i"; for c in $cols; do printf ' %7s' "${v[$c]}"; done; echo
  for c in $cols; do printf '%s ' "${v[$c]}"; done >> "$work/all"; echo >> "$work/all"
  unset v
done
# the median of a column (by name)
med () {
  local k=0 n=0
  for c in $cols; do k=$((k + 1)); [ "$c" = "$1" ] && n=$k; done
  cut -d' ' -f"$n" "$work/all" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
d=$(med desk) r=$(med R) b=$(med B) b1=$(med B1) xd=$(med Xdesk)
echo "median CPU seconds: desk $d, R (separation + picture, fakesinks) $r, B (separation, fakesinks) $b, B1 (B with OPENBLAS_NUM_THREADS=1) $b1, X server during the desk $xd"
if [ -n "$other" ]; then
  o=$(med other)
  echo "other ($other): $o (X server $(med Xother)); desk / other = $(awk -v d="$d" -v o="$o" 'BEGIN { printf "%.2f", d / o }')"
fi
if [ "$breakdown" = 1 ]; then
  r1=$(med R1) m=$(med M) sw=$(med S) v=$(med V) xv=$(med XV)
  echo "breakdown (medians, all with OPENBLAS_NUM_THREADS=1): R1 (B1 + the picture pad) $r1, M (R1 + the desk's sound) $m, S (M in a bare Python GTK window showing nothing that moves) $sw, V (M + the picture shown as the desk does, in a bare window) $v, X server during V $xv"
  awk -v d="$d" -v b1="$b1" -v r1="$r1" -v m="$m" -v sw="$sw" -v v="$v" 'BEGIN { printf "what the desk adds to B1: the element drawing its picture %.2f, its sound %.2f, a bare Python GTK window (start, main loop, exit) %.2f, the picture shown in it %.2f, the rest of the desk (widgets, meters, messages, position) %.2f\n", r1 - b1, m - r1, sw - m, v - sw, d - v }'
fi
awk -v d="$d" -v b1="$b1" 'BEGIN { printf "desk / B1 = %.2f (the reference run as the desk runs)\n", d / b1 }'
awk -v d="$d" -v r="$r" -v b="$b" 'BEGIN { printf "desk / R = %.2f (target <= 1.5), desk / B = %.2f\n", d / r, d / b }'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
