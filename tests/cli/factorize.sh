#!/bin/bash
# nmftool factorize on input it cannot factor and outputs that alias:
# - finite entries too large for double precision (1e308, 1e200) are
#   reported as an overflow, not as "NaN or Inf"; NaN and Inf are named as
#   such, with their row and column; no output file is written;
# - a file that does not read (truncated, big-endian, not .npy, missing, a
#   directory) is named in the error;
# - --w-out and --h-out naming one file (the same name, a link) or the
#   input are refused before anything is written, the input unchanged;
# - a failed write (H in a missing directory, H beyond the file size
#   limit) leaves the W.npy and H.npy already there as they were, and no
#   temporary file; the summary is said only once the files are written;
# - KL-NMF of X scaled near the smallest doubles fits as X of order one,
#   volmin of X of any scale (1e-300 to 1e307) too;
# - a good matrix still factors, W to /dev/stdout too; --version prints the project's version.
#   factorize.sh NMFTOOL VERSION
set -u
nmftool=$(realpath "$1") version=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail () { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
cd "$work" || exit 1

# .npy files (format 1.0, '<f8', 10 x 10 unless said), seeded
/usr/bin/python3 - <<'EOF' || exit 1
import random, struct
def npy(name, vals, m, n):
    hdr = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }" % (m, n)
    hdr += " " * (64 - 10 - len(hdr) - 1) + "\n"
    with open(name, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode())
        f.write(struct.pack("<%dd" % len(vals), *vals))
r = random.Random(25)
npy("good.npy", [r.random() for _ in range(100)], 10, 10)
npy("e308.npy", [r.random() * 1e308 for _ in range(100)], 10, 10)
npy("e200.npy", [r.random() * 1e200 for _ in range(100)], 10, 10)
v = [r.random() for _ in range(100)]; v[23] = float("nan")
npy("nan.npy", v, 10, 10)
v = [r.random() for _ in range(100)]; v[57] = float("-inf")
npy("inf.npy", v, 10, 10)
npy("col.npy", [1.0, 2.0], 2, 1)
with open("good.npy", "rb") as f:
    b = f.read()
open("short.npy", "wb").write(b[:-8])
open("bigend.npy", "wb").write(b.replace(b"<f8", b">f8"))
open("notnpy.npy", "wb").write(b"RIFF")
EOF

# err NAME EXPECTED-REGEX ARGS...: exit 1, one line matching, no W.npy/H.npy
err () {
  local name=$1 want=$2 rc; shift 2
  rm -f W.npy H.npy
  timeout 60 "$nmftool" factorize --rank 2 "$@" >"$name.log" 2>&1
  rc=$?
  [ "$rc" = 1 ] || fail "$name: exit $rc, expected 1: $(cat "$name.log")"
  [ "$(grep -c '' "$name.log")" = 1 ] || fail "$name: not one line: $(cat "$name.log")"
  grep -Eq "$want" "$name.log" || fail "$name: expected /$want/: $(cat "$name.log")"
  grep -q "NaN or Inf" "$name.log" && [[ $name != nan* && $name != inf* ]] \
    && fail "$name: finite input reported as NaN or Inf"
  [ ! -e W.npy ] && [ ! -e H.npy ] || fail "$name: an output file was written"
  echo "$name: $(cat "$name.log")"
}
over='too large .* overflows \(largest \|x\| = '
for m in kl volmin; do
  err "e308-$m" "$over" --method $m --in e308.npy --w-out W.npy --h-out H.npy
  err "nan-$m" 'X holds NaN at row 2, column 3' --method $m --in nan.npy --w-out W.npy --h-out H.npy
  err "inf-$m" 'X holds -Inf at row 5, column 7' --method $m --in inf.npy --w-out W.npy --h-out H.npy
done

# a file that does not read: the one line names it, whatever the cause
# (the reader's own messages said only what was wrong)
for f in short bigend notnpy missing; do
  err "read-$f" "^nmftool factorize: error: $f\\.npy: " --method kl --in $f.npy \
    --w-out W.npy --h-out H.npy
done
err read-dir "^nmftool factorize: error: \\.: cannot read it: it is a directory" \
  --method kl --in . --w-out W.npy --h-out H.npy
err rank "^nmftool factorize: error: col\\.npy: rank 2 exceeds" --method kl \
  --in col.npy --w-out W.npy --h-out H.npy

# aliasing outputs
sum=$(md5sum <good.npy)
same='are the same file'
err same-name "$same" --method kl --in good.npy --w-out W.npy --h-out W.npy
[ ! -e W.npy ] || fail "same-name: W.npy written"
err same-dot "$same" --method kl --in good.npy --w-out W.npy --h-out ./W.npy
: >old.npy; ln -s old.npy link.npy
err same-link "$same" --method kl --in good.npy --w-out old.npy --h-out link.npy
ln -s new.npy dangling.npy
err same-dangling "$same" --method kl --in good.npy --w-out new.npy --h-out dangling.npy
[ ! -e new.npy ] || fail "same-dangling: new.npy written"
err w-is-input 'is the input file' --method kl --in good.npy --w-out good.npy --h-out H.npy
ln good.npy hard.npy
err h-is-input 'is the input file' --method volmin --in good.npy --w-out W.npy --h-out hard.npy
[ "$(md5sum <good.npy)" = "$sum" ] || fail "the input changed"

# a write that fails (file size limit, SIGXFSZ ignored) on H leaves no W
# either: W.npy (4 x 1) fits in the limit, H.npy (2000 x 1) does not
/usr/bin/python3 -c "
import struct
hdr = \"{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2000), }\"
hdr += ' ' * (64 - 10 - len(hdr) - 1) + '\\n'
open('wide.npy', 'wb').write(b'\\x93NUMPY\\x01\\x00' + struct.pack('<H', len(hdr))
    + hdr.encode() + struct.pack('<8000d', *[1.0 + i % 7 for i in range(8000)]))
" || exit 1
rm -f W.npy H.npy
(trap '' XFSZ; ulimit -f 8; exec "$nmftool" factorize --method kl --rank 1 \
  --iterations 5 --in wide.npy --w-out W.npy --h-out H.npy) >full.log 2>&1
rc=$?
[ "$rc" = 1 ] || fail "write failure: exit $rc, expected 1: $(cat full.log)"
[ ! -e W.npy ] && [ ! -e H.npy ] || fail "write failure: left $(ls W.npy H.npy 2>/dev/null)"
echo "write failure: $(cat full.log)"

# W and H, or neither, with files already there (a failed write of H
# replaced the old W by the new one, or removed the old H, and the summary
# line was printed before the error): the old files stay as they were, no
# temporary file is left, and the one line said is the error
keep_pair () {   # NAME: W.npy and H.npy still the old ones, nothing else left
  [ "$(cat W.npy 2>/dev/null)" = "old W" ] || fail "$1: the old W.npy was replaced or removed"
  [ "$(cat H.npy 2>/dev/null)" = "old H" ] || fail "$1: the old H.npy was replaced or removed"
  ls -A | grep -q '^\.' && fail "$1: temporary files left: $(ls -A | grep '^\.')"
  [ "$(grep -c '' "$1.log")" = 1 ] || fail "$1: not one line: $(cat "$1.log")"
  echo "$1: $(cat "$1.log")"
}
echo "old W" >W.npy; echo "old H" >H.npy
"$nmftool" factorize --method volmin --rank 2 --in good.npy --w-out W.npy \
  --h-out no-such-dir/H.npy >h-nodir.log 2>&1
rc=$?
[ "$rc" = 1 ] || fail "H in a missing directory: exit $rc, expected 1: $(cat h-nodir.log)"
keep_pair h-nodir
(trap '' XFSZ; ulimit -f 8; exec "$nmftool" factorize --method kl --rank 1 \
  --iterations 5 --in wide.npy --w-out W.npy --h-out H.npy) >h-full.log 2>&1
rc=$?
[ "$rc" = 1 ] || fail "H too large to write: exit $rc, expected 1: $(cat h-full.log)"
grep -q "'H.npy'" h-full.log || fail "H too large to write: the error does not name H.npy"
keep_pair h-full
# a success replaces both, through a symbolic link the link stays one
mkdir real; ln -s real/H.npy hlink.npy
"$nmftool" factorize --method kl --rank 2 --in good.npy --w-out W.npy \
  --h-out hlink.npy >replace.log 2>&1 || fail "replacing W and H: $(cat replace.log)"
[ -L hlink.npy ] && [ -s real/H.npy ] || fail "replacing through a link: the link replaced or nothing written"
[ "$(cat W.npy)" != "old W" ] || fail "replacing W and H: W.npy not replaced"
ls -A | grep -q '^\.' && fail "replacing W and H: temporary files left: $(ls -A | grep '^\.')"
rm -rf W.npy H.npy hlink.npy real

# KL-NMF near the smallest doubles: X of max 1e-308 came out as W H^T ~ 0
# (exit 0); now X of any scale factors as X of order one (the same fit)
for sc in 1 1e-308 1e-315; do
  /usr/bin/python3 -c "
import numpy as np
r = np.random.default_rng(0)
X = r.random((20, 3)) @ r.random((3, 50))
np.save('tiny.npy', X / X.max() * $sc)" || exit 1
  "$nmftool" factorize --method kl --rank 3 --in tiny.npy --w-out W.npy \
    --h-out H.npy >tiny.log 2>&1 || fail "kl at scale $sc: $(cat tiny.log)"
  err=$(/usr/bin/python3 -c "
import numpy as np
X, W, H = np.load('tiny.npy'), np.load('W.npy'), np.load('H.npy')
print('%.3g' % (np.abs(W @ H.T - X).max() / X.max()))") || err=1
  /usr/bin/python3 -c "import sys; sys.exit(not float('$err') < 0.02)" \
    || fail "kl at scale $sc: max |W H^T - X| / max X = $err"
  echo "kl at scale $sc: relative error $err; $(cat tiny.log)"
done
rm -f W.npy H.npy

# volmin at any scale: X of 1e200 was refused as an overflow (its squared
# norm is), X of 1e307 failed with a rank "below 3"; the criterion is
# scale-equivariant, so each fits as X of order one does
for sc in 1 1e-300 1e200 1e307; do
  for lam in 0 1e-3; do
    /usr/bin/python3 -c "
import numpy as np
r = np.random.default_rng(1)
X = r.standard_normal((20, 3)) @ r.dirichlet(np.ones(3), 50).T
np.save('scaled.npy', X / np.abs(X).max() * $sc)" || exit 1
    "$nmftool" factorize --method volmin --lambda $lam --rank 3 --in scaled.npy \
      --w-out W.npy --h-out H.npy >scaled.log 2>&1 \
      || fail "volmin at scale $sc, lambda $lam: $(cat scaled.log)"
    err=$(/usr/bin/python3 -c "
import numpy as np
X, W, H = np.load('scaled.npy'), np.load('W.npy'), np.load('H.npy')
s = np.abs(X).max()
print('%.3g' % (np.abs((W / s) @ H.T - X / s).max()))") || err=1
    /usr/bin/python3 -c "import sys; sys.exit(not float('$err') < (1e-9 if $lam == 0 else 0.05))" \
      || fail "volmin at scale $sc, lambda $lam: max |W H^T - X| / max |X| = $err"
    echo "volmin at scale $sc, lambda $lam: relative error $err; $(cat scaled.log)"
  done
done
rm -f W.npy H.npy scaled.npy

# a good matrix, and the version
for m in kl volmin; do
  rm -f W.npy H.npy
  timeout 60 "$nmftool" factorize --method $m --rank 2 --in good.npy --w-out W.npy \
    --h-out H.npy >good.log 2>&1 || fail "good $m: $(cat good.log)"
  [ -s W.npy ] && [ -s H.npy ] || fail "good $m: no W.npy or H.npy"
done
# an output that is no regular file (/dev/stdout on a pipe) is written in
# place (the temporary file beside it could not be made: 'cannot create
# /dev/stdout')
rm -f H.npy
magic=$(timeout 60 "$nmftool" factorize -q --method kl --rank 2 --in good.npy \
  --w-out /dev/stdout --h-out H.npy 2>pipe.log | head -c 6 | od -An -c | tr -d ' \n')
[ "$magic" = '223NUMPY' ] && [ -s H.npy ] || fail "W to /dev/stdout on a pipe: '$magic' $(cat pipe.log)"
v=$("$nmftool" --version) || fail "--version: exit $?"
[ "$v" = "nmftool (gst-nmf) $version" ] || fail "--version printed '$v', expected 'nmftool (gst-nmf) $version'"
echo "--version: $v"

[ "$fails" -eq 0 ] && echo "all checks passed"
[ "$fails" -eq 0 ]
