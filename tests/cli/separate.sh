#!/bin/bash
# nmftool separate on a generated mixture: one WAV per source with exactly
# the input's sample count (file name and file:// URI, kl and volmin, f32 and
# s16; an empty input gives valid files of no samples; outputs beyond the
# 4 GiB of a WAV file are refused before a sample is written), progress
# lines when stderr is not a terminal, and one-line errors with the
# documented exit status for a missing input, a non-media input,
# a URI scheme no source reads (a file of that name is the file), a
# failed write (the output named), bad
# options, an invalid element setting, a warning on the bus said, --dictionary without element
# support and a dictionary whose name the element cannot take (a comma).
#   separate.sh NMFTOOL MAKE_MIXTURE WAVCHECK PLUGIN_DIR
set -u
nmftool=$(realpath "$1") make_mixture=$(realpath "$2") wavcheck=$(realpath "$3")
plugin_dir=$(realpath "$4")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GST_PLUGIN_PATH_1_0="$plugin_dir"
export GST_REGISTRY="$work/registry.bin"
fails=0
fail () { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
lines () { grep -c '' "$1"; }

found=$(gst-inspect-1.0 nmfseparate | sed -n 's/^ *Filename *//p')
case "$found" in
  "$plugin_dir"/*) ;;
  *) echo "nmfseparate comes from '$found', not from $plugin_dir" >&2; exit 1 ;;
esac

"$make_mixture" "$work" 10 >/dev/null || exit 1
read -r frames ch rate fmt bits < <("$wavcheck" "$work/mix.wav") || exit 1
echo "input: $frames frames, $ch channel(s), $rate Hz"

# run NAME ARGS...: nmftool with stdout+stderr (not a terminal) to NAME.log
run () { local name=$1; shift; "$nmftool" "$@" >"$work/$name.log" 2>&1; echo $?; }
check_outputs () {   # DIR N FORMAT BITS
  local i f n=0
  for ((i = 0; i < $2; i++)); do
    f=$1/source$i.wav
    if ! info=$("$wavcheck" "$f"); then fail "$f is not a complete WAV file"; continue; fi
    read -r got gch grate gfmt gbits <<<"$info"
    [ "$got" = "$frames" ] || fail "$f: $got frames, the input has $frames"
    [ "$gch $grate" = "$ch $rate" ] || fail "$f: $gch channels at $grate Hz, the input $ch at $rate"
    [ "$gfmt $gbits" = "$3 $4" ] || fail "$f: format $gfmt/$gbits bits, expected $3/$4"
    n=$((n + 1))
  done
  [ ! -e "$1/source$2.wav" ] || fail "$1/source$2.wav should not exist"
  echo "$1: $n of $2 files with $frames frames"
}

# 1. two sources, plain file name, default float output, progress lines
rc=$(run two separate --sources 2 "$work/mix.wav" "$work/out2")
[ "$rc" = 0 ] || fail "2 sources: exit $rc: $(cat "$work/two.log")"
check_outputs "$work/out2" 2 3 32
grep -q '100%.*/.*x real time.*ETA' "$work/two.log" || fail "no 100% progress line: $(cat "$work/two.log")"
grep -q $'\r' "$work/two.log" && fail "progress bar control characters on a non-terminal"
grep -q 'wrote .*source0.wav, .*source1.wav' "$work/two.log" || fail "no summary line"
cat "$work/two.log"

# 2. three sources, volmin, 16-bit, input as a file:// URI, new nested OUTDIR
rc=$(run three separate --sources 3 --algorithm volmin --format s16 \
  "file://$work/mix.wav" "$work/out3/nested")
[ "$rc" = 0 ] || fail "3 sources volmin: exit $rc: $(cat "$work/three.log")"
check_outputs "$work/out3/nested" 3 1 16

# 3. --set passes element properties; the forced progress bar draws in place
rc=$(run bar separate --sources 2 --set fft-size=1024 --set hop-size=256 \
  --progress bar "$work/mix.wav" "$work/outbar")
[ "$rc" = 0 ] || fail "--set fft-size: exit $rc: $(cat "$work/bar.log")"
check_outputs "$work/outbar" 2 3 32
grep -q $'\r\\[#*-*\\] *[0-9]*%' "$work/bar.log" || fail "--progress bar drew no bar"

# 3b. --profile live: the element's causal defaults, not the file
# settings of run 1 (so the outputs differ); --profile auto on a file is
# the file profile (so the outputs are the same)
rc=$(run elem separate --sources 2 --profile live "$work/mix.wav" "$work/outel")
[ "$rc" = 0 ] || fail "--profile live: exit $rc: $(cat "$work/elem.log")"
check_outputs "$work/outel" 2 3 32
cmp -s "$work/out2/source0.wav" "$work/outel/source0.wav" \
  && fail "--profile file and live gave the same output"
rc=$(run auto separate --sources 2 --profile auto "$work/mix.wav" "$work/outauto")
[ "$rc" = 0 ] || fail "--profile auto: exit $rc: $(cat "$work/auto.log")"
check_outputs "$work/outauto" 2 3 32
cmp -s "$work/out2/source0.wav" "$work/outauto/source0.wav" \
  || fail "--profile auto on a file differs from --profile file"

# 3c. an input of no samples: valid WAV files of no samples, as many as the
# input (wavenc wrote its placeholder header: data size 0x7fff0000 in a
# 44-byte file, with GStreamer warnings, and exit 0), for mono and 6
# channels, f32 and s16
/usr/bin/python3 -c "
import struct
def wav(name, ch, rate, fmt, bits):
    hdr = struct.pack('<4sI4s4sIHHIIHH4sI', b'RIFF', 36, b'WAVE', b'fmt ', 16,
        fmt, ch, rate, rate * ch * bits // 8, ch * bits // 8, bits, b'data', 0)
    open('$work/' + name, 'wb').write(hdr)
wav('empty1.wav', 1, 44100, 1, 16)
wav('empty6.wav', 6, 48000, 3, 32)" || exit 1
for e in "empty1 1 44100" "empty6 6 48000"; do
  read -r name ech erate <<<"$e"
  for f in "f32 3 32" "s16 1 16"; do
    read -r opt efmt ebits <<<"$f"
    rc=$(run "$name-$opt" separate --sources 2 --format "$opt" "$work/$name.wav" "$work/out-$name-$opt")
    [ "$rc" = 0 ] || fail "$name --format $opt: exit $rc: $(cat "$work/$name-$opt.log")"
    grep -q "WARNING" "$work/$name-$opt.log" && fail "$name --format $opt: $(cat "$work/$name-$opt.log")"
    for i in 0 1; do
      if info=$("$wavcheck" "$work/out-$name-$opt/source$i.wav"); then
        read -r got gch grate gfmt gbits <<<"$info"
        # more than two channels: WAVE_FORMAT_EXTENSIBLE (65534)
        [ "$ech" -gt 2 ] && [ "$gfmt" = 65534 ] && gfmt=$efmt
        [ "$got $gch $grate $gfmt $gbits" = "0 $ech $erate $efmt $ebits" ] \
          || fail "$name --format $opt: source$i.wav is '$info', expected '0 $ech $erate $efmt $ebits'"
      else
        fail "$name --format $opt: source$i.wav is not a valid WAV file"
      fi
    done
  done
done
echo "empty inputs: $(cat "$work/empty6-s16.log")"

# 3d. outputs beyond the 4 GiB a WAV file holds were cut there with a
# wrapped RIFF size (unreadable) and exit 0: an input whose duration is
# known is refused before anything is written, naming the limit and what
# to do. A sparse 8-bit WAV of 1.2e9 samples (41 h at 8 kHz, no disk
# space): 4.5 GiB as 32-bit float, refused; 2.2 GiB as 16-bit, which runs
# (stopped by SIGINT after 3 s).
/usr/bin/python3 -c "
import struct
n = 1200000000
with open('$work/huge.wav', 'wb') as f:
    f.write(struct.pack('<4sI4s4sIHHIIHH4sI', b'RIFF', 36 + n, b'WAVE', b'fmt ',
        16, 1, 1, 8000, 8000, 1, 8, b'data', n))
    f.truncate(44 + n)" || exit 1
rc=$(run huge separate --sources 2 "$work/huge.wav" "$work/outhuge")
[ "$rc" = 1 ] || fail "4.5 GiB outputs: exit $rc, expected 1: $(cat "$work/huge.log")"
[ "$(lines "$work/huge.log")" = 1 ] || fail "4.5 GiB outputs: not one line: $(cat "$work/huge.log")"
grep -q '4 GiB a WAV file can hold (.*): refused before writing a sample; use --format s16' "$work/huge.log" \
  || fail "4.5 GiB outputs: $(cat "$work/huge.log")"
[ ! -e "$work/outhuge" ] || fail "4.5 GiB outputs: files or OUTDIR left: $(ls -R "$work/outhuge")"
cat "$work/huge.log"
timeout -s INT --preserve-status 3 "$nmftool" separate --progress none --sources 2 \
  --format s16 "$work/huge.wav" "$work/outhuge" >"$work/huge16.log" 2>&1
rc=$?
[ "$rc" = 130 ] || fail "2.2 GiB outputs: exit $rc, expected 130 (SIGINT): $(cat "$work/huge16.log")"
grep -q 'GiB' "$work/huge16.log" && fail "2.2 GiB outputs refused: $(cat "$work/huge16.log")"
rm -rf "$work/huge.wav" "$work/outhuge"

# 4. a missing input: one line, exit 1, nothing created
rc=$(run missing separate --sources 2 "$work/no-such.wav" "$work/outm")
[ "$rc" = 1 ] || fail "missing input: exit $rc, expected 1"
[ "$(lines "$work/missing.log")" = 1 ] || fail "missing input: not one line: $(cat "$work/missing.log")"
grep -q 'no-such.wav: No such file or directory' "$work/missing.log" || fail "missing input: $(cat "$work/missing.log")"
[ ! -e "$work/outm" ] || fail "missing input: OUTDIR was created"
cat "$work/missing.log"

# 4b. a URI no GStreamer source reads: said so (it was "no audio stream
# that GStreamer can decode"); a file whose name reads as such a URI
# ("take:1.wav") is the file (it was taken for a URI and failed)
rc=$(run scheme separate --sources 2 "foo://bar" "$work/outs")
[ "$rc" = 1 ] && [ "$(lines "$work/scheme.log")" = 1 ] \
  && grep -q 'foo://bar: no GStreamer source reads foo: URIs' "$work/scheme.log" \
  || fail "foo://bar: exit $rc: $(cat "$work/scheme.log")"
[ ! -e "$work/outs" ] || fail "foo://bar: OUTDIR was created"
cat "$work/scheme.log"
cp "$work/mix.wav" "$work/take:1.wav"
rc=$(cd "$work" && run colon separate -q --sources 2 "take:1.wav" "$work/outcolon")
[ "$rc" = 0 ] || fail "a file named take:1.wav: exit $rc: $(cat "$work/colon.log")"
check_outputs "$work/outcolon" 2 3 32

# 5. not a media file: the pipeline's error, one line, exit 1, no files left
echo "not audio" >"$work/text.txt"
rc=$(run text separate --sources 2 "$work/text.txt" "$work/outt")
[ "$rc" = 1 ] || fail "non-media input: exit $rc, expected 1"
[ "$(lines "$work/text.log")" = 1 ] || fail "non-media input: not one line: $(cat "$work/text.log")"
ls "$work/outt"/*.wav >/dev/null 2>&1 && fail "non-media input: partial files left"
cat "$work/text.log"

# 5b. a write that fails (beyond the file size limit, SIGXFSZ ignored, as
# a full disk): the line names the output file and the reason (it named
# the input, with "Could not write to resource. (from filesink0)"), the
# partial files and the OUTDIR made are removed
(trap '' XFSZ; ulimit -f 64; exec "$nmftool" separate --sources 2 -q \
  "$work/mix.wav" "$work/outfsz") >"$work/fsz.log" 2>&1
rc=$?
[ "$rc" = 1 ] && [ "$(lines "$work/fsz.log")" = 1 ] \
  && grep -Eq "^nmftool separate: error: $work/outfsz/source[01]\.wav: .*File too large" "$work/fsz.log" \
  || fail "a failed write: exit $rc: $(cat "$work/fsz.log")"
[ ! -e "$work/outfsz" ] || fail "a failed write: OUTDIR left: $(ls "$work/outfsz")"
cat "$work/fsz.log"

# 6. an invalid element setting refused when the pipeline starts: one line, exit 1
rc=$(run badhop separate --sources 2 --set hop-size=4096 "$work/mix.wav" "$work/outh")
[ "$rc" = 1 ] || fail "hop-size > fft-size/2: exit $rc, expected 1"
[ "$(lines "$work/badhop.log")" = 1 ] || fail "hop-size > fft-size/2: not one line: $(cat "$work/badhop.log")"
ls "$work/outh"/*.wav >/dev/null 2>&1 && fail "hop-size > fft-size/2: partial files left"
cat "$work/badhop.log"

# 6b. a setting the element ignores with a warning on the bus (enrolment
# with volmin) is said on stderr, exit 0 (it was dropped: nothing said)
rc=$(run ignored separate --sources 2 --algorithm volmin --set enrol-source=0 \
  --quiet "$work/mix.wav" "$work/outi")
[ "$rc" = 0 ] || fail "enrol-source with volmin: exit $rc: $(cat "$work/ignored.log")"
check_outputs "$work/outi" 2 3 32
grep -Eq "^nmftool separate: warning: $work/mix\.wav: enrol-source=0 ignored: enrolment needs algorithm kl \(from separate\)$" \
  "$work/ignored.log" || fail "enrol-source with volmin: no warning: $(cat "$work/ignored.log")"
cat "$work/ignored.log"

# 7. command-line errors: one line, exit 2
usage_case () {
  rc=$(run usage separate "$@")
  [ "$rc" = 2 ] || fail "'$*': exit $rc, expected 2: $(cat "$work/usage.log")"
  [ "$(lines "$work/usage.log")" = 1 ] || fail "'$*': not one line: $(cat "$work/usage.log")"
}
in=$work/mix.wav out=$work/outu
usage_case --sources 0 "$in" "$out"
usage_case --sources 17 "$in" "$out"
usage_case --sources x "$in" "$out"
usage_case "$in" "$out"
usage_case --sources 2 "$in"
usage_case --sources 2 "$in" "$out" extra
usage_case --sources 2 --profile best "$in" "$out"
usage_case --sources 2 --algorithm nope "$in" "$out"
usage_case --sources 2 --set no-such-prop=1 "$in" "$out"
usage_case --sources 2 --set fft-size=abc "$in" "$out"
usage_case --sources 2 --set iterations=0 "$in" "$out"
usage_case --sources 2 --set n-sources=3 "$in" "$out"
usage_case --sources 2 --set enrol-source=5 "$in" "$out"   # accepted before
usage_case --sources 2 --set enrol-source=2 "$in" "$out"
# --set dictionaries was silently replaced by --dictionary
usage_case --sources 2 --set dictionaries=0=a.npy --dictionary 1=b.npy "$in" "$out"
# a source given twice was said by the element after the start, as the
# input's error (exit 1)
usage_case --sources 2 --dictionary 0=a.npy --dictionary 0=b.npy "$in" "$out"
usage_case --sources 2 --format u8 "$in" "$out"
usage_case --sources 2 --bogus "$in" "$out"
[ ! -e "$out" ] || fail "a command-line error created OUTDIR"

# 8. --dictionary: refused unless the element has a 'dictionaries' property
if gst-inspect-1.0 nmfseparate | grep -q '^ *dictionaries *:'; then
  echo "the element has a dictionaries property: refusal not tested"
else
  : >"$work/d.npy"
  rc=$(run dict separate --sources 2 --dictionary "0=$work/d.npy" "$work/mix.wav" "$work/outd")
  [ "$rc" = 2 ] || fail "--dictionary: exit $rc, expected 2"
  [ "$(lines "$work/dict.log")" = 1 ] || fail "--dictionary: not one line"
  grep -q 'dictionaries are not supported by this build' "$work/dict.log" || fail "--dictionary: $(cat "$work/dict.log")"
  cat "$work/dict.log"
fi

# 8b. a dictionary whose file name holds a comma: the element's property
# is one comma-separated string, which would split the name (the run
# failed, 'cannot open .../noise'): a usage error naming the comma, before
# anything is written; the same file through a link without one works. An
# element taking a string array would take the name as it is.
"$nmftool" learn --components 4 --in "$work/source_1.wav" \
  --out "$work/noise, take 2.npy" >"$work/learn.log" 2>&1 \
  || fail "learn: $(cat "$work/learn.log")"
rc=$(run comma separate --sources 2 --dictionary "1=$work/noise, take 2.npy" \
  "$work/mix.wav" "$work/outc")
if gst-inspect-1.0 nmfseparate | grep -A2 '^ *dictionaries *:' | grep -q '^ *String\.'; then
  [ "$rc" = 2 ] || fail "comma in a dictionary's name: exit $rc, expected 2: $(cat "$work/comma.log")"
  [ "$(lines "$work/comma.log")" = 1 ] || fail "comma in a dictionary's name: not one line: $(cat "$work/comma.log")"
  grep -q 'holds a comma' "$work/comma.log" || fail "comma in a dictionary's name: $(cat "$work/comma.log")"
  [ ! -e "$work/outc" ] || fail "comma in a dictionary's name: OUTDIR was created"
  ln -s "noise, take 2.npy" "$work/noise.npy"
  rc=$(run comma2 separate --sources 2 --dictionary "1=$work/noise.npy" \
    "$work/mix.wav" "$work/outc")
  [ "$rc" = 0 ] || fail "the dictionary through a link: exit $rc: $(cat "$work/comma2.log")"
  check_outputs "$work/outc" 2 3 32
else
  [ "$rc" = 0 ] || fail "comma in a dictionary's name (string array): exit $rc: $(cat "$work/comma.log")"
fi
cat "$work/comma.log"

# 9. help documents the command
"$nmftool" --help >"$work/help.txt" || fail "--help exit status"
for word in 'separate --sources N' --algorithm --components --dictionary --set \
            --format --progress Ctrl-C OUTDIR/sourceI.wav factorize; do
  grep -q -e "$word" "$work/help.txt" || fail "--help does not mention $word"
done
"$nmftool" separate --help >/dev/null || fail "separate --help exit status"

[ "$fails" -eq 0 ] && echo "all checks passed"
[ "$fails" -eq 0 ]
