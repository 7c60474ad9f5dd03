#!/bin/bash
# nmftool separate and learn on WAV files of every sample format at rates
# from 8 to 192 kHz and 1 to 6 channels: each output has the input's
# frames, channels and rate, and the sources add up to the input.
# A data chunk of an odd number of bytes (8-bit or 24-bit audio of an odd
# frame count) followed by its pad byte, as the RIFF specification has it,
# was read as no audio at all by wavparse pulling from the file
# (GStreamer 1.22): separate wrote files of no samples and said so with
# exit 0 ("0:00.0 each"), learn said "the stream is empty".
# Rates outside 8 - 192 kHz give files at the nearer bound, which the
# summary line says.
#   separate_formats.sh NMFTOOL WAVCHECK PLUGIN_DIR
set -u
nmftool=$(realpath "$1") wavcheck=$(realpath "$2") plugin_dir=$(realpath "$3")
gen=$(dirname "$(realpath "$0")")/wav_formats.py
. "$(dirname "$0")/scratch.sh" "$plugin_dir"

# sum_error IN OUT...: the largest |sum of the outputs - input| (32-bit
# float outputs, the input as wavcheck reads it: integer PCM scaled to +-1)
sum_error () {
  /usr/bin/python3 - "$@" <<'PY'
import struct, sys
def samples(name):
    b = open(name, "rb").read()
    i = 12
    while i + 8 <= len(b):
        tag, size = b[i:i + 4], struct.unpack("<I", b[i + 4:i + 8])[0]
        if tag == b"fmt ":
            kind, ch, _, _, _, bits = struct.unpack("<HHIIHH", b[i + 8:i + 24])
            if kind == 0xFFFE:
                kind = struct.unpack("<H", b[i + 32:i + 34])[0]
        elif tag == b"data":
            d = b[i + 8:i + 8 + size]
            break
        i += 8 + size + (size & 1)
    if kind == 3:
        return struct.unpack("<%d%s" % (len(d) * 8 // bits, "f" if bits == 32 else "d"), d)
    if bits == 8:
        return [(x - 128) / 128 for x in d]
    w = bits // 8
    return [int.from_bytes(d[k:k + w], "little", signed=True) / 2 ** (bits - 1)
            for k in range(0, len(d), w)]
x = samples(sys.argv[1])
outs = [samples(f) for f in sys.argv[2:]]
print(max([abs(sum(o[k] if k < len(o) else 0.0 for o in outs) - v)
         for k, v in enumerate(x)] + [0]))
PY
}

# RATE CHANNELS FORMAT FRAMES
for spec in "8000 1 u8 12001" "11025 2 s16 11025" "22050 1 s24 22051" \
    "44100 3 u8 22051" "48000 2 s32 24000" "96000 6 s24 48001" \
    "192000 1 f32 96000" "44100 2 f64 22050"; do
  read -r rate ch fmt frames <<<"$spec"
  in=in-$rate-$ch-$fmt.wav out=out-$rate-$ch-$fmt
  /usr/bin/python3 "$gen" "$in" "$rate" "$ch" "$fmt" "$frames" || exit 1
  timeout 120 "$nmftool" separate --sources 2 --progress none "$in" "$out" \
    >"$out.log" 2>&1
  rc=$?
  [ "$rc" = 0 ] || { fail "$spec: exit $rc: $(cat "$out.log")"; continue; }
  for i in 0 1; do
    got=$("$wavcheck" "$out/source$i.wav") \
      || { fail "$spec: source$i.wav is not a complete WAV file"; continue; }
    read -r n c r _ <<<"$got"
    [ "$n $c $r" = "$frames $ch $rate" ] \
      || fail "$spec: source$i.wav has $n frames of $c channels at $r Hz"
  done
  err=$(sum_error "$in" "$out/source0.wav" "$out/source1.wav")
  # 16-bit and coarser inputs: the float sum within 1e-5 of them
  awk -v e="$err" 'BEGIN { exit !(e < 1e-5) }' \
    || fail "$spec: the sources do not add up to the input (error $err)"
  echo "$spec: $(tail -1 "$out.log")"
done

# rates outside 8 - 192 kHz are resampled to the nearer bound: the files
# have that rate, and the summary says so (it said nothing: files at
# another rate than the input's, found only by looking)
for spec in "4000 8000" "384000 192000"; do
  read -r rate to <<<"$spec"
  /usr/bin/python3 "$gen" "r$rate.wav" "$rate" 1 s16 $((rate / 4)) || exit 1
  timeout 120 "$nmftool" separate --sources 2 --progress none "r$rate.wav" \
    "r$rate" >"r$rate.log" 2>&1 || fail "$rate Hz: $(cat "r$rate.log")"
  read -r _ _ r _ < <("$wavcheck" "r$rate/source0.wav")
  [ "$r" = "$to" ] || fail "$rate Hz: the files are at $r Hz, not $to"
  grep -q "resampled from $rate Hz to $to Hz" "r$rate.log" \
    || fail "$rate Hz: the summary does not say the files are at $to Hz: $(cat "r$rate.log")"
done
grep -q resampled out-8000-1-u8.log && fail "8 kHz said to be resampled: $(cat out-8000-1-u8.log)"

# learn reads such a file whole too
timeout 60 "$nmftool" learn --components 2 --in in-22050-1-s24.wav \
  --out odd.npy >learn.log 2>&1 || fail "learn, 24-bit mono of an odd frame count: $(cat learn.log)"
grep -q 'from 1\.0 s' learn.log || fail "learn did not read the whole second: $(cat learn.log)"

[ "$fails" = 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "all passed"
