"""What the desk's capture-device tests share (test_desk_capture.py,
test_desk_enrol_live.py): their checks, the main loop turned by hand, and
the desk's engine on a capture device without a sound server (autoaudiosrc
made to take interaudiosrc, under xvfb-run)."""
import os
import shutil
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
