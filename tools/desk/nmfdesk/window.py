"""The desk's one window."""
import bisect
import math
import os
import time

import cairo
from gi.repository import Gdk, GLib, Gst, Gtk, Pango

from . import engine as eng
from .widgets import (AXIS_BG, FreqAxis, Key, Meter, Placeholder,
                      StereoField, StreamGeometry, Swatch, TextArea, TimeAxis,
                      fill_background, window_background)

ALGORITHMS = ("kl", "volmin")
PROFILES = ("auto", "live", "file")
FFT_SIZES = (512, 1024, 2048, 4096, 8192)
# While playing, the meters follow the element's messages (20 a second,
# ahead of the sound): each message, as it comes, shows the levels whose
# sound is heard by then. The tick then only moves the position slider and
# time, 5 times a second (each redraw of a widget costs the desk and the X
# server about 0.4 ms), and shows due levels if no message came. Otherwise
# (the meters falling, a seek settling) it runs 20 times a second; idle when
# nothing moves. (A tick of its own for the meters woke the desk 15 more
# times a second, each a Python call of 0.1 - 0.4 ms: docs/desk.md, CPU.)
TICK_MS = 50
PLAY_TICK_MS = 200
RESTART_DEBOUNCE_MS = 350


def native_window(widget):
    """What is redrawn while the sound plays (the picture, the meters, the
    position and time) gets an X window of its own: its redraw repaints
    that window alone, not a region of the whole window (on X11: measured,
    the desk's CPU of its meters, slider and time is a third of what it is
    without, and the X server's half; docs/desk.md, CPU). Elsewhere
    (Wayland) as GTK has it."""
    def realize(w):
        if type(w.get_display()).__name__ == "X11Display":
            w.get_window().ensure_native()
    widget.connect("realize", realize)


def new_take_dir(root):
    """A take's folder, named by its start to the second; -2, -3... when
    another take has it (a take started within the second of the last
    wrote over its files)."""
    base = os.path.join(root, time.strftime("%Y%m%d-%H%M%S"))
    path, n = base, 1
    while os.path.exists(path):
        n += 1
        path = "%s-%d" % (base, n)
    return path


def fmt_time(seconds):
    if seconds is None or seconds < 0 or math.isinf(seconds):
        return "-:--"
    # rounded to tenths before the minutes are taken (59.96 s was
    # "0:60.0")
    m, tenths = divmod(int(round(seconds * 10)), 600)
    return "%d:%02d.%d" % (m, tenths // 10, tenths % 10)


class Strip(Gtk.Frame):
    """One source: colour and name, level meter, gain, mute, solo, enrol."""

    def __init__(self, win, source):
        super().__init__()
        self.win = win
        self.source = source
        self.enrol_state = "blind"
        self.holding = False
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=4)
        box.set_border_width(4)
        self.add(box)

        top = Gtk.Box(spacing=4)
        top.pack_start(Swatch(source), False, False, 0)
        self.name = Gtk.Entry()
        self.name.set_text("source %d" % source)
        self.name.set_width_chars(9)
        self.name.set_max_width_chars(9)
        self.name.connect("changed", lambda e: win.on_names_changed())
        top.pack_start(self.name, False, False, 0)
        box.pack_start(top, False, False, 0)

        mid = Gtk.Box(spacing=4)
        mid.set_halign(Gtk.Align.CENTER)
        self.meter = Meter(source)
        native_window(self.meter)
        mid.pack_start(self.meter, False, False, 0)
        self.gain = Gtk.Adjustment(value=0.0, lower=-60.0, upper=12.0,
                                   step_increment=0.5, page_increment=6.0)
        self.scale = Gtk.Scale(orientation=Gtk.Orientation.VERTICAL,
                               adjustment=self.gain)
        self.scale.set_inverted(True)
        self.scale.set_draw_value(False)
        self.scale.add_mark(0.0, Gtk.PositionType.RIGHT, "0")
        self.scale.add_mark(-20.0, Gtk.PositionType.RIGHT, "-20")
        self.scale.add_mark(-60.0, Gtk.PositionType.RIGHT, "off")
        self.scale.set_size_request(-1, 150)
        self.scale.set_tooltip_text("gain of this source (dB)")
        self.gain.connect("value-changed", self._on_gain)
        mid.pack_start(self.scale, False, False, 0)
        box.pack_start(mid, False, False, 0)
        self.gain_label = Gtk.Label(label="0.0 dB")
        box.pack_start(self.gain_label, False, False, 0)

        buttons = Gtk.Box(spacing=4)
        buttons.set_halign(Gtk.Align.CENTER)
        self.mute = Gtk.ToggleButton(label="M")
        self.mute.set_tooltip_text("mute this source")
        self.mute.connect("toggled", lambda b: win.engine.set_mute(
            source, b.get_active()))
        self.solo = Gtk.ToggleButton(label="S")
        self.solo.set_tooltip_text("solo: hear only the soloed sources")
        self.solo.connect("toggled", lambda b: win.engine.set_solo(
            source, b.get_active()))
        buttons.pack_start(self.mute, False, False, 0)
        buttons.pack_start(self.solo, False, False, 0)
        box.pack_start(buttons, False, False, 0)

        self.enrol = Gtk.Button(label="enrol (hold)")
        self.enrol.connect("button-press-event", self._on_press)
        self.enrol.connect("button-release-event", self._on_release)
        self.enrol.connect("grab-broken-event", self._on_release)
        self.enrol.connect("key-press-event", self._on_key, True)
        self.enrol.connect("key-release-event", self._on_key, False)
        box.pack_start(self.enrol, False, False, 0)
        self.state_label = Gtk.Label()
        self.set_enrol_state("blind")
        box.pack_start(self.state_label, False, False, 0)

    def _on_gain(self, adj):
        db = adj.get_value()
        self.gain_label.set_text("off" if db <= -60 else "%+.1f dB" % db)
        self.win.engine.set_gain(self.source, db)

    def _on_press(self, *args):
        if self.enrol.get_sensitive() and not self.holding:
            self.holding = True
            self.win.on_enrol(self.source, True)
        return False

    def _on_release(self, *args):
        if self.holding:
            self.holding = False
            self.win.on_enrol(self.source, False)
        return False

    def _on_key(self, widget, event, down):
        if event.keyval in (Gdk.KEY_space, Gdk.KEY_Return):
            (self._on_press if down else self._on_release)()
            return True
        return False

    def set_enrol_state(self, state):
        self.enrol_state = state
        colours = {"blind": "#888888", "enrolling": "#e0a000",
                   "learning": "#e0a000", "enrolled": "#30b050"}
        self.state_label.set_markup('<span foreground="%s">%s</span>' % (
            colours.get(state, "#888888"), GLib.markup_escape_text(state)))


class DeskWindow(Gtk.Window):
    def __init__(self, engine, record_root=None):
        super().__init__(title="nmf-desk")
        self.engine = engine
        self.record_root = record_root or os.path.join(
            os.path.expanduser("~"), "nmf-desk-recordings")
        self.notices = []
        self.strips = []
        self.typed_names = {}       # source -> the name typed for it
        self.pending_levels = []
        self.level_seq = 0
        self.positions_seen = 0.0
        self.restart_timer = 0
        self.fft_size = engine.settings.fft_size   # the one taken
        self.seek_dragging = False
        self.last_seek = 0.0
        self.updating_position = False
        self.closing = False
        self.take_queued = False    # Record clicked while a take closes
        self.device_monitor = None
        self.devices = []
        self.quit_cb = None
        self.eos_waiters = []
        self.set_default_size(1000, -1)
        self.connect("delete-event", self._on_delete)

        w, h = engine.viz_size
        self.geom = StreamGeometry(w, h)
        outer = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=6)
        outer.set_border_width(8)
        self.add(outer)

        outer.pack_start(self._toolbar(), False, False, 0)

        self.infobar = Gtk.InfoBar()
        self.infobar.set_show_close_button(True)
        self.info_label = Gtk.Label()
        self.info_label.set_line_wrap(True)
        self.info_label.set_xalign(0)
        self.info_label.set_selectable(True)
        self.infobar.get_content_area().pack_start(self.info_label, True, True, 0)
        self.infobar.connect("response", lambda b, r: b.hide())
        outer.pack_start(self.infobar, False, False, 0)

        grid = Gtk.Grid()
        grid.set_halign(Gtk.Align.START)
        self.freq_axis = FreqAxis(self.geom)
        self.picture_box = Gtk.Box()
        self.picture_box.set_size_request(w, h)
        self.picture_box.set_halign(Gtk.Align.START)
        self.picture_box.set_valign(Gtk.Align.START)
        self.placeholder = Placeholder(w, h)
        self.picture_box.pack_start(self.placeholder, False, False, 0)
        self.video = None
        self.time_axis = TimeAxis(self.geom)
        self.key = Key(w)
        corner, corner2 = Gtk.DrawingArea(), Gtk.DrawingArea()
        for c in (corner, corner2):
            c.connect("draw", lambda wdg, cr: fill_background(
                wdg, cr, AXIS_BG) or True)
        grid.attach(self.freq_axis, 0, 0, 1, 1)
        grid.attach(self.picture_box, 1, 0, 1, 1)
        grid.attach(corner, 0, 1, 1, 1)
        grid.attach(self.time_axis, 1, 1, 1, 1)
        grid.attach(corner2, 0, 2, 1, 1)
        grid.attach(self.key, 1, 2, 1, 1)
        outer.pack_start(grid, False, False, 0)

        posrow = Gtk.Box(spacing=6)
        self.position = Gtk.Scale(orientation=Gtk.Orientation.HORIZONTAL,
                                  adjustment=Gtk.Adjustment(0, 0, 1, 0.1, 1, 0))
        self.position.set_draw_value(False)
        self.position.set_hexpand(True)
        self.position.set_tooltip_text("position in the file (drag to seek)")
        self.position.connect("change-value", self._on_seek)
        self.position.connect("button-press-event", self._on_seek_press)
        self.position.connect("button-release-event", self._on_seek_release)
        # drawn, not a Gtk.Label: a label's new text re-lays the window out
        self.time_label = TextArea("-:-- / -:--", 130)
        native_window(self.time_label)
        # a GtkScale has no window of its own: in one of an event box's
        box = Gtk.EventBox()
        box.set_visible_window(True)
        box.add(self.position)
        box.connect("draw", window_background)
        native_window(box)
        posrow.pack_start(box, True, True, 0)
        posrow.pack_start(self.time_label, False, False, 0)
        outer.pack_start(posrow, False, False, 0)

        self.strip_box = Gtk.Box(spacing=6)
        scroller = Gtk.ScrolledWindow()
        scroller.set_policy(Gtk.PolicyType.AUTOMATIC, Gtk.PolicyType.AUTOMATIC)
        scroller.add(self.strip_box)
        scroller.set_min_content_height(120)
        scroller.set_propagate_natural_height(True)

        lower = Gtk.Box(spacing=8)
        lower.pack_start(scroller, True, True, 0)
        side = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=6)
        self.stereo = StereoField()
        self.stereo.set_no_show_all(True)
        native_window(self.stereo)
        side.pack_start(self.stereo, False, False, 0)
        self.enrol_save = Gtk.Button(label="Save enrolled…")
        self.enrol_save.connect("clicked", self._on_save_set)
        self.enrol_load = Gtk.Button(label="Load enrolled…")
        self.enrol_load.connect("clicked", self._on_load_set)
        side.pack_start(self.enrol_save, False, False, 0)
        side.pack_start(self.enrol_load, False, False, 0)
        lower.pack_start(side, False, False, 0)
        outer.pack_start(lower, True, True, 0)

        self.status = Gtk.Label()
        self.status.set_xalign(0)
        self.status.set_ellipsize(Pango.EllipsizeMode.END)
        outer.pack_start(self.status, False, False, 0)

        self.drag_dest_set(Gtk.DestDefaults.ALL,
                           [Gtk.TargetEntry.new("text/uri-list", 0, 0)],
                           Gdk.DragAction.COPY)
        self.connect("drag-data-received", self._on_drop)

        engine.on_levels = self._on_levels
        engine.connect("notice", lambda e, k, t: self.notice(k, t))
        engine.connect("state", self._on_state)
        engine.connect("video-widget", self._on_video_widget)
        engine.connect("stream-info", self._on_stream_info)
        engine.connect("recording", self._on_recording)
        engine.connect("eos", self._on_eos)
        engine.connect("flushed", self._on_flushed)
        engine.connect("enrolment", self._on_heard_enrolment)

        self._make_strips(engine.settings.n_sources)
        self._update_enrol_availability()
        self._update_status()
        self.tick = 0
        self.tick_period = 0
        self._wake()
        GLib.idle_add(self._start_device_monitor)

    # ---- toolbar ------------------------------------------------------
    def _toolbar(self):
        bar = Gtk.Box(spacing=6)
        self.open_button = Gtk.Button(label="Open…")
        self.open_button.set_tooltip_text("open an audio file (or drop one on "
                                          "the window)")
        self.open_button.connect("clicked", self._on_open)
        bar.pack_start(self.open_button, False, False, 0)

        self.input_combo = Gtk.ComboBoxText()
        self.input_combo.set_tooltip_text("what to separate: the file, or a "
                                          "capture device")
        self.input_combo.append("file", "file")
        self.input_combo.append("mic", "default microphone")
        self.input_combo.set_active_id("file")
        self.input_handler = self.input_combo.connect("changed",
                                                      self._on_input_changed)
        bar.pack_start(self.input_combo, False, False, 0)

        self.play_button = Gtk.Button(label="▶ Play")
        self.play_button.connect("clicked", self._on_play)
        bar.pack_start(self.play_button, False, False, 0)

        self.record_button = Gtk.ToggleButton(label="● Record")
        self.record_button.set_tooltip_text(
            "record every source, as heard (after gain, mute and solo), "
            "to WAV files")
        self.record_handler = self.record_button.connect("toggled",
                                                         self._on_record)
        bar.pack_start(self.record_button, False, False, 0)
        folder = Gtk.Button(label="…")
        folder.set_tooltip_text("choose where recordings go")
        folder.connect("clicked", self._on_record_folder)
        bar.pack_start(folder, False, False, 0)

        bar.pack_start(Gtk.Separator(orientation=Gtk.Orientation.VERTICAL),
                       False, False, 4)
        bar.pack_start(Gtk.Label(label="sources"), False, False, 0)
        self.n_spin = Gtk.SpinButton.new_with_range(1, 16, 1)
        self.n_spin.set_value(self.engine.settings.n_sources)
        self.n_spin.connect("value-changed", self._on_settings)
        bar.pack_start(self.n_spin, False, False, 0)
        bar.pack_start(Gtk.Label(label="algorithm"), False, False, 0)
        self.alg_combo = Gtk.ComboBoxText()
        for a in ALGORITHMS:
            self.alg_combo.append(a, a)
        self.alg_combo.set_active_id(self.engine.settings.algorithm)
        self.alg_combo.connect("changed", self._on_settings)
        bar.pack_start(self.alg_combo, False, False, 0)
        bar.pack_start(Gtk.Label(label="profile"), False, False, 0)
        self.prof_combo = Gtk.ComboBoxText()
        for p in PROFILES:
            self.prof_combo.append(p, p)
        self.prof_combo.set_active_id(self.engine.settings.profile)
        self.prof_combo.set_tooltip_text(
            "auto: live for a device, file (6 s look-ahead) for a file")
        self.prof_combo.connect("changed", self._on_settings)
        bar.pack_start(self.prof_combo, False, False, 0)
        bar.pack_start(Gtk.Label(label="FFT"), False, False, 0)
        # a list of the usual sizes, or any typed (then Enter): checked as
        # the element would before anything is rebuilt (fft_size_problem)
        self.fft_combo = Gtk.ComboBoxText.new_with_entry()
        for n in FFT_SIZES:
            self.fft_combo.append_text(str(n))
        self.fft_entry = self.fft_combo.get_child()
        self.fft_entry.set_width_chars(6)
        self.fft_entry.set_text(str(self.engine.settings.fft_size))
        self.fft_combo.set_tooltip_text(
            "STFT frame in samples (even, 32 to 32768): longer separates "
            "low notes better, shorter follows faster; type one and press "
            "Enter")
        self.fft_combo.connect("changed", self._on_fft_picked)
        self.fft_entry.connect("activate", lambda _e: self.apply_fft_size())
        self.fft_entry.connect("focus-out-event",
                               lambda *_a: self.apply_fft_size() and False)
        bar.pack_start(self.fft_combo, False, False, 0)
        return bar

    # ---- notices --------------------------------------------------------
    def notice(self, kind, text):
        self.notices.append({"kind": kind, "text": text, "time": time.time()})
        types = {"error": Gtk.MessageType.ERROR,
                 "warning": Gtk.MessageType.WARNING,
                 "info": Gtk.MessageType.INFO}
        if kind != "error" and self.infobar.get_visible() and \
                self.infobar.get_message_type() == Gtk.MessageType.ERROR:
            # an error shown stays, the news under it: the warning that
            # follows a failing file on a machine with no sound output
            # ("No audio output device...") took its place, and the bar
            # no longer said why nothing plays
            first = self.info_label.get_text().split("\n")[0]
            self.info_label.set_text(first + "\n" + text)
            return
        self.infobar.set_message_type(types.get(kind, Gtk.MessageType.INFO))
        self.info_label.set_text(text)
        self.infobar.show()
        if kind == "error":
            self.placeholder.set_message("Nothing plays: see the message above")

    # ---- input ----------------------------------------------------------
    def open_file(self, path):
        if not os.path.isfile(path) or not os.access(path, os.R_OK):
            # which of the three ("no such readable file" for a folder)
            self.notice("error", "%s is a folder: open an audio file in it"
                        % path if os.path.isdir(path) else
                        "%s: no such file" % path if not os.path.exists(path)
                        else "%s cannot be read (permissions)" % path)
            return False
        self.infobar.hide()
        self.input_combo.handler_block(self.input_handler)
        self.input_combo.remove(0)
        self.input_combo.insert(0, "file", os.path.basename(path))
        self.input_combo.set_active_id("file")
        self.input_combo.handler_unblock(self.input_handler)
        self.file_path = path
        self._open(eng.Input("file", path=path))
        return True

    def open_device(self, device=None):
        self.infobar.hide()
        label = device.get_display_name() if device else "default microphone"
        if self.device_monitor is None and not self.closing:
            # (nmf-desk --mic: before the main loop runs the idle start)
            self._start_device_monitor()
        if device is None and self.device_monitor is not None and \
                not self.devices and self.device_monitor_ok:
            self.notice("error", "No capture device found: connect a "
                        "microphone (or start the sound server), or open "
                        "a file.")
            return False
        self._open(eng.Input("device", device=device, label=label))
        return True

    def _open(self, inp):
        """Opens with the toolbar's settings, a strip per source: settings
        changed just before (their restart still waiting) take effect here
        and the restart then finds nothing to do."""
        settings = self._settings()
        if settings.n_sources != len(self.strips):
            self._make_strips(settings.n_sources)
        self.engine.open(inp, settings)

    def _on_open(self, button):
        dlg = Gtk.FileChooserDialog(title="Open an audio file", parent=self,
                                    action=Gtk.FileChooserAction.OPEN)
        dlg.add_buttons(Gtk.STOCK_CANCEL, Gtk.ResponseType.CANCEL,
                        Gtk.STOCK_OPEN, Gtk.ResponseType.OK)
        filt = Gtk.FileFilter()
        filt.set_name("audio and video files")
        filt.add_mime_type("audio/*")
        filt.add_mime_type("video/*")
        dlg.add_filter(filt)
        every = Gtk.FileFilter()
        every.set_name("all files")
        every.add_pattern("*")
        dlg.add_filter(every)
        if dlg.run() == Gtk.ResponseType.OK:
            path = dlg.get_filename()
            dlg.destroy()
            self.open_file(path)
        else:
            dlg.destroy()

    def _on_drop(self, widget, context, x, y, data, info, time_):
        uris = data.get_uris() or []
        for uri in uris:
            try:
                path, _ = GLib.filename_from_uri(uri)
            except GLib.Error:
                continue
            self.open_file(path)
            return

    def _start_device_monitor(self):
        if self.device_monitor is not None or self.closing:
            return False
        self.device_monitor_ok = False
        mon = Gst.DeviceMonitor.new()
        mon.add_filter("Audio/Source", None)
        bus = mon.get_bus()
        bus.add_signal_watch()
        self.monitor_bus_handler = bus.connect("message", self._on_device_msg)
        self.device_monitor = mon
        self.device_monitor_ok = mon.start()
        if self.device_monitor_ok:
            for d in mon.get_devices():
                self._add_device(d)
        return False

    def _stop_device_monitor(self):
        mon, self.device_monitor = self.device_monitor, None
        if mon is None:
            return
        bus = mon.get_bus()
        bus.disconnect(self.monitor_bus_handler)
        bus.remove_signal_watch()
        if self.device_monitor_ok:
            mon.stop()
        self.devices = []

    def _on_device_msg(self, bus, msg):
        if msg.type == Gst.MessageType.DEVICE_ADDED:
            self._add_device(msg.parse_device_added())
        elif msg.type == Gst.MessageType.DEVICE_REMOVED:
            d = msg.parse_device_removed()
            for i, known in enumerate(self.devices):
                if known.get_display_name() == d.get_display_name():
                    del self.devices[i]
                    self.input_combo.remove(2 + i)
                    break
        return True

    def _add_device(self, d):
        # PulseAudio's provider posts DEVICE_ADDED for the devices it finds
        # as the monitor starts, which get_devices() gave already: every
        # device was listed twice
        if any(d is known for known in self.devices):
            return
        self.devices.append(d)
        caps = d.get_caps()
        ch = ""
        if caps is not None and caps.get_size():
            ok, n = caps.get_structure(0).get_int("channels")
            if ok:
                ch = " (%s)" % ("stereo" if n == 2 else "%d ch" % n)
        self.input_combo.append("dev%d" % len(self.devices),
                                d.get_display_name() + ch)

    def _on_input_changed(self, combo):
        idx = combo.get_active()
        if idx == 0:
            path = getattr(self, "file_path", None)
            if path:
                self.open_file(path)
        elif idx == 1:
            self.open_device(None)
        elif idx >= 2 and idx - 2 < len(self.devices):
            self.open_device(self.devices[idx - 2])

    # ---- settings (restart) ---------------------------------------------
    def _settings(self):
        return eng.Settings(int(self.n_spin.get_value()),
                            self.alg_combo.get_active_id() or "kl",
                            self.prof_combo.get_active_id() or "auto",
                            self.fft_size)

    def _on_fft_picked(self, combo):
        if combo.get_active() >= 0:         # from the list, not typing
            self.apply_fft_size()

    def apply_fft_size(self):
        """The FFT size in the entry, if the element would take it: a
        restart; if not, said, and the entry shows the size in force again
        (it was not checked, and the element refused it when the pipeline
        started: an error, nothing playing). True if taken."""
        text = self.fft_entry.get_text().strip()
        if text == str(self.fft_size):
            return True
        problem = eng.fft_size_problem(text)
        if problem is not None:
            self.notice("error", "FFT size %s is refused: %s; the separation "
                        "stays at %d" % (text, problem, self.fft_size))
            self.fft_entry.set_text(str(self.fft_size))
            return False
        self.fft_size = int(text)
        self._on_settings()
        return True

    def _on_settings(self, *args):
        if self.restart_timer:
            GLib.source_remove(self.restart_timer)
        self.restart_timer = GLib.timeout_add(RESTART_DEBOUNCE_MS,
                                              self._do_restart)

    def _do_restart(self):
        self.restart_timer = 0
        new, old = self._settings(), self.engine.settings
        changed = [name for name, a, b in (
            ("sources", new.n_sources, old.n_sources),
            ("algorithm", new.algorithm, old.algorithm),
            ("profile", new.profile, old.profile),
            ("FFT size", new.fft_size, old.fft_size)) if a != b]
        if not changed:
            return False
        if new.n_sources != len(self.strips):
            self._make_strips(new.n_sources)
        if self.engine.input is None:
            self.engine.settings = new
            return False
        if self.engine.record_state != "off":
            self.record_button.set_active(False)
        where = ""
        if not self.engine.input.live and self.engine.status != "ended":
            where = " at %s" % fmt_time(self.engine.position())
        self.notice("info", "%s changed: the separation restarts%s (these "
                    "settings fix the element's pads and buffers, so the "
                    "pipeline is rebuilt; gains, mutes, names and enrolments "
                    "stay)"
                    % (", ".join(changed), where))
        self.engine.restart(new)
        return False

    # ---- strips -----------------------------------------------------------
    def _make_strips(self, n):
        # the names typed are kept, also for sources that go and come back
        # (they were lost with 2 -> 1 -> 2 sources)
        for s in self.strips:
            self.typed_names[s.source] = s.name.get_text()
        # an enrol button held goes on being held in the new strip (its
        # release came to a strip not holding: the hold was lost, unsaid);
        # one of a source that goes is let go of, said
        held = [s.source for s in self.strips if s.holding]
        for source in held:
            if source >= n:
                self.engine.drop_enrol(source, "the separation has %d "
                                       "source(s) now" % n)
        for s in self.strips:
            self.strip_box.remove(s)
        self.strips = []
        for i in range(n):
            strip = Strip(self, i)
            if i in held:
                strip.holding = True
                strip.set_enrol_state("enrolling")
            if i in self.typed_names:
                strip.name.set_text(self.typed_names[i])
            self.strips.append(strip)
            self.strip_box.pack_start(strip, False, False, 0)
            gain = self.engine.gains_db.get(i)
            if gain is not None:
                strip.gain.set_value(gain)
            strip.mute.set_active(i in self.engine.mutes)
            strip.solo.set_active(i in self.engine.solos)
        # forget the gains, mutes and solos of sources that are gone (the
        # gain came back with the source, its mute did not)
        for d in (self.engine.mutes, self.engine.solos):
            for i in [i for i in d if i >= n]:
                d.discard(i)
        for i in [i for i in self.engine.gains_db if i >= n]:
            del self.engine.gains_db[i]
        self.strip_box.show_all()
        self.on_names_changed()
        self._update_enrol_availability()

    def names(self):
        return [s.name.get_text() for s in self.strips]

    def on_names_changed(self):
        self.key.set_names(self.names())

    # ---- enrolment ----------------------------------------------------------
    def _update_enrol_availability(self):
        # the element holds templates fixed with kl only: under volmin an
        # enrolment was learned, then refused, and the strip said enrolled
        has = self.engine.has_enrolment()
        ok = has and self.engine.settings.algorithm == "kl"
        self.enrol_available = ok
        tip = None if ok else eng.NO_ENROLMENT if not has else \
            "enrolment needs algorithm kl"
        for s in self.strips:
            s.enrol.set_sensitive(ok)
            s.enrol.set_tooltip_text(tip or "hold while this source plays "
                                     "alone: the element learns its templates")
        self.enrol_save.set_sensitive(ok)
        self.enrol_load.set_sensitive(ok)
        self.enrol_save.set_tooltip_text(tip or "save the enrolled sources "
                                         "(.npy, as nmftool learn writes)")
        self.enrol_load.set_tooltip_text(tip or "load a saved set of "
                                         "enrolled sources")

    def on_enrol(self, source, down):
        if not self.enrol_available or self.engine.sep is None:
            return
        if down:
            for s in self.strips:
                if s.source != source and s.holding:
                    s.holding = False
            self.engine.enrol(source)
            self.strips[source].set_enrol_state("enrolling")
        else:
            self.engine.enrol(-1)

    def _on_heard_enrolment(self, engine, source, state):
        if source < len(self.strips) and not self.strips[source].holding:
            self.strips[source].set_enrol_state(state)

    def _on_save_set(self, button):
        if self.engine.sep is None:
            self.notice("error", "nothing to save: open an input and enrol "
                        "a source first")
            return
        enrolled = [s.source for s in self.strips if s.enrol_state == "enrolled"]
        if not enrolled:
            self.notice("error", "no source is enrolled yet: hold a source's "
                        "enrol button while it plays alone")
            return
        path = self._choose_folder("Save the enrolled sources into")
        if path:
            self.save_set(path, enrolled)

    def save_set(self, path, sources):
        """Save enrolled… with the folder path chosen: the saved sources,
        or None (said)."""
        try:
            saved = self.engine.save_dictionaries(path, sources, self.names())
        except OSError as exc:
            # (a folder that cannot be written was a Python traceback)
            self.notice("error", "cannot save the enrolled sources into %s: "
                        "%s" % (path, exc.strerror or exc))
            return None
        if not saved:
            # (it said "saved 0 enrolled source(s)" as news, and left a
            # set.json that loads nothing)
            self.notice("error", "nothing was saved into %s: not enrolled: "
                        "source(s) %s (hold a source's enrol button while it "
                        "plays alone, then save)"
                        % (path, ", ".join(map(str, sources))))
            return None
        self.notice("info", "saved %d enrolled source(s) to %s"
                    % (len(saved), path))
        return saved

    def _on_load_set(self, button):
        if self.engine.sep is None:
            self.notice("error", "open an input first: the set is loaded into "
                        "the running separation")
            return
        path = self._choose_folder("Load enrolled sources from", save=False)
        if path:
            self.load_set(path)

    def load_set(self, path):
        """Load enrolled… with the folder path chosen."""
        try:
            loaded, beyond, refused = self.engine.load_dictionaries(path)
        except eng.OtherRate as exc:
            self.notice("warning", "%s not loaded: %s" % (path, exc))
            return
        except (OSError, ValueError, KeyError) as exc:
            self.notice("error", "%s is not a saved set (set.json): %s"
                        % (path, exc))
            return
        if not (loaded or beyond or refused):
            # (it said "loaded 0 source(s)" as news, as if it had loaded)
            self.notice("error", "%s holds no enrolled source (its set.json "
                        "lists none): nothing was loaded. A set is saved "
                        "with Save enrolled… once a source is enrolled (hold "
                        "its enrol button while it plays alone)" % path)
            return
        for s, name in loaded.items():
            if name:
                self.strips[s].name.set_text(name)
        # why a source was not loaded ("refused: 5" said neither)
        text = "loaded %d source(s)" % len(loaded)
        if beyond:
            text += ("; not source(s) %s: this separation has %d sources "
                     "(set 'sources' to %d, then load again)" % (
                         ", ".join(map(str, beyond)),
                         self.engine.settings.n_sources, max(beyond) + 1))
        if refused:
            text += ("; nmfseparate refused source(s) %s (its message "
                     "says why)" % ", ".join(map(str, refused)))
        # nothing loaded is an error: the separation is as it was
        self.notice("info" if not (beyond or refused) else
                    "warning" if loaded else "error", text)

    def _choose_folder(self, title, save=True):
        dlg = Gtk.FileChooserDialog(
            title=title, parent=self,
            action=Gtk.FileChooserAction.SELECT_FOLDER if not save
            else Gtk.FileChooserAction.CREATE_FOLDER)
        dlg.add_buttons(Gtk.STOCK_CANCEL, Gtk.ResponseType.CANCEL,
                        Gtk.STOCK_OK, Gtk.ResponseType.OK)
        path = dlg.get_filename() if dlg.run() == Gtk.ResponseType.OK else None
        dlg.destroy()
        return path

    # ---- transport --------------------------------------------------------
    def _on_play(self, button):
        if self.engine.status == "playing":
            self.engine.pause()
        else:
            if self.engine.input is None:
                self.notice("info", "open a file (or drop one here), or pick "
                            "a microphone first")
                return
            self.engine.play()

    def _on_seek_press(self, *args):
        self.seek_dragging = True
        return False

    def _on_seek_release(self, *args):
        self.seek_dragging = False
        self.engine.seek(self.position.get_value())
        return False

    def _on_seek(self, scale, scroll, value):
        if self.updating_position or self.engine.input is None or \
                self.engine.input.live:
            return True
        now = time.monotonic()
        if not self.seek_dragging or now - self.last_seek > 0.15:
            self.last_seek = now
            self.engine.seek(max(0.0, value))
        return False

    # ---- recording --------------------------------------------------------
    def _on_record(self, button):
        if button.get_active():
            if self.engine.record_state == "stopping":
                # the last take is closing (its stop is 0.3 s ahead of the
                # sound): this one starts once it is closed (the click was
                # lost: the button sprang back without a word)
                self.take_queued = True
                self.engine.record_done_cb.append(
                    lambda: GLib.idle_add(self._start_queued_take))
                return
            self._start_take()
        else:
            self.take_queued = False
            self.engine.stop_recording()

    def _start_queued_take(self):
        if self.take_queued and not self.closing:
            if self.engine.status == "starting":
                # another input or a restart came first: once it is ready
                # (_on_state)
                return False
            self.take_queued = False
            if self.engine.status in ("playing", "paused", "ended"):
                self._start_take()
            else:
                self._set_record_button(False)
        return False

    def _start_take(self):
        if self.engine.pipeline is not None and \
                self.engine.status == "starting":
            # a file just opened, or a restart: the take is armed once the
            # input is ready (the click said "open an input first")
            self.take_queued = True
            return
        if self.engine.pipeline is None or self.engine.status in (
                "error", "empty"):
            self.notice("info", "open an input first; recording starts "
                        "from where it plays")
            self._set_record_button(False)
            return
        directory = new_take_dir(self.record_root)
        try:
            ok = self.engine.start_recording(directory, self.names())
        except OSError as exc:
            self.notice("error", "cannot record into %s: %s"
                        % (directory, exc.strerror or exc))
            ok = False
        if not ok:
            self._set_record_button(False)

    def _set_record_button(self, on):
        self.record_button.handler_block(self.record_handler)
        self.record_button.set_active(on)
        self.record_button.handler_unblock(self.record_handler)

    def _on_record_folder(self, button):
        path = self._choose_folder("Record into")
        if path:
            self.record_root = path
            self._update_status()

    def _on_recording(self, engine, state):
        if state == "off":
            self._set_record_button(self.take_queued)
            rec = engine.last_record
            if rec:
                self.notice("info", "recorded %d source(s) to %s"
                            % (len(rec["files"]), rec["dir"]))
        else:
            # (stopping: released, as the click that stopped it left it)
            self._set_record_button(state == "on" or self.take_queued)
        self._update_status()

    # ---- engine events ----------------------------------------------------
    def _on_video_widget(self, engine, widget):
        for child in self.picture_box.get_children():
            self.picture_box.remove(child)
        self.video = widget
        child = widget if widget is not None else self.placeholder
        if widget is not None:
            native_window(widget)
        w, h = engine.viz_size
        child.set_size_request(w, h)
        child.set_halign(Gtk.Align.START)
        child.set_valign(Gtk.Align.START)
        self.picture_box.pack_start(child, False, False, 0)
        child.show()
        if widget is None:
            self.placeholder.set_message(
                "Drop an audio file here, or open one, or pick a microphone")

    def _on_state(self, engine, status):
        self.play_button.set_label("❚❚ Pause" if status == "playing"
                                   else "▶ Play")
        if status in ("starting", "empty"):
            self.pending_levels.clear()
            self.positions_seen = 0.0
            self.stereo.hide()
            if status == "starting":
                # (a hold goes on through a restart: engine.open)
                for s in self.strips:
                    s.set_enrol_state("enrolling" if s.holding else "blind")
        self._update_enrol_availability()
        self._update_status()
        if status == "error" and (engine.record_state != "off" or
                                  self.take_queued):
            self.take_queued = False
            self._set_record_button(False)
        elif self.take_queued and engine.record_state == "off" and \
                status in ("paused", "playing"):
            # Record clicked while the input started
            GLib.idle_add(self._start_queued_take)
        self._wake()

    def _on_stream_info(self, engine):
        if engine.rate and (engine.rate != self.geom.rate or
                            engine.hop_size != self.geom.hop):
            self.geom.rate = engine.rate
            self.geom.hop = engine.hop_size
            self.freq_axis.queue_draw()
            self.time_axis.queue_draw()
        self._update_status()
        self._wake()

    def _on_eos(self, engine):
        for cb in self.eos_waiters:
            cb()
        self.eos_waiters = []

    def _on_levels(self, rt, energy, enrol, pos):
        # shown when the sound they describe is heard (by running time)
        self.level_seq += 1
        bisect.insort(self.pending_levels, (rt, self.level_seq, energy, enrol,
                                            pos))
        if len(self.pending_levels) > 400:
            del self.pending_levels[:200]
        e = self.engine
        if e.status == "playing":
            self._show_due(e.running_time())
            if e.input_end is not None:
                # near a file's end: ended when its last sample is heard
                e.check_end()
        if not self.tick:
            self._wake()

    def _wake(self):
        """The tick runs while something moves: the sound plays, meters
        fall, a seek shows a new position; slower while playing."""
        period = PLAY_TICK_MS if self.engine.status == "playing" else TICK_MS
        if self.tick and period != self.tick_period:
            GLib.source_remove(self.tick)
            self.tick = 0
        if not self.tick and not self.closing:
            self.tick_period = period
            self.tick = GLib.timeout_add(period, self._on_tick)

    def _on_flushed(self, engine):
        self.pending_levels.clear()
        self._wake()

    def _show_due(self, now):
        """The levels (and fields) whose sound is heard by running time
        now; True if there were any."""
        shown = None
        if now is not None:
            while self.pending_levels and self.pending_levels[0][0] <= now:
                shown = self.pending_levels.pop(0)
                self._show_fields(*shown[3:])
        if shown is not None:
            self._show_levels(shown[2])
        return shown is not None

    def _on_tick(self):
        now = self.engine.running_time()
        if not self._show_due(now) and now is None:
            for s in self.strips:
                if s.meter.level > s.meter.FLOOR:
                    s.meter.decay()
        if self.positions_seen and time.monotonic() - self.positions_seen > 2.0:
            self.positions_seen = 0.0
            self.stereo.hide()
        playing = self.engine.status == "playing"
        self._update_position()
        if playing or self.positions_seen or any(
                s.meter.level > s.meter.FLOOR for s in self.strips):
            return True
        self.tick = 0               # nothing moves: idle until woken
        return False

    def _show_levels(self, energy):
        n = self.engine.fft_size
        channels = max(1, self.engine.channels)
        for i, strip in enumerate(self.strips[:len(energy)]):
            ms = 4.0 * energy[i] / (n * n * channels)
            raw = 10 * math.log10(ms) + 3.01 if ms > 1e-12 else -120.0
            g = self.engine.effective_gain(i)
            heard = raw + 20 * math.log10(g) if g > 0 else -120.0
            strip.meter.set_level(heard, raw)

    def _show_fields(self, enrol, pos):
        """The fields of issue 26's element messages, when present."""
        if enrol is not None:
            for strip, state in zip(self.strips, enrol):
                heard = self.engine.heard_states.get(strip.source)
                if strip.holding and state in ("blind", "enrolled"):
                    state = "enrolling"
                elif state == "blind" or heard == "learning":
                    # learned by the desk from a file (what was heard): the
                    # element's messages, delayed to the sound, follow; while
                    # it learns a source again, the element's "enrolled" is
                    # of the templates being replaced (it was shown for the
                    # last 0.3 s of the learning)
                    state = heard or state
                if state != strip.enrol_state:
                    strip.set_enrol_state(state)
        if pos is not None:
            self.positions_seen = time.monotonic()
            self.stereo.set_positions(pos)
            if not self.stereo.get_visible():
                self.stereo.show()

    def _set_label(self, label, text):
        if label.get_text() != text:
            label.set_text(text)

    def _update_position(self):
        e = self.engine
        if e.pipeline is None or e.input is None:
            self._set_label(self.time_label, "-:-- / -:--")
            return
        e.check_end()
        pos = e.position()
        if e.input.live:
            if self.position.get_sensitive():
                self.position.set_sensitive(False)
            self._set_label(self.time_label, "live %s" % fmt_time(pos))
            return
        dur = e.duration / Gst.SECOND if e.duration not in (
            None, Gst.CLOCK_TIME_NONE) and e.duration > 0 else 0.0
        if self.position.get_sensitive() != (dur > 0):
            self.position.set_sensitive(dur > 0)
        if dur > 0 and not self.seek_dragging:
            adj = self.position.get_adjustment()
            self.updating_position = True
            if adj.get_upper() != dur:
                adj.set_upper(dur)
            # a step the slider can show (about a pixel)
            if abs(adj.get_value() - min(pos, dur)) > dur / 1000.0:
                adj.set_value(min(pos, dur))
            self.updating_position = False
        self._set_label(self.time_label, "%s / %s" % (fmt_time(min(pos, dur)),
                                                      fmt_time(dur)))

    def _update_status(self):
        e = self.engine
        parts = []
        if e.input is not None:
            parts.append(e.input.label)
            if e.rate:
                parts.append("%d Hz %s" % (e.rate, {1: "mono", 2: "stereo"}.get(
                    e.channels, "%d ch" % e.channels)))
        parts.append("%d sources, %s, profile %s, FFT %d" % (
            e.settings.n_sources, e.settings.algorithm, e.settings.profile,
            e.settings.fft_size))
        parts.append(e.status)
        if e.sink_kind == "fake":
            parts.append("no sound output")
        if e.record_state == "on":
            parts.append("recording to %s" % e.record_dir)
        else:
            parts.append("recordings go to %s" % self.record_root)
        self.status.set_text("  ·  ".join(parts))

    # ---- closing ------------------------------------------------------------
    def _on_delete(self, *args):
        self.close_cleanly()
        return True

    def close_cleanly(self, done=None):
        """Stops a recording (the files complete), tears the pipeline down,
        then leaves the main loop."""
        if done is not None:
            self.quit_cb = done
        if self.closing:
            return
        self.closing = True

        def finish():
            if self.tick:
                GLib.source_remove(self.tick)
                self.tick = 0
            if self.restart_timer:
                GLib.source_remove(self.restart_timer)
                self.restart_timer = 0
            self.engine.teardown()
            self._stop_device_monitor()
            if self.quit_cb:
                self.quit_cb()
            Gtk.main_quit()

        if self.engine.record_state == "on":
            self.engine.stop_recording(lambda: self._play_out_take(finish))
        elif self.engine.record_state == "stopping":
            self.engine.record_done_cb.append(
                lambda: self._play_out_take(finish))
        else:
            finish()

    def _play_out_take(self, then):
        """Closing in a take: its files are complete once its last
        samples pass the tees, a tenth of a second before they are heard;
        the sound plays on to the take's end (at most a second), so that
        the files hold what was heard (the last 30 ms of a take closed by
        the window were never played)."""
        rec = self.engine.last_record
        end = rec.get("end") if rec else None
        deadline = time.monotonic() + 1.0

        def heard():
            if end is None or self.engine.status != "playing" or \
                    time.monotonic() > deadline or \
                    self.engine.position() * Gst.SECOND >= end + \
                    20 * Gst.MSECOND:   # (the sink's last buffer handed on)
                then()
                return False
            return True
        if heard():
            GLib.timeout_add(10, heard)

    # ---- for the test hook and the README's picture --------------------------
    def screenshot(self, path, offscreen=False):
        """The window as the X server shows it (with whatever covers it,
        e.g. a tooltip), or drawn offscreen: the window alone.  What moves
        has X windows of its own, which GTK's drawing of the window leaves
        out (it drew a black window), so a mapped window is always read
        from the X server; offscreen then only hides the tooltips first."""
        gdkwin = self.get_window()
        if gdkwin is not None and self.get_mapped():
            if offscreen:
                for w in self.list_toplevels():
                    if w is not self and w.get_visible() and \
                            w.get_type_hint() == Gdk.WindowTypeHint.TOOLTIP:
                        w.hide()
            pb = Gdk.pixbuf_get_from_window(gdkwin, 0, 0, gdkwin.get_width(),
                                            gdkwin.get_height())
            if pb is not None:
                self._paste_native_children(pb, gdkwin, gdkwin)
                pb.savev(path, "png", [], [])
                return pb.get_width(), pb.get_height()
        alloc = self.get_allocation()
        surf = cairo.ImageSurface(cairo.FORMAT_RGB24, alloc.width, alloc.height)
        cr = cairo.Context(surf)
        self.draw(cr)
        surf.flush()
        surf.write_to_png(path)
        return alloc.width, alloc.height

    def _paste_native_children(self, pb, top, gdkwin):
        """The X windows of the picture, meters, position and time (see
        native_window) are not in their parent's pixels (a read of a window
        leaves its child windows out): read each and put it in."""
        px, py = top.get_origin()[-2:]
        for child in gdkwin.get_children():
            if not child.is_viewable():
                continue
            if child.has_native():
                cx, cy = child.get_origin()[-2:]
                x, y = cx - px, cy - py
                w = min(child.get_width(), pb.get_width() - x)
                h = min(child.get_height(), pb.get_height() - y)
                part = Gdk.pixbuf_get_from_window(child, 0, 0, w, h) \
                    if x >= 0 and y >= 0 and w > 0 and h > 0 else None
                if part is not None:
                    part.copy_area(0, 0, w, h, pb, x, y)
            self._paste_native_children(pb, top, child)

    def rect_of(self, widget):
        a = widget.get_allocation()
        xy = widget.translate_coordinates(self, 0, 0)
        return [xy[-2], xy[-1], a.width, a.height] if xy else None
