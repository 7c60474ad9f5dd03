#!/bin/bash
# pipelines/denoise.sh: a harmonic tone buried in pink noise, a noise
# dictionary learned by `nmftool learn` from another stretch of noise; the
# denoised output must be at least 5 dB closer (SI-SDR) to the clean tone
# than the noisy input, with exactly its sample count. Also: a dictionary
# made for another fft-size is refused with an error naming the property.
#   denoise.sh DENOISE_SH NMFTOOL MAKE_MIXTURE SI_SDR PLUGIN_DIR
set -eu
script=$(realpath "$1") nmftool=$(realpath "$2") make_mixture=$(realpath "$3")
si_sdr=$(realpath "$4") plugin_dir=$(realpath "$5")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GST_PLUGIN_PATH_1_0="$plugin_dir" GST_REGISTRY="$work/registry.bin"
export NMFTOOL="$nmftool"
cd "$work"
"$make_mixture" . 20 >/dev/null
noise () {   # pink noise, $1 buffers of 20 ms
  echo "audiotestsrc wave=pink-noise volume=0.3 samplesperbuffer=882 num-buffers=$1 ! audio/x-raw,format=F32LE,rate=44100,channels=1"
}
gst-launch-1.0 -q $(noise 500) ! wavenc ! filesink location=noise.wav
gst-launch-1.0 -q audiomixer name=m ! audio/x-raw,format=F32LE,rate=44100,channels=1 ! \
  wavenc ! filesink location=noisy.wav \
  filesrc location=source_0.wav ! wavparse ! audioconvert ! m. \
  $(noise 1000) ! m.
"$script" noise.wav noisy.wav clean.wav
before=$("$si_sdr" source_0.wav -- noisy.wav | sed -n 's/^mean SI-SDR \([-0-9.]*\) dB.*/\1/p')
after=$("$si_sdr" source_0.wav -- clean.wav | sed -n 's/^mean SI-SDR \([-0-9.]*\) dB.*/\1/p')
echo "SI-SDR of the tone: noisy $before dB, denoised $after dB"
awk -v a="$after" -v b="$before" 'BEGIN { exit !(a >= b + 5) }'

# a dictionary for fft-size 2048 given to an element with fft-size 1024
"$nmftool" learn --components 4 --in noise.wav --out d.npy 2>/dev/null
if out=$(gst-launch-1.0 -q filesrc location=noisy.wav ! wavparse ! audioconvert ! \
    nmfseparate name=s fft-size=1024 hop-size=256 dictionaries="1=d.npy" \
    s.src_0 ! fakesink s.src_1 ! fakesink 2>&1); then
  echo "a mismatched dictionary was accepted"; exit 1
fi
echo "$out" | grep -q "dictionaries: source 1: dictionary d.npy.*made for FFT size 2048; this FFT size 1024 needs 513 bins" || { echo "unclear error: $out"; exit 1; }
echo "mismatch refused: $(echo "$out" | head -1)"
