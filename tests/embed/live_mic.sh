#!/bin/bash
# pipelines/live-mic.sh: --print gives the live gst-launch line, the one
# run (with -e -m: it lacked them); run for real it must refuse with exit
# status 3 and a clear line when there is no audio device (CI). On a
# machine with sound devices it runs live: then it is stopped after 5 s and
# that counts as a pass. With a capture and a playback device simulated and
# no display it runs without its picture, says so, and ends on Ctrl-C (sent
# once the element has posted a message)
# (autovideosink's fallback crashed it: segmentation fault); a queue takes
# the capture right after the device; its check of
# the playback device plays silence (it beeped, a 440 Hz sine); Ctrl-C
# while it checks the devices stops it (it was ignored: the live pipeline
# started anyway).
#   live_mic.sh LIVE_MIC_SH PLUGIN_DIR
set -u
script=$(realpath "$1") plugin_dir=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GST_PLUGIN_PATH_1_0="$plugin_dir"
export GST_REGISTRY="$work/registry.bin"
fails=0
fail () { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# the device probes' verdict on gst-launch -v outputs as they come: a real
# device whose caps line deep-notify lost under load (it printed another
# line twice) is still a device, found by the clock it gives; the fallbacks
# and a device that fails are none
. "$(dirname "$script")/common.sh"
pulse_caps='/GstPipeline:pipeline0/GstAutoAudioSink:autoaudiosink0/GstPulseSink:autoaudiosink0-actual-sink-pulse.GstPad:sink: caps = audio/x-raw, format=(string)S16LE'
ghost='/GstPipeline:pipeline0/GstAutoAudioSink:autoaudiosink0.GstGhostPad:sink: caps = audio/x-raw, format=(string)S16LE'
fake_caps='/GstPipeline:pipeline0/GstAutoAudioSink:autoaudiosink0/GstFakeSink:fake-audio-sink.GstPad:sink: caps = audio/x-raw, format=(string)S16LE'
device_probe_found Sink 0 "$ghost
$pulse_caps
New clock: GstPulseSinkClock" || fail "probe: a real sink with its caps line not found"
device_probe_found Sink 0 "$ghost
$ghost
New clock: GstPulseSinkClock" || fail "probe: a real sink whose caps line was lost not found"
device_probe_found Sink 0 "$ghost
$fake_caps
New clock: GstSystemClock" && fail "probe: the fakesink fallback taken for a device"
device_probe_found Sink 0 "$ghost
New clock: GstSystemClock" && fail "probe: the fakesink fallback (its line lost) taken for a device"
device_probe_found Src 1 "New clock: GstAudioSrcClock
ERROR: from element /GstPipeline:pipeline0/GstAutoAudioSrc:autoaudiosrc0/GstOpenalSrc:autoaudiosrc0-actual-src-opena: Internal data stream error." \
  && fail "probe: a capture device that failed taken for a device"
device_probe_found Src 0 "/GstPipeline:pipeline0/GstAutoAudioSrc:autoaudiosrc0/GstAudioTestSrc:fake-audio-src.GstPad:src: caps = audio/x-raw
New clock: GstSystemClock" && fail "probe: the audiotestsrc fallback taken for a device"

line=$("$script" --print --sources 3 --play 1) || fail "--print failed"
echo "$line"
case "$line" in
  "gst-launch-1.0 -e -m autoaudiosrc ! "*"nmfseparate name=s n-sources=3"*"s.src_1 ! audioconvert ! audioresample ! autoaudiosink"*) ;;
  *) fail "--print line unexpected" ;;
esac
# the capture thread hands its buffers to a queue and goes back to the
# device: pushed through the element it waited with it while the sound card
# held the output back, and a PulseAudio source dropped samples ("Can't
# record audio fast enough", tests/bench/pulse-live.sh)
case "$line" in
  "gst-launch-1.0 -e -m autoaudiosrc ! queue ! "*) ;;
  *) fail "--print: no queue right after the capture" ;;
esac
case "$("$script" --print --channels 2)" in
  "gst-launch-1.0 -e -m autoaudiosrc ! audio/x-raw,channels=2 ! queue ! "*) ;;
  *) fail "--print --channels 2: no queue right after the capture" ;;
esac
gst-inspect-1.0 nmfseparate >/dev/null || fail "nmfseparate not found"

timeout 5 "$script" >"$work/out.txt" 2>&1; rc=$?
cat "$work/out.txt"
case "$rc" in
  3) grep -q "no audio \(capture\|playback\) device found" "$work/out.txt" \
       || fail "exit 3 without the no-device message" ;;
  124) echo "sound devices present: the live pipeline ran for 5 s" ;;
  *) fail "exit $rc: expected 3 (no device) or to keep running" ;;
esac
"$script" --play 2 2>/dev/null; [ $? = 2 ] || fail "--play 2 of 2 accepted"

# the devices simulated: interaudiosrc and interaudiosink ranked above every
# real source and sink, so that autoaudiosrc/autoaudiosink take them
# (silence in, nothing out); no display; Ctrl-C once the element has posted
# a message (the live pipeline runs)
if gst-inspect-1.0 interaudiosrc >/dev/null 2>&1; then
  # every gst-launch-1.0 the script runs, logged
  mkdir "$work/bin"
  real=$(command -v gst-launch-1.0)
  printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s"\nexec "%s" "$@"\n' \
    "$work/launches" "$real" >"$work/bin/gst-launch-1.0"
  chmod +x "$work/bin/gst-launch-1.0"
  # (the Ctrl-C comes from timeout, told by a signal: it passes it on as its
  # timer would; the timer bounds the run should the message never come)
  set -m
  env -u DISPLAY -u WAYLAND_DISPLAY PATH="$work/bin:$PATH" \
    GST_PLUGIN_FEATURE_RANK=interaudiosrc:300,interaudiosink:300 \
    timeout --preserve-status -s INT 90 "$script" >"$work/nodisplay.txt" 2>&1 &
  pid=$!
  for ((i = 0; i < 600; i++)); do
    grep -q 'nmfseparate, timestamp=' "$work/nodisplay.txt" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q 'nmfseparate, timestamp=' "$work/nodisplay.txt" \
    || fail "no display: the element posted no message in 60 s (it did not run)"
  kill -INT "$pid" 2>/dev/null
  wait "$pid"; rc=$?
  set +m
  grep -v '^ALSA\|^AL lib\|^cannot find card' "$work/nodisplay.txt" | tail -n 4
  [ "$rc" = 0 ] || fail "no display: exit $rc, expected 0 after Ctrl-C"
  grep -q '^live-mic.sh: no display (DISPLAY and WAYLAND_DISPLAY are not set): no picture, the sound alone$' \
    "$work/nodisplay.txt" || fail "no display: not said"
  probes=$(grep -v nmfseparate "$work/launches" | grep autoaudiosink)
  [ -n "$probes" ] || fail "no check of the playback device was run"
  grep -v 'wave=silence' <<<"$probes" && fail "the playback device's check makes a sound"
  env -u DISPLAY -u WAYLAND_DISPLAY "$script" --print | grep -q 'viz' \
    && fail "no display: --print still has the picture"
  DISPLAY=:99 "$script" --print | grep -q 's.viz ! queue ! videoconvert ! autovideosink$' \
    || fail "a display: --print has no picture"

  # Ctrl-C during the check of the capture device (made to last 3 s)
  : >"$work/launches"
  printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s"\ncase "$*" in *eos-after*) sleep 3 ;; esac\nexec "%s" "$@"\n' \
    "$work/launches" "$real" >"$work/bin/gst-launch-1.0"
  set -m
  env -u DISPLAY -u WAYLAND_DISPLAY PATH="$work/bin:$PATH" \
    GST_PLUGIN_FEATURE_RANK=interaudiosrc:300,interaudiosink:300 \
    timeout 20 "$script" >"$work/int.txt" 2>&1 &
  pid=$!
  # the check of the capture device under way (its launch logged, then
  # made to last 3 s)
  for ((i = 0; i < 1000; i++)); do
    grep -q 'eos-after' "$work/launches" && break
    sleep 0.02
  done
  grep -q 'eos-after' "$work/launches" \
    || fail "Ctrl-C while checking the devices: no check of the capture device began in 20 s"
  kill -INT -- -"$pid"
  wait "$pid"; rc=$?
  set +m
  [ "$rc" = 130 ] || fail "Ctrl-C while checking the devices: exit $rc, expected 130"
  grep -q nmfseparate "$work/launches" && fail "Ctrl-C while checking the devices: the live pipeline started"
  echo "Ctrl-C while checking the devices: exit $rc"
else
  echo "SKIP (part): no interaudiosrc (gstreamer1.0-plugins-bad) to simulate the devices"
fi

[ "$fails" -eq 0 ] && echo "all checks passed"
[ "$fails" -eq 0 ]
