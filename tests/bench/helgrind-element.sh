#!/bin/bash
# Race detection over the element's stress tests: valgrind helgrind (and
# drd) on build/tests/element/test_element_stress, no fork, only this
# build's plugin, and a report of every race that touches our code
# (plugin/ or core/).
#
#   tests/bench/helgrind-element.sh [BUILD_DIR]          (default: build)
#   TOOLS="helgrind drd" TESTS="test_parallel_instances ..." tests/bench/helgrind-element.sh
#
# GLib >= 2.54 implements GMutex/GCond with raw futexes, which helgrind and
# drd cannot see: without help every GST_OBJECT_LOCK- or
# queue_lock-protected access is a "race".  gmutex-pthread-shim.c (built
# here, LD_PRELOADed) turns the GMutex/GCond calls made outside libglib into
# pthread calls; G_SLICE=always-malloc stops GSlice recycling memory
# between threads behind the tools' back; helgrind.supp documents the
# remaining GLib/GObject/GStreamer/OpenBLAS false positives (none of its
# entries names our code).
#
# Exit status: 0 when no tool reports any (unsuppressed) error, 1 otherwise.
# helgrind (the default) is clean with helgrind.supp.  drd (TOOLS=drd) is
# informational: helgrind.supp has few drd entries, so drd still lists GLib
# GThreadPool/GAsyncQueue/GType internals (exit status 1); the report below
# says whether any of them is an access made by plugin/ or core/ code.
# Logs: $OUT (default /tmp/gst-nmf-helgrind)/<tool>-<test>.log
set -u
cd "$(dirname "$0")/../.."
root=$PWD
build=$(realpath "${1:-build}")
tools=${TOOLS:-helgrind}
tests=${TESTS:-test_live_properties_from_another_thread test_parallel_instances}
out=${OUT:-/tmp/gst-nmf-helgrind}
exe="$build/tests/element/test_element_stress"

command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
[ -x "$exe" ] || { echo "$exe missing: build first (ninja -C $build)" >&2; exit 2; }
mkdir -p "$out"
cc -shared -fPIC -O1 -g "$root/tests/bench/gmutex-pthread-shim.c" \
  -o "$out/gmutex-pthread-shim.so" $(pkg-config --cflags glib-2.0) -lpthread \
  || exit 2

export GST_PLUGIN_SYSTEM_PATH_1_0= GST_PLUGIN_PATH_1_0="$build/plugin"
export GST_REGISTRY="$out/registry.bin" CK_FORK=no CK_DEFAULT_TIMEOUT=3000
export G_SLICE=always-malloc G_DEBUG=

status=0
for tool in $tools; do
  for t in $tests; do
    log="$out/$tool-$t.log"
    echo "== valgrind --tool=$tool: $t"
    extra=()
    [ "$tool" = drd ] && extra=(--check-stack-var=no)
    GST_CHECKS=$t LD_PRELOAD="$out/gmutex-pthread-shim.so" \
      valgrind --tool="$tool" --num-callers=40 --error-exitcode=1 \
      --suppressions="$root/tests/bench/helgrind.supp" "${extra[@]}" \
      --log-file="$log" "$exe" 2>&1 | grep -E "Checks:|Failures" || true
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
    grep "ERROR SUMMARY" "$log" | sed 's/^==[0-9]*== /   /'
    # every reported race whose stacks have a frame in plugin/ or core/
    python3 - "$log" <<'PY'
# A race is ours when our code (plugin/ or core/) makes one of the two
# accesses: one of our frames among the first frames of the access stack
# or of the conflicting-access stack, above any GStreamer/GObject frame
# (GLib containers, memcpy and the like may sit on top).  Our frames deep
# in a caller chain or in an allocation stack do not count, but such
# reports are listed too, briefly.
import re, sys
ours = re.compile(r'\((gstnmf\w*\.c|separator\.c|online_kl\.c|volmin\w*\.c|'
                  r'stft\.c|masks\.c|grouping\.c|dictionary\.c|kl_batch\.c):\d+\)')
lib = re.compile(r'libgst(reamer|base|audio|check)|libgobject')
txt = re.sub(r'^==\d+== ?', '', open(sys.argv[1]).read(), flags=re.M)
def access_stacks(body):
    out = []
    for part in re.split(r'\nThis conflicts with', body):
        # the access stack ends where the allocation context (helgrind:
        # "Address ...", drd: "Address ... Allocation context") or drd's
        # "Other segment" synchronisation points begin
        part = re.split(r'\n\s*(Address 0x|Other segment|at 0x[0-9A-F]+: malloc|'
                        r'at 0x[0-9A-F]+: calloc)', part)[0]
        out.append(re.findall(r'(?:at|by) 0x[0-9A-F]+: ([^\n]*)', part))
    return out
def ours_accesses(stack):
    for f in stack:
        if ours.search(f):
            return True
        if lib.search(f):
            return False
    return False
mine, other = {}, {}
# helgrind separates its reports with dashed lines, drd with blank lines
for block in re.split(r'\n-{20,}\n|\n\s*\n(?=Thread \d+:|Conflicting )', txt):
    i = max(block.find('Possible data race'), block.find('Conflicting '))
    if i < 0:
        continue
    body = block[i:]
    stacks = access_stacks(body)
    key = tuple(tuple(s[:4]) for s in stacks)
    d = mine if any(ours_accesses(s) for s in stacks) else other
    d.setdefault(key, [0, body, stacks])[0] += 1
for n, body, stacks in mine.values():
    print(f'   -- RACE IN plugin/ or core/ ({n}x):')
    for line in body.split('\n'):
        if line.strip() and not line.startswith(' Address'):
            print('      ' + line)
for n, body, stacks in other.values():
    print(f'   -- other report ({n}x): ' + body.split('\n')[0])
    for s in stacks:
        print('        ' + ' < '.join(re.sub(r' \(in [^)]*/', ' (', f) for f in s[:5]))
if not mine:
    print('   no race in which plugin/ or core/ code makes an access')
PY
  done
done
echo "logs in $out; reproduce: tests/bench/helgrind-element.sh $build"
exit $status
