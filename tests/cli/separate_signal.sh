#!/bin/bash
# nmftool separate changes nothing about the signal without saying so:
# - a plain PCM WAV of 3 channels (no channel positions) is separated;
# - the files have the input's channels: a 9-channel input gives 9-channel
#   files, or (if the element takes fewer) is refused with the limit, as
#   is an input with one channel more than the limit (nmfseparate's sink
#   caps, at most 63: audioconvert's); it used to be downmixed to 8 without
#   a word, and 64 channels made audioconvert fail a CRITICAL;
# - --format s16 warns with the number of samples it clips (it used to
#   clip them silently), and the count is the number of samples found at
#   full scale in the 16-bit file; no warning for f32 or a quiet input.
#   separate_signal.sh NMFTOOL MAKE_MIXTURE WAVCHECK PLUGIN_DIR
set -u
nmftool=$(realpath "$1") make_mixture=$(realpath "$2") wavcheck=$(realpath "$3")
plugin_dir=$(realpath "$4")
. "$(dirname "$0")/scratch.sh" "$plugin_dir"

# the element's channel limit, as gst-inspect shows its sink caps
limit=$(gst-inspect-1.0 nmfseparate | sed -n '/SINK template/,/SRC template/s/^ *channels: \[ 1, \([0-9]*\) \]/\1/p' | head -1)
[ -n "$limit" ] || { echo "cannot read nmfseparate's channel limit" >&2; exit 1; }
[ "$limit" -gt 63 ] && limit=63
echo "channel limit: $limit"

# tone FILE CHANNELS [AMPLIFICATION]: 1.2 s of a sine, unpositioned channels
tone () {
  gst-launch-1.0 -q audiotestsrc num-buffers=50 freq=440 ! \
    "audio/x-raw,format=F32LE,rate=44100,channels=$2,channel-mask=(bitmask)0" ! \
    audioamplify amplification="${3:-0.5}" clipping-method=none ! \
    wavenc ! filesink location="$1" || exit 1
}

# --- channels ---
for ch in $(printf "%s\n" 9 $((limit + 1)) | sort -nu); do
  tone "ch$ch.wav" "$ch"
  timeout 120 "$nmftool" separate -q --sources 2 "ch$ch.wav" "out$ch" >"ch$ch.log" 2>&1
  rc=$?
  if [ "$ch" -le "$limit" ]; then
    [ "$rc" = 0 ] || { fail "$ch channels: exit $rc: $(cat "ch$ch.log")"; continue; }
    for i in 0 1; do
      read -r _ got _ < <("$wavcheck" "out$ch/source$i.wav") \
        || { fail "$ch channels: source$i.wav incomplete"; continue; }
      [ "$got" = "$ch" ] || fail "$ch channels in, $got in source$i.wav"
    done
    echo "$ch channels: files with $ch channels"
  else
    [ "$rc" = 1 ] || fail "$ch channels (limit $limit): exit $rc, expected 1: $(cat "ch$ch.log")"
    grep -q "the input has $ch channels; nmftool separate takes 1\.\.$limit " "ch$ch.log" \
      || fail "$ch channels: the error does not give the limit: $(cat "ch$ch.log")"
    [ "$(grep -c '' "ch$ch.log")" = 1 ] || fail "$ch channels: not one line: $(cat "ch$ch.log")"
    [ ! -e "out$ch" ] || fail "$ch channels: out$ch left behind"
    echo "$ch channels: $(cat "ch$ch.log")"
  fi
done

# the refusal is clean every time: no GStreamer-WARNING after it (the
# decoder's EOS used to reach the wavencs, which then wrote headers with
# no segment, in about one run of ten)
ch=$((limit + 1)) warned=0
for _ in $(seq 20); do
  timeout 60 "$nmftool" separate -q --sources 2 "ch$ch.wav" "out$ch" >again.log 2>&1
  [ "$(grep -c '' again.log)" = 1 ] || warned=$((warned + 1))
done
[ "$warned" = 0 ] || fail "$ch channels: $warned of 20 refusals printed more than the error: $(cat again.log)"
echo "$ch channels: refused 20 times, $warned with more than the error line"

# a plain PCM WAV of 3 channels (what most tools write for a microphone
# array: no channel positions) is separated into 3-channel files; it used
# to fail with "Internal data stream error" (audioconvert refuses caps
# without a channel-mask above two channels)
/usr/bin/python3 - plain3.wav <<'EOF' || exit 1
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(3); w.setsampwidth(2); w.setframerate(44100)
frames = bytearray()
for i in range(44100):
    a = math.sin(2 * math.pi * 440 * i / 44100); b = math.sin(2 * math.pi * 660 * i / 44100)
    frames += struct.pack("<3h", int(8000 * a), int(8000 * (a + b) / 2), int(8000 * b))
w.writeframes(bytes(frames)); w.close()
EOF
if timeout 120 "$nmftool" separate -q --sources 2 plain3.wav out3 >plain3.log 2>&1; then
  for i in 0 1; do
    read -r frames got _ < <("$wavcheck" "out3/source$i.wav")
    [ "${got:-}" = 3 ] && [ "${frames:-}" = 44100 ] \
      || fail "plain 3-channel WAV: source$i.wav has ${got:-?} channels, ${frames:-?} frames"
  done
  echo "plain 3-channel WAV: two 3-channel files of 44100 frames"
else
  fail "plain 3-channel WAV: $(cat plain3.log)"
fi

# --- clipping in 16-bit files ---
tone loud.wav 1 2.0                          # peaks at +4.1 dBFS
timeout 120 "$nmftool" separate -q --sources 1 --format s16 loud.wav outs16 >s16.log 2>&1 \
  || fail "loud s16: $(cat s16.log)"
cat s16.log
count=$(sed -n 's/^nmftool separate: warning: \([0-9]*\) of [0-9]* samples .*clipped.*/\1/p' s16.log)
if [ -z "$count" ]; then
  fail "--format s16 clipped without a warning"
else
  rails=$(/usr/bin/python3 - outs16/source0.wav <<'EOF'
import struct, sys, wave
w = wave.open(sys.argv[1])
n = w.getnframes() * w.getnchannels()
d = struct.unpack("<%dh" % n, w.readframes(w.getnframes()))
print(sum(1 for x in d if abs(x) >= 32767))
EOF
)
  echo "warned of $count clipped samples; $rails samples at full scale in the file"
  awk -v c="$count" -v r="$rails" 'BEGIN { d = c - r; if (d < 0) d = -d; exit !(c > 0 && d <= 0.01 * r) }' \
    || fail "the warning's count $count is not the $rails samples at full scale"
fi
timeout 120 "$nmftool" separate -q --sources 1 loud.wav outf32 >f32.log 2>&1 || fail "loud f32: $(cat f32.log)"
grep -q warning f32.log && fail "a warning for f32 output: $(cat f32.log)"
"$make_mixture" . 4 >/dev/null || exit 1
timeout 120 "$nmftool" separate -q --sources 2 --format s16 mix.wav outmix >mix.log 2>&1 || fail "mix s16: $(cat mix.log)"
grep -q warning mix.log && fail "a clipping warning for a quiet mixture: $(cat mix.log)"

[ "$fails" -eq 0 ] && echo "all checks passed"
[ "$fails" -eq 0 ]
