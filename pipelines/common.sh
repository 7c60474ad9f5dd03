# Sourced by the pipelines' scripts (not run on its own).

# the repository this script is in
root=$(cd "$(dirname -- "$0")/.." && pwd)

# usage: the script's help, its leading comment block (from the line after
# the #! line to the last comment line before the code) without the "# "
usage () {
  sed -n '2,${/^#/!q;s/^# \{0,1\}//p}' -- "$0"
}

# usage_error MESSAGE: a bad command line: "NAME: MESSAGE" and the help on
# stderr, exit status 2
usage_error () {
  echo "${0##*/}: $*" >&2
  usage >&2
  exit 2
}

# no_options ARGS...: a script that takes no option but --help: -h/--help
# prints the help (exit 0), another option is a usage error; the arguments
# (after a "--", if any) are left in the array ARGS
no_options () {
  while [ $# -gt 0 ]; do
    case "$1" in
      -h|--help) usage; exit 0 ;;
      --) shift; break ;;
      -?*) usage_error "unknown option $1" ;;
      *) break ;;
    esac
  done
  ARGS=("$@")
}

# use_uninstalled_plugin [--say]: this tree's build/plugin, when no plugin
# path is set and the plugin has been built there (--say: tell stderr)
use_uninstalled_plugin () {
  if [ -z "${GST_PLUGIN_PATH:-}${GST_PLUGIN_PATH_1_0:-}" ] \
      && [ -f "$root/build/plugin/libgstnmf.so" ]; then
    export GST_PLUGIN_PATH="$root/build/plugin"
    if [ "${1:-}" = --say ]; then
      echo "using the uninstalled plugin: GST_PLUGIN_PATH=$GST_PLUGIN_PATH" >&2
    fi
  fi
}

# find_nmftool: the nmftool to run, in $nmftool: $NMFTOOL when it is set,
# else this tree's build/tools/nmftool when it has been built, else nmftool
# on PATH (an installed gst-nmf); none: the caller's die says where it looked
find_nmftool () {
  if [ -n "${NMFTOOL:-}" ]; then
    nmftool=$(command -v -- "$NMFTOOL") \
      || die "NMFTOOL=$NMFTOOL: no such program"
  elif [ -x "$root/build/tools/nmftool" ]; then
    nmftool=$root/build/tools/nmftool
  elif ! nmftool=$(command -v nmftool); then
    die "nmftool not found: NMFTOOL is not set, $root/build/tools/nmftool has not been built, and there is no nmftool on PATH (build this tree, install gst-nmf, or set NMFTOOL)"
  fi
}

# explain_failure NAME INPUT LOG: after a failed gst-launch-1.0 whose
# stderr is in LOG, that stderr, and what to do when audioconvert refused
# an input without channel positions (a plain WAV of some channel counts
# above two, a microphone array: "Upstream caps contain no channel mask"),
# which gst-launch-1.0 has no way to mark unpositioned
explain_failure () {
  if [ "$interrupted" -eq 1 ]; then
    echo "$1: interrupted" >&2
    exit 130
  fi
  cat -- "$3" >&2
  explain_no_positions "$@"
}

# explain_no_positions NAME INPUT LOG: the line saying what to do, when LOG
# shows an input without channel positions (also when gst-launch-1.0 ended
# without an error but without its output: audioconvert does not refuse
# such input every time)
explain_no_positions () {
  if grep -q 'no channel mask' -- "$3"; then
    echo "$1: $2: its channels have no positions (a plain WAV of more than two channels), which audioconvert refuses: nmftool separate takes such files" >&2
  fi
}

# file_uri PATH: a file:// URI with every byte but [A-Za-z0-9/._~-]
# percent-encoded, so that no character of a file name ('#', '%', '?',
# spaces, quotes, backslashes) can mean anything to a URI or to gst-launch
file_uri () {
  local path c i uri=file:// LC_ALL=C
  path=$(realpath -m -- "$1") || return 1
  for ((i = 0; i < ${#path}; i++)); do
    c=${path:i:1}
    case $c in
      [A-Za-z0-9/._~-]) uri+=$c ;;
      *) printf -v c '%%%02X' "'$c"; uri+=$c ;;
    esac
  done
  printf '%s\n' "$uri"
}

# check_output OUTPUT [INPUT...]: before any work, refuse (exit 1, one
# line) an OUTPUT that is one of the INPUTs (empty ones are skipped), that
# is a directory (mv put the finished file inside it, under its temporary
# name, and the script said OUTPUT was written), or whose directory does
# not exist or cannot be written (the temporary file goes there)
check_output () {
  local out=$1 dir in
  shift
  for in; do
    if [ -n "$in" ] && [ "$in" -ef "$out" ]; then
      echo "${0##*/}: $out is the input $in: refusing to write over it" >&2
      exit 1
    fi
  done
  dir=$(dirname -- "$out")
  if [ -d "$out" ]; then
    echo "${0##*/}: $out is a directory: give a file name" >&2
    exit 1
  elif [ ! -d "$dir" ]; then
    echo "${0##*/}: $dir: no such directory (for $out)" >&2
    exit 1
  elif [ ! -w "$dir" ] || [ ! -x "$dir" ]; then
    echo "${0##*/}: $dir: not writable (for $out)" >&2
    exit 1
  fi
}

# device_probe_found KIND RC OUTPUT: whether a `gst-launch-1.0 -v` probe
# of autoaudiosrc (KIND Src) or autoaudiosink (KIND Sink) that exited with
# RC and printed OUTPUT ran on a real device: it ended well, not on what
# the bin falls back to with only a warning (audiotestsrc, a fakesink),
# and either the device's pad printed its caps or the pipeline took a
# clock other than the system's (a real audio source or sink gives its
# own).  (The caps lines come from deep-notify, which under load now and
# then prints one line twice and loses another; the clock is a bus
# message of its own.)
device_probe_found () {
  local kind=$1 rc=$2 out=$3 fallback pad
  [ "$kind" = Src ] && fallback=GstAudioTestSrc pad=src \
    || fallback=GstFakeSink pad=sink
  [ "$rc" -eq 0 ] || return 1
  grep -q "GstAutoAudio$kind:[^ ]*/$fallback:" <<<"$out" && return 1
  grep -q "GstAutoAudio$kind:[^ ]*/Gst[A-Za-z]*$kind:[^ ]*\.GstPad:$pad: caps" <<<"$out" \
    && return 0
  grep -q '^New clock: Gst' <<<"$out" \
    && ! grep -q '^New clock: GstSystemClock' <<<"$out"
}

# check_playback_device NAME: refuse (exit 3, one line naming NAME) when
# autoaudiosink opens no real device: it falls back to a fakesink with only
# a warning, and the sound of a live script would go nowhere, unsaid.  The
# probe plays silence (a sine beeped through the speakers at each start).
check_playback_device () {
  local probe rc
  # (callers may run under set -e)
  probe=$(timeout 15 gst-launch-1.0 -v audiotestsrc wave=silence num-buffers=3 ! autoaudiosink 2>&1) \
    && rc=0 || rc=$?
  if ! device_probe_found Sink "$rc" "$probe"; then
    echo "$1: no audio playback device found (autoaudiosink could not open PulseAudio/PipeWire, ALSA, OSS or JACK): connect speakers or headphones or start the sound server, then try again" >&2
    exit 3
  fi
}

# publish TMP FINAL: a finished output takes its name, with the mode a new
# file gets (mktemp makes its files private); after an interrupt, nothing
# (exit 130)
publish () {
  if [ "$interrupted" -eq 1 ]; then
    echo "${0##*/}: interrupted: $2 not written" >&2
    exit 130
  fi
  # (-T: never into a directory of that name, should one appear meanwhile)
  chmod "$(printf '%o' $((0666 & ~$(umask))))" -- "$1" && mv -fT -- "$1" "$2"
}

# gst_launch ARGS...: gst-launch-1.0 ARGS, with the same output and exit
# status, but never left waiting after an error. GStreamer 1.22's
# gst-launch-1.0 prints an error and quits its main loop from the streaming
# thread that posted it; an error posted before the loop runs (typefinding
# a file that is not audio takes microseconds) is printed and then lost, and
# gst-launch-1.0 waits forever (1 run in 20 to 100 on a busy machine). A
# watchdog reads its stderr: when it has printed an error and still runs
# 5 s later, it is stopped, and the run ends with status 1 as the error
# would have ended it.
gst_launch () {
  # (under set -x only the gst-launch-1.0 line is traced: the rest runs
  # with the trace off, or inside groups whose stderr is /dev/null)
  { local xtrace=${-//[^x]/}; set +x; } 2>/dev/null
  local dir shell=$BASHPID watchdog tee status exit_trap
  exit_trap=$(trap -p EXIT)
  dir=$(mktemp -d) || return 1
  # A signal that ends the script meanwhile (TERM, HUP; INT where it is
  # not noted) runs the EXIT trap and nothing after it: that trap, while
  # gst-launch-1.0 runs, also stops it and removes DIR (they were left, an
  # orphan and a directory in $TMPDIR), then runs the script's own with
  # the $? it would have had ("&& :": not a failure for set -e, which
  # would end the trap there).
  trap "gst_launch_abandon $shell $(printf %q "$dir") \$? && :; $(gst_launch_trap_command "$exit_trap")" EXIT
  if ! mkfifo "$dir/stderr"; then
    rm -rf -- "$dir"
    gst_launch_restore_trap "$exit_trap"
    return 1
  fi
  # (started in the background, both ignore a Ctrl-C: tee ends with
  # gst-launch-1.0's stderr, the watchdog when told)
  tee -a -- "$dir/errors" <"$dir/stderr" >&2 &
  tee=$!
  gst_launch_watchdog "$shell" "$dir" &
  watchdog=$!
  [ -z "$xtrace" ] || set -x
  # (the status is taken whatever it is: the callers run under set -e)
  if gst-launch-1.0 "$@" 2>"$dir/stderr"; then
    { status=0; set +x; } 2>/dev/null
  else
    { status=$?; set +x; } 2>/dev/null
  fi
  wait "$tee" || true
  : >"$dir/done"
  wait "$watchdog" || true
  [ ! -e "$dir/fired" ] || status=1
  rm -rf -- "$dir"
  gst_launch_restore_trap "$exit_trap"
  { [ -z "$xtrace" ] || set -x; return "$status"; } 2>/dev/null
}

# gst_launch_trap_command TRAP: the command of TRAP, a line of trap -p
# (trap -- 'COMMAND' EXIT), empty for none
gst_launch_trap_command () {
  [ -n "$1" ] || return 0
  eval "set -- $1"
  printf '%s' "$3"
}

# gst_launch_restore_trap TRAP: the EXIT trap back to TRAP, a line of
# trap -p (empty: none)
gst_launch_restore_trap () {
  if [ -n "$1" ]; then
    eval "$1"
  else
    trap - EXIT
  fi
}

# gst_launch_children SHELL: the process ids of SHELL's gst-launch-1.0
# children, one a line
gst_launch_children () {
  local stat pid comm ppid rest
  for stat in /proc/[0-9]*/stat; do
    read -r pid comm _ ppid rest <"$stat" 2>/dev/null || continue
    if [ "$ppid" = "$1" ] && [ "$comm" = "(gst-launch-1.0)" ]; then
      echo "$pid"
    fi
  done
}

# gst_launch_abandon SHELL DIR STATUS: gst_launch's part of the EXIT trap
# when a signal ends SHELL during gst_launch: stops SHELL's gst-launch-1.0,
# removes DIR; returns STATUS, so that the script's own trap sees the $?
# it would have seen
gst_launch_abandon () {
  { set +x; } 2>/dev/null
  local pid
  for pid in $(gst_launch_children "$1"); do
    kill "$pid" 2>/dev/null || true
  done
  rm -rf -- "$2"
  return "$3"
}

# gst_launch_watchdog SHELL DIR: gst_launch's watchdog; stops SHELL's
# gst-launch-1.0 child 5 s after DIR/errors shows an error, and then makes
# DIR/fired; ends when DIR/done appears
gst_launch_watchdog () {
  local shell=$1 dir=$2 waited=0 pid
  { set +x; } 2>/dev/null
  while [ ! -e "$dir/done" ] && kill -0 "$shell" 2>/dev/null; do
    sleep 0.2
    if [ "$waited" -gt 0 ] || grep -q '^ERROR: ' -- "$dir/errors" 2>/dev/null; then
      waited=$((waited + 1))
      [ "$waited" -ge 25 ] || continue
      for pid in $(gst_launch_children "$shell"); do
        : >"$dir/fired"
        kill "$pid" 2>/dev/null || true
        echo "${0##*/}: gst-launch-1.0 did not stop after its error: stopped" >&2
      done
      return 0
    fi
  done
}

# An interrupt (Ctrl-C) reaches gst-launch-1.0 too, which stops its
# pipeline and exits 0 with the output cut short (a 35 MB file of 106 MB,
# its header unfinished, was published): the script notes it, publish
# refuses, and the script's exit trap removes what was written.
interrupted=0
trap 'interrupted=1' INT
