#!/bin/bash
# The core library without GStreamer (pipelines/embed-core.c): a stereo
# mixture's raw samples through nmf-embed-core, two sources out, each with
# exactly the input's samples, adding up to the input.
#   embed_core.sh NMF_EMBED_CORE MAKE_MIXTURE
set -eu
embed_core=$(realpath "$1")
make_mixture=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$make_mixture" "$work" 4 44100 >/dev/null
# mono -> stereo raw float: the mixture on the left, half of it on the right
python3 - "$work/mix.wav" "$work/mix.f32" <<'PY'
import array, struct, sys
d = open(sys.argv[1], 'rb').read()
pos = 12
while d[pos:pos + 4] != b'data':
    pos += 8 + struct.unpack('<I', d[pos + 4:pos + 8])[0]
n = struct.unpack('<I', d[pos + 4:pos + 8])[0]
x = array.array('f', d[pos + 8:pos + 8 + n])
y = array.array('f', [0.0]) * (2 * len(x))
y[0::2] = x
y[1::2] = array.array('f', (0.5 * v for v in x))
open(sys.argv[2], 'wb').write(y.tobytes())
PY
"$embed_core" --channels 2 --profile live "$work/out" < "$work/mix.f32"
python3 - "$work/mix.f32" "$work/out0.f32" "$work/out1.f32" <<'PY'
import array, sys
x, a, b = (array.array('f', open(p, 'rb').read()) for p in sys.argv[1:])
assert len(a) == len(x) and len(b) == len(x), (len(x), len(a), len(b))
err = max(abs(p + q - r) for p, q, r in zip(a, b, x))
print("samples %d per source, sources sum to the input within %.2g"
      % (len(x) // 2, err))
assert err < 1e-4, err
PY
# An input that ends with part of a frame: the whole frames are separated
# and written, the part is reported and the exit status is 1 (it was
# dropped unseen, exit 0).
{ cat "$work/mix.f32"; printf '\001\002\003'; } > "$work/part.f32"
rc=0
"$embed_core" --channels 2 --profile live "$work/part" < "$work/part.f32" \
  2>"$work/part.log" || rc=$?
[ "$rc" = 1 ] || { echo "part frame: exit $rc, want 1" >&2; exit 1; }
grep -q "ends with 3 bytes of a 8-byte frame" "$work/part.log" \
  || { echo "part frame not reported: $(cat "$work/part.log")" >&2; exit 1; }
cmp -s "$work/out0.f32" "$work/part0.f32" \
  || { echo "part frame: the whole frames' output differs" >&2; exit 1; }
# --help is the usage, on standard output, and no error
out=$("$embed_core" --help) || { echo "--help: exit $?, want 0" >&2; exit 1; }
case "$out" in "usage: nmf-embed-core "*) ;; *)
  echo "--help printed '$out'" >&2; exit 1 ;; esac
# an unknown profile is a usage error, not the file profile
rc=0
"$embed_core" --profile fil "$work/bad" < "$work/mix.f32" 2>/dev/null || rc=$?
[ "$rc" = 2 ] || { echo "--profile fil: exit $rc, want 2" >&2; exit 1; }
# a number that is not one is a usage error (atoi read "abc" as 0: "sources
# (0) must be between 1 and 16", and "2x" as 2, exit 0)
for bad in "--sources abc" "--sources 2x" "--channels 1.5" "--channels ''"; do
  rc=0
  eval "\"\$embed_core\" $bad \"\$work/bad\"" < "$work/mix.f32" 2>"$work/bad.log" || rc=$?
  [ "$rc" = 2 ] && grep -q '^usage: ' "$work/bad.log" \
    || { echo "$bad: exit $rc, want 2 and the usage: $(cat "$work/bad.log")" >&2; exit 1; }
done
# an output that cannot be written to the end (here: the file size limit,
# as a full disk would) is said, with the file's name, exit 1 (it was exit
# 1 and not a word)
rc=0
(trap '' XFSZ; ulimit -f 64; exec "$embed_core" --channels 2 "$work/full" \
  < "$work/mix.f32" 2>"$work/full.log") || rc=$?
[ "$rc" = 1 ] && grep -q "^nmf-embed-core: $work/full0.f32: File too large$" "$work/full.log" \
  || { echo "a write error: exit $rc, want 1 and the file named: $(cat "$work/full.log")" >&2; exit 1; }
echo "part frame reported, unknown profile and bad numbers refused, write error said"
