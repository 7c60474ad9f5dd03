#!/usr/bin/python3
"""The desk's engine on a capture device that works, without a sound server.

    test_desk_capture.py DESK_MODULE_DIR

autoaudiosrc is made to take interaudiosrc (ranked above every real source,
as tests/embed/live_mic.sh does): a live source that always opens, as a
microphone on a PulseAudio server would. Run under xvfb-run (gtksink's
widget needs a display). Checks, each found with a PulseAudio null sink's
monitor as the microphone (tests/bench/pulse-live.sh):
  - the default microphone plays; a file opened after it plays, and so do
    the microphone again and a restart of it with other settings (the stop
    of the microphone's autoaudiosrc puts its placeholder audiotestsrc
    back, which the desk took for "no capture device": it failed the
    pipeline that followed);
  - the input list: a device the monitor reports twice (PulseAudio's
    provider posts DEVICE_ADDED for the devices that get_devices() gives
    as it starts) is listed once, with its channels, and chosen there it
    plays;
  - the output held back for 1.4 s: the capture thread goes on pushing
    at its pace (a queue after the capture);
  - the sound server going away: the output's error then the microphone's,
    as pulsesink and pulsesrc post them: one error, the microphone's, and
    the desk stays stopped (it reopened the dead microphone for the
    output's sake, whose second failure took the first one's place).
Exit 77 (skip) without xvfb-run, GTK, gtksink or interaudiosrc.
"""
import functools
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from desk_support import (  # noqa: E402
    check, gst_with, report, spin_for, under_xvfb)


def main():
    module_dir = sys.argv[1]
    code = under_xvfb(__file__, "NMF_DESK_CAPTURE_UNDER_XVFB")
    if code is not None:
        return code
    GLib, Gst, _ = gst_with(("gtksink", "interaudiosrc", "nmfseparate"))
    sys.path.insert(0, module_dir)
    from nmfdesk import engine as eng

    work = tempfile.mkdtemp(prefix="nmf-desk-capture-")
    try:
        wav = os.path.join(work, "tone.wav")
        subprocess.check_call(
            ["gst-launch-1.0", "-q", "audiotestsrc", "num-buffers=200", "!",
             "audio/x-raw,rate=44100,channels=2", "!", "wavenc", "!",
             "filesink", "location=" + wav])
        run(GLib, Gst, eng, wav)
        run_list(GLib, Gst, eng, module_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report()


def run(GLib, Gst, eng, wav):
    e = eng.Engine(audio_sink="fakesink sync=true")
    notices = []
    e.connect("notice", lambda _e, kind, text: notices.append((kind, text)))
    ctx = GLib.MainContext.default()
    spin = functools.partial(spin_for, ctx)


    def errors():
        return [t for k, t in notices if k == "error"]

    def plays(what):
        """the engine playing within 10 s and still 1 s later, no error"""
        spin(10, lambda: e.status == "playing")
        spin(1.0)
        return check(e.status == "playing" and not errors(),
                     "%s plays (%s; errors: %s)" % (what, e.status, errors()))

    mic = eng.Input("device", label="default microphone")
    e.open(mic)
    if not plays("the default microphone (autoaudiosrc: interaudiosrc)"):
        return
    e.open(eng.Input("file", path=wav, label="tone.wav"), play=True)
    plays("a file opened after the microphone")
    e.open(mic)
    plays("the microphone opened again")
    e.open(mic, settings=eng.Settings(3))
    plays("the microphone restarted with 3 sources")

    # the output held back (a sound card that does not take its audio yet,
    # as a PulseAudio sink starting): the capture thread goes on at its
    # pace. It pushed through to the element and waited with it, and a
    # device's ring buffer overran: "Can't record audio fast enough", 0.3
    # - 1.1 s dropped 2 s after the start, 7 starts in 9 from a PulseAudio
    # source, none in 6 with a queue after the capture
    pushed = [0]

    def count(pad, info):
        pushed[0] += 1
        return Gst.PadProbeReturn.OK
    e.pipeline.get_by_name("input").get_static_pad("src").add_probe(
        Gst.PadProbeType.BUFFER, count)
    spin(1.4)
    free = pushed[0]
    held = e.pipeline.get_by_name("mixer").get_static_pad("src")
    hold = held.add_probe(Gst.PadProbeType.BLOCK_DOWNSTREAM,
                          lambda pad, info: Gst.PadProbeReturn.OK)
    spin(1.4)
    while_held = pushed[0] - free
    held.remove_probe(hold)
    check(free > 0 and while_held >= 0.85 * free,
          "the output held 1.4 s, the capture goes on: %d buffers (%d in "
          "1.4 s before)" % (while_held, free))
    spin(1.0)

    # the sound server goes away: the output's error, then the input's, both
    # on the bus before the desk reads either (as pulsesink's and pulsesrc's)
    del notices[:]
    pipeline = e.pipeline
    sink = pipeline.get_by_name("audiosink")
    src = pipeline.get_by_name("input")
    for element, text in ((sink, "pa_stream_writable_size() failed: "
                           "Connection terminated"),
                          (src, "Disconnected: Connection terminated")):
        element.post_message(Gst.Message.new_error(
            element, GLib.Error.new_literal(Gst.ResourceError.quark(), text,
                                            int(Gst.ResourceError.READ)),
            "simulated"))
    spin(3.0)
    said = errors()
    check(len(said) == 1 and "capture device" in said[0]
          and "Connection terminated" in said[0],
          "the server gone: one error, the microphone's: %s" % said)
    check(e.status == "error" and e.pipeline is pipeline,
          "the server gone: the desk stays stopped, not reopened (%s, %s)"
          % (e.status, "same pipeline" if e.pipeline is pipeline
             else "another pipeline"))
    e.teardown()


def run_list(GLib, Gst, eng, module_dir):
    from gi.repository import Gtk
    from nmfdesk.window import DeskWindow

    class CaptureDevice(Gst.Device):
        """a capture device as a provider lists it; it opens an
        interaudiosrc"""
        def do_create_element(self, name):
            return Gst.ElementFactory.make("interaudiosrc", name)

    e = eng.Engine(audio_sink="fakesink sync=true")
    win = DeskWindow(e)
    ctx = GLib.MainContext.default()
    spin = functools.partial(spin_for, ctx)


    spin(0.5)   # the window's own monitor started (no device here)
    before = [row[0] for row in win.input_combo.get_model()]
    dev = CaptureDevice(display_name="Stereo mic", device_class="Audio/Source",
                        caps=Gst.Caps.from_string("audio/x-raw,channels=2"))
    # as the monitor's start gives it: in get_devices(), then DEVICE_ADDED
    win._add_device(dev)
    win._on_device_msg(None, Gst.Message.new_device_added(None, dev))
    listed = [row[0] for row in win.input_combo.get_model()][len(before):]
    check(listed == ["Stereo mic (stereo)"],
          "a device the monitor reports twice is listed once: %s" % listed)
    win.input_combo.set_active(len(before))
    spin(10, lambda: e.status == "playing")
    spin(1.0)
    errors = [n["text"] for n in win.notices if n["kind"] == "error"]
    check(e.status == "playing" and not errors and e.input.device is dev,
          "the device chosen in the list plays (%s; errors: %s)"
          % (e.status, errors))
    e.teardown()
    win._stop_device_monitor()
    win.destroy()
    while Gtk.events_pending():
        Gtk.main_iteration_do(False)


if __name__ == "__main__":
    sys.exit(main())
