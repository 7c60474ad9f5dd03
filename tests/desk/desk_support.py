"""What the desk's tests share (test_desk.py, test_desk_capture.py,
test_desk_enrol_live.py): their checks, float WAV files read back, the
main loop turned by hand, and the desk's engine on a capture device without
a sound server (autoaudiosrc made to take interaudiosrc, under xvfb-run)."""
import os
import shutil
import struct
import subprocess
import sys
import time

failures = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def read_wav(path):
    """(rate, channels, samples as a list of floats, interleaved)"""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", path
    pos, fmt, rate, channels, bits, samples = 12, None, 0, 0, 0, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt, channels, rate = struct.unpack("<HHI", body[:8])
            bits = struct.unpack("<H", body[14:16])[0]
        elif cid == b"data":
            assert fmt in (3, 0xFFFE) and bits == 32, (path, fmt, bits)
            n = len(body) // 4
            samples = list(struct.unpack("<%df" % n, body[:4 * n]))
        pos += 8 + size + (size & 1)
    return rate, channels, samples


def spin_for(ctx, seconds, until=None, each=None, pause=0.01):
    """Runs the main context for `seconds`, or until until() holds (then
    True); each() on every turn (a feeder)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        while ctx.pending():
            ctx.iteration(False)
        if each is not None:
            each()
        if until is not None and until():
            return True
        time.sleep(pause)
    return until is None


def under_xvfb(script, marker):
    """The exit status of `script` run again under xvfb-run with
    interaudiosrc as the capture device autoaudiosrc takes, or None when
    this is that run (`marker` set in the environment)."""
    if os.environ.get(marker):
        return None
    if not shutil.which("xvfb-run") or not shutil.which("Xvfb"):
        skip("xvfb-run/Xvfb not found (Debian packages xvfb xauth)")
    env = dict(os.environ, GST_PLUGIN_FEATURE_RANK="interaudiosrc:300")
    env[marker] = "1"
    return subprocess.call(["xvfb-run", "-a", sys.executable,
                            os.path.abspath(script)] + sys.argv[1:], env=env)


def gst_with(factories, also=()):
    """(GLib, Gst, Gtk), initialized with a display, once every factory is
    there; else the test is skipped.  `also`: modules to import first
    (e.g. numpy)."""
    try:
        for name in also:
            __import__(name)
        import gi
        gi.require_version("Gst", "1.0")
        gi.require_version("Gtk", "3.0")
        from gi.repository import GLib, Gst, Gtk
    except (ImportError, ValueError) as exc:
        skip("%s PyGObject with GTK 3 / GStreamer missing: %s"
             % ("".join(n + " or " for n in also), exc))
    Gst.init(None)
    if not Gtk.init_check(None)[0]:
        skip("no display")
    for factory in factories:
        if Gst.ElementFactory.find(factory) is None:
            skip("%s not found" % factory)
    return GLib, Gst, Gtk


def report():
    """The exit status: 1 when a check failed."""
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0
