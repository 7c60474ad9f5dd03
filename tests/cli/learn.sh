#!/bin/bash
# nmftool learn on input it cannot learn from: a text file, a PNG, an empty
# file, random bytes, a directory, a WAV cut inside its header, a missing
# file, an Ogg file with a garbage tail (150 times: decodebin sometimes drops
# its error; each of those runs within 5 s). Each run must end within 30 s
# (it used to wait for ever on the appsink) with exit status 1, one line on
# stderr, and no output file.
# --out naming the input (the same name, a symbolic link, a hard link) is
# refused the same way and leaves the input as it was. A real WAV learns;
# a 4 kHz one is learned at 8 kHz, as nmftool separate resamples it. Its
# summary line names the command; a stray argument is a usage error that
# names it. The dictionary is written whole or not at all (a failed write
# keeps the file there), an --out that cannot be written is refused before
# the work, and an example too short to learn from is named; a file a
# rename would change otherwise (a hard link, in a read-only directory) is
# written in place, a write-protected one refused. A long one is learned
# from at most 8192 frames spread over it.
#   learn.sh NMFTOOL MAKE_MIXTURE
set -u
nmftool=$(realpath "$1") make_mixture=$(realpath "$2")
data=$(cd "$(dirname "$0")" && pwd)/data
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GST_REGISTRY="$work/registry.bin"
fails=0
fail () { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
cd "$work" || exit 1

"$make_mixture" . 4 >/dev/null || exit 1
echo "plain text, not audio" >text.txt
gst-launch-1.0 -q videotestsrc num-buffers=1 ! video/x-raw,width=64,height=48 ! \
  pngenc ! filesink location=picture.png || exit 1
: >empty.bin
head -c 65536 /dev/urandom >random.bin
head -c 30 mix.wav >header-cut.wav
mkdir adir

# bad NAME INPUT: exit 1 within the time bound, one line, no --out file
bad () {
  local name=$1 in=$2 rc
  timeout 30 "$nmftool" learn --components 4 --in "$in" --out "$name.npy" \
    >"$name.log" 2>&1
  rc=$?
  [ "$rc" = 124 ] && { fail "$name: still running after 30 s"; return; }
  [ "$rc" = 1 ] || fail "$name: exit $rc, expected 1: $(cat "$name.log")"
  [ "$(grep -c '' "$name.log")" = 1 ] || fail "$name: not one line: $(cat "$name.log")"
  grep -q "^nmftool learn: error: " "$name.log" || fail "$name: $(cat "$name.log")"
  [ ! -e "$name.npy" ] || fail "$name: an output file was left"
  echo "$name: $(cat "$name.log")"
}
bad text text.txt
bad png picture.png
bad empty empty.bin
bad random random.bin
bad dir adir
bad header-cut header-cut.wav
bad missing no-such-file.wav
bad uri-missing "file://$work/no-such-file.wav"

# an Ogg Vorbis file whose last 4096 bytes are garbage (data/, the input on
# which tests/cli/fuzz_cli.py found the hang): oggdemux fails at once ("can't
# get first chain"), and GStreamer 1.22's decodebin now and then drops that
# error while it is still plugging the demuxer in (1 run in 15 to 20 here),
# after which nothing at all happens. 150 runs: before the stall bound
# (10 s), a hang in one of them was likely; with the bound alone, about 8 of
# them took 10 s; now the stopped demuxer is seen at once (its task paused,
# no pad), and every run ends within 5 s.
cp "$data/garbage-tail.ogg" garbage-tail.ogg
stalls=0 seen=0
for i in $(seq 150); do
  start=$(date +%s)
  timeout 30 "$nmftool" learn --components 2 --hop-size 128 --in garbage-tail.ogg \
    --out gt.npy >gt.log 2>&1
  rc=$?
  [ "$rc" = 124 ] && { fail "garbage-tail.ogg run $i: still running after 30 s"; break; }
  [ "$rc" = 1 ] || { fail "garbage-tail.ogg run $i: exit $rc: $(cat gt.log)"; break; }
  [ $(( $(date +%s) - start )) -ge 5 ] && stalls=$((stalls + 1))
  grep -q 'oggdemux[0-9]* stopped without an error and without output' gt.log \
    && seen=$((seen + 1))
done
[ "$stalls" -eq 0 ] || fail "garbage-tail.ogg: $stalls of $i runs took 5 s or more (the decoder's dropped error waited out the stall bound)"
echo "garbage-tail.ogg: $i runs ($seen ended by the stopped demuxer, $stalls by the stall bound): $(cat gt.log)"

# --out aliasing the input: refused before anything is written
sum=$(md5sum <mix.wav)
ln -s mix.wav link.wav
ln mix.wav hard.wav
for out in mix.wav ./mix.wav link.wav hard.wav "$work/mix.wav"; do
  timeout 30 "$nmftool" learn --components 4 --in mix.wav --out "$out" >alias.log 2>&1
  rc=$?
  [ "$rc" = 1 ] || fail "--out $out (the input): exit $rc, expected 1"
  grep -q "is the input file" alias.log || fail "--out $out: $(cat alias.log)"
  [ "$(md5sum <mix.wav)" = "$sum" ] || fail "--out $out: the input changed"
done
timeout 30 "$nmftool" learn --components 4 --in "file://$work/mix.wav" --out link.wav \
  >alias.log 2>&1 && fail "--out a link to the file:// input accepted"
[ "$(md5sum <mix.wav)" = "$sum" ] || fail "the input changed"
cat alias.log

# a real file: a dictionary (the .npy magic)
timeout 60 "$nmftool" learn --components 4 --in mix.wav --out good.npy >good.log 2>&1 \
  || fail "learning from mix.wav: $(cat good.log)"
[ "$(head -c 6 good.npy | od -An -c | tr -d ' \n')" = '223NUMPY' ] || fail "good.npy is no .npy file"
cat good.log
# its summary line names the command, as the other commands' do (it said
# "nmftool: 4 templates ...")
grep -q '^nmftool learn: 4 templates of ' good.log || fail "summary line: $(cat good.log)"
# a stray argument is named as such, an unknown option as such, whatever
# comes after them (they read "extra needs a value"); a bad value with what
# the option takes (it was "bad value '2047' for --fft-size")
for args in "extra|unexpected argument 'extra'" "--bogus|unknown option '--bogus'" \
    "--bogus 3|unknown option '--bogus'" "--out|--out needs a value" \
    "--fft-size 2047|--fft-size needs an even integer in 32..32768, got '2047'" \
    "--shifts 25|--shifts needs an integer in 0..24, got '25'"; do
  IFS='|' read -r a want <<<"$args"
  # shellcheck disable=SC2086
  timeout 30 "$nmftool" learn --components 4 --in mix.wav --out stray.npy $a >stray.log 2>&1
  rc=$?
  [ "$rc" = 2 ] || fail "learn ... $a: exit $rc, expected 2: $(cat stray.log)"
  grep -qF -e "$want" stray.log || fail "learn ... $a: $(cat stray.log), expected '$want'"
  [ ! -e stray.npy ] || fail "learn ... $a: stray.npy written"
done

# the dictionary's file is written whole or not at all: a write that fails
# (beyond the file size limit, SIGXFSZ ignored, as a full disk) leaves the
# dictionary already there as it was, and no temporary file (it was
# truncated, then removed: the old dictionary lost)
cp good.npy keep.npy
sum_good=$(md5sum <good.npy)
(trap '' XFSZ; ulimit -f 64; exec timeout 60 "$nmftool" learn --components 8 \
  --in mix.wav --out good.npy) >fsz.log 2>&1
rc=$?
[ "$rc" = 1 ] && [ "$(grep -c '' fsz.log)" = 1 ] \
  && grep -q "^nmftool learn: error: write error on 'good.npy': File too large" fsz.log \
  || fail "a failed write: exit $rc: $(cat fsz.log)"
[ "$(md5sum <good.npy 2>/dev/null)" = "$sum_good" ] || fail "a failed write: the old good.npy is lost or changed"
ls -A | grep -q '^\.good\.npy\.' && fail "a failed write: a temporary file left: $(ls -A)"
cat fsz.log
# a success replaces it, keeping its permissions
chmod 640 good.npy
timeout 60 "$nmftool" learn --components 2 --shifts 0 --in mix.wav --out good.npy >repl.log 2>&1 \
  || fail "replacing good.npy: $(cat repl.log)"
[ "$(md5sum <good.npy)" != "$sum_good" ] || fail "good.npy not replaced"
[ "$(stat -c %a good.npy)" = 640 ] || fail "good.npy's permissions: $(stat -c %a good.npy)"
# an --out that cannot be written is refused before the work (it was said
# after decoding and learning, which take minutes on a long example): with
# an input that does not decode, the error is the output's
for out in "no-dir/d.npy|cannot create 'no-dir/d.npy': No such file" \
    "adir|cannot write 'adir': it is a directory"; do
  IFS='|' read -r o want <<<"$out"
  timeout 30 "$nmftool" learn --components 4 --in text.txt --out "$o" >out.log 2>&1
  rc=$?
  [ "$rc" = 1 ] && grep -qF -e "nmftool learn: error: $want" out.log \
    || fail "--out $o: exit $rc: $(cat out.log), expected '$want'"
done
[ -z "$(ls -A adir)" ] || fail "--out adir: something written in it: $(ls -A adir)"
# --out /dev/stdout on a pipe: written in place (no temporary file beside
# a pipe)
magic=$(timeout 60 "$nmftool" learn --components 2 --in mix.wav --out /dev/stdout \
  2>pipe.log | head -c 6 | od -An -c | tr -d ' \n')
[ "$magic" = '223NUMPY' ] || fail "--out /dev/stdout on a pipe: '$magic' $(cat pipe.log)"
# what a rename would change otherwise is written in place, as before the
# dictionary went through a temporary file: a hard link stays one (the
# other name got the old dictionary); a file of its own in a directory it
# may not add to is written (it was refused before the work), a
# write-protected one refused before the work, not replaced (as an
# unprivileged user: root writes anyway)
cp keep.npy linked.npy && ln linked.npy other-name.npy
timeout 60 "$nmftool" learn --components 2 --shifts 0 --in mix.wav --out linked.npy >link.log 2>&1 \
  || fail "--out a file with a hard link: $(cat link.log)"
cmp -s linked.npy keep.npy && fail "--out a file with a hard link: not written"
cmp -s linked.npy other-name.npy || fail "--out a file with a hard link: the link was broken"
as_user=()
[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null \
  && as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
if [ "$(id -u)" != 0 ] || [ ${#as_user[@]} -gt 0 ]; then
  mkdir rodir && cp good.npy rodir/d.npy && cp good.npy protected.npy
  [ ${#as_user[@]} -gt 0 ] && chown 65534 rodir/d.npy protected.npy
  chmod 644 rodir/d.npy mix.wav; chmod 444 protected.npy
  chmod 555 rodir; chmod 777 "$work"
  cp registry.bin user-registry.bin 2>/dev/null; chmod 666 user-registry.bin 2>/dev/null
  "${as_user[@]}" env GST_REGISTRY="$work/user-registry.bin" timeout 60 "$nmftool" \
    learn --components 2 --shifts 0 --in mix.wav --out rodir/d.npy >rodir.log 2>&1 \
    || fail "--out in a read-only directory: $(cat rodir.log)"
  cmp -s rodir/d.npy linked.npy || fail "--out in a read-only directory: not written"
  "${as_user[@]}" env GST_REGISTRY="$work/user-registry.bin" timeout 60 "$nmftool" \
    learn --components 2 --in text.txt --out protected.npy >prot.log 2>&1
  rc=$?
  [ "$rc" = 1 ] && grep -qx "nmftool learn: error: cannot write 'protected.npy': Permission denied" prot.log \
    || fail "--out write-protected: exit $rc: $(cat prot.log)"
  cmp -s protected.npy good.npy || fail "--out write-protected: replaced"
  chmod 755 rodir; chmod 700 "$work"
  echo "read-only directory: $(cat rodir.log); write-protected: $(cat prot.log)"
else
  echo "read-only directory, write-protected: not tested (root without setpriv)"
fi
# a long example (here: a hop of one sample) is learned from frames
# spread over it, at most 8192 (memory and time grew with its length), and
# the summary says so
timeout 60 "$nmftool" learn --components 2 --fft-size 32 --hop-size 1 --in mix.wav \
  --out long.npy >long.log 2>&1 || fail "a hop of 1: $(cat long.log)"
read -r n k < <(sed -n 's/.*(one frame in \([0-9]*\) of its \([0-9]*\)).*/\2 \1/p' long.log)
[ -n "${n:-}" ] && [ $(( (n + k - 1) / k )) -le 8192 ] && [ $(( (n + k - 2) / (k - 1) )) -gt 8192 ] \
  || fail "a hop of 1: not spread over at most 8192 frames: $(cat long.log)"
cat long.log
# an example too short for the components asked: the error names it
head -c 2000 mix.wav >short.wav
timeout 30 "$nmftool" learn --components 8 --in short.wav --out short.npy >short.log 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "^nmftool learn: error: short.wav: .*fewer than the 8 components" short.log \
  || fail "a short example: exit $rc: $(cat short.log)"
cat short.log

# --fft-size alone: the hop is a quarter of it, as the element's default
# (it stayed 512 and a 512-point FFT was refused)
timeout 60 "$nmftool" learn --components 2 --fft-size 512 --in mix.wav --out f512.npy >f512.log 2>&1 \
  || fail "--fft-size 512 alone: $(cat f512.log)"
grep -q "of 257 bins" f512.log || fail "--fft-size 512: $(cat f512.log)"

# a plain PCM WAV of 3 channels (no channel positions) is learned from (it
# failed in audioconvert, as separate did)
/usr/bin/python3 "$(dirname "$data")/plain3_wav.py" plain3.wav 44100 || exit 1
timeout 60 "$nmftool" learn --components 2 --in plain3.wav --out plain3.npy >plain3.log 2>&1 \
  || fail "a plain 3-channel WAV: $(cat plain3.log)"
grep -q "3 channel(s)" plain3.log || fail "a plain 3-channel WAV: $(cat plain3.log)"

# a 4 kHz file is learned at 8 kHz, the rate nmftool separate gives the
# element for it (learn kept 4 kHz: the templates meant other frequencies)
gst-launch-1.0 -q audiotestsrc num-buffers=40 samplesperbuffer=400 ! \
  audio/x-raw,format=S16LE,rate=4000,channels=1 ! wavenc ! filesink location=r4k.wav || exit 1
timeout 60 "$nmftool" learn --components 2 --in r4k.wav --out r4k.npy >r4k.log 2>&1 \
  || fail "learning from a 4 kHz file: $(cat r4k.log)"
grep -q "(8000 Hz" r4k.log || fail "a 4 kHz file not learned at 8 kHz: $(cat r4k.log)"
cat r4k.log

[ "$fails" -eq 0 ] && echo "all checks passed"
[ "$fails" -eq 0 ]
