#!/bin/bash
# Ctrl-C (and SIGTERM, SIGHUP) in nmftool separate.
# 1. One SIGINT about 0.3 s into a 600 s mixture: exit 130, the partial
#    files are complete WAV files (header sizes match the file), of equal
#    length, longer than 0 and shorter than the input, and stderr names them
#    as finalized. SIGTERM (what kill and timeout send) and SIGHUP the same
#    way, with exit status 143 and 129 (they used to kill nmftool and leave
#    WAV headers claiming 536,854,528 frames).
# 2. Two SIGINTs while the input stalls (a FIFO that stops delivering, so
#    the EOS of the first one cannot go through): exit 130 at once, the
#    incomplete files removed, and said so. One SIGINT or SIGTERM while
#    the input is a FIFO that no one writes yet: the same (it was not
#    seen: open() held the main loop).
# 3. SIGTERM a few ms after the start, 40 times (a staircase around the
#    moment the input is linked): whenever files are kept they are complete
#    WAV files (a signal before the first buffer left wavenc's placeholder
#    header).
#    3b. A SIGTERM while a filesink opens its file (sent from inside the
#    open(), once the file exists, by the OPEN_HOLD shim, which holds the
#    open a second): the file is removed with the others, whether it was
#    new or there before (it was left behind, empty: part 3 met that now
#    and then under load).
#   sigint.sh NMFTOOL MAKE_MIXTURE WAVCHECK PLUGIN_DIR OPEN_HOLD
set -u
nmftool=$(realpath "$1") make_mixture=$(realpath "$2") wavcheck=$(realpath "$3")
plugin_dir=$(realpath "$4") open_hold=$(realpath "$5")
work=$(mktemp -d)
pids=()
cleanup () { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
export GST_PLUGIN_PATH_1_0="$plugin_dir"
export GST_REGISTRY="$work/registry.bin"
fails=0
fail () { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# the registry is built here, not in the timed part
found=$(gst-inspect-1.0 nmfseparate | sed -n 's/^ *Filename *//p')
case "$found" in
  "$plugin_dir"/*) ;;
  *) echo "nmfseparate comes from '$found', not from $plugin_dir" >&2; exit 1 ;;
esac

"$make_mixture" "$work" 600 >/dev/null || exit 1
read -r frames _ < <("$wavcheck" "$work/mix.wav") || exit 1

# wait_for_data FILE PID: until FILE has audio data (up to 30 s)
wait_for_data () {
  for _ in $(seq 300); do
    [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -gt 100000 ] && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# wait_for_stall FILE PID: until FILE has data and has not grown for 1 s
wait_for_stall () {
  local last=-1 same=0 size
  for _ in $(seq 300); do
    size=$(stat -c %s "$1" 2>/dev/null || echo 0)
    if [ "$size" -gt 100000 ] && [ "$size" = "$last" ]; then
      same=$((same + 1)); [ "$same" -ge 5 ] && return 0
    else
      same=0
    fi
    last=$size
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# --- 1. one Ctrl-C, SIGTERM or SIGHUP: finalized partial files ---
for case in "INT 130 interrupted" "TERM 143 terminated" "HUP 129 hung.up"; do
  read -r sig want what <<<"$case"
  rm -rf "$work/out"
  "$nmftool" separate --sources 2 "$work/mix.wav" "$work/out" 2>"$work/err1.txt" &
  pid=$!; pids+=("$pid")
  wait_for_data "$work/out/source0.wav" "$pid" || fail "SIG$sig: no output appeared"
  sleep 0.3
  kill -"$sig" "$pid"
  wait "$pid"; rc=$?
  cat "$work/err1.txt"
  [ "$rc" = "$want" ] || fail "one SIG$sig: exit $rc, expected $want"
  grep -q "$what.* at .*finalized the partial files .*source0.wav, .*source1.wav" "$work/err1.txt" \
    || fail "SIG$sig: stderr does not name the finalized files"
  got=()
  for i in 0 1; do
    if info=$("$wavcheck" "$work/out/source$i.wav"); then
      read -r n _ <<<"$info"; got+=("$n")
    else
      fail "SIG$sig: source$i.wav is not a complete WAV file"; got+=(-1)
    fi
  done
  echo "SIG$sig: partial files: ${got[*]} frames of $frames"
  [ "${got[0]}" = "${got[1]}" ] || fail "SIG$sig: partial files of different lengths: ${got[*]}"
  [ "${got[0]}" -gt 0 ] && [ "${got[0]}" -lt "$frames" ] \
    || fail "SIG$sig: partial length ${got[0]} not in (0, $frames): was it interrupted mid-run?"
done

# --- 2. two Ctrl-C while the input stalls: abort, files removed ---
mkfifo "$work/fifo"
( head -c 2000000 "$work/mix.wav"; sleep 60 ) >"$work/fifo" &
pids+=("$!")
"$nmftool" separate --sources 2 "$work/fifo" "$work/out2" 2>"$work/err2.txt" &
pid=$!; pids+=("$pid")
wait_for_stall "$work/out2/source0.wav" "$pid" \
  || fail "the output from the FIFO did not appear and stall (size $(stat -c %s "$work/out2/source0.wav" 2>&1))"
kill -INT "$pid"
for _ in $(seq 50); do grep -q "interrupted" "$work/err2.txt" && break; sleep 0.1; done
kill -INT "$pid"
start=$(date +%s)
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
  fail "still running 10 s after the second SIGINT"
  kill -9 "$pid"
fi
wait "$pid"; rc=$?
cat "$work/err2.txt"
[ "$rc" = 130 ] || fail "two SIGINTs: exit $rc, expected 130"
grep -q "aborted: removed the incomplete files .*source0.wav, .*source1.wav" "$work/err2.txt" \
  || fail "stderr does not say the files were removed"
ls "$work/out2"/*.wav >/dev/null 2>&1 && fail "incomplete files left after the abort"
echo "aborted within $(( $(date +%s) - start )) s"

# --- 2b. Ctrl-C while the input is a FIFO nobody writes yet: abort ---
# The FIFO's open() waits for a writer; it held the thread that started
# the pipeline, the main loop's, so Ctrl-C and SIGTERM were never seen
# (only SIGKILL ended the run, leaving empty source files behind).
for sig in INT TERM; do
  rm -rf "$work/out2b"; rm -f "$work/lonely"; mkfifo "$work/lonely"
  "$nmftool" separate --sources 2 "$work/lonely" "$work/out2b" 2>"$work/err2b.txt" &
  pid=$!; pids+=("$pid")
  sleep 1
  kill -$sig "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    fail "SIG$sig on a FIFO without a writer: still running after 10 s"
    kill -9 "$pid"
  fi
  wait "$pid"; rc=$?
  want=$([ $sig = INT ] && echo 130 || echo 143)
  [ "$rc" = "$want" ] || fail "SIG$sig on a FIFO without a writer: exit $rc, expected $want: $(cat "$work/err2b.txt")"
  [ ! -e "$work/out2b" ] || fail "SIG$sig on a FIFO without a writer: left $(ls "$work/out2b")"
  echo "SIG$sig on a FIFO without a writer: exit $rc: $(cat "$work/err2b.txt")"
done

# --- 3. SIGTERM around the start: kept files are always valid ---
# A signal after the input is linked but before its first buffer ends the
# stream with no sample: wavenc wrote its placeholder header (data size
# 0x7fff0000) and stderr said "valid WAV". The delay follows a staircase
# around that moment (later when nothing was kept, earlier when samples
# were), so that whatever the machine's speed most runs fall near it.
kept=0 empty=0 ms=20
for i in $(seq 40); do
  rm -rf "$work/out3"
  "$nmftool" separate --sources 2 "$work/mix.wav" "$work/out3" 2>"$work/err3.txt" &
  pid=$!; pids+=("$pid")
  # from nmftool's start: a signal to the forked shell before its exec ran
  # this script's EXIT trap there, which removed $work under the rest
  until [ /proc/$pid/exe -ef "$nmftool" ] || ! kill -0 "$pid" 2>/dev/null; do :; done
  sleep "$(printf '0.%03d' "$ms")"
  kill -TERM "$pid" 2>/dev/null
  wait "$pid"; rc=$?
  if [ ! -e "$work/out3/source0.wav" ]; then
    ms=$((ms + 2)); continue
  fi
  kept=$((kept + 1))
  [ "$rc" = 143 ] || fail "early SIGTERM: exit $rc with files kept: $(cat "$work/err3.txt")"
  for f in 0 1; do
    if info=$("$wavcheck" "$work/out3/source$f.wav" 2>&1); then
      if [ $f = 0 ]; then
        if [ "${info%% *}" = 0 ]; then empty=$((empty + 1)); else ms=$((ms > 2 ? ms - 1 : 1)); fi
      fi
    else
      fail "early SIGTERM after $ms ms: $info; stderr: $(cat "$work/err3.txt")"
    fi
  done
done
echo "early SIGTERM: files kept by $kept of 40 runs, $empty of them with no sample"

# --- 3b. SIGTERM while a filesink opens its file: it is removed too ---
# filesink creates or truncates its file inside NULL->READY; the run took
# it as its own only at the state-changed message after that, and an abort
# in between (the input not linked yet) left it behind, empty.
for pre in new existing; do
  rm -rf "$work/out3b"
  if [ $pre = existing ]; then
    mkdir "$work/out3b"
    echo "an older take" >"$work/out3b/source0.wav"
  fi
  # ASAN_OPTIONS: in a sanitizer build the shim comes before libasan
  NMF_OPEN_HOLD=/out3b/source0.wav NMF_OPEN_HOLD_SIGNAL=15 \
    LD_PRELOAD="$open_hold" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    timeout -s KILL 60 "$nmftool" separate -q --sources 2 "$work/mix.wav" "$work/out3b" \
    2>"$work/err3b.txt"
  rc=$?
  what="SIGTERM while source0.wav ($pre) opens"
  grep -q "^open_hold: held .*/out3b/source0.wav" "$work/err3b.txt" \
    || fail "$what: the open was not held (exit $rc): $(cat "$work/err3b.txt")"
  [ "$rc" = 143 ] || fail "$what: exit $rc, expected 143: $(cat "$work/err3b.txt")"
  [ ! -e "$work/out3b/source0.wav" ] \
    || fail "$what: left it ($(stat -c %s "$work/out3b/source0.wav") bytes): $(cat "$work/err3b.txt")"
  grep -q "aborted: removed the incomplete files .*source0.wav" "$work/err3b.txt" \
    || fail "$what: stderr does not say it was removed: $(cat "$work/err3b.txt")"
  if [ $pre = new ]; then
    [ ! -e "$work/out3b" ] || fail "$what: left $(ls "$work/out3b")"
  fi
  echo "$what: exit $rc: $(grep -v '^open_hold' "$work/err3b.txt")"
done

[ "$fails" -eq 0 ] && echo "all checks passed"
[ "$fails" -eq 0 ]
