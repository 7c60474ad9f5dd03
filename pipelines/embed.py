#!/usr/bin/python3
"""Embedding nmfseparate in a Python application (PyGObject).

    /usr/bin/python3 pipelines/embed.py [INPUT]

Builds a pipeline with nmfseparate (from INPUT, any file or URI GStreamer
decodes, or by default a live two-tone mixture of about 1.5 s made by two
audiotestsrc and audiomixer), runs it, and reads its bus: errors, EOS, and
the element messages named "nmfseparate" when the element posts them
(post-messages=true, if this build has the property).  Once the pipeline is
PLAYING and the first separated buffer has come out, it sets two properties
that may change while PLAYING, mask-exponent=2 and iterations=30, reads them
back, and counts the buffers separated after the change.  A property set
explicitly overrides the profile (docs/element.md, "Profiles"); the profile
in force (live for the default live source, file for a file) has
mask-exponent 1 and iterations 4, so the masks go from ratio to Wiener-like
(mask-exponent 1 -> 2) and each frame gets more updates (iterations
4 -> 30).  (Reading a property that was not set gives its unset default,
2 and 15, not the profile's value.)  Exit status 0 when
the stream reached EOS, the values read back are the ones set and (default
live source) buffers came out after the change; 1 on failure; 2 for a bad
command line (-h, --help: this help); 77 when PyGObject or GStreamer's
introspection data is missing.

Needs Debian's python3-gi and gir1.2-gstreamer-1.0 (python3-gst-1.0 pulls
both in): use /usr/bin/python3, not another Python without them.  Run
uninstalled with GST_PLUGIN_PATH=<build>/plugin.  The C twin is embed.c.
"""
import os
import sys

USAGE = "usage: /usr/bin/python3 pipelines/embed.py [INPUT]"


def command_line(argv):
    """INPUT, or None for the default live source; -h/--help: the help (exit
    0); an unknown option or a second INPUT: the usage (exit 2).  Before
    PyGObject is imported: the help needs none."""
    args = argv[1:]
    if args[:1] in (["-h"], ["--help"]):
        print(__doc__.strip())
        sys.exit(0)
    if args[:1] == ["--"]:          # INPUT may start with -
        args = args[1:]
    elif args and args[0].startswith("-") and args[0] != "-":
        print("embed.py: unknown option %s\n%s\n(--help: the help)"
              % (args[0], USAGE), file=sys.stderr)
        sys.exit(2)
    if len(args) > 1:
        print("embed.py: one INPUT at most\n%s\n(--help: the help)" % USAGE,
              file=sys.stderr)
        sys.exit(2)
    return args[0] if args else None


if __name__ == "__main__":
    INPUT = command_line(sys.argv)

try:
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import GLib, Gst
except (ImportError, ValueError) as exc:
    print("SKIP: PyGObject with GStreamer is not available to %s (%s); "
          "install the Debian packages python3-gi and gir1.2-gstreamer-1.0 "
          "(or python3-gst-1.0) and run it with /usr/bin/python3"
          % (sys.executable, exc), file=sys.stderr)
    sys.exit(77)

NEW_MASK_EXPONENT = 2
NEW_ITERATIONS = 30

LIVE_MIXTURE = (
    # 64 buffers of 1024 samples at 44.1 kHz: about 1.5 s, in real time
    "audiotestsrc is-live=true wave=sine freq=220 num-buffers=64 ! mix. "
    "audiotestsrc is-live=true wave=square freq=1318.5 volume=0.3 "
    "num-buffers=64 ! mix. "
    "audiomixer name=mix ! audioconvert ! nmfseparate name=sep n-sources=2 "
    "sep.src_0 ! fakesink sep.src_1 ! fakesink")


class App:
    def __init__(self, description, live, uri=None):
        self.live = live
        self.loop = GLib.MainLoop()
        self.pipeline = Gst.parse_launch(description)
        if uri is not None:
            # a property, not written into the description, whose syntax a
            # quote in the URI would break
            self.pipeline.get_by_name("dec").set_property("uri", uri)
        self.sep = self.pipeline.get_by_name("sep")
        self.posts = self.sep.find_property("post-messages") is not None
        if self.posts:
            self.sep.set_property("post-messages", True)
        self.first_output_posted = False
        self.first_output = False
        self.playing = False
        self.changed = False
        self.buffers_after = 0
        self.element_messages = 0
        self.eos = self.error = self.readback_ok = False
        self.sep.get_static_pad("src_0").add_probe(
            Gst.PadProbeType.BUFFER, self.on_buffer)
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)

    # streaming thread (src_0): say when the first separated buffer is out,
    # count the ones after the change
    def on_buffer(self, pad, info):
        if self.changed:
            self.buffers_after += 1
        elif not self.first_output_posted:
            self.first_output_posted = True
            self.sep.post_message(Gst.Message.new_application(
                self.sep, Gst.Structure.new_empty("first-output")))
        return Gst.PadProbeReturn.OK

    # main thread, PLAYING: change the live properties and read them back
    def change_live_properties(self):
        state = self.sep.get_state(0)[1]
        self.sep.set_property("mask-exponent", NEW_MASK_EXPONENT)
        self.sep.set_property("iterations", NEW_ITERATIONS)
        self.changed = True
        exponent = self.sep.get_property("mask-exponent")
        iterations = self.sep.get_property("iterations")
        self.readback_ok = (exponent == NEW_MASK_EXPONENT
                            and iterations == NEW_ITERATIONS)
        print("changed in state %s: mask-exponent=%d iterations=%d "
              "(read back: %s)" % (Gst.Element.state_get_name(state),
                                   exponent, iterations,
                                   "ok" if self.readback_ok else "MISMATCH"))

    def on_message(self, bus, msg):
        t = msg.type
        if t == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            print("error from %s: %s" % (msg.src.get_name(), err.message),
                  file=sys.stderr)
            if dbg:
                print("  (%s)" % dbg, file=sys.stderr)
            self.error = True
            self.loop.quit()
        elif t == Gst.MessageType.EOS:
            print("EOS")
            self.eos = True
            self.loop.quit()
        elif t == Gst.MessageType.STATE_CHANGED:
            if msg.src == self.pipeline:
                _, new, _ = msg.parse_state_changed()
                if new == Gst.State.PLAYING and not self.playing:
                    self.playing = True
                    if self.first_output:
                        self.change_live_properties()
        elif t == Gst.MessageType.APPLICATION:
            # a file prerolls its first buffers in PAUSED: wait for PLAYING
            if msg.get_structure().get_name() == "first-output":
                self.first_output = True
                if self.playing:
                    self.change_live_properties()
        elif t == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s is not None and s.get_name() == "nmfseparate":
                if self.element_messages == 0:
                    print("first element message: %.300s" % s.to_string())
                self.element_messages += 1
        return True

    def run(self):
        if self.pipeline.set_state(Gst.State.PLAYING) == \
                Gst.StateChangeReturn.FAILURE:
            msg = self.pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
            if msg is not None:
                self.on_message(None, msg)
            else:
                print("the pipeline could not start", file=sys.stderr)
            self.error = True
        else:
            self.loop.run()
        self.pipeline.set_state(Gst.State.NULL)
        self.pipeline.get_bus().remove_signal_watch()

        print("buffers separated after the change: %d" % self.buffers_after)
        if self.posts:
            print("element messages named nmfseparate: %d"
                  % self.element_messages)
        else:
            print("element messages: not posted by this build (nmfseparate "
                  "has no post-messages property)")
        if self.error or not self.eos:
            print("FAILED: the stream did not end normally", file=sys.stderr)
            return 1
        if not self.readback_ok or (self.live and self.buffers_after == 0):
            print("FAILED: the live property change %s" % (
                "was not followed by any output" if self.readback_ok else
                "did not read back" if self.changed else "never happened"),
                file=sys.stderr)
            return 1
        print("ok")
        return 0


def main(input_):
    Gst.init(None)
    if Gst.ElementFactory.find("nmfseparate") is None:
        print("FAILED: the GStreamer element nmfseparate was not found (set "
              "GST_PLUGIN_PATH to <build>/plugin, or install gst-nmf)",
              file=sys.stderr)
        return 1
    uri = None
    if input_ is not None:
        # an existing file is a file, whatever its name (take:1.wav is also
        # a valid URI, of the scheme "take")
        uri = input_ if Gst.uri_is_valid(input_) \
            and not os.path.exists(input_) else Gst.filename_to_uri(input_)
        print("input: %s" % uri)
        description = (
            'uridecodebin name=dec ! audioconvert ! audioresample ! '
            'nmfseparate name=sep n-sources=2 '
            'sep.src_0 ! fakesink sep.src_1 ! fakesink')
        live = False
    else:
        description, live = LIVE_MIXTURE, True
    print("pipeline: %s" % description)
    try:
        app = App(description, live, uri)
    except GLib.Error as exc:
        print("cannot build the pipeline: %s" % exc.message, file=sys.stderr)
        return 1
    return app.run()


if __name__ == "__main__":
    sys.exit(main(INPUT))
