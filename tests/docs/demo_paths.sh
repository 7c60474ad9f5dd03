#!/bin/bash
# pipelines/demo.sh, run as the README says but from another directory
# and without OUTPUT_DIR: the files it names in its last lines ("mixture:",
# "separated:", "quality against the true sources (...)") are the ones it
# wrote, named so that they are found from where it was started (it printed
# "demo-output/mix.wav", relative to the tree, which names nothing there).
# The tree is a copy of pipelines/ with a setup.sh that installs and
# builds nothing, this build's nmf-make-mixture and a stub nmf-si-sdr.
#   demo_paths.sh PIPELINES_DIR MAKE_MIXTURE PLUGIN_DIR
set -u
pdir=$(realpath "$1") make_mixture=$(realpath "$2") plugin_dir=$(realpath "$3")
. "$(dirname "$0")/../cli/scratch.sh" "$plugin_dir"

mkdir -p "tree/scripts" "tree/build/tests/tools" cwd || exit 1
cp -r "$pdir" tree/pipelines || exit 1
printf 'nmf_ensure_packages () { :; }\nnmf_build () { :; }\n' >tree/scripts/setup.sh
ln -s "$make_mixture" tree/build/tests/tools/nmf-make-mixture
printf '#!/bin/sh\nexit 0\n' >tree/build/tests/tools/nmf-si-sdr
chmod +x tree/build/tests/tools/nmf-si-sdr
(cd cwd && timeout 120 ../tree/pipelines/demo.sh) >demo.log 2>&1 \
  || fail "demo.sh: exit $?: $(tail -3 demo.log)"
[ -s tree/demo-output/mix.wav ] || fail "demo.sh: no demo-output/mix.wav in the tree"
mixture=$(sed -n 's/^mixture: *//p' demo.log)
separated=$(sed -n 's/^separated: *//p' demo.log)
truth=$(sed -n 's/^quality against the true sources (\(.*\)):$/\1/p' demo.log)
[ -n "$mixture" ] && [ -n "$separated" ] && [ -n "$truth" ] \
  || fail "demo.sh did not name its files: $(tail -5 demo.log)"
cd cwd || exit 1
[ -n "$mixture" ] && { [ -f "$mixture" ] || fail "it said 'mixture: $mixture', which is not there from where it ran"; }
# (two names, each with the mixture's directory: they may hold spaces)
dir=$(dirname -- "$mixture")
[ "$separated" = "$dir/source0.wav $dir/source1.wav" ] \
  || fail "it said 'separated: $separated', not the two files beside the mixture"
for f in "$dir/source0.wav" "$dir/source1.wav"; do
  [ -f "$f" ] || fail "it said 'separated: ... $f', which is not there from where it ran"
done
[ -n "$truth" ] && { [ -d "$truth" ] || fail "it said the true sources are in $truth, which is not there from where it ran"; }

[ "$fails" -eq 0 ] && echo "ok: demo.sh names its files as found from where it was started"
[ "$fails" -eq 0 ]
