#!/bin/bash
# nmftool separate never writes over, truncates or removes a file it reads:
# an output OUTDIR/sourceI.wav that is the input (the same name, a symbolic
# link, a hard link, the input given as a file:// URI) or a --dictionary
# file, or one given in the element's syntax by --set dictionaries=..., is
# refused with exit 1 before anything is written, and the file is
# unchanged (it used to be truncated, then removed when the run failed).
# A failed run removes the directories it created for OUTDIR, and only those,
# and the files it opened, and only those: an existing OUTDIR/sourceI.wav
# it could not open (write-protected, a link into a missing directory) is
# kept (it used to be removed with the others), and so is a link to
# /dev/null; an existing FIFO is refused (the run blocked in open()).
#   separate_aliasing.sh NMFTOOL MAKE_MIXTURE WAVCHECK PLUGIN_DIR
set -u
nmftool=$(realpath "$1") make_mixture=$(realpath "$2") wavcheck=$(realpath "$3")
plugin_dir=$(realpath "$4")
. "$(dirname "$0")/scratch.sh" "$plugin_dir"

"$make_mixture" . 4 >/dev/null || exit 1
sum=$(md5sum <mix.wav)
cp mix.wav pristine.wav

# refused NAME INPUT OUTDIR [OPTIONS...]: exit 1, one line, the file that
# mix.wav holds unchanged (restored if not), no other output made
refused () {
  local name=$1 in=$2 out=$3 rc; shift 3
  timeout 60 "$nmftool" separate -q --sources 3 "$@" "$in" "$out" >"$name.log" 2>&1
  rc=$?
  [ "$rc" = 1 ] || fail "$name: exit $rc, expected 1: $(cat "$name.log")"
  grep -q "refusing to write over it" "$name.log" || fail "$name: $(cat "$name.log")"
  [ "$(grep -c '' "$name.log")" = 1 ] || fail "$name: not one line"
  echo "$name: $(cat "$name.log")"
}
check_kept () {   # FILE NAME: FILE still holds mix.wav's bytes
  if [ "$(md5sum <"$1" 2>/dev/null)" != "$sum" ]; then
    fail "$2: $1 changed or is gone"
    cat pristine.wav >"$1"   # the same inode, if it is still there
  fi
}

# 1. the input inside OUTDIR under an output's name (the issue's case)
mkdir out1
cp mix.wav out1/source0.wav
refused inside out1/source0.wav out1
check_kept out1/source0.wav inside
[ ! -e out1/source1.wav ] || fail "inside: out1/source1.wav was made"
refused inside-uri "file://$work/out1/source0.wav" out1
check_kept out1/source0.wav inside-uri
refused inside-slash out1/source0.wav ./out1/
check_kept out1/source0.wav inside-slash

# 2. an output that is a symbolic or a hard link to the input
mkdir out2 out3
ln -s ../mix.wav out2/source2.wav
refused symlink mix.wav out2
check_kept mix.wav symlink
[ -L out2/source2.wav ] || fail "symlink: the link was replaced"
ln mix.wav out3/source1.wav
refused hardlink mix.wav out3
check_kept mix.wav hardlink
ln -s out3 out4
refused dirlink out3/source1.wav out4
check_kept out3/source1.wav dirlink

# 3. an output that is a dictionary
mkdir out5
cp mix.wav out5/source0.wav
refused dictionary mix.wav out5 --dictionary "1=out5/source0.wav"
check_kept out5/source0.wav dictionary
# the same dictionary in the element's own syntax, through --set (it was
# not checked: truncated, then removed): alone, and as the second of
# comma-separated entries with white space around (the element strips it)
refused set-dictionaries mix.wav out5 --set "dictionaries=1=out5/source0.wav"
check_kept out5/source0.wav set-dictionaries
refused set-dictionaries-list mix.wav out5 \
  --set "dictionaries=0=elsewhere.npy, 2=./out5/source0.wav "
check_kept out5/source0.wav set-dictionaries-list

# 4. a failed run removes the directories it made, not those it found
echo "plain text, not audio" >text.txt
timeout 60 "$nmftool" separate -q --sources 2 text.txt new/deeper/out >text.log 2>&1
rc=$?
[ "$rc" = 1 ] || fail "text input: exit $rc, expected 1"
[ ! -e new ] || fail "text input: the directories it created are left: $(find new)"
mkdir kept
timeout 60 "$nmftool" separate -q --sources 2 text.txt kept/out >text.log 2>&1
[ -d kept ] && [ ! -e kept/out ] || fail "text input: kept/ removed or kept/out left"
timeout 60 "$nmftool" separate -q --sources 2 text.txt kept >text.log 2>&1
[ -d kept ] || fail "text input: an existing OUTDIR was removed"
echo "failed runs: $(cat text.log); made directories removed"

# 5. not an alias: a copy of the input in OUTDIR is separate from it
mkdir out6
cp mix.wav out6/source0.wav
timeout 60 "$nmftool" separate -q --sources 2 mix.wav out6 >copy.log 2>&1 \
  || fail "a copy in OUTDIR: $(cat copy.log)"
check_kept mix.wav copy
"$wavcheck" out6/source0.wav >/dev/null || fail "a copy in OUTDIR: source0.wav not written"

# 6. a failed run removes the files it opened, not those it never did
# (a) a link into a missing directory: that filesink fails, the file of
# the other one (opened, so truncated) is removed, the link stays
for c in 0 1; do
  rm -rf out7; mkdir out7
  ln -s "$work/no-such-dir/x.wav" "out7/source$c.wav"
  echo "someone else's take" >"out7/source$((1 - c)).wav"
  timeout 60 "$nmftool" separate -q --sources 2 mix.wav out7 >link.log 2>&1
  rc=$?
  [ "$rc" = 1 ] || fail "link into a missing directory: exit $rc, expected 1: $(cat link.log)"
  [ -L "out7/source$c.wav" ] || fail "link into a missing directory: the link source$c.wav was removed"
  if [ -e "out7/source$((1 - c)).wav" ] && [ -s "out7/source$((1 - c)).wav" ]; then
    # kept whole: then its filesink never opened it (the other one failed first)
    [ "$(cat "out7/source$((1 - c)).wav")" = "someone else's take" ] \
      || fail "link into a missing directory: source$((1 - c)).wav changed but kept"
  elif [ -e "out7/source$((1 - c)).wav" ]; then
    fail "link into a missing directory: source$((1 - c)).wav truncated and left"
  fi
  echo "link into a missing directory as source$c.wav: $(cat link.log); $(ls out7 | tr '\n' ' ')"
done
# (c) an existing FIFO as an output: refused before anything is written
# (a WAV file's header is rewritten at its end); it blocked the run in
# open() for ever, deaf to SIGTERM, and with a reader the run failed on
# the seek and removed the FIFO
for c in 0 1; do
  rm -rf out9; mkdir out9; mkfifo "out9/source$c.wav"
  timeout -s KILL 30 "$nmftool" separate -q --sources 2 mix.wav out9 >fifo.log 2>&1
  rc=$?
  [ "$rc" = 1 ] && [ "$(grep -c '' fifo.log)" = 1 ] \
    && grep -q "the output out9/source$c.wav is a FIFO" fifo.log \
    || fail "a FIFO as source$c.wav: exit $rc: $(cat fifo.log)"
  [ -p "out9/source$c.wav" ] || fail "a FIFO as source$c.wav: it was removed"
  [ "$(ls out9)" = "source$c.wav" ] || fail "a FIFO as source$c.wav: other files left: $(ls out9)"
done
echo "a FIFO as an output: $(cat fifo.log)"
# (d) a link to /dev/null (a source thrown away) in a run that fails (an
# input that does not decode, once the files are open): the link is the
# user's and stays (it was removed with the partial files; those are
# regular files), the partial source1.wav is removed
rm -rf out10; mkdir out10
ln -s /dev/null out10/source0.wav
echo "not audio" >text.txt
timeout 60 "$nmftool" separate -q --sources 2 text.txt out10 >null.log 2>&1
rc=$?
[ "$rc" = 1 ] || fail "a link to /dev/null: exit $rc, expected 1: $(cat null.log)"
[ -L out10/source0.wav ] || fail "a link to /dev/null: the link was removed"
[ ! -e out10/source1.wav ] || fail "a link to /dev/null: source1.wav left"
# (b) a write-protected file (as an unprivileged user: root writes anyway)
as_user=()
if [ "$(id -u)" = 0 ]; then
  if command -v setpriv >/dev/null; then
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  fi
fi
if [ "$(id -u)" != 0 ] || [ ${#as_user[@]} -gt 0 ]; then
  mkdir out8
  echo "precious take" >out8/source0.wav
  chmod 444 out8/source0.wav
  chmod 755 "$work"; chmod 777 out8; chmod 644 mix.wav
  cp registry.bin user-registry.bin 2>/dev/null; chmod 666 user-registry.bin 2>/dev/null
  "${as_user[@]}" env GST_REGISTRY="$work/user-registry.bin" \
    timeout 60 "$nmftool" separate -q --sources 2 "$work/mix.wav" "$work/out8" >ro.log 2>&1
  rc=$?
  chmod 700 "$work"
  [ "$rc" = 1 ] || fail "write-protected output: exit $rc, expected 1: $(cat ro.log)"
  [ "$(cat out8/source0.wav 2>/dev/null)" = "precious take" ] \
    || fail "write-protected output: source0.wav removed or changed"
  [ ! -e out8/source1.wav ] || fail "write-protected output: source1.wav left"
  echo "write-protected output: $(cat ro.log)"
else
  echo "write-protected output: not tested (root without setpriv)"
fi

[ "$fails" -eq 0 ] && echo "all checks passed"
[ "$fails" -eq 0 ]
