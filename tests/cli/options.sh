#!/bin/bash
# nmftool's command lines as a new user writes them:
# - --set takes a property by either of its GObject names (n_sources is
#   n-sources), so the refused ones are refused by both: --set n_sources=3
#   made a third source no file received (the files did not add up to the
#   input, exit 0), --set output_mode=mask failed to link;
# - a value a property does not take says what it takes (an enum's values,
#   a number's range), not only that it is not valid;
# - a file argument given as "" (an unset shell variable) is a usage error
#   naming the argument (exit 2), not "error: : No such file or directory"
#   (exit 1);
# - a run's 100 % progress line says its speed, however short it was;
# - learn takes --opt=value and --quiet, as the other commands do.
#   options.sh NMFTOOL PLUGIN_DIR
set -u
nmftool=$(realpath "$1") plugin_dir=$(realpath "$2")
. "$(dirname "$0")/scratch.sh" "$plugin_dir"
# a WAV of 0.5 s of a tone (16-bit mono, 8 kHz)
/usr/bin/python3 - <<'PY' || exit 1
import math, struct, wave
w = wave.open("in.wav", "wb")
w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i * 0.3)))
                       for i in range(4000)))
w.close()
PY
# a 2 x 2 .npy for factorize
printf '\x93NUMPY\x01\x00\x76\x00%-117s\n' \
  "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }" >x.npy
printf '\x00\x00\x00\x00\x00\x00\xf0\x3f%.0s' 1 2 3 4 >>x.npy

# usage NAME REGEX ARGS...: exit 2, one line matching REGEX, no out/ made
usage () {
  local name=$1 re=$2; shift 2
  rm -rf out
  timeout 60 "$nmftool" "$@" >"$name.log" 2>&1
  local rc=$?
  [ "$rc" = 2 ] || fail "$name: exit $rc, not 2: $(cat "$name.log")"
  [ "$(grep -c '' "$name.log")" = 1 ] || fail "$name: not one line: $(cat "$name.log")"
  grep -Eq -- "$re" "$name.log" || fail "$name: '$(cat "$name.log")' does not match '$re'"
  [ ! -e out ] || fail "$name: out/ was made"
}

# 1. the refused properties by their other names
usage n_sources "n_sources: not settable.*--sources" \
  separate --sources 2 --set n_sources=3 in.wav out
usage output_mode "output_mode: not settable.*audio" \
  separate --sources 2 --set output_mode=mask in.wav out
usage n-sources "n-sources: not settable.*--sources" \
  separate --sources 2 --set n-sources=3 in.wav out

# 2. a value refused says what the property takes
usage profile "'profile' takes .*auto.*live.*file|file.*live.*auto" \
  separate --sources 2 --profile lve in.wav out
usage components "'components' takes 0\.\.[0-9]+" \
  separate --sources 2 --components 100000 in.wav out
usage spatial "'spatial' takes .*off" \
  separate --sources 2 --set spatial=on in.wav out
usage mask-exponent "'mask-exponent' takes [0-9.]+\.\.[0-9.]+" \
  separate --sources 2 --set mask-exponent=99 in.wav out

# 3. empty file arguments
usage empty_input "INPUT is an empty string" separate --sources 2 "" out
usage empty_outdir "OUTDIR is an empty string" separate --sources 2 in.wav ""
usage learn_in "--in is an empty string" learn --components 2 --in "" --out out
usage learn_out "--out is an empty string" learn --components 2 --in in.wav --out ""
usage fact_in "--in is an empty string" \
  factorize --method kl --rank 1 --in "" --w-out out --h-out H.npy
usage fact_w "--w-out is an empty string" \
  factorize --method kl --rank 1 --in x.npy --w-out "" --h-out out
usage fact_h "--h-out is an empty string" \
  factorize --method kl --rank 1 --in x.npy --w-out out --h-out ""

# 4. a run shorter than 50 ms: its 100 % line said "0x real time  ETA
# --:--" above a summary of "14x real time" (the speed was left out for
# the first 50 ms, the last line included); at any length the 100 % line
# has a speed and no time left
timeout 60 "$nmftool" separate --sources 2 --progress lines in.wav short \
  >short.log 2>&1 || fail "a short run: $(cat short.log)"
grep -q '100%.*[0-9.]x real time  ETA 0:00.0' short.log \
  || fail "the 100 % line of a short run: $(cat short.log)"
grep -q ' 0x real time\|ETA --:--' short.log \
  && fail "a short run said no speed: $(cat short.log)"

# 5. learn takes --opt=value as separate and factorize do (it said
# "unknown option '--components=4'"), and --quiet as they do (it had none)
timeout 60 "$nmftool" learn --components=2 --fft-size=256 --in=in.wav \
  --out=eq.npy >eq.log 2>&1 || fail "learn --opt=value: $(cat eq.log)"
grep -q '2 templates of 129 bins' eq.log || fail "learn --opt=value: $(cat eq.log)"
timeout 60 "$nmftool" learn -q --components 2 --in in.wav --out q.npy \
  >q.log 2>&1 || fail "learn -q: $(cat q.log)"
[ -s q.npy ] && [ ! -s q.log ] || fail "learn -q: said '$(cat q.log)'"
usage learn_bad_eq "unknown option '--component'" learn --component=2 --in in.wav --out out
usage learn_eq_value "--fft-size needs an even integer" \
  learn --components 2 --fft-size=31 --in in.wav --out out

# what still runs: the same commands with good values
timeout 60 "$nmftool" separate -q --sources 2 --profile live \
  --set spatial=off in.wav out >run.log 2>&1 || fail "a good separate: $(cat run.log)"
timeout 60 "$nmftool" factorize -q --method kl --rank 1 --in x.npy \
  --w-out W.npy --h-out H.npy >fact.log 2>&1 || fail "a good factorize: $(cat fact.log)"

[ "$fails" = 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "all passed"
