"""A control socket for tests and scripted demos (nmf-desk --control PATH).

A UNIX stream socket; one JSON object per line each way. Every command acts
through the desk's own controls (the gain slider's adjustment, the mute
button, the record button...), as a person would, in the GTK main thread.
A reply is {"ok": true, ...} or {"ok": false, "error": "..."}; "wait"
replies when its condition holds (or on timeout).

    {"cmd": "ping"}                        an empty reply: the desk answers
    {"cmd": "load", "path": FILE}          open a file (as drag and drop does)
                                           (load and seek reply where the
                                           sound was before, as gain does)
    {"cmd": "mic"}                         open the default capture device
    {"cmd": "input", "index": I}           choose entry I of the input list
                                           (0 file, 1 default microphone,
                                           then the devices; "state" gives
                                           the list as "inputs")
    {"cmd": "play"} / {"cmd": "pause"}     the play button
    {"cmd": "seek", "seconds": S}          the position slider
    {"cmd": "gain", "source": I, "db": D}  source I's gain slider
    {"cmd": "mute"|"solo", "source": I, "on": B}
    {"cmd": "record", "on": B}             the record button
    {"cmd": "record-root", "path": DIR}    where recordings go
    {"cmd": "name", "source": I, "text": T} source I's name (its entry)
    {"cmd": "dismiss"}                     close the message bar
    {"cmd": "settings", "n_sources": N, "algorithm": A, "profile": P,
     "fft_size": F}                        (F typed into the FFT entry and
                                           Enter: any text)
    {"cmd": "enrol", "source": I, "on": B} press / release an enrol button
    {"cmd": "save-enrolled", "dir": DIR}   as "Save enrolled..." into DIR
    {"cmd": "load-enrolled", "dir": DIR}   as "Load enrolled..." from DIR
    {"cmd": "post", "structure": S}        post an element message from the
                                           element (as the element would)
    {"cmd": "wait", "for": "playing"|"paused"|"ended"|"recorded"|"error",
     "timeout": S}
    {"cmd": "state"}                       what the window shows
    {"cmd": "layout"}                      where the picture, axes and key are
    {"cmd": "screenshot", "path": PNG}     the window as the X server shows it
                                           ("offscreen": true: drawn alone)
    {"cmd": "quit"}                        close the window (as its close box)
"""
import json
import os
import socket

from gi.repository import GLib, Gst


class ControlHook:
    def __init__(self, win, path):
        self.win = win
        self.path = path
        if os.path.exists(path):
            os.unlink(path)
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(1)
        self.server.setblocking(False)
        self.clients = {}
        self.watch = GLib.io_add_watch(self.server.fileno(), GLib.PRIORITY_DEFAULT,
                                       GLib.IO_IN, self._on_accept)

    def close(self):
        if self.watch:
            GLib.source_remove(self.watch)
            self.watch = 0
        for fd, (conn, _, watch) in list(self.clients.items()):
            GLib.source_remove(watch)
            conn.close()
        self.clients = {}
        self.server.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass

    def _on_accept(self, fd, cond):
        try:
            conn, _ = self.server.accept()
        except BlockingIOError:
            return True
        conn.setblocking(False)
        watch = GLib.io_add_watch(conn.fileno(), GLib.PRIORITY_DEFAULT,
                                  GLib.IO_IN | GLib.IO_HUP | GLib.IO_ERR,
                                  self._on_data)
        self.clients[conn.fileno()] = (conn, bytearray(), watch)
        return True

    def _on_data(self, fd, cond):
        conn, buf, watch = self.clients[fd]
        try:
            chunk = conn.recv(65536)
        except BlockingIOError:
            return True
        except OSError:
            chunk = b""
        if not chunk:
            del self.clients[fd]
            conn.close()
            return False
        buf.extend(chunk)
        while b"\n" in buf:
            line, _, rest = bytes(buf).partition(b"\n")
            buf[:] = rest
            if line.strip():
                self._dispatch(conn, line)
        return True

    def _reply(self, conn, obj):
        data = (json.dumps(obj) + "\n").encode()
        try:
            conn.setblocking(True)
            conn.sendall(data)
            conn.setblocking(False)
        except OSError:
            pass

    def _dispatch(self, conn, line):
        try:
            req = json.loads(line)
            cmd = req.get("cmd", "")
            handler = getattr(self, "cmd_" + cmd.replace("-", "_"), None)
            if handler is None:
                raise ValueError("unknown command %r" % cmd)
            result = handler(req, lambda obj: self._reply(conn, obj))
            if result is not None:
                result.setdefault("ok", True)
                self._reply(conn, result)
        except Exception as exc:  # a bad command must not take the desk down
            self._reply(conn, {"ok": False, "error": "%s: %s" % (
                type(exc).__name__, exc)})

    # ---- commands -------------------------------------------------------
    def cmd_ping(self, req, reply):
        return {}

    def cmd_load(self, req, reply):
        # where the sound was when the file was dropped (a take it ends
        # ends there)
        where = self._where() if self.win.engine.pipeline is not None else {}
        where["ok"] = self.win.open_file(req["path"])
        return where

    def cmd_mic(self, req, reply):
        return {"ok": self.win.open_device(None)}

    def cmd_input(self, req, reply):
        combo = self.win.input_combo
        index = int(req["index"])
        if not 0 <= index < len(combo.get_model()):
            raise ValueError("no input %d" % index)
        combo.set_active(index)
        return {"active": combo.get_active()}

    def cmd_play(self, req, reply):
        if self.win.engine.status != "playing":
            self.win.play_button.clicked()
        return {}

    def cmd_pause(self, req, reply):
        if self.win.engine.status == "playing":
            self.win.play_button.clicked()
        return {}

    def cmd_seek(self, req, reply):
        where = self._where()       # before it moves
        self.win.position.emit("change-value", 0, float(req["seconds"]))
        return where

    def _where(self):
        """Where the sound is at a click: the position the pipeline says,
        and (test mode) the end of what the monitor has played."""
        e = self.win.engine
        out = {"position": e.position()}
        if e.monitor is not None:
            out["heard"] = e.monitor.heard_end / Gst.SECOND
        return out

    def _strip(self, req):
        return self.win.strips[int(req["source"])]

    def cmd_gain(self, req, reply):
        self._strip(req).gain.set_value(float(req["db"]))
        return self._where()

    def cmd_mute(self, req, reply):
        self._strip(req).mute.set_active(bool(req.get("on", True)))
        return self._where()

    def cmd_solo(self, req, reply):
        self._strip(req).solo.set_active(bool(req.get("on", True)))
        return self._where()

    def cmd_record(self, req, reply):
        self.win.record_button.set_active(bool(req.get("on", True)))
        return {"recording": self.win.engine.record_state,
                "dir": self.win.engine.record_dir}

    def cmd_record_root(self, req, reply):
        self.win.record_root = req["path"]
        self.win._update_status()
        return {}

    def cmd_dismiss(self, req, reply):
        self.win.infobar.hide()
        return {}

    def cmd_name(self, req, reply):
        self._strip(req).name.set_text(str(req["text"]))
        return {}

    def cmd_settings(self, req, reply):
        w = self.win
        if "n_sources" in req:
            w.n_spin.set_value(int(req["n_sources"]))
        if "algorithm" in req:
            w.alg_combo.set_active_id(req["algorithm"])
        if "profile" in req:
            w.prof_combo.set_active_id(req["profile"])
        if "fft_size" in req:
            w.fft_entry.set_text(str(req["fft_size"]))
            w.fft_entry.activate()
        return {"notices": w.notices[-1:]}

    def cmd_enrol(self, req, reply):
        strip = self._strip(req)
        # where the sound is at the click, read before it acts: a release
        # starts the learning's thread, and the main thread could wait
        # for Python's lock behind it (a reply read after said 6.932 s of
        # a stretch the desk had ended at 6.694 s, on a loaded machine)
        heard = self.win.engine.position()
        if req.get("on", True):
            strip._on_press()
        else:
            strip._on_release()
        return {"sensitive": strip.enrol.get_sensitive(),
                "tooltip": strip.enrol.get_tooltip_text(),
                "heard": heard}

    def cmd_save_enrolled(self, req, reply):
        e = self.win.engine
        if e.sep is None:
            raise ValueError("no pipeline")
        saved = self.win.save_set(req["dir"], req.get("sources", list(
            range(e.settings.n_sources))))
        return {"saved": saved, "notices": self.win.notices[-1:]}

    def cmd_load_enrolled(self, req, reply):
        if self.win.engine.sep is None:
            raise ValueError("no pipeline")
        self.win.load_set(req["dir"])
        return {"notices": self.win.notices[-1:]}

    def cmd_post(self, req, reply):
        sep = self.win.engine.sep
        if sep is None:
            raise ValueError("no pipeline")
        st = Gst.Structure.from_string(req["structure"])[0]
        if st is None:
            raise ValueError("cannot parse the structure")
        sep.post_message(Gst.Message.new_element(sep, st))
        return {}

    def cmd_wait(self, req, reply):
        what = req.get("for", "playing")
        timeout = float(req.get("timeout", 30))
        e = self.win.engine

        def holds():
            if what == "recorded":
                return e.record_state == "off" and e.last_record is not None
            if what == "error":
                return any(n["kind"] == "error" for n in self.win.notices)
            return e.status == what

        if holds():
            return {"state": e.status}
        state = {"left": timeout, "source": 0}

        def poll():
            state["left"] -= 0.05
            if holds():
                reply({"ok": True, "state": e.status})
                return False
            if state["left"] <= 0 or e.status == "error" and what != "error":
                reply({"ok": False, "state": e.status,
                       "error": "timed out waiting for %s" % what
                       if state["left"] <= 0 else "the desk shows an error",
                       "notices": self.win.notices[-3:]})
                return False
            return True

        GLib.timeout_add(50, poll)
        return None

    def cmd_state(self, req, reply):
        w, e = self.win, self.win.engine
        return {
            "status": e.status,
            "position": e.position(),
            # what the position row shows: its time and its slider
            "time_text": w.time_label.get_text(),
            "slider": w.position.get_value(),
            "duration": e.duration / Gst.SECOND
            if e.duration not in (None, Gst.CLOCK_TIME_NONE) else None,
            "rate": e.rate, "channels": e.channels,
            "fft_size": e.fft_size, "hop_size": e.hop_size,
            "viz_size": list(e.viz_size),
            "settings": {"n_sources": e.settings.n_sources,
                         "algorithm": e.settings.algorithm,
                         "profile": e.settings.profile,
                         "fft_size": e.settings.fft_size},
            "sink": e.sink_kind,
            "recording": e.record_state,
            "record_pressed": w.record_button.get_active(),
            "last_record": e.last_record,
            "notices": w.notices,
            # what the message bar shows
            "bar": {"visible": w.infobar.get_visible(),
                    "type": w.infobar.get_message_type().value_nick,
                    "text": w.info_label.get_text()},
            "names": w.names(),
            "gains_db": [s.gain.get_value() for s in w.strips],
            "muted": [s.mute.get_active() for s in w.strips],
            "meters_db": [s.meter.level for s in w.strips],
            "enrol_available": w.enrol_available,
            "enrol_sensitive": [s.enrol.get_sensitive() for s in w.strips],
            "enrol_tooltip": [s.enrol.get_tooltip_text() for s in w.strips],
            "enrol_states": [s.enrol_state for s in w.strips],
            # enrolled from a file by the desk: which samples, heard when
            "heard_enrolled": {str(k): v for k, v in
                               e.heard_enrolled.items()},
            "stereo_visible": w.stereo.get_visible(),
            "stereo_positions": w.stereo.positions,
            # the input list as shown, and the entry chosen
            "inputs": [row[0] for row in w.input_combo.get_model()],
            "input_active": w.input_combo.get_active(),
        }

    def cmd_layout(self, req, reply):
        w = self.win
        key = w.rect_of(w.key)
        swatches = []
        if key:
            swatches = [[key[0] + x, key[1] + y, sw, sh]
                        for x, y, sw, sh in w.key.swatches()]
        return {
            "window": [0, 0, w.get_allocated_width(), w.get_allocated_height()],
            # the smallest the window can be made
            "min_size": [w.get_preferred_width()[0],
                         w.get_preferred_height()[0]],
            "picture": w.rect_of(w.picture_box),
            "video": w.rect_of(w.video) if w.video is not None else None,
            "freq_axis": w.rect_of(w.freq_axis),
            "time_axis": w.rect_of(w.time_axis),
            "key": key,
            "swatches": swatches,
        }

    def cmd_screenshot(self, req, reply):
        width, height = self.win.screenshot(req["path"],
                                            bool(req.get("offscreen")))
        return {"size": [width, height]}

    def cmd_quit(self, req, reply):
        # reply first: the main loop ends once the window is closed
        reply({"ok": True})
        GLib.idle_add(lambda: self.win.close_cleanly() and False)
        return None

