#!/bin/sh
# Runs pipelines/embed.py with Debian's Python (PyGObject comes from the
# Debian packages python3-gi and gir1.2-gstreamer-1.0, not from a pyenv or
# venv Python that may be first on PATH). Exit status 77 (skipped) with a
# message when that Python or PyGObject/Gst is missing. embed.sh checks
# its command line first.
#   python.sh EMBED_PY
py=/usr/bin/python3
if [ ! -x "$py" ]; then
  echo "SKIP: $py not found; install the Debian package python3-gst-1.0" >&2
  exit 77
fi
# embed.py itself exits 77 when gi/Gst cannot be imported
exec "$(dirname "$0")/embed.sh" "$py" "$1"
