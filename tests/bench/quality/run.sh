#!/bin/sh
# Quality benchmark of nmfseparate: builds the corpus (cached) and prints a
# BSS Eval table against the anchors (mixture, sklearn KL-NMF, ideal ratio mask).
#
#   tests/bench/quality/run.sh [--set main|heldout] [CACHE_DIR] [evaluate.py options...]
#
# --set heldout evaluates the held-out set (other instruments, voices and
# pairings: make_corpus.py) instead of the quality table's corpus.
# CACHE_DIR defaults to /tmp/gst-nmf-quality (/tmp/gst-nmf-heldout for the
# held-out set); the corpus is (re)built there when missing or when
# make_corpus.py's CORPUS_VERSION or the set changed. Options after
# CACHE_DIR go to evaluate.py, e.g.
#   run.sh /tmp/gst-nmf-quality --build-dir /tmp/qbuild \
#          --element-props "components=8 iterations=2" --label k8
#   run.sh --set heldout --build-dir /tmp/qbuild --seeds 0,1,2,3,4 \
#          --run kl= --run live=profile=live --run volmin=algorithm=volmin
# (--build-dir DIR is the build that is made up to date and evaluated;
# ROOT/build when not given.)
# Needs Debian's python3 (numpy, scipy, mir-eval, sklearn), fluidsynth,
# fluid-soundfont-gm, espeak-ng, and gstreamer1.0-tools / -plugins-good.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3          # Debian's interpreter, not a pyenv on PATH
export PYTHONDONTWRITEBYTECODE=1   # keep the source tree clean
SET=main
if [ "${1:-}" = "--set" ]; then
    SET=${2:?run.sh: --set needs main or heldout}
    shift 2
fi
case "$SET" in
    main) CACHE=/tmp/gst-nmf-quality ;;
    heldout) CACHE=/tmp/gst-nmf-heldout ;;
    *) echo "run.sh: unknown set '$SET' (main or heldout)" >&2; exit 2 ;;
esac
case "${1:-}" in
    ""|-*) ;;
    *) CACHE=$1; shift ;;
esac

# the packages (installed when run as root) and the element, built
ROOT=$(cd "$HERE/../../.." && pwd)
. "$ROOT/scripts/setup.sh"
nmf_ensure_packages python3-numpy python3-scipy python3-mir-eval python3-sklearn \
    fluidsynth fluid-soundfont-gm espeak-ng
# the build the evaluation will load (--build-dir DIR, default ROOT/build)
BUILD="$ROOT/build"
prev=
for a in "$@"; do
    case "$prev" in --build-dir) BUILD=$a ;; esac
    case "$a" in --build-dir=*) BUILD=${a#--build-dir=} ;; esac
    prev=$a
done
nmf_build "$BUILD"

"$PY" -c 'import numpy, scipy, mir_eval, sklearn' 2>/dev/null || {
    echo "run.sh: $PY lacks numpy/scipy/mir_eval/sklearn:" >&2
    echo "  apt-get install python3-numpy python3-scipy python3-mir-eval python3-sklearn" >&2
    exit 2
}

want=$("$PY" -c "import sys; sys.path.insert(0, '$HERE'); import make_corpus; print(make_corpus.CORPUS_VERSION, '$SET')")
have=$("$PY" -c "import json; c = json.load(open('$CACHE/corpus.json')); print(c['version'], c.get('set', 'main'))" 2>/dev/null || echo none)
if [ "$have" != "$want" ]; then
    echo "Building corpus in $CACHE (version and set $want, was $have) ..."
    t0=$(date +%s)
    rm -rf "$CACHE"
    "$PY" "$HERE/make_corpus.py" --set "$SET" "$CACHE"
    echo "Corpus built in $(( $(date +%s) - t0 )) s."
else
    echo "Using cached corpus $CACHE (version $have)."
fi
echo

echo "Reproduce with:"
printf '  %s --set %s %s' "$HERE/run.sh" "$SET" "$CACHE"
for a in "$@"; do printf " '%s'" "$a"; done
printf '\n  (evaluation alone: %s %s %s' "$PY" "$HERE/evaluate.py" "$CACHE"
for a in "$@"; do printf " '%s'" "$a"; done
printf ')\n\n'

exec "$PY" "$HERE/evaluate.py" "$CACHE" "$@"
