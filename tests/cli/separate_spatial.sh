#!/bin/bash
# nmftool separate says what the element's spatial stage did with several
# channels, after its summary line: a panned mix demixed, with each
# source's position; a room (delays between the channels) separated by
# timbre; nothing for one channel, nor with --quiet.
#   separate_spatial.sh NMFTOOL PLUGIN_DIR
set -u
nmftool=$(realpath "$1") plugin_dir=$(realpath "$2")
gen=$(dirname "$(realpath "$0")")/wav_formats.py
. "$(dirname "$0")/scratch.sh" "$plugin_dir"

# two noise sources of varying level, 4 s, 16-bit: each reaching the
# other microphone later (7 and 3 samples) and weaker ("room"), or one
# source per channel ("pans": each channel a source, as pans of -1 and +1)
/usr/bin/python3 - <<'PY' || exit 1
import random, struct, wave
rate, n = 44100, 4 * 44100
rng = random.Random(7)
src = []
for k in range(2):
    level, s = 1.0, []
    for i in range(n):
        if i % 2205 == 0:
            level = rng.choice([0.0, 0.2, 0.5, 1.0])
        s.append(0.2 * level * (rng.random() * 2 - 1))
    src.append(s)
def write(name, left, right):
    w = wave.open(name, "wb")
    w.setnchannels(2)
    w.setsampwidth(2)
    w.setframerate(rate)
    w.writeframes(b"".join(struct.pack("<hh", round(a * 32767), round(b * 32767))
                           for a, b in zip(left, right)))
    w.close()
def late(s, d):
    return [0.0] * d + s[:-d]
write("room.wav", [a + 0.6 * b for a, b in zip(src[0], late(src[1], 3))],
      [0.8 * a + b for a, b in zip(late(src[0], 7), src[1])])
write("pans.wav", src[0], src[1])
PY
/usr/bin/python3 "$gen" mono.wav 44100 1 s16 88200 || exit 1

for case in pans room mono; do
  "$nmftool" separate --sources 2 "$case.wav" "out-$case" 2>"$case.log" \
    || { cat "$case.log"; fail "$case: separate failed"; continue; }
  said=$(grep -v "100%" "$case.log" | tail -n +2)
  echo "$case: ${said:-(nothing after the summary)}"
  case $case in
    pans)
      grep -Eq "demixed by where the sources sit in the channels; positions \(-1 first channel, \+1 last\) [-+][0-9.]+, [-+][0-9.]+$" <<<"$said" \
        || fail "pans: no positions said" ;;
    room)
      grep -q "no spatial demixing (the channels differ by delays or reverberation" <<<"$said" \
        || fail "room: not said" ;;
    mono)
      [ -z "$said" ] || fail "mono: said '$said'" ;;
  esac
done
"$nmftool" separate --quiet --sources 2 pans.wav out-quiet 2>quiet.log \
  || fail "--quiet: separate failed"
[ ! -s quiet.log ] || fail "--quiet: said '$(cat quiet.log)'"

[ "$fails" -eq 0 ] && echo "all checks passed"
[ "$fails" -eq 0 ]
