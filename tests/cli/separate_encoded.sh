#!/bin/bash
# nmftool separate on encoded files (Ogg Vorbis at 44.1 and 22.05 kHz,
# FLAC, MP3) made here from a generated mixture: complete WAV files of equal
# length, a progress line at 100 %, and a summary whose length per file is
# the frames written / the rate. On Ogg Vorbis the decoder's last sample
# ends a fraction of a sample past the segment's stop; the position was
# then lost for the element's last (look-ahead) buffer and a 13 s file was
# reported as "0:07.0 each", its progress ending at 54 %.
# On MP3 the parser's duration is an estimate a little past the end (or
# none yet when the run is short): the 100 % line was missing.
# A chained Ogg file of one format separates whole (it failed); one whose
# format changes is refused saying so (separate and learn). An Ogg file
# with a garbage tail ends at once, also when decodebin drops its error.
#   separate_encoded.sh NMFTOOL MAKE_MIXTURE WAVCHECK PLUGIN_DIR
set -u
nmftool=$(realpath "$1") make_mixture=$(realpath "$2") wavcheck=$(realpath "$3")
plugin_dir=$(realpath "$4")
. "$(dirname "$0")/scratch.sh" "$plugin_dir"

# encode SECONDS CAPS ENCODER... > FILE
encode () {
  local secs=$1 caps=$2 out=$3; shift 3
  mkdir -p "m$secs"
  [ -f "m$secs/mix.wav" ] || "$make_mixture" "m$secs" "$secs" >/dev/null || exit 1
  gst-launch-1.0 -q filesrc location="m$secs/mix.wav" ! wavparse ! audioconvert ! \
    audioresample ! "audio/x-raw,$caps" ! "$@" ! filesink location="$out" \
    || { fail "cannot make $out"; return 1; }
}
encode 13 rate=44100,channels=1 vorbis44.ogg vorbisenc ! oggmux
encode 7 rate=22050,channels=1 vorbis22.ogg vorbisenc ! oggmux
encode 7 rate=48000,channels=2 stereo.flac flacenc
encode 7 rate=44100,channels=2 stereo.mp3 lamemp3enc ! id3v2mux

for f in vorbis44.ogg vorbis22.ogg stereo.flac stereo.mp3; do
  [ -s "$f" ] || continue
  out=out-${f%.*}-${f##*.}
  timeout 120 "$nmftool" separate --sources 2 --progress lines "$f" "$out" >"$out.log" 2>&1
  rc=$?
  [ "$rc" = 0 ] || { fail "$f: exit $rc: $(cat "$out.log")"; continue; }
  n0= rate=
  for i in 0 1; do
    if info=$("$wavcheck" "$out/source$i.wav"); then
      read -r n _ r _ <<<"$info"
      [ -z "$n0" ] && n0=$n rate=$r
      [ "$n" = "$n0" ] || fail "$f: source$i.wav has $n frames, source0.wav $n0"
    else
      fail "$f: $out/source$i.wav is not a complete WAV file"
    fi
  done
  [ -n "$n0" ] || continue
  # the summary's length, as nmftool formats it (m:ss.s)
  want=$(awk -v n="$n0" -v r="$rate" 'BEGIN { s = n / r; m = int(s / 60); printf "%d:%04.1f", m, s - 60 * m }')
  grep -q "(2 sources, $want each," "$out.log" \
    || fail "$f: $n0 frames at $rate Hz is $want, the summary says: $(tail -1 "$out.log")"
  grep -q '^nmftool separate: 100% ' "$out.log" \
    || fail "$f: the progress did not reach 100 %: $(grep '%' "$out.log" | tail -1)"
  echo "$f: $n0 frames at $rate Hz; $(tail -1 "$out.log")"
done

# a chained Ogg file (two encodings: two serial numbers), where decodebin
# puts a new pad in place of the first: chains of one format go on as one
# stream (the frames of both), a chain in another format is an error
# saying so, for separate and learn alike, with no file left (both were
# "Internal data stream error. (from oggdemux0)")
encode 7 rate=22050,channels=1 vorbis22b.ogg vorbisenc ! oggmux
cat vorbis22.ogg vorbis22b.ogg >same-chain.ogg
timeout 120 "$nmftool" separate -q --sources 2 same-chain.ogg out-same >same.log 2>&1 \
  || fail "a chain of one format: $(cat same.log)"
read -r n1 _ < <("$wavcheck" out-vorbis22-ogg/source0.wav)
read -r n2 _ < <("$wavcheck" out-same/source0.wav)
[ "$n2" = $((2 * n1)) ] || fail "a chain of one format: $n2 frames, expected 2 x $n1"
timeout 120 "$nmftool" learn --components 2 --in same-chain.ogg --out same.npy >same.log 2>&1 \
  && grep -q "learned from 14.0 s" same.log || fail "learn on a chain of one format: $(cat same.log)"
cat vorbis22.ogg vorbis44.ogg >mixed-chain.ogg
for cmd in "separate -q --sources 2 mixed-chain.ogg out-mixed" \
    "learn --components 2 --in mixed-chain.ogg --out mixed.npy"; do
  # shellcheck disable=SC2086
  timeout 120 "$nmftool" $cmd >mixed.log 2>&1
  rc=$?
  [ "$rc" = 1 ] && [ "$(grep -c '' mixed.log)" = 1 ] \
    && grep -q "mixed-chain.ogg: the audio format changes mid-stream (22050 Hz, 1 channel(s), then 44100 Hz, 1 channel(s)" mixed.log \
    || fail "${cmd%% *} on a chain of two formats: exit $rc: $(cat mixed.log)"
  echo "${cmd%% *} on a chain of two formats: $(cat mixed.log)"
done
[ ! -e out-mixed ] && [ ! -e mixed.npy ] || fail "a chain of two formats: files left"

# an Ogg file with a garbage tail (tests/cli/data): GStreamer 1.22's
# decodebin now and then drops oggdemux's error ("can't get first chain"),
# and nothing else comes: the run waited out the 10 s stall bound (1 run in
# 15 to 20). Now the stopped demuxer is seen at once: 100 runs, each ending
# within 5 s with exit status 1 and no directory made
cp "$(dirname "$(realpath "$0")")/data/garbage-tail.ogg" garbage-tail.ogg
stalls=0 seen=0
for i in $(seq 100); do
  start=$(date +%s)
  timeout 30 "$nmftool" separate -q --sources 2 garbage-tail.ogg out-gt >gt.log 2>&1
  rc=$?
  [ "$rc" = 1 ] || { fail "garbage-tail.ogg run $i: exit $rc: $(cat gt.log)"; break; }
  [ ! -e out-gt ] || { fail "garbage-tail.ogg run $i: out-gt left"; break; }
  [ $(( $(date +%s) - start )) -ge 5 ] && stalls=$((stalls + 1))
  grep -q 'oggdemux[0-9]* stopped without an error and without output' gt.log \
    && seen=$((seen + 1))
done
[ "$stalls" -eq 0 ] || fail "garbage-tail.ogg: $stalls of $i runs took 5 s or more (the decoder's dropped error waited out the stall bound)"
echo "garbage-tail.ogg: $i runs ($seen ended by the stopped demuxer): $(cat gt.log)"

[ "$fails" -eq 0 ] && echo "all checks passed"
[ "$fails" -eq 0 ]
