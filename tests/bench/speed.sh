#!/bin/bash
# Speed and memory benchmark: the CPU time of nmfseparate (defaults) on a
# 3-minute 44.1 kHz mono file, divided by that of GStreamer's own spectrum
# analyser at the same FFT size and hop on the same file, the two run in
# turn in one session; plus the real-time factor and the peak RSS.  The
# same on the two sources panned into a stereo file (audiopanorama, -0.5
# and +0.6), where spatial=auto demixes, in the same runs.
#   tests/bench/speed.sh [RUNS] [EXTRA NMFSEPARATE PROPERTIES...]
# Must reach: CPU ratio <= 2.0 for kl (the default), <= 4.0 for
# algorithm=volmin, <= 2.5 on the stereo file; peak RSS < 64 MB.
set -eu
cd "$(dirname "$0")/../.."
. scripts/setup.sh
nmf_ensure_packages time
build=${NMF_BUILD_DIR:-build}   # another build tree: NMF_BUILD_DIR=DIR
nmf_build "$build"

runs=${1:-5}
shift || true
props="$*"
case " $props " in
  *" algorithm=volmin "*) max_ratio=4.0 ;;
  *) max_ratio=2.0 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seconds=180
rate=44100
hop=512
"$build"/tests/tools/nmf-make-mixture "$work" $seconds $rate >/dev/null
file="$work/mix.wav"
stereo="$work/stereo.wav"
gst-launch-1.0 -q audiomixer name=mix ! audioconvert ! audio/x-raw,format=F32LE,channels=2 ! \
  wavenc ! filesink location="$stereo" \
  filesrc location="$work/source_0.wav" ! wavparse ! audioconvert ! \
  audiopanorama method=simple panorama=-0.5 ! mix. \
  filesrc location="$work/source_1.wav" ! wavparse ! audioconvert ! \
  audiopanorama method=simple panorama=0.6 ! mix.
export GST_PLUGIN_PATH="$(cd "$build" && pwd)/plugin"
export GST_REGISTRY="$work/registry.bin"
gst-inspect-1.0 nmfseparate >/dev/null   # fill the registry outside the timing

interval=$(( hop * 1000000000 / rate ))
nmf_cmd="gst-launch-1.0 -q filesrc location=$file ! wavparse ! audioconvert ! nmfseparate name=s $props s.src_0 ! fakesink s.src_1 ! fakesink"
spectrum_cmd="gst-launch-1.0 -q filesrc location=$file ! wavparse ! audioconvert ! spectrum bands=1025 interval=$interval post-messages=false ! fakesink"
nmf_stereo_cmd="${nmf_cmd/location=$file/location=$stereo}"
spectrum_stereo_cmd="${spectrum_cmd/location=$file/location=$stereo}"

# one run: "cpu_seconds peak_rss_kb"
measure () {
  /usr/bin/time -f "%U %S %M" -o "$work/time" $1 >/dev/null
  awk '{ printf "%.3f %d\n", $1 + $2, $3 }' "$work/time"
}

echo "nmfseparate: $nmf_cmd"
echo "spectrum:    $spectrum_cmd"
echo "stereo:      the same on $stereo"
echo "run  nmf_cpu_s  spectrum_cpu_s  ratio  nmf_rss_MB | stereo: nmf_cpu_s  spectrum_cpu_s  ratio  nmf_rss_MB"
: > "$work/results"
: > "$work/stereo"
for i in $(seq "$runs"); do
  read -r nmf_cpu nmf_rss < <(measure "$nmf_cmd")
  read -r spec_cpu spec_rss < <(measure "$spectrum_cmd")
  read -r st_cpu st_rss < <(measure "$nmf_stereo_cmd")
  read -r st_spec_cpu st_spec_rss < <(measure "$spectrum_stereo_cmd")
  ratio=$(awk -v a="$nmf_cpu" -v b="$spec_cpu" 'BEGIN { printf "%.2f", a / b }')
  st_ratio=$(awk -v a="$st_cpu" -v b="$st_spec_cpu" 'BEGIN { printf "%.2f", a / b }')
  printf "%3d  %9.3f  %14.3f  %5s  %10.1f |         %9.3f  %14.3f  %5s  %10.1f\n" \
    "$i" "$nmf_cpu" "$spec_cpu" "$ratio" "$(awk -v k="$nmf_rss" 'BEGIN { print k / 1024 }')" \
    "$st_cpu" "$st_spec_cpu" "$st_ratio" "$(awk -v k="$st_rss" 'BEGIN { print k / 1024 }')"
  echo "$nmf_cpu $spec_cpu $ratio $nmf_rss" >> "$work/results"
  echo "$st_cpu $st_spec_cpu $st_ratio $st_rss" >> "$work/stereo"
done

median () { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
m_ratio=$(cut -d' ' -f3 "$work/results" | median)
m_cpu=$(cut -d' ' -f1 "$work/results" | median)
m_rss=$(cut -d' ' -f4 "$work/results" | sort -g | tail -n 1)
rtf=$(awk -v s=$seconds -v c="$m_cpu" 'BEGIN { printf "%.0f", s / c }')
echo
echo "median CPU ratio nmfseparate / spectrum: $m_ratio   (must be <= $max_ratio)"
echo "nmfseparate real-time factor (median, whole pipeline, CPU time): ${rtf}x"
echo "nmfseparate peak RSS (max over runs): $(awk -v k="$m_rss" 'BEGIN { printf "%.1f", k / 1024 }') MB   (must be < 64 MB)"
s_ratio=$(cut -d' ' -f3 "$work/stereo" | median)
s_rss=$(cut -d' ' -f4 "$work/stereo" | sort -g | tail -n 1)
echo "stereo (panned, spatial=auto): median CPU ratio $s_ratio   (must be <= 2.5), peak RSS $(awk -v k="$s_rss" 'BEGIN { printf "%.1f", k / 1024 }') MB"
echo "reproduce: tests/bench/speed.sh $runs $props"
awk -v r="$m_ratio" -v x="$max_ratio" -v m="$m_rss" -v sr="$s_ratio" -v sm="$s_rss" \
  'BEGIN { exit !(r <= x && m < 65536 && sr <= 2.5 && sm < 65536) }' \
  && echo "targets met" || { echo "targets NOT met"; exit 1; }
