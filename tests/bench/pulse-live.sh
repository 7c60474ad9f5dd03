#!/bin/bash
# The live paths against a real sound server (a manual check, not in the
# suite: CI has no PulseAudio daemon): a private PulseAudio daemon whose
# null sink "mix" plays a known stereo mixture (a 440 Hz sine at pan -0.5,
# a 1500 Hz square at +0.5, constant-power law) and whose monitor is the
# default capture device; the sound goes to a second null sink, "out".
# Then, as a user giving a demo:
#   1. pipelines/live-mic.sh and two-mics.sh: --print, run SECONDS, Ctrl-C
#      (SIGINT to the process group): exit 0 within 5 s, element messages
#      with `position` near -0.5 and +0.5 for two-mics.sh, no samples
#      dropped by the capture ("Can't record audio fast enough");
#   2. the element under pulsesrc's clock for SOAK seconds (rounded up to
#      30 s)
#      (pulse_live_soak.py): samples in = out per pad, timestamps
#      continuous, how long after capture the output arrives, the latency
#      query, CPU and RSS;
#   3. nmf-desk under Xvfb (pulse_live_desk.py): the device listed once and
#      chosen in the list, positions shown, a take with exact samples, then
#      the daemon killed: one error about the capture device, no hang;
#   4. live-mic.sh with the daemon killed under it: exit 1, no hang.
#
#   tests/bench/pulse-live.sh [SECONDS [SOAK]]     (defaults 20 and 300)
#
# Needs pulseaudio and pulseaudio-utils (Debian 12: apt-get install -y
# pulseaudio pulseaudio-utils), xvfb, python3-gi. The daemon runs with its
# own runtime directory and HOME, as root too (no --system), so that no
# other program on the machine finds it; it is stopped at the end. The
# build is build/ (BUILD=DIR for another). Exit status: the number of
# failed checks (0: all passed).
set -u
cd "$(dirname "$0")/../.."
root=$PWD
secs=${1:-20} soak=${2:-300}
build=${BUILD:-build}
for prog in pulseaudio pactl xvfb-run /usr/bin/python3; do
  command -v "$prog" >/dev/null || {
    echo "pulse-live.sh: $prog not found (apt-get install -y pulseaudio pulseaudio-utils xvfb python3-gi)" >&2
    exit 77
  }
done
[ -f "$build/plugin/libgstnmf.so" ] || { echo "pulse-live.sh: build $build first" >&2; exit 77; }

work=$(mktemp -d)
export XDG_RUNTIME_DIR=$work/run HOME=$work/home
export PULSE_SERVER=unix:$XDG_RUNTIME_DIR/pulse/native
export GST_PLUGIN_PATH=$root/$build/plugin GST_REGISTRY=$work/registry.bin
mkdir -m 700 "$XDG_RUNTIME_DIR" "$HOME"
player=
stop_all () {
  [ -z "$player" ] || kill -- -"$player" 2>/dev/null
  local pid
  pid=$(cat "$XDG_RUNTIME_DIR/pulse/pid" 2>/dev/null) && kill "$pid" 2>/dev/null
  sleep 0.5
  rm -rf "$work"
}
trap stop_all EXIT
fails=0
check () { if eval "$1"; then echo "ok    $2"; else echo "FAIL  $2"; fails=$((fails + 1)); fi; }

start_server () {
  pulseaudio -n --daemonize=yes --exit-idle-time=-1 --log-target=file:"$work/pulse.log" \
    -L module-native-protocol-unix \
    -L "module-null-sink sink_name=mix channels=2 rate=48000 sink_properties=device.description=VirtualMix" \
    -L "module-null-sink sink_name=out channels=2 sink_properties=device.description=VirtualOut" \
    || { echo "pulse-live.sh: the daemon did not start (see $work/pulse.log)" >&2; exit 1; }
  pactl set-default-sink out && pactl set-default-source mix.monitor || exit 1
  [ -z "$player" ] || kill -- -"$player" 2>/dev/null
  # (its own process group: stopped as one)
  setsid gst-launch-1.0 -q audiomixer name=m ! audio/x-raw,rate=48000,channels=2 ! pulsesink device=mix \
    audiotestsrc is-live=true wave=sine freq=440 volume=0.4 ! audio/x-raw,format=F32LE,channels=1,rate=48000 \
      ! audioconvert 'mix-matrix=<<(float)0.92387953>,<(float)0.38268343>>' ! 'audio/x-raw,channels=2,channel-mask=(bitmask)0x3' ! m. \
    audiotestsrc is-live=true wave=square freq=1500 volume=0.15 ! audio/x-raw,format=F32LE,channels=1,rate=48000 \
      ! audioconvert 'mix-matrix=<<(float)0.38268343>,<(float)0.92387953>>' ! 'audio/x-raw,channels=2,channel-mask=(bitmask)0x3' ! m. \
    >"$work/player.log" 2>&1 &
  player=$!
  sleep 1
}
kill_server () { kill "$(cat "$XDG_RUNTIME_DIR/pulse/pid")"; }

# run_interrupted LOG CMD...: CMD in its own process group for $secs s,
# then SIGINT to the group (a Ctrl-C); "STATUS SECONDS" (how long it took
# to end after the signal; 30 s: a hang, killed)
run_interrupted () {
  local log=$1 pid t0 i
  shift
  set -m
  "$@" >"$log" 2>&1 &
  pid=$!
  set +m
  sleep "$secs"
  t0=$(date +%s%N)
  kill -INT -- -"$pid"
  for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL -- -"$pid"
  wait "$pid"
  echo "$? $(( ($(date +%s%N) - t0) / 1000000 ))"
}

start_server
echo "== 1. live-mic.sh, two-mics.sh ($secs s each, then Ctrl-C)"
for script in live-mic.sh two-mics.sh; do
  line=$(pipelines/$script --print)
  check '[ $? = 0 ] && [[ $line == "gst-launch-1.0 -e -m autoaudiosrc "* ]]' "$script --print: $line"
  read -r rc ms < <(run_interrupted "$work/$script.log" pipelines/$script)
  n=$(grep -c 'nmfseparate, timestamp=' "$work/$script.log")
  check '[ "$rc" = 0 ] && [ "$ms" -lt 5000 ]' "$script: exit $rc ${ms} ms after Ctrl-C"
  check '[ "$n" -gt $((secs * 5)) ]' "$script: $n element messages in $secs s"
  check '! grep -q "fast enough" "$work/$script.log"' "$script: no samples dropped by the capture $(grep -o 'Dropped [0-9]* samples' "$work/$script.log" | tr '\n' ' ')"
  if [ "$script" = two-mics.sh ]; then
    pos=$(grep -o 'position=(double)< [^>]*>' "$work/$script.log" | tail -1 | sed 's/.*< //; s/ >//; s/,/ /g')
    check "/usr/bin/python3 -c 'import sys; p = sorted(float(v) for v in sys.argv[1:]); sys.exit(not (len(p) == 2 and abs(p[0] + 0.5) < 0.02 and abs(p[1] - 0.5) < 0.02))' $pos" \
      "two-mics.sh: positions $pos (mixed at -0.5 and +0.5)"
  fi
done

echo "== 2. the element under pulsesrc's clock, $soak s"
/usr/bin/python3 tests/bench/pulse_live_soak.py "$soak" | tee "$work/soak.log" | grep -v '^t=' 
check 'grep -q "^in == out0 == out1: True" "$work/soak.log"' "soak: samples in = out on each pad"
check '[ "$(grep -c " gaps 0 max gap 0 ns " "$work/soak.log")" = 3 ]' "soak: timestamps continuous on each pad (from each DISCONT)"
# a DISCONT from the source (samples dropped: a stalled machine) is
# followed: the outputs jump as the input did
jumps=$(grep -o '(jumps ms [^)]*)' "$work/soak.log" | sort -u | wc -l)
check '[ "$jumps" = 1 ]' "soak: the outputs jump as the input does: $(grep -o '^[a-z0-9]*: .*(jumps ms [^)]*)' "$work/soak.log" | sed 's/ rate.*disconts/ disconts/' | tr '\n' ' ')"

echo "== 3. nmf-desk"
/usr/bin/python3 tests/bench/pulse_live_desk.py "$build/tools/desk/nmf-desk" "$work/desk" \
  "$XDG_RUNTIME_DIR/pulse/pid"
fails=$((fails + $?))

echo "== 4. live-mic.sh, the daemon killed under it"
start_server
set -m
pipelines/live-mic.sh >"$work/killed.log" 2>&1 &
pid=$!
set +m
sleep 5
kill_server
for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && { echo "FAIL  live-mic.sh still runs 30 s after the daemon went"; kill -KILL -- -"$pid"; fails=$((fails + 1)); }
wait "$pid"; rc=$?
check '[ "$rc" = 1 ] && grep -q "Connection terminated" "$work/killed.log"' "live-mic.sh: exit $rc, the error said"

echo "$fails check(s) failed"
exit "$fails"
