#!/bin/bash
# One hour of generated audio through nmfseparate (faster than real time):
# exact sample counts and end timestamps on every source pad, resident
# memory flat after warm-up, throughput per minute of audio.
#   tests/bench/soak.sh [MINUTES] [kl|volmin]
set -eu
cd "$(dirname "$0")/../.."
. scripts/setup.sh
nmf_ensure_packages
nmf_build build
export GST_PLUGIN_PATH_1_0="$PWD/build/plugin"
export GST_REGISTRY=$(mktemp -u)
trap 'rm -f "$GST_REGISTRY"' EXIT
echo "reproduce: tests/bench/soak.sh ${1:-60} ${2:-kl}"
build/tests/nmf-soak --minutes "${1:-60}" --algorithm "${2:-kl}"
