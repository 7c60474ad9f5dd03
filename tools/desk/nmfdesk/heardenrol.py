"""Enrolment from a file by what is heard.

nmfseparate's enrol-source marks the frames that *enter* it. Playing a file,
the element reads seconds ahead of the sound (the file profile's look-ahead,
6 s, and what its output queues hold), so a button held while a source is
heard alone would mark other audio. For a file the desk therefore notes the
stream times heard at the press and at the release, cuts those samples from
the file (through the desk's own input conversion), learns them with
`nmftool learn` (the element's learning: the same templates from the same
frames) with the element's enrol-components, enrol-shifts, fft-size,
hop-size and seed, and loads the result into the element
(load-dictionary). Work is done in a thread; `done` is called in the main
loop.
"""
import math
import os
import shutil
import subprocess
import tempfile
import threading
import time

from gi.repository import GLib, Gst

from .wavfile import write_float_wav

MIN_SECONDS = 0.5           # fewer frames than this teach nothing useful
TIMEOUT_S = 120
# what the desk set for itself that nmftool should not inherit (main.py)
NOT_FOR_NMFTOOL = []


def find_nmftool():
    """The nmftool beside this desk (set by the nmf-desk launcher for the
    build tree and for an installed desk), else the one on PATH."""
    path = os.environ.get("NMF_DESK_NMFTOOL")
    if path and os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    return shutil.which("nmftool")


def element_params(sep, hop_size):
    """What the element's own enrolment would use."""
    return {"components": sep.get_property("enrol-components"),
            "shifts": sep.get_property("enrol-shifts"),
            "fft_size": sep.get_property("fft-size"),
            "hop_size": hop_size,
            "seed": sep.get_property("seed")}


def min_seconds(params, rate):
    """The shortest hold worth learning, in seconds rounded up to a tenth:
    MIN_SECONDS, or at a low rate the time of one frame (a hop) for each
    component learned (nmftool learn refuses fewer frames than components:
    at 8 kHz, 32 components of hops of 512 samples take 2.05 s; a hold of
    1 s was learned, and refused)."""
    least = MIN_SECONDS
    if rate and params["hop_size"] and params["components"]:
        least = max(least, params["components"] * params["hop_size"] / rate)
    return math.ceil(least * 10 - 1e-9) / 10


def too_few_bins(params):
    """Why the element's enrolment cannot learn at this FFT size, or None:
    it learns enrol-components templates of fft-size / 2 + 1 bins, and no
    more templates than bins (nmftool learn: "rank larger than the data
    allows", after the whole hold, at FFT size 32)."""
    bins = params["fft_size"] // 2 + 1
    if params["components"] <= bins:
        return None
    least = 1 << (2 * (params["components"] - 1) - 1).bit_length()
    return ("at FFT size %d (%d frequency bins) the element cannot learn "
            "its %d templates: enrol at an FFT size of %d or more"
            % (params["fft_size"], bins, params["components"], least))


class Cancelled(Exception):
    pass


class Learning:
    """A learning under way (learn's result): cancel() stops it at its next
    step (the cut, every quarter second; nmftool, killed) and done is not
    called; join() waits for its thread to let go of GStreamer (the desk
    calls gst_deinit at exit)."""

    def __init__(self):
        self.cancelled = threading.Event()
        self.thread = None

    def cancel(self):
        self.cancelled.set()

    def join(self, timeout):
        if self.thread is not None:
            self.thread.join(timeout)


def _cut(uri, caps, start, stop, wav, cancelled=None):
    """The samples of [start, stop) (ns, stream time) as the element gets
    them, into a WAV file. Returns (first sample, samples) or raises."""
    p = Gst.parse_launch(
        "uridecodebin name=in ! audioconvert ! audioresample ! capsfilter "
        "name=caps ! appsink name=out sync=false")
    p.get_by_name("in").set_property("uri", uri)
    p.get_by_name("caps").set_property("caps", Gst.Caps.from_string(caps))
    out = p.get_by_name("out")
    chunks, first, rate, channels = [], None, 0, 0
    try:
        p.set_state(Gst.State.PAUSED)
        if p.get_state(30 * Gst.SECOND)[0] != Gst.StateChangeReturn.SUCCESS:
            raise RuntimeError("the file cannot be read again")
        # the start in the middle of the sample it is nearest the start
        # of: the first buffer is clipped there and begins with that sample,
        # stamped with the start (see below)
        pcaps = out.get_static_pad("sink").get_current_caps()
        if pcaps is not None and pcaps.get_size():
            r = pcaps.get_structure(0).get_value("rate")
            k = Gst.util_uint64_scale_round(start, r, Gst.SECOND)
            start = Gst.util_uint64_scale_round(2 * k + 1, Gst.SECOND, 2 * r)
        # flushing: the buffer the sink prerolled on (the file's start)
        # goes
        if not p.seek(1.0, Gst.Format.TIME,
                      Gst.SeekFlags.FLUSH | Gst.SeekFlags.ACCURATE,
                      Gst.SeekType.SET, start, Gst.SeekType.SET, stop):
            raise RuntimeError("the file cannot be cut (seek refused)")
        p.set_state(Gst.State.PLAYING)
        bus = p.get_bus()
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            # in short waits: an error does not wake the appsink
            sample = out.emit("try-pull-sample", Gst.SECOND // 4)
            if cancelled is not None and cancelled.is_set():
                raise Cancelled()
            if sample is None:
                if out.get_property("eos"):
                    break
                msg = bus.pop_filtered(Gst.MessageType.ERROR)
                if msg is not None:
                    raise RuntimeError(msg.parse_error()[0].message)
                if time.monotonic() > deadline:
                    raise RuntimeError("cutting the file took over %d s"
                                       % TIMEOUT_S)
                continue
            buf = sample.get_buffer()
            if first is None:
                st = sample.get_caps().get_structure(0)
                rate, channels = st.get_value("rate"), st.get_value("channels")
                # the sample the stamp falls in (a clipped buffer begins
                # with the sample that holds its stamp): rounded, it was
                # the next one for a stamp past a sample's middle, and the
                # samples reported were not those learned (13 of 40
                # random starts); a stamp a nanosecond short of a sample's
                # start is that sample
                first = (buf.pts * rate + Gst.SECOND // 1000) // Gst.SECOND
            chunks.append(buf.extract_dup(0, buf.get_size()))
    finally:
        p.set_state(Gst.State.NULL)
    data = b"".join(chunks)
    if not data:
        raise RuntimeError("no audio in that stretch")
    write_float_wav(wav, data, rate, channels)
    return first, len(data) // (4 * channels)


def learn(uri, caps, start, stop, params, done):
    """Learn a source from [start, stop) of the file at uri; done(result)
    in the main loop, result a dict: "npy" (the dictionary, in "dir", which
    the caller removes), "first" and "samples" (which samples), or
    "error". Returns a Learning (cancel, join)."""
    tool = find_nmftool()
    handle = Learning()

    def work():
        workdir = tempfile.mkdtemp(prefix="nmf-desk-enrol-")
        result = {"dir": workdir}
        try:
            if tool is None:
                raise RuntimeError("nmftool is not found (it learns what "
                                   "you heard): install it or put it on PATH")
            path = GLib.filename_from_uri(uri)[0]
            if not os.path.isfile(path):
                # (it said "the file cannot be read again")
                raise RuntimeError(
                    "%s is no longer there (moved or deleted since it was "
                    "opened): the desk learns what was heard from the file"
                    % os.path.basename(path))
            wav = os.path.join(workdir, "heard.wav")
            npy = os.path.join(workdir, "source.npy")
            result["first"], result["samples"] = _cut(
                uri, caps, start, stop, wav, handle.cancelled)
            env = {k: v for k, v in os.environ.items()
                   if k not in NOT_FOR_NMFTOOL}
            with subprocess.Popen(
                    [tool, "learn", "--in", wav, "--out", npy,
                     "--components", str(params["components"]),
                     "--shifts", str(params["shifts"]),
                     "--fft-size", str(params["fft_size"]),
                     "--hop-size", str(params["hop_size"]),
                     "--seed", str(params["seed"])],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                    text=True, env=env) as proc:
                deadline = time.monotonic() + TIMEOUT_S
                while proc.poll() is None:
                    if handle.cancelled.wait(0.05) or \
                            time.monotonic() > deadline:
                        proc.kill()
                        proc.wait()
                        if handle.cancelled.is_set():
                            raise Cancelled()
                        raise RuntimeError("nmftool learn took over %d s"
                                           % TIMEOUT_S)
                stderr = proc.stderr.read()
            if proc.returncode != 0:
                raise RuntimeError((stderr.strip().splitlines() or
                                    ["nmftool learn failed"])[-1])
            result["npy"] = npy
        except Cancelled:
            pass                # (the cancel is set: ended below)
        except Exception as e:  # noqa: BLE001 - done() must always run
            result["error"] = str(e) or type(e).__name__
        if handle.cancelled.is_set():
            shutil.rmtree(workdir, ignore_errors=True)
            return
        GLib.idle_add(lambda: done(result) and False)

    handle.thread = threading.Thread(target=work, name="nmf-desk-enrol",
                                     daemon=True)
    handle.thread.start()
    return handle
