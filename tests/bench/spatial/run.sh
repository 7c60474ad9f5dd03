#!/bin/sh
# Spatial (multichannel) quality benchmark of nmfseparate: builds the
# multichannel corpus (cached) and prints BSS Eval tables at the reference
# microphone: mixture, the element without spatial processing ("off"), the
# element with it ("spatial"), batch AuxIVA / ILRMA and the ideal ratio mask,
# then the issue's targets (PASS / FAIL).
#
#   tests/bench/spatial/run.sh [--set main|heldout] [CACHE_DIR] [evaluate.py options...]
#
# CACHE_DIR defaults to /tmp/gst-nmf-spatial (/tmp/gst-nmf-spatial-heldout for
# the held-out set); about 550 MB each.  The element is loaded from
# --build-dir DIR's plugin/ (default: ROOT/build, the build of the tree this
# script is in); this script does not build it (meson setup DIR && ninja -C
# DIR, then --build-dir DIR).  Examples:
#   run.sh                                    # the element's defaults
#   run.sh --build-dir build-spatial --element-props "spatial=auto profile=live"
#   run.sh --no-element --proto prototype_combo:combo:combo --proto-kw lookahead=516
# Results are cached per mixture and column under CACHE_DIR/cache (the
# element's columns are keyed by the plugin file's time and size).
# Needs Debian's python3 (numpy, scipy, mir-eval, sklearn), fluidsynth,
# fluid-soundfont-gm, espeak-ng, and gstreamer1.0-tools / -plugins-good.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
SET=main
if [ "${1:-}" = "--set" ]; then
    SET=${2:?run.sh: --set needs main or heldout}
    shift 2
fi
case "$SET" in
    main) CACHE=/tmp/gst-nmf-spatial ;;
    heldout) CACHE=/tmp/gst-nmf-spatial-heldout ;;
    *) echo "run.sh: unknown set '$SET' (main or heldout)" >&2; exit 2 ;;
esac
case "${1:-}" in
    ""|-*) ;;
    *) CACHE=$1; shift ;;
esac

"$PY" -c 'import numpy, scipy, mir_eval, sklearn' 2>/dev/null || {
    echo "run.sh: $PY lacks numpy/scipy/mir_eval/sklearn:" >&2
    echo "  apt-get install python3-numpy python3-scipy python3-mir-eval python3-sklearn" >&2
    exit 2
}

want=$("$PY" -c "import sys; sys.path.insert(0, '$HERE'); import make_spatial_corpus as m; print(m.SPATIAL_CORPUS_VERSION, '$SET')")
have=$("$PY" -c "import json; c = json.load(open('$CACHE/corpus.json')); print(c['version'], c.get('set', 'main'))" 2>/dev/null || echo none)
if [ "$have" != "$want" ]; then
    echo "Building the spatial corpus in $CACHE (version and set $want, was $have) ..."
    t0=$(date +%s)
    rm -rf "$CACHE"
    "$PY" "$HERE/make_spatial_corpus.py" --set "$SET" "$CACHE"
    echo "Corpus built in $(( $(date +%s) - t0 )) s."
else
    echo "Using cached corpus $CACHE (version $have)."
fi
echo
printf 'Reproduce with:\n  %s --set %s %s' "$HERE/run.sh" "$SET" "$CACHE"
for a in "$@"; do printf " '%s'" "$a"; done
printf '\n\n'

exec "$PY" "$HERE/evaluate.py" "$CACHE" "$@"
