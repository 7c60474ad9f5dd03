# Sourced by the end-to-end scripts: make GStreamer load nmfseparate from
# this build (system plugins stay available for the rest of the pipeline),
# with a registry of the test's own, and check that it does.
#   use_build_plugin PLUGIN_DIR WORK_DIR
use_build_plugin () {
  export GST_PLUGIN_PATH_1_0="$1"
  export GST_REGISTRY="$2/registry.bin"
  found=$(gst-inspect-1.0 nmfseparate | sed -n 's/^ *Filename *//p')
  case "$found" in
    "$1"/*) ;;
    *) echo "nmfseparate comes from '$found', not from $1" >&2; exit 1 ;;
  esac
}
