#!/bin/bash
# The example pipelines of pipelines/ on awkward file names and bad input:
# - file names holding '#', '%', '%25', spaces, quotes and backslashes
#   (denoise.sh built its URI without escaping: it failed and left a 0-byte
#   output) give complete outputs;
# - undecodable input ends within 60 s (denoise.sh hung with nmftool learn)
#   with a non-zero exit and no output file at all (picture.sh and
#   denoise.sh left 0-byte files); an output in a missing directory is the
#   script's one-line error, and no temporary file is left (denoise.sh
#   left its dictionary in $TMPDIR);
# - picture.sh works with a relative GST_PLUGIN_PATH and the picture in
#   another directory;
# - split-stereo.sh leaves no directory it made after a failed run;
# - remove-source.sh, picture.sh and split-stereo.sh say why a plain WAV
#   of more than two channels fails, and what takes it;
# - an option without its value is the script's own usage error;
#   two-mics.sh's help and refusals are its own; --help prints the
#   script's whole leading comment; a bad command line is exit 2 with the
#   help on stderr;
# - denoise.sh finds nmftool on PATH when this tree's build/ has none, and
#   says where it looked when there is none;
# - an output naming an input (the same name, a hard or symbolic link, a
#   file:// URI) is refused and the input is unchanged (remove-source.sh
#   a.wav a.wav left a.wav empty).
# - an output that is a directory is refused, as is split-stereo.sh's
#   output over its input (they were written into the directory, under a
#   temporary name; over the input);
# - demo.sh writes a relative OUTPUT_DIR where it was started (it wrote
#   it in the tree, and printed names that were not there);
#   pipelines.sh PIPELINES_DIR NMFTOOL MAKE_MIXTURE WAVCHECK PLUGIN_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
pdir=$(realpath "$1") nmftool=$(realpath "$2") make_mixture=$(realpath "$3")
wavcheck=$(realpath "$4") plugin_dir=$(realpath "$5")
. "$(dirname "$0")/scratch.sh" "$plugin_dir"
export NMFTOOL="$nmftool"

"$make_mixture" . 4 >/dev/null || exit 1
read -r frames _ < <("$wavcheck" mix.wav) || exit 1
odd="dir #1 %25"
mkdir "$odd"
name="$odd/mix #%25 '\"\\ x.wav"
cp mix.wav "$name"
cp source_1.wav "$odd/noise #%.wav"
echo "plain text, not audio" >text.txt
sum=$(md5sum <mix.wav)
cp mix.wav pristine.wav

# run NAME SCRIPT ARGS...: exit status (124: still running after 60 s)
run () {
  local name=$1; shift
  timeout 60 "$@" >"$name.log" 2>&1
  echo $?
}
# no_leftovers DIR WHAT: no hidden temporary files left in DIR
no_leftovers () {
  ls -A "$1" | grep -q '^\.\(denoise\|picture\|remove-source\)\.' \
    && fail "$2: temporary files left in $1: $(ls -A "$1")"
}
# refused NAME SCRIPT ARGS...: exit 1 within the bound, input unchanged
refused () {
  local name=$1 rc; shift
  rc=$(run "$name" "$@")
  [ "$rc" = 1 ] || fail "$name: exit $rc, expected 1: $(tail -3 "$name.log")"
  grep -q "refusing to write over it" "$name.log" || fail "$name: $(tail -3 "$name.log")"
  if [ "$(md5sum <mix.wav)" != "$sum" ]; then
    fail "$name: the input changed"
    cat pristine.wav >mix.wav   # the same inode: its links stay links
  fi
  echo "$name: $(tail -1 "$name.log")"
}
# failed NAME OUTPUT SCRIPT ARGS...: non-zero exit within the bound, no OUTPUT
failed () {
  local name=$1 out=$2 rc; shift 2
  rc=$(run "$name" "$@")
  [ "$rc" = 124 ] && fail "$name: still running after 60 s: $(tail -5 "$name.log")"
  [ "$rc" != 0 ] || fail "$name: exit 0 on bad input"
  [ ! -e "$out" ] || fail "$name: $out left behind ($(stat -c %s "$out") bytes)"
  echo "$name: exit $rc"
}

# --- denoise.sh ---
rc=$(run denoise-odd "$pdir/denoise.sh" "$odd/noise #%.wav" "$name" "$odd/clean #%25 \"'.wav")
[ "$rc" = 0 ] || fail "denoise.sh on odd names: exit $rc: $(tail -3 denoise-odd.log)"
if info=$("$wavcheck" "$odd/clean #%25 \"'.wav"); then
  read -r got _ <<<"$info"
  [ "$got" = "$frames" ] || fail "denoise.sh: $got frames, the input has $frames"
else
  fail "denoise.sh: no complete output on odd names"
fi
failed denoise-bad-noisy clean1.wav "$pdir/denoise.sh" source_1.wav text.txt clean1.wav
failed denoise-bad-noise clean2.wav "$pdir/denoise.sh" text.txt mix.wav clean2.wav
failed denoise-empty-noise clean3.wav "$pdir/denoise.sh" /dev/null mix.wav clean3.wav
refused denoise-same "$pdir/denoise.sh" source_1.wav mix.wav mix.wav
ln mix.wav hard.wav
refused denoise-hard "$pdir/denoise.sh" source_1.wav mix.wav hard.wav
no_leftovers . denoise.sh
no_leftovers "$odd" denoise.sh
# CLEAN.wav in a directory that does not exist: the temporary dictionary
# made before was left in $TMPDIR (its trap came after the second mktemp),
# and the message was mktemp's
mkdir tmpd
rc=$(TMPDIR="$work/tmpd" run denoise-nodir "$pdir/denoise.sh" source_1.wav mix.wav no-such-dir/clean.wav)
[ "$rc" = 1 ] || fail "denoise.sh into a missing directory: exit $rc, expected 1: $(cat denoise-nodir.log)"
grep -q '^denoise.sh: no-such-dir: no such directory' denoise-nodir.log \
  || fail "denoise.sh into a missing directory: $(cat denoise-nodir.log)"
[ -z "$(ls -A tmpd)" ] || fail "denoise.sh into a missing directory: left in TMPDIR: $(ls -A tmpd)"
echo "denoise-nodir: $(cat denoise-nodir.log)"

# nmftool: this tree's build/ has none (a copy of pipelines/ elsewhere) and
# NMFTOOL is not set: nmftool from PATH (an installed one); none there
# either: one line saying where it was looked for (it was exit 127, bash's
# "build/tools/nmftool: No such file or directory")
mkdir -p tree bin
cp -r "$pdir" tree/pipelines
ln -s "$nmftool" bin/nmftool
rc=$(run denoise-path env -u NMFTOOL PATH="$work/bin:$PATH" tree/pipelines/denoise.sh \
  source_1.wav mix.wav clean-path.wav)
[ "$rc" = 0 ] || fail "denoise.sh with nmftool on PATH: exit $rc: $(tail -3 denoise-path.log)"
"$wavcheck" clean-path.wav >/dev/null || fail "denoise.sh with nmftool on PATH: no complete output"
rc=$(run denoise-none env -u NMFTOOL PATH=/usr/bin:/bin tree/pipelines/denoise.sh \
  source_1.wav mix.wav clean-none.wav)
[ "$rc" = 1 ] || fail "denoise.sh without nmftool: exit $rc, expected 1: $(cat denoise-none.log)"
[ "$(grep -c '' denoise-none.log)" = 1 ] || fail "denoise.sh without nmftool: not one line: $(cat denoise-none.log)"
grep -q "^denoise.sh: nmftool not found: .*$work/tree/build/tools/nmftool.* PATH" denoise-none.log \
  || fail "denoise.sh without nmftool: $(cat denoise-none.log)"
[ ! -e clean-none.wav ] || fail "denoise.sh without nmftool: clean-none.wav made"
echo "denoise-none: $(cat denoise-none.log)"
rc=$(run denoise-bad env NMFTOOL="$work/no-such-nmftool" "$pdir/denoise.sh" \
  source_1.wav mix.wav clean-bad.wav)
[ "$rc" = 1 ] && grep -q "^denoise.sh: NMFTOOL=.*no-such-nmftool: no such program" denoise-bad.log \
  || fail "denoise.sh with a wrong NMFTOOL: exit $rc: $(cat denoise-bad.log)"

# --- picture.sh ---
rc=$(run picture-odd "$pdir/picture.sh" "$name" "$odd/pic #%25 \"'.png" 64 32)
[ "$rc" = 0 ] || fail "picture.sh on odd names: exit $rc: $(tail -3 picture-odd.log)"
[ "$(head -c 4 "$odd/pic #%25 \"'.png" 2>/dev/null | tail -c 3)" = PNG ] \
  || fail "picture.sh: no PNG on odd names"
# a relative GST_PLUGIN_PATH (the README's form when uninstalled) and the
# picture in another directory: gst-launch ran in that directory, found no
# nmfseparate ('erroneous pipeline') and exited 1
mkdir pics
rc=$(run picture-relpath env -u GST_PLUGIN_PATH_1_0 \
  GST_PLUGIN_PATH="$(realpath --relative-to=. "$plugin_dir")" \
  "$pdir/picture.sh" mix.wav pics/sep.png 64 32)
[ "$rc" = 0 ] || fail "picture.sh with a relative GST_PLUGIN_PATH: exit $rc: $(tail -3 picture-relpath.log)"
[ "$(head -c 4 pics/sep.png 2>/dev/null | tail -c 3)" = PNG ] \
  || fail "picture.sh with a relative GST_PLUGIN_PATH: no PNG"
no_leftovers pics picture.sh
failed picture-text pic1.png "$pdir/picture.sh" text.txt pic1.png 64 32
failed picture-missing pic2.png "$pdir/picture.sh" no-such.wav pic2.png 64 32
refused picture-same "$pdir/picture.sh" mix.wav mix.wav 64 32
no_leftovers . picture.sh
no_leftovers "$odd" picture.sh

# --- remove-source.sh ---
rc=$(run remove-odd "$pdir/remove-source.sh" "$name" "$odd/without #%25 \"'.wav")
[ "$rc" = 0 ] || fail "remove-source.sh on odd names: exit $rc: $(tail -3 remove-odd.log)"
if info=$("$wavcheck" "$odd/without #%25 \"'.wav"); then
  read -r got _ <<<"$info"
  [ "$got" = "$frames" ] || fail "remove-source.sh: $got frames, the input has $frames"
else
  fail "remove-source.sh: no complete output on odd names"
fi
failed remove-text out1.wav "$pdir/remove-source.sh" text.txt out1.wav
refused remove-same "$pdir/remove-source.sh" mix.wav mix.wav
refused remove-dot "$pdir/remove-source.sh" mix.wav ./mix.wav
refused remove-hard "$pdir/remove-source.sh" mix.wav hard.wav
ln -s mix.wav link.wav
refused remove-link "$pdir/remove-source.sh" mix.wav link.wav
refused remove-uri "$pdir/remove-source.sh" "file://$work/mix.wav" mix.wav
no_leftovers . remove-source.sh
no_leftovers "$odd" remove-source.sh

# --- a plain WAV of 3 channels (no channel positions): audioconvert in
# gst-launch refuses it; remove-source.sh, picture.sh and split-stereo.sh
# say so and what takes it (they failed with only GStreamer's
# "not-negotiated" or "Internal data stream error") ---
/usr/bin/python3 "$here/plain3_wav.py" plain3.wav 22050 || exit 1
# (audioconvert refuses it in most runs, not in all: some runs negotiate,
# warning "Upstream caps contain no channel mask", and succeed. Either a
# success with its output, or the script's own line and nothing left.)
for c in "remove-source plain3-out.wav" "picture plain3.png" "split-stereo plain3-split"; do
  read -r script out <<<"$c"
  rc=$(run "plain3-$script" "$pdir/$script.sh" plain3.wav "$out")
  if [ "$rc" = 0 ]; then
    made=$out
    [ "$script" = split-stereo ] && made=$out/source_0.wav
    [ -s "$made" ] || fail "$script.sh on a plain 3-channel WAV: exit 0 without $made"
    rm -rf "$out"
  else
    [ "$rc" = 1 ] || fail "$script.sh on a plain 3-channel WAV: exit $rc, expected 1"
    grep -q "^$script.sh: plain3.wav: its channels have no positions.*nmftool separate" "plain3-$script.log" \
      || fail "$script.sh on a plain 3-channel WAV: $(tail -2 "plain3-$script.log")"
    [ ! -e "$out" ] || fail "$script.sh on a plain 3-channel WAV: $out made"
  fi
  echo "plain3 $script.sh: exit $rc, $(tail -1 "plain3-$script.log")"
done
no_leftovers . "plain 3-channel WAV"

# --- split-stereo.sh: a failed run leaves no directory it made for OUTDIR
# (it left the new, empty OUTDIR), and keeps the one it found ---
rc=$(run split-text "$pdir/split-stereo.sh" text.txt new-split/deeper/out)
[ "$rc" != 0 ] || fail "split-stereo.sh on text: exit 0"
[ ! -e new-split ] || fail "split-stereo.sh on text: left $(find new-split)"
mkdir old-split
rc=$(run split-text2 "$pdir/split-stereo.sh" text.txt old-split)
[ "$rc" != 0 ] && [ -d old-split ] && [ -z "$(ls -A old-split)" ] \
  || fail "split-stereo.sh on text into an existing OUTDIR: exit $rc, $(ls -A old-split 2>&1)"
echo "split-text: exit $rc, nothing left"

# --- an output that is a directory is refused before any work, the
# directory left as it was (the finished file was moved into it under its
# temporary name, and the script said the output was written, exit 0);
# split-stereo.sh: an OUTDIR that is a file, and an output that is its
# input, are refused (it wrote source 1 over the input) ---
mkdir -p dirout.wav dirout.png split-dir/source_1.wav
mkdir split-in && cp mix.wav split-in/source_0.wav
for c in "remove-source dirout.wav mix.wav dirout.wav" \
    "picture dirout.png mix.wav dirout.png 64 32" \
    "denoise dirout.wav source_1.wav mix.wav dirout.wav" \
    "split-stereo split-dir/source_1.wav mix.wav split-dir"; do
  read -r script out args <<<"$c"
  # shellcheck disable=SC2086 # the words of $args are the arguments
  rc=$(run "dir-$script" "$pdir/$script.sh" $args)
  [ "$rc" = 1 ] && grep -q "^$script.sh: $out is a directory" "dir-$script.log" \
    || fail "$script.sh into a directory $out: exit $rc: $(tail -2 "dir-$script.log")"
  [ -z "$(ls -A "$out")" ] || fail "$script.sh into a directory $out: left $(ls -A "$out")"
done
echo "an output that is a directory: $(tail -1 dir-remove-source.log)"
sum_in=$(md5sum <split-in/source_0.wav)
rc=$(run split-self "$pdir/split-stereo.sh" split-in/source_0.wav split-in)
[ "$rc" = 1 ] && grep -q "refusing to write over it" split-self.log \
  && [ "$(md5sum <split-in/source_0.wav)" = "$sum_in" ] && [ ! -e split-in/source_1.wav ] \
  || fail "split-stereo.sh with its input in OUTDIR: exit $rc: $(tail -1 split-self.log)"
rc=$(run split-file "$pdir/split-stereo.sh" mix.wav text.txt)
[ "$rc" = 1 ] && grep -q "^split-stereo.sh: text.txt: not a directory" split-file.log \
  || fail "split-stereo.sh into a file: exit $rc: $(cat split-file.log)"

# --- options without their value: the script's usage error (exit 2, one
# line), not bash's "2: parameter null or not set" (exit 1) ---
for c in "split-stereo --sources" "remove-source --sources" "remove-source --remove" \
    "remove-source --algorithm" "live-mic --sources" "live-mic --play" \
    "live-mic --algorithm" "live-mic --channels"; do
  read -r script opt <<<"$c"
  rc=$(run novalue "$pdir/$script.sh" "$opt")
  [ "$rc" = 2 ] || fail "$script.sh $opt: exit $rc, expected 2: $(cat novalue.log)"
  [ "$(grep -c '' novalue.log)" = 1 ] && grep -q "^$script.sh: $opt needs a value" novalue.log \
    || fail "$script.sh $opt: $(cat novalue.log)"
done
echo "options without a value: $(cat novalue.log)"
# two-mics.sh (which runs live-mic.sh) speaks as itself: its own help,
# its name in its refusals (it printed live-mic.sh's help and name)
"$pdir/two-mics.sh" --help >two-help.log 2>&1 || fail "two-mics.sh --help: exit $?"
grep -q 'pipelines/two-mics.sh \[--print\]' two-help.log || fail "two-mics.sh --help: $(head -3 two-help.log)"
grep -q 'live-mic.sh \[' two-help.log && fail "two-mics.sh --help shows live-mic.sh's usage"
rc=$(run two-play "$pdir/two-mics.sh" --play 5)
[ "$rc" = 2 ] && grep -q '^two-mics.sh: --play needs' two-play.log \
  || fail "two-mics.sh --play 5: exit $rc: $(cat two-play.log)"
# --channels is not two-mics.sh's (it was passed on: --channels 1 captured
# one channel)
rc=$(run two-channels "$pdir/two-mics.sh" --print --channels 1)
[ "$rc" = 2 ] && grep -q '^two-mics.sh: unknown argument --channels' two-channels.log \
  && ! grep -q 'channels=1' two-channels.log \
  || fail "two-mics.sh --channels 1: exit $rc: $(cat two-channels.log)"

# --- --help: the script's whole leading comment (live-mic.sh and
# remove-source.sh printed a fixed range of lines, shorter than their
# comment: their help stopped mid-sentence; denoise.sh and picture.sh
# took --help for a file: bash's "${N:?}" error, exit 1; demo.sh took it
# for OUTPUT_DIR, after installing packages and building). demo.sh runs
# from the copy tree/pipelines, which has no scripts/setup.sh: were it to
# go past its command line, it would fail there, not install nor build.
for script in live-mic remove-source split-stereo two-mics denoise picture demo; do
  sdir=$pdir
  [ "$script" = demo ] && sdir=$work/tree/pipelines
  rc=$(run help "$sdir/$script.sh" --help)
  awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' \
    "$sdir/$script.sh" >help.want
  [ "$rc" = 0 ] && cmp -s help.log help.want \
    || fail "$script.sh --help: exit $rc, not its whole comment: $(diff help.want help.log | head -4)"
done
# (live-mic.sh gave no range for --channels, which takes 1..8)
"$pdir/live-mic.sh" --help | grep -q -- '--channels C .*1\.\.8' \
  || fail "live-mic.sh --help: no range for --channels: $("$pdir/live-mic.sh" --help | grep -A1 -- '--channels C')"
echo "--help: the whole comment of each script"
# a bad command line: exit 2, the script's line saying what is wrong and
# its help, on stderr (denoise.sh and picture.sh: bash's "${N:?}" error,
# exit 1, or an unknown option taken for a file; demo.sh: the same, after
# installing and building; picture.sh's size beyond the viz pad's range:
# GStreamer's "could not link", exit 1; denoise.sh's COMPONENTS not in
# 1..256: GStreamer's "could not set property", exit 1, after the learning)
for c in "denoise --bogus source_1.wav mix.wav c.wav" "denoise source_1.wav mix.wav" \
    "denoise source_1.wav mix.wav c.wav abc" "denoise source_1.wav mix.wav c.wav 257" \
    "picture --bogus mix.wav p.png" "picture mix.wav" "picture --live" \
    "picture mix.wav p.png 10000 400" "picture mix.wav p.png abc 400" \
    "picture mix.wav p.png 640 15" \
    "demo --bogus" "demo d1 d2"; do
  read -r -a argv <<<"$c"
  script=${argv[0]}
  sdir=$pdir
  [ "$script" = demo ] && sdir=$work/tree/pipelines
  timeout 60 "$sdir/$script.sh" "${argv[@]:1}" >bad.out 2>bad.err; rc=$?
  [ "$rc" = 2 ] && [ ! -s bad.out ] && grep -q "^$script.sh: " bad.err \
    && grep -q "^  pipelines/$script.sh " bad.err \
    || fail "$c: exit $rc, expected 2 and the help on stderr: $(head -2 bad.err)"
done
[ ! -e c.wav ] && [ ! -e p.png ] && [ ! -e tree/d1 ] && [ ! -e tree/build ] \
  || fail "a bad command line wrote an output"
echo "a bad command line: exit 2, $(head -1 bad.err)"

# --- demo.sh OUTPUT_DIR relative to where it is started (it was taken in
# the tree: the files went there, and the lines printed named files that
# were not where the user stood). A tree of its own whose setup.sh installs
# and builds nothing, this build's mixture maker in its build/ ---
mkdir -p demo-tree/scripts demo-tree/build/tests/tools demo-cwd
cp -r "$pdir" demo-tree/pipelines
printf 'nmf_ensure_packages () { :; }\nnmf_build () { :; }\n' >demo-tree/scripts/setup.sh
ln -s "$make_mixture" demo-tree/build/tests/tools/nmf-make-mixture
printf '#!/bin/sh\nexit 0\n' >demo-tree/build/tests/tools/nmf-si-sdr
chmod +x demo-tree/build/tests/tools/nmf-si-sdr
(cd demo-cwd && timeout 120 ../demo-tree/pipelines/demo.sh "out dir") >demo-rel.log 2>&1 \
  || fail "demo.sh \"out dir\": exit $?: $(tail -3 demo-rel.log)"
for f in mix.wav source0.wav source1.wav; do
  [ -s "demo-cwd/out dir/$f" ] || fail "demo.sh \"out dir\": no $f where it was started"
done
[ ! -e "demo-tree/out dir" ] || fail "demo.sh \"out dir\": written in the tree"
grep -q "^mixture: *$work/demo-cwd/out dir/mix.wav" demo-rel.log \
  || fail "demo.sh \"out dir\": $(grep mixture: demo-rel.log)"
echo "demo.sh relative OUTPUT_DIR: $(grep mixture: demo-rel.log)"
# an OUTPUT_DIR that is a file: refused at once, before the packages and
# the build (mkdir said so after them)
printf 'nmf_ensure_packages () { touch "$NMF_DEMO_MARK"; }\nnmf_build () { touch "$NMF_DEMO_MARK"; }\n' \
  >demo-tree/scripts/setup.sh
: >demo-cwd/a-file
rc=0
(cd demo-cwd && NMF_DEMO_MARK=$work/demo-setup-ran timeout 60 ../demo-tree/pipelines/demo.sh a-file) \
  >demo-file.log 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "^demo.sh: .*a-file exists and is not a directory" demo-file.log \
  && [ ! -e demo-setup-ran ] \
  || fail "demo.sh a-file: exit $rc, setup ran: $([ -e demo-setup-ran ] && echo yes || echo no): $(tail -2 demo-file.log)"
printf 'nmf_ensure_packages () { :; }\nnmf_build () { :; }\n' >demo-tree/scripts/setup.sh
# an OUTPUT_DIR with a backslash and double quotes (gst-launch read them as
# its syntax: 'no element "c"', or the backslash dropped and no file)
odd_out='o \ "b c" d'
(cd demo-cwd && timeout 120 ../demo-tree/pipelines/demo.sh "$odd_out") >demo-odd.log 2>&1 \
  || fail "demo.sh '$odd_out': exit $?: $(tail -3 demo-odd.log)"
for f in source0.wav source1.wav; do
  [ -s "demo-cwd/$odd_out/$f" ] || fail "demo.sh '$odd_out': no $f"
done

# --- numbers with a leading zero are decimal (010 passed the checks as
# ten and reached bash and GStreamer as octal 8: nothing was removed) ---
rc=$(run lz "$pdir/remove-source.sh" --print --sources 010 --remove 9 mix.wav lz.wav)
[ "$rc" = 0 ] && grep -q 'n-sources=10 ' lz.log && grep -q 's.src_9 ! fakesink' lz.log \
  || fail "remove-source.sh --sources 010 --remove 9: exit $rc: $(tail -2 lz.log)"
rc=$(run lz8 "$pdir/live-mic.sh" --print --sources 08 --play 7)
[ "$rc" = 0 ] && grep -q 'n-sources=8 ' lz8.log \
  || fail "live-mic.sh --sources 08: exit $rc: $(tail -2 lz8.log)"
echo "leading zeros: $(grep -o 'n-sources=[0-9]*' lz.log) $(grep -o 'n-sources=[0-9]*' lz8.log)"
# a number too long for bash is the option's own range error (it said
# "--play needs an integer in 0..1", the arithmetic overflowed)
rc=$(run big "$pdir/live-mic.sh" --sources 18446744073709551618 --play x)
[ "$rc" = 2 ] && grep -q '^live-mic.sh: --sources needs an integer in 1..16' big.log \
  || fail "live-mic.sh --sources 18446744073709551618: exit $rc: $(cat big.log)"

# --- gst-launch-1.0 that prints an error and then waits forever (GStreamer
# 1.22 loses its quit when the error comes before its main loop runs: 1
# run in 20 to 100 of picture.sh on text, on a busy machine, hung until
# the 60 s bound): each script stops it, exit 1, no output left ---
mkdir fakebin
cat >fakebin/gst-launch-1.0 <<'EOF2'
#!/bin/sh
echo "ERROR: from element /GstPipeline:pipeline0/GstTypeFindElement:typefind: Could not determine type of stream." >&2
echo "ERROR: pipeline doesn't want to preroll." >&2
sleep 600 </dev/null >/dev/null 2>&1 &
trap 'kill $!; exit 143' TERM
wait
EOF2
chmod +x fakebin/gst-launch-1.0
for c in "remove-source lost1.wav mix.wav lost1.wav" \
    "picture lost2.png mix.wav lost2.png 64 32" \
    "denoise lost3.wav source_1.wav mix.wav lost3.wav" \
    "split-stereo lost4 mix.wav lost4"; do
  read -r script out args <<<"$c"
  start=$SECONDS
  # shellcheck disable=SC2086 # the words of $args are the arguments
  rc=$(PATH="$work/fakebin:$PATH" run "lost-$script" "$pdir/$script.sh" $args)
  [ "$rc" = 1 ] || fail "$script.sh, gst-launch-1.0 waiting after its error: exit $rc, expected 1 (after $((SECONDS - start)) s): $(tail -2 "lost-$script.log")"
  [ $((SECONDS - start)) -le 20 ] || fail "$script.sh, gst-launch-1.0 waiting after its error: $((SECONDS - start)) s"
  grep -q "^$script.sh: gst-launch-1.0 did not stop after its error: stopped" "lost-$script.log" \
    || fail "$script.sh, gst-launch-1.0 waiting after its error: not said: $(tail -2 "lost-$script.log")"
  [ -z "$(ls -A "$out" 2>/dev/null)" ] \
    || fail "$script.sh, gst-launch-1.0 waiting after its error: $out left"
done
no_leftovers . "gst-launch-1.0 waiting after its error"
echo "gst-launch-1.0 waiting after its error: $(tail -1 lost-remove-source.log)"

# --- the script killed (TERM, HUP) while gst-launch-1.0 runs: it dies by
# that signal, as it did, but gst_launch's own directory (its FIFO and copy
# of stderr) stayed in $TMPDIR, and gst-launch-1.0 ran on, orphaned (a
# live-mic.sh killed kept the microphone and the speakers).  Now $TMPDIR
# ends as empty as it began, no temporary file is left by the output and
# gst-launch-1.0 is stopped ---
mkdir fakehang
cat >fakehang/gst-launch-1.0 <<'EOF2'
#!/bin/sh
sleep 600 </dev/null >/dev/null 2>&1 &
trap 'kill $!; exit 143' TERM
echo $$ >"$FAKE_STARTED.new" && mv "$FAKE_STARTED.new" "$FAKE_STARTED"
wait
EOF2
chmod +x fakehang/gst-launch-1.0
for c in "TERM remove-source kill1.wav mix.wav kill1.wav" \
    "TERM picture kill2.png mix.wav kill2.png 64 32" \
    "TERM denoise kill3.wav source_1.wav mix.wav kill3.wav" \
    "TERM split-stereo kill4 mix.wav kill4" \
    "HUP remove-source kill5.wav mix.wav kill5.wav"; do
  read -r sig script out args <<<"$c"
  name="$sig-$script"
  rm -rf tmp-kill started && mkdir tmp-kill
  # shellcheck disable=SC2086 # the words of $args are the arguments
  TMPDIR="$work/tmp-kill" PATH="$work/fakehang:$PATH" FAKE_STARTED="$work/started" \
    "$pdir/$script.sh" $args >"kill-$name.log" 2>&1 &
  pid=$!
  for ((i = 0; i < 1200; i++)); do
    [ -e started ] && break
    sleep 0.05
  done
  fake=$(cat started 2>/dev/null)
  [ -n "$fake" ] || fail "$name: gst-launch-1.0 never started: $(tail -2 "kill-$name.log")"
  kill -"$sig" "$pid"
  wait "$pid"; rc=$?
  [ "$rc" = $((128 + $(kill -l "$sig"))) ] \
    || fail "$script.sh killed by $sig: exit $rc: $(tail -2 "kill-$name.log")"
  [ -z "$(ls -A tmp-kill)" ] \
    || fail "$script.sh killed by $sig: left in \$TMPDIR: $(ls -A tmp-kill)"
  for ((i = 0; i < 100; i++)); do
    [ -n "$fake" ] && kill -0 "$fake" 2>/dev/null || break
    sleep 0.05
  done
  if [ -n "$fake" ] && kill -0 "$fake" 2>/dev/null; then
    fail "$script.sh killed by $sig: gst-launch-1.0 still runs 5 s later"
    kill "$fake"
  fi
  [ -z "$(ls -A "$out" 2>/dev/null)" ] || fail "$script.sh killed by $sig: $out left"
  no_leftovers . "$script.sh killed by $sig"
  echo "$script.sh killed by $sig: exit $rc"
done

# --- Ctrl-C: gst-launch-1.0 stops its pipeline and exits 0; the scripts
# published the cut-short file (its WAV header unfinished) and exited 0.
# Now: exit 130, nothing under the output's name, no temporary file ---
mkdir long && "$make_mixture" long 120 >/dev/null || exit 1
for c in "remove-source long/mix.wav int-out.wav" "denoise source_1.wav long/mix.wav int-clean.wav"; do
  read -r script a b c2 <<<"$c"
  out=${c2:-$b}
  set -m
  /usr/bin/python3 -c 'import signal, os, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
    "$pdir/$script.sh" $a $b ${c2:+"$c2"} >"int-$script.log" 2>&1 &
  pid=$!
  # as soon as the pipeline writes (the 120 s file takes a second or more)
  for ((i = 0; i < 600; i++)); do
    [ -n "$(find . -maxdepth 1 -name ".$script.*" -size +0 2>/dev/null)" ] && break
    sleep 0.02
  done
  kill -INT -- -"$pid"
  wait "$pid"; rc=$?
  set +m
  [ "$rc" = 130 ] || fail "$script.sh interrupted: exit $rc: $(tail -2 "int-$script.log")"
  [ ! -e "$out" ] || fail "$script.sh interrupted: $out published ($(stat -c %s "$out") bytes)"
  grep -q "^$script.sh: interrupted: $out not written" "int-$script.log" \
    || fail "$script.sh interrupted: $(tail -2 "int-$script.log")"
  no_leftovers . "$script.sh interrupted"
  echo "interrupted $script.sh: exit $rc, $(tail -1 "int-$script.log")"
done

[ "$fails" -eq 0 ] && echo "all checks passed"
[ "$fails" -eq 0 ]
