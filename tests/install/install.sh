#!/bin/bash
# install.sh MESON BUILD_DIR PREFIX LIBDIR BINDIR INCLUDEDIR MAKE_MIXTURE
#            WAVCHECK EMBED_CORE_SOURCE
set -u
meson=$1 build=$(realpath "$2") prefix=$3 libdir=$4 bindir=$5 includedir=$6
make_mixture=$(realpath "$7") wavcheck=$(realpath "$8")
embed_core_source=$(realpath "$9")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail () { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
under () { case "$1" in /*) echo "$work/dest$1" ;; *) echo "$work/dest$prefix/$1" ;; esac; }

"$meson" install -C "$build" --no-rebuild --destdir "$work/dest" >"$work/install.log" 2>&1 \
  || { cat "$work/install.log"; echo "FAIL: meson install"; exit 1; }
plugdir=$(under "$libdir")/gstreamer-1.0
bin=$(under "$bindir")
echo "installed under $work/dest (prefix $prefix):"
(cd "$work/dest" && find . -type f | sort)

[ -f "$plugdir/libgstnmf.so" ] || fail "no libgstnmf.so in $plugdir"
[ -x "$bin/nmftool" ] || fail "no executable nmftool in $bin"
lib=$(under "$libdir")
inc=$(under "$includedir")
[ -e "$lib/libnmfcore.so.0" ] || fail "no libnmfcore.so.0 in $lib"
[ -f "$lib/pkgconfig/nmfcore.pc" ] || fail "no nmfcore.pc in $lib/pkgconfig"
[ -f "$inc/nmf/nmf.h" ] || fail "no public header nmf/nmf.h in $inc"
for h in "$inc"/nmf/*.h; do
  # only the public headers are installed, and they include only each other
  grep -h '#include' "$h" | grep -v '<nmf/\|<stddef.h>\|<stdint.h>' \
    && fail "$h includes a header that is not installed"
done
# the plugin and nmftool find the installed library: outside /usr by their
# own run path (relative to them, so in the staged tree too), with no
# ldconfig and no LD_LIBRARY_PATH; under /usr the loader's path holds it,
# told here where the staged one is
if [ "$prefix" = /usr ]; then
  export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
else
  unset LD_LIBRARY_PATH
  for b in "$plugdir/libgstnmf.so" "$bin/nmftool"; do
    got=$(ldd "$b" 2>/dev/null | sed -n 's/.*libnmfcore\.so\.0 => \(.*\) (0x.*/\1/p; s/.*libnmfcore\.so\.0 => not found.*/not found/p')
    [ -n "$got" ] && [ "$(realpath -m "$got")" = "$(realpath "$lib/libnmfcore.so.0")" ] \
      || fail "$b loads libnmfcore.so.0 from '${got:-nowhere}', not the installed $lib"
  done
fi
if readelf -d "$plugdir/libgstnmf.so" "$bin/nmftool" 2>/dev/null | grep -i 'R.*PATH' | grep -q "$build"; then
  fail "an installed binary still has a run path into the build tree"
fi

# the installed plugin alone: no system plugins, no GST_PLUGIN_PATH but this
unset GST_PLUGIN_PATH
export GST_PLUGIN_SYSTEM_PATH_1_0= GST_PLUGIN_PATH_1_0="$plugdir"
export GST_REGISTRY="$work/registry-alone.bin"
if gst-inspect-1.0 nmfseparate >"$work/inspect.txt" 2>&1; then
  found=$(sed -n 's/^ *Filename *//p' "$work/inspect.txt")
  echo "gst-inspect-1.0 nmfseparate: Filename $found"
  [ "$found" = "$plugdir/libgstnmf.so" ] || fail "found in $found, not $plugdir"
  grep -q 'src_%u' "$work/inspect.txt" || fail "no src_%u pad template in gst-inspect"
else
  cat "$work/inspect.txt"
  fail "gst-inspect-1.0 does not find nmfseparate in $plugdir"
fi
# the plugin's other element, the one playbin's audio-filter takes
if gst-inspect-1.0 nmfextract >"$work/inspect-extract.txt" 2>&1; then
  found=$(sed -n 's/^ *Filename *//p' "$work/inspect-extract.txt")
  [ "$found" = "$plugdir/libgstnmf.so" ] || fail "nmfextract found in $found, not $plugdir"
else
  cat "$work/inspect-extract.txt"
  fail "gst-inspect-1.0 does not find nmfextract in $plugdir"
fi
[ "$(gst-inspect-1.0 audiotestsrc 2>/dev/null)" = "" ] || fail "system plugins were visible"

# the installed nmftool with the installed plugin (and the system plugins
# for decoding and writing)
unset GST_PLUGIN_SYSTEM_PATH_1_0
export GST_REGISTRY="$work/registry-tool.bin"
"$bin/nmftool" --help | grep -q 'nmftool separate' || fail "installed nmftool --help"
"$make_mixture" "$work" 3 >/dev/null || exit 1
if "$bin/nmftool" separate --sources 2 --quiet "$work/mix.wav" "$work/out"; then
  read -r a _ < <("$wavcheck" "$work/mix.wav")
  read -r b _ < <("$wavcheck" "$work/out/source1.wav")
  echo "installed nmftool separate: $b frames of $a"
  [ "${b:-x}" = "$a" ] || fail "installed nmftool output has ${b:-no} frames, input $a"
else
  fail "installed nmftool separate failed"
fi

# installed where GStreamer does not search (meson's default /usr/local),
# nmftool finds the plugin installed with it, relative to itself: no
# GST_PLUGIN_PATH (the system's plugins still decode and write)
unset GST_PLUGIN_PATH_1_0 GST_PLUGIN_PATH
export GST_REGISTRY="$work/registry-own.bin"
if gst-inspect-1.0 nmfseparate >/dev/null 2>&1; then
  echo "(nmfseparate is installed system-wide here: the installed nmftool's own lookup is not what finds it)"
fi
if "$bin/nmftool" separate --sources 2 --quiet "$work/mix.wav" "$work/out-own" 2>"$work/own.log"; then
  echo "installed nmftool without GST_PLUGIN_PATH: separated"
else
  cat "$work/own.log"
  fail "the installed nmftool does not find the plugin installed with it"
fi
# nmf-desk and its modules; its launcher points GStreamer at the same
# plugin directory, relative to itself
[ -x "$bin/nmf-desk" ] || fail "no executable nmf-desk in $bin"
[ -f "$(under share)/gst-nmf/desk/nmfdesk/main.py" ] || fail "the desk's modules are not installed"
own=$(sed -n 's/^OWN_PLUGIN_DIR = "\(.*\)"$/\1/p' "$bin/nmf-desk")
case "$own" in
  /*) own_dir=$(under "$own") ;;
  *) own_dir=$(realpath -m "$bin/$own") ;;
esac
[ -n "$own" ] && [ "$own_dir" = "$(realpath -m "$plugdir")" ] \
  || fail "the installed nmf-desk looks for its plugin in '${own:-nowhere}', not $plugdir"

# an application of the core library alone, built against the installed
# headers and pkg-config file, separates raw samples (it is told where the
# staged library is: its run path is its own business)
export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PKG_CONFIG_SYSROOT_DIR="$work/dest" PKG_CONFIG_PATH="$lib/pkgconfig"

# one version everywhere: the pkg-config file's, the installed header's
# macros, the library file's name; the soname is libnmfcore.so.0, which
# the development link libnmfcore.so leads to
pcversion=$(pkg-config --modversion nmfcore)
soname=$(readelf -d "$lib/libnmfcore.so" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libnmfcore.so.0 ] || fail "the library's soname is '$soname', not libnmfcore.so.0"
[ "$(readlink -f "$lib/libnmfcore.so")" = "$(readlink -f "$lib/libnmfcore.so.$pcversion")" ] \
  || fail "libnmfcore.so does not lead to libnmfcore.so.$pcversion (the pkg-config version)"
printf '#include <nmf/nmf.h>\n#include <stdio.h>\nint main (void) { printf ("%%d.%%d.%%d\\n", NMF_VERSION_MAJOR, NMF_VERSION_MINOR, NMF_VERSION_MICRO); return 0; }\n' >"$work/version.c"
if cc "$work/version.c" -o "$work/version" $(pkg-config --cflags nmfcore) 2>"$work/cc.log"; then
  [ "$("$work/version")" = "$pcversion" ] \
    || fail "the installed nmf/nmf.h says version $("$work/version"), pkg-config $pcversion"
else
  cat "$work/cc.log"
  fail "nmf/nmf.h does not compile from the installed headers"
fi

# a C++ application links with the installed library (headers.sh compiles
# the headers as C++, but only a link finds a declaration outside extern "C")
if command -v c++ >/dev/null; then
  cat >"$work/app.cc" <<'CXX'
#include <nmf/nmf.h>
#include <cstdio>
int main () {
  nmf_separator_config config;
  nmf_separator *sep = 0;
  char message[256];
  nmf_separator_config_init (&config);
  if (nmf_separator_create (&sep, &config, message, sizeof message) != NMF_OK) {
    std::fprintf (stderr, "%s\n", message);
    return 1;
  }
  std::printf ("%zu\n", nmf_separator_bins (sep));
  nmf_separator_destroy (&sep);
  return 0;
}
CXX
  if c++ -Wall -Wextra -pedantic -Werror "$work/app.cc" -o "$work/app-cxx" \
      $(pkg-config --cflags --libs nmfcore) 2>"$work/cxx.log"; then
    [ "$("$work/app-cxx")" = 1025 ] || fail "the C++ application built against the installed library failed"
  else
    cat "$work/cxx.log"
    fail "a C++ application does not build against the installed library"
  fi
fi
if cc "$embed_core_source" -o "$work/embed-core" \
    $(pkg-config --cflags --libs nmfcore) 2>"$work/cc.log"; then
  head -c 400000 /dev/zero | tr '\0' '\1' >"$work/in.f32"  # finite floats
  if "$work/embed-core" --profile live "$work/core" <"$work/in.f32"; then
    [ "$(stat -c %s "$work/core0.f32")" = 400000 ] \
      || fail "installed core example wrote $(stat -c %s "$work/core0.f32") bytes of 400000"
  else
    fail "the example built against the installed library failed"
  fi
else
  cat "$work/cc.log"
  fail "embed-core.c does not build against the installed library (pkg-config nmfcore)"
fi

[ "$fails" -eq 0 ] && echo "all checks passed"
[ "$fails" -eq 0 ]
