# Shared by pipelines/demo.sh and tests/run.sh (sourced, not run):
# installs the Debian 12 packages the build and tests need when run as root,
# and builds the project with meson.

NMF_PACKAGES="meson ninja-build pkg-config gcc libc6-dev \
libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev \
gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-tools \
libfftw3-dev libopenblas-dev liblapacke-dev libglpk-dev"

# nmf_ensure_packages [EXTRA_PACKAGE ...]
nmf_ensure_packages () {
  missing=""
  for pkg in $NMF_PACKAGES "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing="$missing $pkg"
  done
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages:$missing" >&2
    echo "install them with: sudo apt-get install$missing (or run this as root)" >&2
    return 1
  fi
  echo "installing:$missing"
  apt-get update -q >/dev/null || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing \
    >/dev/null || return 1
}

# nmf_build BUILD_DIR
nmf_build () {
  if [ ! -f "$1/build.ninja" ]; then
    meson setup "$1" >/dev/null || return 1
  fi
  ninja -C "$1" >/dev/null || { ninja -C "$1"; return 1; }
}
