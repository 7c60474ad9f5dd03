# What the shell test scripts of cli/ and docs/ share, sourced after they
# read their arguments:  . "$(dirname "$0")/scratch.sh" PLUGIN_DIR
# A scratch folder, $work, removed at exit and made the current directory;
# this build's plugin alone, with a registry of its own; fail() says a
# failure and counts it in $fails (the script ends [ "$fails" -eq 0 ]).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GST_PLUGIN_PATH_1_0="$1" GST_REGISTRY="$work/registry.bin"
fails=0
fail () { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
cd "$work" || exit 1
