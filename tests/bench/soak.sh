#!/bin/bash
# One hour of generated audio through nmfseparate (faster than real time):
# exact sample counts and end timestamps on every source pad, resident
# memory flat after warm-up, throughput per minute of audio; with CHANNELS 2
# a panned stereo mix that the spatial stage demixes.
#   tests/bench/soak.sh [MINUTES] [kl|volmin] [1|2]
set -eu
cd "$(dirname "$0")/../.."
. scripts/setup.sh
nmf_ensure_packages
nmf_build build
export GST_PLUGIN_PATH_1_0="$PWD/build/plugin"
export GST_REGISTRY=$(mktemp -u)
trap 'rm -f "$GST_REGISTRY"' EXIT
echo "reproduce: tests/bench/soak.sh ${1:-60} ${2:-kl} ${3:-1}"
build/tests/nmf-soak --minutes "${1:-60}" --algorithm "${2:-kl}" \
  --channels "${3:-1}"
