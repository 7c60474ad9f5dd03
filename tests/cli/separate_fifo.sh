#!/bin/bash
# nmftool separate (and learn) reading a FIFO fed by a writer, as a user
# piping audio would: the FIFO is opened once for reading.  filesrc opened
# it three times (twice to answer scheduling queries, closing it again
# each time), and a writer that wrote, or was blocked on a full pipe,
# while no one had it open died of SIGPIPE: the run then waited for data
# that never came (what made nmftool_separate_sigint's part 2 flaky on a
# loaded machine).  The outputs have exactly the input's frames.
#   separate_fifo.sh NMFTOOL MAKE_MIXTURE WAVCHECK PLUGIN_DIR
set -u
nmftool=$(realpath "$1") make_mixture=$(realpath "$2") wavcheck=$(realpath "$3")
plugin_dir=$(realpath "$4")
opens=$(dirname "$(realpath "$0")")/fifo_opens.py
work=$(mktemp -d)
writer=
trap '[ -n "$writer" ] && kill $writer 2>/dev/null; rm -rf "$work"' EXIT
export GST_PLUGIN_PATH_1_0="$plugin_dir"
export GST_REGISTRY="$work/registry.bin"
fails=0
fail () { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
gst-inspect-1.0 nmfseparate >/dev/null || exit 1

"$make_mixture" "$work" 5 >/dev/null || exit 1
read -r frames _ < <("$wavcheck" "$work/mix.wav") || exit 1
cd "$work" || exit 1

# separate: exit 0, one open, every output as long as the input
mkfifo fifo
cat mix.wav >fifo &
writer=$!
n=$(python3 "$opens" fifo timeout -s KILL 60 \
    "$nmftool" separate -q --sources 2 fifo out 2>err.txt); rc=$?
wait $writer; wrc=$?; writer=
[ "$rc" = 0 ] || fail "separate from a FIFO: exit $rc: $(cat err.txt)"
[ "$wrc" = 0 ] || fail "separate from a FIFO: the writer exited $wrc (141: SIGPIPE)"
[ "$n" = 1 ] || fail "separate opened the FIFO $n times for reading, not once"
for i in 0 1; do
  read -r got _ < <("$wavcheck" out/source$i.wav) \
    || { fail "source$i.wav is not a complete WAV file"; continue; }
  [ "$got" = "$frames" ] || fail "source$i.wav: $got frames, the input $frames"
done
echo "separate: opened the FIFO $n time(s), exit $rc, writer $wrc"

# learn: the same decoder, the same single open
rm -f fifo; mkfifo fifo
cat mix.wav >fifo &
writer=$!
n=$(python3 "$opens" fifo timeout -s KILL 60 \
    "$nmftool" learn --components 4 --in fifo --out dict.npy 2>err.txt); rc=$?
wait $writer; wrc=$?; writer=
[ "$rc" = 0 ] || fail "learn from a FIFO: exit $rc: $(cat err.txt)"
[ "$wrc" = 0 ] || fail "learn from a FIFO: the writer exited $wrc (141: SIGPIPE)"
[ "$n" = 1 ] || fail "learn opened the FIFO $n times for reading, not once"
echo "learn: opened the FIFO $n time(s), exit $rc, writer $wrc"

[ "$fails" -eq 0 ] && echo "all checks passed"
[ "$fails" -eq 0 ]
