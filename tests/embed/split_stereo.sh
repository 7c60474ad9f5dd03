#!/bin/bash
# pipelines/split-stereo.sh on a panned stereo mixture made here (the two
# sources of a generated mixture through audiopanorama, -0.5 and +0.6, the
# simple law): one stereo WAV per source with exactly the input's frames,
# each source's pan printed (the simple law puts -0.5 at gains (1, 0.5),
# i.e. the constant-power pan -0.41, and +0.6 at (0.4, 1), +0.52), the two
# files summing to the input; file names with a backslash and a quote; a
# failed run leaves no file; a mono input gets the element's reason for
# no demixing; and pipelines/two-mics.sh: its live line
# asks for two channels, and without a stereo capture device it refuses.
#   split_stereo.sh SPLIT_STEREO_SH TWO_MICS_SH MAKE_MIXTURE WAVCHECK PLUGIN_DIR
set -u
script=$(realpath "$1") two_mics=$(realpath "$2") make_mixture=$(realpath "$3")
wavcheck=$(realpath "$4") plugin_dir=$(realpath "$5")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GST_PLUGIN_PATH_1_0="$plugin_dir"
export GST_REGISTRY="$work/registry.bin"
fails=0
fail () { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

"$make_mixture" "$work" 12 >/dev/null || exit 1
gst-launch-1.0 -q audiomixer name=mix ! audioconvert ! \
  audio/x-raw,format=F32LE,channels=2 ! wavenc ! filesink location="$work/stereo.wav" \
  filesrc location="$work/source_0.wav" ! wavparse ! audioconvert ! \
  audiopanorama method=simple panorama=-0.5 ! mix. \
  filesrc location="$work/source_1.wav" ! wavparse ! audioconvert ! \
  audiopanorama method=simple panorama=0.6 ! mix. || exit 1
read -r frames ch rate _ < <("$wavcheck" "$work/stereo.wav") || exit 1
echo "input: $frames frames, $ch channels"

"$script" "$work/stereo.wav" "$work/out//" >"$work/said.txt" || fail "exit $?"
cat "$work/said.txt"
# OUTDIR's trailing slashes are not in the names printed (out//source_0.wav)
for k in 0 1; do
  grep -q "^source $k: $work/out/source_$k.wav, pan " "$work/said.txt" \
    || fail "source $k: not named $work/out/source_$k.wav"
done
for k in 0 1; do
  if info=$("$wavcheck" "$work/out/source_$k.wav"); then
    read -r got gch grate _ <<<"$info"
    [ "$got $gch $grate" = "$frames $ch $rate" ] \
      || fail "source $k: $got frames, $gch ch, $grate Hz; input $frames, $ch, $rate"
  else
    fail "source $k is not a complete WAV file"
  fi
done
pans=$(sed -n 's/.*pan \([-+][0-9.]*\)$/\1/p' "$work/said.txt" | sort -g | tr '\n' ' ')
read -r left right <<<"$pans"
awk -v l="${left:-9}" -v r="${right:-9}" 'BEGIN { exit !(l > -0.45 && l < -0.37 && r > 0.48 && r < 0.56) }' \
  || fail "pans '$pans', expected about -0.41 and +0.52"

# a mono input: no spatial demixing, and the reason is the element's
# (spatial=unused: one channel here; it said "or more sources than
# channels", which are demixed)
"$script" "$work/mix.wav" "$work/mono" >"$work/mono.txt" 2>&1 || fail "mono: exit $?"
grep -q '^no spatial demixing (one channel, or more than 8 channels): separated by timbre$' "$work/mono.txt" \
  || fail "mono: $(grep 'spatial' "$work/mono.txt")"
echo "mono: $(grep 'no spatial' "$work/mono.txt")"

# the sources sum to the input
sum=$(gst-launch-1.0 -q audiomixer name=m ! audioconvert ! audio/x-raw,format=F32LE,channels=2 ! \
  wavenc ! filesink location="$work/sum.wav" \
  filesrc location="$work/out/source_0.wav" ! wavparse ! m. \
  filesrc location="$work/out/source_1.wav" ! wavparse ! m. 2>&1) || fail "summing: $sum"
worst=$(paste -d' ' <(tail -c +45 "$work/sum.wav" | od -An -v -f -w4) \
                   <(tail -c +45 "$work/stereo.wav" | od -An -v -f -w4) |
  awk 'NF == 2 { d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d; n++ }
       END { printf "%g %d\n", m, n }')
echo "sum - input: largest difference and samples: $worst"
read -r diff count <<<"$worst"
awk -v d="$diff" -v n="$count" -v want=$((frames * 2)) 'BEGIN { exit !(d < 1e-4 && n == want) }' \
  || fail "the sources do not sum to the input: $worst"

# any file name: a backslash and a quote in the input's and the output
# directory's names (gst-launch took them as its own syntax); a failed run
# (not audio) leaves no file behind (it left empty source_K.wav)
odd="$work/in \\ \" ! x"
mkdir -p "$odd" && cp "$work/stereo.wav" "$odd/a\\b\".wav"
"$script" "$odd/a\\b\".wav" "$odd/out \" x" >/dev/null 2>&1 || fail "odd names: exit $?"
for k in 0 1; do
  read -r got _ < <("$wavcheck" "$odd/out \" x/source_$k.wav" 2>/dev/null)
  [ "${got:-}" = "$frames" ] || fail "odd names: source_$k.wav has ${got:-no} frames"
done
[ -z "$(find "$odd/out \" x" -name '.split-stereo.*')" ] || fail "odd names: temporary files left"
printf 'not audio' >"$work/bad.wav"
"$script" "$work/bad.wav" "$work/bad" >/dev/null 2>&1 && fail "not audio accepted"
[ -z "$(ls -A "$work/bad" 2>/dev/null)" ] || fail "a failed run left: $(ls -A "$work/bad")"
echo "odd file names: ok; a failed run leaves nothing"

"$script" --sources 9 "$work/stereo.wav" "$work/x" 2>/dev/null; [ $? = 2 ] || fail "--sources 9 accepted"
"$script" "$work/none.wav" "$work/x" 2>/dev/null && fail "missing input accepted"

line=$("$two_mics" --print --play 1) || fail "two-mics --print failed"
case "$line" in
  "gst-launch-1.0 -e -m autoaudiosrc ! audio/x-raw,channels=2 ! "*"nmfseparate name=s"*"s.src_1 ! audioconvert ! audioresample ! autoaudiosink"*) ;;
  *) fail "two-mics --print line unexpected: $line" ;;
esac
timeout 5 "$two_mics" >"$work/mics.txt" 2>&1; rc=$?
cat "$work/mics.txt"
case "$rc" in
  3) grep -q "no audio \(capture\|playback\) device found\|does not give 2 channels" "$work/mics.txt" \
       || fail "two-mics: exit 3 without a reason" ;;
  124) echo "a stereo capture device is present: two-mics ran for 5 s" ;;
  *) fail "two-mics: exit $rc: expected 3 (no device) or to keep running" ;;
esac

[ "$fails" -eq 0 ] && echo "all checks passed"
[ "$fails" -eq 0 ]
