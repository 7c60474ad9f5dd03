#!/bin/bash
# End to end: pipelines a user gets wrong, and pipelines that used to hang,
# run with gst-launch-1.0 under a time bound.  Each must end on its own:
# a mistake with a clear error (at link time when the pad cannot exist),
# a valid pipeline with EOS and exactly the input's samples.
#   pipeline_mistakes.sh MAKE_MIXTURE PLUGIN_DIR
set -u
make_mixture=$(realpath "$1")
plugin_dir=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/use-build-plugin.sh"
use_build_plugin "$plugin_dir" "$work"

"$make_mixture" "$work" 4 44100 >/dev/null
mix="$work/mix.wav"
failures=0
fail () { echo "FAIL: $*"; failures=$((failures + 1)); }

# run NAME SECONDS PIPELINE...: gst-launch with a time bound; sets $rc and
# leaves its output in $work/NAME.log
run () {
  local name=$1 bound=$2
  shift 2
  timeout "$bound" gst-launch-1.0 "$@" >"$work/$name.log" 2>&1
  rc=$?
  # GStreamer 1.22's gst-launch-1.0 loses its quit when an error comes
  # before its main loop runs (see gst_launch in pipelines/common.sh): it
  # printed the error, and never began "Setting pipeline to NULL". That is
  # its wait, not the element's: the run ended with its error.
  if [ "$rc" -eq 124 ] && grep -q '^ERROR: from element' "$work/$name.log" \
      && ! grep -q '^Setting pipeline to NULL' "$work/$name.log"; then
    echo "($name: gst-launch-1.0 lost its quit after the error; counted as ended)"
    rc=1
  fi
  if [ "$rc" -eq 124 ]; then
    fail "$name: still running after $bound s (a hang)"
  fi
}

# must_fail NAME PATTERN PIPELINE...: ends with an error whose text matches
must_fail () {
  local name=$1 pattern=$2
  shift 2
  run "$name" 20 "$@"
  if [ "$rc" -eq 0 ]; then
    fail "$name: succeeded"
  elif [ "$rc" -ne 124 ] && ! grep -Eq "$pattern" "$work/$name.log"; then
    fail "$name: the error does not say '$pattern':"
    sed 's/^/    /' "$work/$name.log"
  fi
  if grep -q CRITICAL "$work/$name.log"; then
    fail "$name: a GStreamer-CRITICAL"
    grep CRITICAL "$work/$name.log"
  fi
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo "ok: $name"
}

# wav_info FILE: "FRAMES CHANNELS" from the header of a finalized WAV
wav_info () {
  python3 - "$1" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
pos, ch, bpf, frames = 12, 0, 0, -1
while pos + 8 <= len(d):
    cid, size = d[pos:pos + 4], struct.unpack('<I', d[pos + 4:pos + 8])[0]
    if cid == b'fmt ':
        ch, bpf = struct.unpack('<H', d[pos + 10:pos + 12])[0], \
            struct.unpack('<H', d[pos + 20:pos + 22])[0]
    elif cid == b'data':
        frames = size // bpf
    pos += 8 + size + (size & 1)
print(frames, ch)
EOF
}

# wav_files_are NAME "FRAMES CHANNELS" FILE...: after run NAME, each file
# a finalized WAV of that many frames and channels
wav_files_are () {
  local name=$1 want=$2 f info
  shift 2
  if [ "$rc" -eq 0 ]; then
    for f in "$@"; do
      info=$(wav_info "$f")
      [ "$info" = "$want" ] || fail "$name: $(basename "$f") has '$info' (frames channels), not '$want'"
    done
    echo "ok: $name"
  elif [ "$rc" -ne 124 ]; then
    fail "$name: exit status $rc"
    sed 's/^/    /' "$work/$name.log"
  fi
}

src="filesrc location=$mix ! wavparse ! audioconvert"

# a source pad that n-sources does not have: refused when linking
must_fail pad_beyond_n_sources "could not link" $src ! \
  nmfseparate name=s n-sources=1 s.src_0 ! fakesink s.src_1 ! fakesink
# the picture pad twice
must_fail viz_twice "could not link" $src ! nmfseparate name=s \
  s.src_0 ! fakesink s.src_1 ! fakesink s.viz ! fakesink s.viz ! fakesink
# the picture pad into elements that take none of its formats
if gst-inspect-1.0 theoraenc >/dev/null 2>&1; then
  must_fail viz_theoraenc "could not link|not-negotiated|negotiat" $src ! \
    nmfseparate name=s s.src_0 ! fakesink s.src_1 ! fakesink \
    s.viz ! theoraenc ! fakesink
fi
for caps in "video/x-raw,width=15" "video/x-raw,format=I420" \
    "video/x-raw,framerate=200/1" "image/png"; do
  must_fail "viz_caps_${caps//[^a-z0-9]/_}" "could not link|negotiat" $src ! \
    nmfseparate name=s s.src_0 ! fakesink s.src_1 ! fakesink \
    s.viz ! "$caps" ! fakesink
done
# settings that would need gigabytes: a clear error, not an out-of-memory
# kill
must_fail too_much_memory "MiB of memory" $src ! \
  nmfseparate name=s window-frames=100000 lookahead-frames=100000 \
  s.src_0 ! fakesink s.src_1 ! fakesink

# the tee trap: the file profile holds 6 s of input; with the input teed
# to a real-time sink through a default queue (1 s) the pipeline must still
# preroll, play to the end, and give every sample
run tee_trap 60 $src ! tee name=t t. ! queue ! fakesink sync=true \
  t. ! queue ! nmfseparate name=s \
  s.src_0 ! wavenc ! filesink location="$work/tee0.wav" \
  s.src_1 ! wavenc ! filesink location="$work/tee1.wav"
wav_files_are tee_trap "176400 1" "$work/tee0.wav" "$work/tee1.wav"

# nine channels in, nine channels out (microphone arrays have more than 8)
run nine_channels 60 audiotestsrc num-buffers=20 samplesperbuffer=4410 ! \
  audio/x-raw,rate=44100,channels=9 ! audioconvert ! \
  nmfseparate name=s profile=live \
  s.src_0 ! wavenc ! filesink location="$work/c9_0.wav" s.src_1 ! fakesink
wav_files_are nine_channels "88200 9" "$work/c9_0.wav"

# a plain float WAV of 3 channels (no channel positions, as numpy and most
# recorders write one) straight into the element: taken as unpositioned
# channels (it was "invalid caps")
/usr/bin/python3 - "$work/plain3.wav" <<'EOF' || exit 1
import math, struct, sys
n, c, rate = 44100, 3, 44100
data = b"".join(struct.pack("<3f", math.sin(i * 0.06), math.sin(i * 0.09), 0.5 * math.sin(i * 0.06))
                for i in range(n))
fmt = struct.pack("<HHIIHH", 3, c, rate, rate * 4 * c, 4 * c, 32)
with open(sys.argv[1], "wb") as f:
    f.write(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE")
    f.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data)
EOF
run plain_three_channels 60 filesrc location="$work/plain3.wav" ! wavparse ! \
  nmfseparate name=s profile=live \
  s.src_0 ! wavenc ! filesink location="$work/p3_0.wav" s.src_1 ! fakesink
wav_files_are plain_three_channels "44100 3" "$work/p3_0.wav"

# playbin's audio-filter takes one sink and one src pad: nmfextract
run playbin_filter 60 playbin uri="file://$mix" \
  audio-filter="nmfextract source=1" video-sink=fakesink \
  audio-sink="wavenc ! filesink location=$work/pb.wav"
wav_files_are playbin_filter "176400 1" "$work/pb.wav"
# nmfextract: a source n-sources does not have is an error
must_fail extract_beyond "does not exist" $src ! nmfextract source=2 ! fakesink
# the reason is the error's text, not a debug line under "Internal
# GStreamer error: pad problem. Please file a bug"
grep -q "Please file a bug" "$work/extract_beyond.log" \
  && fail "extract_beyond: reads as an internal GStreamer error"

# the picture with synced sinks and an STFT longer than half a second: the
# audio comes out that much after its pictures, and the sinks preroll on it
# (a picture queue of half a second filled first: it never prerolled)
for c in "8000 8192 40" "44100 32768 100"; do
  read -r r f n <<<"$c"
  run "viz_long_fft_$f" 60 audiotestsrc num-buffers="$n" wave=pink-noise ! \
    "audio/x-raw,rate=$r,channels=1" ! nmfseparate name=s profile=live \
    fft-size="$f" s.src_0 ! fakesink sync=true \
    s.src_1 ! fakesink sync=true s.viz ! fakesink sync=true
  [ "$rc" -eq 0 ] && echo "ok: viz_long_fft_$f" \
    || { [ "$rc" -eq 124 ] || fail "viz_long_fft_$f: exit $rc"; }
done

# an unnamed link takes a source pad, not the picture: "nmfseparate !
# fakesink" got the viz pad (RGBA video), and "! queue ! audioconvert"
# could not link
# an unnamed link to a pad that takes any caps (identity) gets src_0, not
# the picture: its audio then reaches wavenc whole.  (Read from the data,
# not from gst-launch -v, whose caps lines come from deep-notify and now
# and then print one pad twice and another not at all.)
run unnamed_link 20 audiotestsrc num-buffers=20 ! nmfseparate ! identity ! \
  wavenc ! filesink location="$work/unnamed_link.wav"
wav_files_are unnamed_link "20480 1" "$work/unnamed_link.wav"
run unnamed_link_convert 20 audiotestsrc num-buffers=20 ! nmfseparate ! \
  queue ! audioconvert ! fakesink
[ "$rc" -eq 0 ] && echo "ok: unnamed_link_convert" \
  || fail "unnamed_link_convert: exit $rc: $(tail -2 "$work/unnamed_link_convert.log")"

[ "$failures" -eq 0 ] && echo "all pipeline checks passed"
[ "$failures" -eq 0 ]
