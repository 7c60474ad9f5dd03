"""nmf-desk: the separation desk (command line and start-up)."""
import argparse
import gc
import os
import signal
import sys


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="nmf-desk",
        description="Separate a file or a microphone live with nmfseparate: "
        "the picture with its axes and key, per source a level meter, gain, "
        "mute, solo and enrolment, recording to WAV.")
    p.add_argument("file", nargs="?", help="an audio file (any format "
                   "GStreamer decodes); or drop one on the window")
    p.add_argument("--mic", action="store_true",
                   help="separate the default microphone")
    p.add_argument("--play", action="store_true",
                   help="start playing the file at once")
    p.add_argument("--sources", type=int, default=2, metavar="N",
                   help="number of sources, 1-16 (default 2)")
    p.add_argument("--algorithm", choices=("kl", "volmin"), default="kl")
    p.add_argument("--profile", choices=("auto", "live", "file"),
                   default="auto")
    p.add_argument("--fft-size", default=None, metavar="N",
                   help="STFT frame in samples, even, 32 to 32768 (default "
                   "2048); checked as nmfseparate would, said in the window")
    p.add_argument("--record-dir", metavar="DIR",
                   help="where recordings go (default ~/nmf-desk-recordings)")
    p.add_argument("--audio-sink", metavar="DESCRIPTION",
                   help="the audio output as a gst-launch description, e.g. "
                   "'pulsesink device=...' (default autoaudiosink)")
    p.add_argument("--picture", default="768x320", metavar="WxH",
                   help="size of the picture in pixels (default 768x320)")
    p.add_argument("--fps", type=int, default=25,
                   help="pictures per second (default 25)")
    p.add_argument("--exit-at-eos", action="store_true",
                   help="close the window when the file ends (benchmarks)")
    p.add_argument("--control", metavar="SOCKET",
                   help="listen for JSON commands on this UNIX socket "
                   "(tests and scripted demos; see nmfdesk/hook.py)")
    p.add_argument("--monitor-to", metavar="WAV",
                   help="tests: instead of a sound card, write the mix that "
                   "would be heard (in real time) to this WAV file")
    args = p.parse_args(argv)
    try:
        w, h = (int(v) for v in args.picture.lower().split("x"))
        if not (64 <= w <= 4096 and 32 <= h <= 2048):
            raise ValueError
        args.picture = (w, h)
    except ValueError:
        p.error("--picture takes WIDTHxHEIGHT, 64x32 to 4096x2048")
    if not 1 <= args.sources <= 16:
        p.error("--sources takes 1 to 16")
    if not 1 <= args.fps <= 120:
        p.error("--fps takes 1 to 120")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # The desk draws with cairo only: GDK need not look for OpenGL when it
    # opens the display (with Mesa's software driver that loads LLVM: 0.05 s
    # of CPU at every start). Unless asked otherwise.
    os.environ.setdefault("GDK_GL", "disable")
    # The desk makes no BLAS call of its own and the element's are small
    # (its streaming path calls no threaded one): OpenBLAS's worker threads
    # would only spin, 0.1 s of CPU at every start (docs/benchmarks.md,
    # docs/desk.md CPU). A setting for the whole process, so made here,
    # before the element's library loads; unless asked otherwise. nmftool,
    # which the desk runs to learn an enrolment, gets the environment as it
    # was.
    blas_set = "OPENBLAS_NUM_THREADS" not in os.environ
    if blas_set:
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        import gi
        gi.require_version("Gst", "1.0")
        gi.require_version("Gtk", "3.0")
        gi.require_foreign("cairo")
        from gi.repository import GLib, Gst, Gtk
    except (ImportError, ValueError) as exc:
        print("nmf-desk: PyGObject with GTK 3, GStreamer and cairo is "
              "missing (%s): install the Debian packages python3-gi "
              "python3-gi-cairo gir1.2-gtk-3.0 python3-gst-1.0 "
              "gstreamer1.0-gtk3, and run it with /usr/bin/python3" % exc,
              file=sys.stderr)
        return 1
    Gst.init(None)
    own_plugins = os.environ.get("NMF_DESK_OWN_PLUGIN_DIR")
    if own_plugins and Gst.ElementFactory.find("nmfseparate") is None \
            and os.path.isdir(own_plugins):
        Gst.Registry.get().scan_path(own_plugins)
    ok, _ = Gtk.init_check(None)
    if not ok:
        print("nmf-desk: cannot open a display (is DISPLAY set? without a "
              "screen: xvfb-run -a nmf-desk ...)", file=sys.stderr)
        Gst.deinit()
        return 1

    from . import engine as eng
    from . import heardenrol
    from .window import DeskWindow
    if blas_set:
        heardenrol.NOT_FOR_NMFTOOL.append("OPENBLAS_NUM_THREADS")

    engine = eng.Engine(audio_sink=args.audio_sink, monitor_to=args.monitor_to,
                        viz_size=args.picture, fps=args.fps)
    engine.settings = eng.Settings(args.sources, args.algorithm, args.profile)
    # an FFT size the element would refuse is said in the window, and the
    # desk runs at its default (unchecked, the element refused it when the
    # file started: an error, and nothing played)
    fft_refused = args.fft_size is not None and \
        eng.fft_size_problem(args.fft_size)
    if args.fft_size is not None and not fft_refused:
        engine.settings.fft_size = int(args.fft_size)
    win = DeskWindow(engine, record_root=args.record_dir)
    win.show_all()
    win.infobar.hide()
    hook = None
    if args.control:
        from .hook import ControlHook
        hook = ControlHook(win, args.control)

    if not eng.Engine.element_available():
        win.notice("error", "The GStreamer element nmfseparate is not found: "
                   "run the desk from the build tree (build/tools/desk/"
                   "nmf-desk), set GST_PLUGIN_PATH to the build's plugin/ "
                   "directory, or install gst-nmf (meson install).")
    elif args.file:
        win.open_file(args.file)
        if args.play:
            engine.play()
    elif args.mic:
        win.input_combo.set_active_id("mic")
    if fft_refused:
        # (after the input opens: opening clears the message bar, and this
        # was said before it, never seen)
        win.notice("error", "--fft-size %s is refused: %s; the desk uses %d"
                   % (args.fft_size, fft_refused, engine.settings.fft_size))

    if args.exit_at_eos:
        win.eos_waiters.append(lambda: GLib.idle_add(
            lambda: win.close_cleanly() and False))
        # an input that fails never reaches its end: close on the error too
        # (the window stayed open, and a script waiting for it hung)
        engine.connect("notice", lambda _e, kind, _text: kind == "error"
                       and GLib.idle_add(lambda: win.close_cleanly() and False))

    def on_signal():
        win.close_cleanly()
        return GLib.SOURCE_REMOVE
    for sig in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, on_signal)

    Gtk.main()

    # everything GStreamer made is released before gst_deinit, so that the
    # leaks tracer (GST_TRACERS=leaks) sees a clean exit
    if hook is not None:
        hook.close()
    engine.teardown()
    engine.discard_carried()
    # an enrolment still learning (its thread runs a GStreamer pipeline)
    engine.join_learning(5.0)
    errors = [n for n in win.notices if n["kind"] == "error"]
    win.destroy()
    win = engine = hook = None
    while Gtk.events_pending():
        Gtk.main_iteration_do(False)
    gc.collect()
    gc.collect()
    Gst.deinit()
    return 1 if errors and args.exit_at_eos else 0
