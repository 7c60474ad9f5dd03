"""The desk's pipeline: input -> nmfseparate -> per-source gain -> mix.

    input ! audioconvert ! audioresample ! F32, 1-2 channels ! nmfseparate
    nmfseparate.src_i ! volume ! tee ! audiomixer ! audioconvert ! audioresample ! audio sink
                                 tee ! queue ! audioconvert ! wavenc ! filesink  (while recording)
    nmfseparate.viz ! caps (size, rate, format) ! queue ! [videoconvert !] gtksink

The gain and mute of a source are properties of its `volume` element; the
only audio between a volume element and the ear is one buffer (one hop,
11.6 ms) in the mixer's pad, the mixer's 10 ms output buffer and the sink's
ring buffer (set to 50 ms), so a slider acts within a tenth of a second.
A recording tees off after the volume element: it holds exactly the samples
that the mixer sums and the sink plays.

Everything here runs in the GTK main thread (the bus is watched from the
main context); streaming-thread callbacks (pad probes, the monitor capture)
only touch their own state and hand over with GLib.idle_add.
"""
import itertools
import json
import os
import shutil
import tempfile
import threading
import time

from gi.repository import GLib, GObject, Gst

from . import heardenrol
from .wavfile import (fit_wav, has_odd_data_chunk, seal_wav, trim_wav,
                      write_float_wav)

# The picture: one column per hop, so 768 columns are 8.9 s at 44.1 kHz.
# 25 pictures a second: the picture moves 3.4 columns a picture (86 columns
# a second at 44.1 kHz), still smooth; each picture costs the desk about
# 1.5 ms of CPU to convert and show (docs/desk.md, CPU).
VIZ_WIDTH = 768
VIZ_HEIGHT = 320
VIZ_FPS = 25
# What gtksink draws as it is (cairo's RGB24 and ARGB32, little-endian):
# when the element's viz pad offers one, no videoconvert in between.
SINK_FORMATS = ("BGRx", "BGRA")
# Else what the pad offers that videoconvert turns into BGRx most cheaply:
# RGBA (a byte swizzle) before RGB (measured, 550 pictures of 768x320:
# 0.07 s against 0.12 s of CPU; docs/desk.md, CPU).
CONVERTED_FORMATS = ("RGBA", "RGB")

MESSAGE_INTERVAL = 50 * Gst.MSECOND
SINK_BUFFER_US = 50000      # audio sink ring buffer: what plays after the mix
SINK_LATENCY_US = 10000
RECORD_MARGIN = 300 * Gst.MSECOND   # > what sits between a tee and the ear
PREROLL_TIMEOUT_S = 20

# what the element gets (and what an enrolment from a file learns from)
INPUT_CAPS = "audio/x-raw,format=F32LE,layout=interleaved,channels=[1,2]"

ENROL_STATES = ("blind", "enrolling", "learning", "enrolled")
NO_ENROLMENT = "this build of nmfseparate has no enrolment"


class OtherRate(ValueError):
    """A saved set made at another sample rate or FFT size than the
    separation's."""


def db_to_gain(db):
    return 0.0 if db <= -60.0 else 10.0 ** (db / 20.0)


def file_uri(path):
    return Gst.filename_to_uri(os.path.abspath(path))


class Input:
    """What the desk separates: a file or a capture device."""

    def __init__(self, kind, path=None, device=None, label=None):
        self.kind = kind            # "file" or "device"
        self.path = path
        self.device = device        # Gst.Device, or None for the default
        self.label = label or (os.path.basename(path) if path else
                               "default microphone")

    @property
    def live(self):
        return self.kind == "device"


DEFAULT_FFT_SIZE = 2048


class Settings:
    def __init__(self, n_sources=2, algorithm="kl", profile="auto",
                 fft_size=DEFAULT_FFT_SIZE):
        self.n_sources = n_sources
        self.algorithm = algorithm
        self.profile = profile
        self.fft_size = fft_size

    def copy(self):
        return Settings(self.n_sources, self.algorithm, self.profile,
                        self.fft_size)


def fft_size_problem(value):
    """Why nmfseparate would refuse this FFT size, or None. Its property
    takes 32 to 32768 (a value beyond is a GLib warning and ignored) and
    its core refuses an odd one when the pipeline starts (an error then,
    the window empty): checked before anything is built, as the element
    would (the range read from the element's property)."""
    try:
        n = int(str(value).strip())
    except ValueError:
        return "%r is not a number of samples" % str(value)
    low, high = 32, 32768
    factory = Gst.ElementFactory.find("nmfseparate")
    probe = factory.create(None) if factory is not None else None
    if probe is not None:
        spec = probe.find_property("fft-size")
        low, high = spec.minimum, spec.maximum
    if not low <= n <= high or n % 2:
        return ("nmfseparate takes an even FFT size from %d to %d samples "
                "(e.g. 1024, 2048, 4096)" % (low, high))
    return None


class MonitorCapture:
    """Test mode: the mix goes to a synchronised appsink instead of a sound
    card, and is written to a 32-bit float WAV file, each buffer at the
    place its stream time says (so a flushing seek overwrites, as a sound
    card would have played it again)."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.data = bytearray()
        self.rate = 0
        self.channels = 0
        self.heard_end = 0          # stream time (ns) after the last sample played

    def make_sink(self):
        bin_ = Gst.parse_bin_from_description(
            "audioconvert ! audio/x-raw,format=F32LE,layout=interleaved ! "
            "appsink name=monitor sync=true emit-signals=true "
            "max-buffers=0 drop=false", True)
        sink = bin_.get_by_name("monitor")
        sink.connect("new-sample", self._on_sample)
        sink.connect("new-preroll", lambda s: Gst.FlowReturn.OK)
        return bin_

    def _on_sample(self, sink):
        sample = sink.emit("pull-sample")
        if sample is None:
            return Gst.FlowReturn.EOS
        caps = sample.get_caps().get_structure(0)
        rate = caps.get_value("rate")
        channels = caps.get_value("channels")
        buf = sample.get_buffer()
        seg = sample.get_segment()
        st = seg.to_stream_time(Gst.Format.TIME, buf.pts)
        ok, info = buf.map(Gst.MapFlags.READ)
        if ok:
            try:
                frame = 4 * channels
                start = Gst.util_uint64_scale_round(st, rate, Gst.SECOND) * frame
                with self.lock:
                    self.rate, self.channels = rate, channels
                    self.heard_end = st + Gst.util_uint64_scale_round(
                        len(info.data) // frame, Gst.SECOND, rate)
                    end = start + len(info.data)
                    if len(self.data) < end:
                        self.data.extend(bytes(end - len(self.data)))
                    self.data[start:end] = info.data
            finally:
                buf.unmap(info)
        return Gst.FlowReturn.OK

    def write(self):
        with self.lock:
            if not self.rate:
                return
            write_float_wav(self.path, bytes(self.data), self.rate,
                            self.channels)


# the names of a take's elements start with it
TAKE_PREFIX = "take"
_take_serial = itertools.count()


class RecordBranch:
    """tee ! queue ! audioconvert ! F32 ! wavenc ! filesink, for one source.

    Starts on a buffer boundary: every source pad of nmfseparate cuts its
    buffers at the same samples, so branches that start at the first buffer
    at or after one stream time (or at the first buffer after a flushing
    seek) are sample-aligned, and so are the ends."""

    def __init__(self, engine, source, tee, path):
        self.engine = engine
        self.source = source
        self.tee = tee
        self.path = path
        self.start_time = None      # stream time of the first sample
        self.bytes = 0
        self.empty_format = None    # (rate, channels) of a take of no sample
        self.done = False
        self.failed = False         # its file could not be written
        self.finished = threading.Event()   # the EOS reached the file
        self.lock = threading.Lock()
        # "after-flush": from the segment that follows a flush;
        # "from-time": from the first buffer at or after start_at; "on"
        self.mode = None
        self.start_at = 0
        self.stop_at = None         # stream time: EOS at the first buffer there
        self.stopped = False        # EOS sent: drop everything
        pipeline = engine.pipeline
        self.queue = Gst.ElementFactory.make("queue")
        self.queue.set_property("max-size-time", 5 * Gst.SECOND)
        self.queue.set_property("max-size-buffers", 0)
        self.queue.set_property("max-size-bytes", 0)
        self.conv = Gst.ElementFactory.make("audioconvert")
        self.caps = Gst.ElementFactory.make("capsfilter")
        self.caps.set_property("caps", Gst.Caps.from_string(
            "audio/x-raw,format=F32LE,layout=interleaved"))
        self.enc = Gst.ElementFactory.make("wavenc")
        self.sink = Gst.ElementFactory.make("filesink")
        self.sink.set_property("location", path)
        self.sink.set_property("sync", False)
        self.sink.set_property("async", False)
        self.elements = [self.queue, self.conv, self.caps, self.enc, self.sink]
        # named "take<N>-...": an error from one of them is the take's
        # (Engine._on_error), also when it arrives after the branch is gone
        serial = next(_take_serial)
        for e in self.elements:
            e.set_name("%s%d-%s" % (TAKE_PREFIX, serial,
                                    e.get_factory().get_name()))
            pipeline.add(e)
        Gst.Element.link_many(*self.elements)
        self.sink_probe = self.sink.get_static_pad("sink").add_probe(
            Gst.PadProbeType.EVENT_DOWNSTREAM, self._on_sink_event)
        # the branch plays whatever the pipeline's state: paused, its
        # filesink would wait in preroll holding the first buffer, and
        # nothing could end the take (its EOS queued behind that buffer)
        # or take the branch down (the queue's thread held there)
        for e in reversed(self.elements):
            e.set_locked_state(True)
            e.set_state(Gst.State.PLAYING)
        self.teepad = tee.request_pad_simple("src_%u")
        self.probe = self.teepad.add_probe(
            Gst.PadProbeType.BUFFER | Gst.PadProbeType.EVENT_DOWNSTREAM |
            Gst.PadProbeType.EVENT_FLUSH, self._on_data)

    def start(self, mode, at=0):
        with self.lock:
            self.mode, self.start_at = mode, at
        self.teepad.link(self.queue.get_static_pad("sink"))

    # streaming thread (the source pad's task)
    def _on_data(self, pad, info):
        if info.type & Gst.PadProbeType.BUFFER:
            buf = info.get_buffer()
            seg_ev = pad.get_sticky_event(Gst.EventType.SEGMENT, 0)
            st = buf.pts
            if seg_ev is not None and buf.pts != Gst.CLOCK_TIME_NONE:
                st = seg_ev.parse_segment().to_stream_time(Gst.Format.TIME,
                                                           buf.pts)
            with self.lock:
                if self.stopped or self.mode is None:
                    return Gst.PadProbeReturn.DROP
                if self.mode in ("after-flush", "after-segment"):
                    return Gst.PadProbeReturn.DROP
                if self.mode == "from-time":
                    if st < self.start_at:
                        return Gst.PadProbeReturn.DROP
                    self.mode = "on"
                head = None
                end = st + (buf.duration or 0)
                if self.stop_at is not None and end >= self.stop_at:
                    # the stop falls in this buffer or at its end: keep
                    # what is before it and end the take now (a stream
                    # whose segment stops at the file's end, as Ogg's
                    # does, has no buffer after it: the take waited for
                    # one and was never closed)
                    self.stopped = True
                    keep = buf.get_size() if end <= self.stop_at else \
                        self._bytes_before(pad, buf, self.stop_at - st)
                    if keep > 0:
                        head = buf.copy_region(
                            Gst.BufferCopyFlags.FLAGS |
                            Gst.BufferCopyFlags.TIMESTAMPS |
                            Gst.BufferCopyFlags.MEMORY, 0, keep)
                        self._count(st, keep)
                else:
                    self._count(st, buf.get_size())
                    return Gst.PadProbeReturn.OK
            if head is not None:
                self.queue.get_static_pad("sink").chain(head)
            self._end()
            return Gst.PadProbeReturn.DROP
        ev = info.get_event()
        with self.lock:
            if self.stopped:
                return Gst.PadProbeReturn.DROP
            # sticky events of before the flush may come first: wait for
            # the flush, then for its segment
            if ev.type == Gst.EventType.FLUSH_STOP and self.mode == "after-flush":
                self.mode = "after-segment"
            elif ev.type == Gst.EventType.SEGMENT and self.mode == "after-segment":
                self.mode = "on"
            if ev.type == Gst.EventType.EOS:
                self.stopped = True
                if self.bytes == 0:
                    # (at the end of a file: a take armed there)
                    self._end()
                    return Gst.PadProbeReturn.DROP
        return Gst.PadProbeReturn.OK

    def _end(self):
        """The take ends (stopped is set): EOS into the branch, which
        completes the file.  Not into a take that got no sample: wavenc
        given an EOS before any buffer writes its header without the
        segment it sends with the first buffer (GStreamer warnings) and
        leaves its placeholder sizes; that file is written here, when the
        branch is down (Engine._close_recording)."""
        if self.bytes > 0:
            self.queue.get_static_pad("sink").send_event(Gst.Event.new_eos())
            return
        caps = self.teepad.get_current_caps()
        if caps is not None and caps.get_size():
            st = caps.get_structure(0)
            self.empty_format = (st.get_value("rate"),
                                 st.get_value("channels"))
        self.finished.set()
        GLib.idle_add(self.engine._record_branch_done, self)

    def _count(self, st, nbytes):
        if self.start_time is None:
            self.start_time = st
        self.bytes += nbytes

    @staticmethod
    def _bytes_before(pad, buf, ns):
        caps = pad.get_current_caps()
        if ns <= 0 or caps is None:
            return 0
        s = caps.get_structure(0)
        rate, channels = s.get_value("rate"), s.get_value("channels")
        frames = Gst.util_uint64_scale_round(ns, rate, Gst.SECOND)
        return min(buf.get_size(), frames * 4 * channels)

    def stop_at_time(self, st):
        # the earlier stop wins: the button's, or the file's end
        with self.lock:
            if self.stop_at is None or st < self.stop_at:
                self.stop_at = st

    def stop_now(self):
        """EOS into the branch at once, from the main thread (nothing flows
        or the stream is about to be torn down)."""
        with self.lock:
            if self.stopped:
                return
            self.stopped = True
        self._end()

    # streaming thread (the queue's): the EOS reached the file
    def _on_sink_event(self, pad, info):
        if info.get_event().type == Gst.EventType.EOS:
            self.finished.set()
            GLib.idle_add(self.engine._record_branch_done, self)
        return Gst.PadProbeReturn.OK

    def remove(self):
        """Main thread: the file is complete; take the branch out."""
        pipeline = self.engine.pipeline
        # unlink first: the probe drops whatever comes until then
        peer = self.teepad.get_peer()
        if peer is not None:
            self.teepad.unlink(peer)
        self.teepad.remove_probe(self.probe)
        self.tee.release_request_pad(self.teepad)
        self.sink.get_static_pad("sink").remove_probe(self.sink_probe)
        # downstream first: a sink going down lets go of what it holds
        for e in reversed(self.elements):
            e.set_state(Gst.State.NULL)
            if pipeline is not None:
                pipeline.remove(e)
        # the probes' closures held this object: drop every reference
        self.elements = []
        self.teepad = self.tee = self.queue = self.conv = self.caps = None
        self.enc = self.sink = self.engine = None


class Feed:
    """A probe where the audio enters nmfseparate: it follows where the
    input's audio ends and, for a file, puts silence after the end in place
    of the EOS.

    Why: at EOS the element drains what its look-ahead holds (6 s with the
    file profile) at once, as one buffer per source and 150 pictures. With
    silence after the end, the file's last seconds leave the element at the
    pace of the sound like the rest (the picture keeps scrolling, a gain
    still acts), and the desk ends the file when its last sample is heard;
    recordings stop exactly there. The EOS itself is dropped: the element
    would only drain the silence."""

    CHUNK = 1024

    def __init__(self, engine, pad, pad_end):
        self.engine = engine
        self.pad_end = pad_end
        # events only: a Python call per buffer would cost more CPU than
        # the separation itself
        pad.add_probe(Gst.PadProbeType.EVENT_DOWNSTREAM, self._on_event)

    # streaming thread
    def _on_event(self, pad, info):
        if info.get_event().type != Gst.EventType.EOS:
            return Gst.PadProbeReturn.OK
        # where the input ends: the position upstream answers now (the
        # stream time after the last sample: capsfilter counts what it sent)
        ok, end = pad.peer_query_position(Gst.Format.TIME)
        if ok and end == 0:
            # the input ended before its first sample (a WAV file of no
            # sample): it "played" and ended at 0:00 without a word
            GLib.idle_add(self.engine._on_no_audio)
            return Gst.PadProbeReturn.OK
        seg_ev = pad.get_sticky_event(Gst.EventType.SEGMENT, 0)
        if not ok or end < 0 or seg_ev is None:
            return Gst.PadProbeReturn.OK
        seg = seg_ev.parse_segment()
        GLib.idle_add(self.engine._on_input_end, end)
        if self.pad_end:
            self._push_silence(pad, seg.position_from_stream_time(
                Gst.Format.TIME, end))
            # and no EOS: the silence takes the file's last sample out of
            # the element and past the sinks, where the desk ends the file
            # (check_end); a drain would only separate and draw the look-
            # ahead's silence that nobody hears (0.1 s of CPU). A seek or
            # a restart flushes what waits.
            return Gst.PadProbeReturn.DROP
        return Gst.PadProbeReturn.OK

    def _push_silence(self, pad, pts):
        caps = pad.get_current_caps()
        sep = self.engine.sep
        if caps is None or sep is None:
            return
        s = caps.get_structure(0)
        rate, channels = s.get_value("rate"), s.get_value("channels")
        hop = effective_hop(sep)
        frames = (max(sep.get_property("lookahead-frames"),
                      2 * sep.get_property("window-frames")) + 4) * hop + \
            sep.get_property("fft-size")
        done = 0
        while done < frames:
            n = min(self.CHUNK, frames - done)
            buf = Gst.Buffer.new_wrapped(bytes(4 * channels * n))
            buf.pts = pts + Gst.util_uint64_scale_round(done, Gst.SECOND, rate)
            buf.duration = pts + Gst.util_uint64_scale_round(
                done + n, Gst.SECOND, rate) - buf.pts
            done += n
            # this thread holds the element's stream lock: chain directly
            if pad.chain(buf) != Gst.FlowReturn.OK:
                break


class CaptureMarks:
    """enrol-source set where the sound of the press reaches the element.

    From a capture device the element marks the frames that enter it, and
    what enters at a press was captured earlier by whatever the queue after
    the capture holds: 0.65 s after the output was held back 1.4 s (a sound
    card starting), and the enrolment took in 0.69 s from before the press
    (tests/desk/test_desk_enrol_live.py). A live source stamps its buffers
    with the running time they were captured at, so the desk notes the
    running time of the press (and of the release) and a probe on the
    element's sink pad sets the property at the buffer that holds it. The
    probe is there only while a change waits (a Python call per buffer
    would cost more CPU than the separation)."""

    # beyond what the queue after the capture holds (1 s): a stamp that
    # far behind a mark does not follow the pipeline's clock (a source
    # that stamps otherwise); set at once then, as before
    OTHER_CLOCK_NS = 2 * Gst.SECOND

    def __init__(self, sep):
        self.sep = sep
        self.pad = sep.get_static_pad("sink")
        self.lock = threading.Lock()
        self.pending = []           # (running time ns, enrol-source)
        self.probe = 0

    def mark(self, value, running_time):
        """enrol-source = value from the sound captured at running_time
        on (None: the element takes it at its next buffer)."""
        with self.lock:
            if running_time is None:
                self.pending = []
            else:
                self.pending.append((running_time, value))
                if not self.probe:
                    self.probe = self.pad.add_probe(
                        Gst.PadProbeType.BUFFER, self._on_buffer)
                return
        self.sep.set_property("enrol-source", value)

    def clear(self):
        with self.lock:
            self.pending = []

    # streaming thread
    def _on_buffer(self, pad, info):
        buf = info.get_buffer()
        start = end = None
        seg_ev = pad.get_sticky_event(Gst.EventType.SEGMENT, 0)
        if seg_ev is not None and buf.pts != Gst.CLOCK_TIME_NONE:
            seg = seg_ev.parse_segment()
            start = seg.to_running_time(Gst.Format.TIME, buf.pts)
            end = start + (buf.duration if buf.duration !=
                           Gst.CLOCK_TIME_NONE else 0)
        with self.lock:
            due = []
            while self.pending:
                rt, value = self.pending[0]
                # the buffer that holds the marked instant is the first
                # one of the change
                if start is None or start == Gst.CLOCK_TIME_NONE or \
                        rt < end or rt - start > self.OTHER_CLOCK_NS:
                    due.append(value)
                    self.pending.pop(0)
                else:
                    break
            if not self.pending:
                self.probe = 0
        for value in due:
            self.sep.set_property("enrol-source", value)
        return Gst.PadProbeReturn.REMOVE if not self.probe \
            else Gst.PadProbeReturn.OK


class Engine(GObject.Object):
    """Builds, runs and tears down the desk's pipeline; reports through
    GObject signals (all emitted in the main thread)."""

    __gsignals__ = {
        # kind ("error", "warning", "info"), text
        "notice": (GObject.SignalFlags.RUN_FIRST, None, (str, str)),
        "state": (GObject.SignalFlags.RUN_FIRST, None, (str,)),
        "video-widget": (GObject.SignalFlags.RUN_FIRST, None, (object,)),
        "stream-info": (GObject.SignalFlags.RUN_FIRST, None, ()),
        "recording": (GObject.SignalFlags.RUN_FIRST, None, (str,)),
        "eos": (GObject.SignalFlags.RUN_FIRST, None, ()),
        "flushed": (GObject.SignalFlags.RUN_FIRST, None, ()),
        # an enrolment from a file, by what was heard: (source, state)
        "enrolment": (GObject.SignalFlags.RUN_FIRST, None, (int, str)),
    }

    def __init__(self, audio_sink=None, monitor_to=None,
                 viz_size=(VIZ_WIDTH, VIZ_HEIGHT), fps=VIZ_FPS):
        super().__init__()
        self.audio_sink_desc = audio_sink      # gst-launch description or None
        self.monitor = MonitorCapture(monitor_to) if monitor_to else None
        self.viz_size = viz_size
        self.fps = fps
        self.viz_format = None
        self.input = None
        self.settings = Settings()
        self.pipeline = None
        self.bus = None
        self.sep = None
        self.volumes = []
        self.tees = []
        self.gains_db = {}
        self.mutes = set()
        self.solos = set()
        self.rate = 0
        self.channels = 0
        self.fft_size = 2048
        self.hop_size = 512
        self.duration = Gst.CLOCK_TIME_NONE
        self.last_position = 0.0
        self.seeking = False
        self.status = "empty"       # empty, starting, paused, playing, ended, error
        self.target_playing = False
        self.pending_seek = None
        self.prerolled = False
        self.sink_kind = None       # "device", "fake", "monitor", "custom"
        self.sink_failed = False
        self.record_branches = []
        self.record_cut = None      # stream time (ns) where a take stopped
                                    # while paused is cut (_close_recording)
        self.record_dir = None
        self.record_state = "off"   # off, on, stopping
        self.record_files = []
        self.record_done_cb = []
        self.last_record = None
        self.enrol_source = -1
        # enrolment from a file: (source, stream time heard at the press);
        # per source the state of what the desk learns ("learning",
        # "enrolled") and which samples it learned from
        self.heard_press = None
        self.heard_states = {}
        self.heard_enrolled = {}
        # the sources the element's last message said were enrolled
        self.element_enrolled = set()
        self.heard_generation = {}
        self.learnings = []         # heardenrol.Learning, running
        # templates of an earlier element waiting for this one's rate
        # (another input; _take_enrolled), and the folders that hold them
        self.carried = []
        self.carry_dirs = []
        self.build_serial = 0       # one more for each pipeline built
        self.on_levels = None       # (running time, energy, enrolment, position)
        self.requested = []
        self.vizpad = None
        self.feed = None
        self.capture_marks = None   # CaptureMarks, for a capture device
        self.input_end = None       # stream time where the file's audio ends
        self.watchdog = 0
        self.linked_audio = False
        self.eos_seen = False

    # ---- introspection of the element --------------------------------
    @staticmethod
    def element_available():
        return Gst.ElementFactory.find("nmfseparate") is not None

    _enrolment = None

    @classmethod
    def has_enrolment(cls):
        """Does this build of nmfseparate have the enrolment interface
        (issue 26): the property enrol-source and the action signals
        save-dictionary and load-dictionary? Asked once, by introspection."""
        if cls._enrolment is None:
            probe = Gst.ElementFactory.make("nmfseparate")
            if probe is None:
                return False
            gtype = type(probe).__gtype__
            cls._enrolment = bool(
                probe.find_property("enrol-source") is not None
                and GObject.signal_lookup("save-dictionary", gtype) != 0
                and GObject.signal_lookup("load-dictionary", gtype) != 0)
            del probe
        return cls._enrolment

    _viz_formats = None

    @classmethod
    def viz_direct_format(cls):
        """A format gtksink takes as it is that the element's viz pad
        offers (its pad template), or None: then a videoconvert."""
        cls._read_viz_formats()
        return next((f for f in SINK_FORMATS if f in cls._viz_formats), None)

    @classmethod
    def viz_format_asked(cls):
        """The picture's format the desk asks of the viz pad."""
        cls._read_viz_formats()
        return cls.viz_direct_format() or next(
            (f for f in CONVERTED_FORMATS if f in cls._viz_formats), "RGB")

    @classmethod
    def _read_viz_formats(cls):
        if cls._viz_formats is None:
            cls._viz_formats = []
            factory = Gst.ElementFactory.find("nmfseparate")
            for t in factory.get_static_pad_templates() if factory else []:
                if t.name_template != "viz":
                    continue
                caps = t.get_caps()
                for i in range(caps.get_size()):
                    v = caps.get_structure(i).get_value("format")
                    cls._viz_formats += [v] if isinstance(v, str) else list(v)

    # ---- building -----------------------------------------------------
    def open(self, inp, settings=None, position=None, play=False):
        """Tear down what runs and build a pipeline for inp. What the
        element held enrolled goes to the new one where it fits (_offer):
        at once for the same input (a restart), once the rate is known for
        another."""
        same_input = inp is self.input
        carried = self._take_enrolled()
        press = self.heard_press
        learning = {s for s, st in self.heard_states.items()
                    if st == "learning"}
        if settings is not None:
            self.settings = settings.copy()
        self.teardown(cancel_learning=False)
        if press is not None and not same_input:
            self.emit("notice", "warning", "source %d was not enrolled: "
                      "another input was opened while its enrol button was "
                      "held" % press[0])
        self.input = inp
        self.carried = carried
        # the new input's, once it has prerolled (the old file's showed
        # meanwhile, and the slider could seek with it)
        self.duration = Gst.CLOCK_TIME_NONE
        if not same_input:
            self.rate = 0
        self.target_playing = play or inp.live
        self.pending_seek = position if (position and not inp.live) else None
        self.last_position = self.pending_seek or 0.0
        self.seeking = False
        try:
            self._build()
        except BuildError as exc:
            self._fail(str(exc))
            return False
        self._set_status("starting")
        # a learning still under way ends in this element (_learn_heard)
        for s in learning:
            self.heard_states[s] = "learning"
            self.emit("enrolment", s, "learning")
        if same_input:
            # the hold goes on where the sound goes on (a restart keeps
            # the position); it was dropped, the release learned nothing
            self.heard_press = press
            if inp.live and self.enrol_source >= 0:
                self.sep.set_property("enrol-source", self.enrol_source)
        if self.rate:
            # the same input, its rate known: into the new element before
            # it runs (another input's rate is known once it has
            # prerolled: _query_stream)
            self._offer_carried()
        ret = self.pipeline.set_state(Gst.State.PLAYING if inp.live
                                      else Gst.State.PAUSED)
        if ret == Gst.StateChangeReturn.FAILURE:
            # the bus has (or will have) the error; make sure one is said
            GLib.idle_add(self._state_change_failed, self.pipeline)
        self.watchdog = GLib.timeout_add_seconds(PREROLL_TIMEOUT_S,
                                                 self._on_watchdog)
        return True

    def restart(self, settings):
        """Rebuild with new settings (n-sources, algorithm, profile,
        fft-size are NULL/READY properties), at the same place of a file."""
        if self.input is None:
            self.settings = settings.copy()
            return
        pos = None
        if not self.input.live:
            pos = self.position()
            if self.status == "ended":
                pos = None
        play = self.status == "playing" or self.target_playing
        self.open(self.input, settings, pos, play)

    def _take_enrolled(self):
        """Before the element goes: the templates it holds (enrolled,
        learned by the desk, loaded from a set), saved into a folder of
        their own with what they were made for, and those still waiting
        for an element ([{source, path, rate, fft_size, input}]). They
        were lost without a word: a set loaded while paused (the element's
        messages, which the desk went by, had not said it yet), every
        enrolment when another input was opened."""
        waiting = self.carried
        self.carried = []
        enrolled = sorted(self.element_enrolled | {
            s for s, st in self.heard_states.items() if st == "enrolled"})
        if self.sep is None or not enrolled or not self.has_enrolment():
            return waiting
        folder = tempfile.mkdtemp(prefix="nmf-desk-carried-")
        self.carry_dirs.append(folder)
        saved = self.save_dictionaries(folder, enrolled, [])
        taken = [{"source": int(s), "path": os.path.join(folder, e["file"]),
                  "rate": self.rate, "fft_size": self.fft_size,
                  "input": self.input.label if self.input else ""}
                 for s, e in saved.items()]
        return taken + [w for w in waiting if w["source"] not in
                        {t["source"] for t in taken}]

    def _unfit(self, made):
        """Why templates made for an earlier element do not fit this one,
        or None."""
        st = self.settings
        if st.algorithm != "kl":
            return "enrolment needs algorithm kl"
        if made["source"] >= st.n_sources:
            return "the separation has %d source(s) now" % st.n_sources
        if made["fft_size"] != self.fft_size:
            return ("learned with FFT size %d (%d frequency bins), the "
                    "separation now uses %d (%d bins)"
                    % (made["fft_size"], made["fft_size"] // 2 + 1,
                       self.fft_size, self.fft_size // 2 + 1))
        if made["rate"] and self.rate and made["rate"] != self.rate:
            return ("learned at %d Hz, %s is %d Hz (templates are "
                    "frequencies)" % (made["rate"], self.input.label,
                                      self.rate))
        return None

    def _offer_carried(self, said_kept=False):
        if self.carried and self.sep is not None:
            carried, self.carried = self.carried, []
            self._offer(carried, said_kept)

    def _offer(self, entries, said_kept=False):
        """Templates made for an earlier element (before a restart or
        another input, or learned while it was rebuilt) into this one
        where they fit. Where not, said why, and set aside: they come back
        with the rebuild they fit again (sources 3 -> 2 -> 3, kl -> volmin
        -> kl, another FFT size and back, a file at another rate and back
        lost them), unless the source is enrolled anew meanwhile."""
        kept, unfit = [], {}
        for made in entries:
            s = made["source"]
            why = self._unfit(made)
            if why is None and not self.sep.emit("load-dictionary", s,
                                                 made["path"]):
                why = "nmfseparate refused them (its message says why)"
            if why is None:
                kept.append(s)
                self.heard_states[s] = "enrolled"
                self.heard_enrolled.pop(s, None)
                self.emit("enrolment", s, "enrolled")
                continue
            if made.get("said") != why:     # (not again at each rebuild)
                unfit.setdefault(why, []).append(s)
                made["said"] = why
            self.carried.append(made)
        for why, sources in unfit.items():
            self.emit("notice", "warning", "the enrolment of source(s) %s "
                      "is not kept: %s (set aside: it comes back when it "
                      "fits again)" % (", ".join(map(str, sources)), why))
        if kept and said_kept:
            self.emit("notice", "info", "source(s) %s stay enrolled, as "
                      "they were with %s"
                      % (", ".join(map(str, kept)), ", ".join(sorted(
                          {m["input"] for m in entries
                           if m["source"] in kept}))))
        self._drop_carry_dirs()

    def _forget_set_aside(self, source):
        """source holds new templates: what was set aside for it is
        older."""
        self.carried = [m for m in self.carried if m["source"] != source]
        self._drop_carry_dirs()

    def _drop_carry_dirs(self):
        waiting = {os.path.dirname(m["path"]) for m in self.carried}
        for folder in [f for f in self.carry_dirs if f not in waiting]:
            shutil.rmtree(folder, ignore_errors=True)
            self.carry_dirs.remove(folder)

    def discard_carried(self):
        """At exit: what waited for an element that never came."""
        self.carried = []
        self._drop_carry_dirs()

    def _make(self, factory, name=None):
        e = Gst.ElementFactory.make(factory, name)
        if e is None:
            raise BuildError("GStreamer element '%s' is missing: install the "
                             "package that has it (%s)" %
                             (factory, PACKAGE_OF.get(factory, "see gst-inspect-1.0")))
        return e

    def _build(self):
        inp, st = self.input, self.settings
        p = Gst.Pipeline.new("desk")
        self.pipeline = p
        self.build_serial += 1
        self.linked_audio = False
        self.eos_seen = False
        self.prerolled = False
        self.input_end = None
        if inp.kind == "file":
            src = self._make("uridecodebin", "input")
            src.set_property("uri", file_uri(inp.path))
            src.connect("pad-added", self._on_decoded_pad)
            src.connect("no-more-pads", self._on_no_more_pads)
            src.connect("autoplug-continue", self._on_autoplug_continue)
            if has_odd_data_chunk(inp.path):
                src.connect("deep-element-added", self._on_decoder_child)
        else:
            if inp.device is not None:
                src = inp.device.create_element("input")
                if src is None:
                    raise BuildError("cannot open the device %s" % inp.label)
            else:
                src = self._make("autoaudiosrc", "input")
                src.connect("deep-element-added", self._on_input_child)
            for prop, value in (("latency-time", 10000), ("buffer-time", 40000)):
                if src.find_property(prop) is not None:
                    src.set_property(prop, value)
        self.src = src
        conv = self._make("audioconvert", "inconv")
        res = self._make("audioresample", "inres")
        caps = self._make("capsfilter", "incaps")
        caps.set_property("caps", Gst.Caps.from_string(INPUT_CAPS))
        # 10 ms buffers into the element: it sends out whole hops of what
        # came in, so no buffer after it holds more than one hop and a gain
        # acts on the very next hop (decoders give 20-100 ms buffers)
        split = Gst.ElementFactory.make("audiobuffersplit", "insplit")
        if split is not None:
            split.set_property("output-buffer-duration", Gst.Fraction(1, 100))
        sep = self._make("nmfseparate", "sep")
        self.sep = sep
        sep.set_property("n-sources", st.n_sources)
        sep.set_property("algorithm", st.algorithm)
        sep.set_property("profile", st.profile)
        problem = fft_size_problem(st.fft_size)
        if problem is not None:
            raise BuildError("FFT size %s is refused: %s"
                             % (st.fft_size, problem))
        sep.set_property("fft-size", int(st.fft_size))
        sep.set_property("post-messages", True)
        sep.set_property("interval", MESSAGE_INTERVAL)
        self.fft_size = sep.get_property("fft-size")
        self.hop_size = effective_hop(sep)
        chain = [conv, res, caps] + ([split] if split is not None else []) + [sep]
        if inp.kind != "file":
            # The capture thread hands its buffers over and goes back to
            # the device: pushed on through to the element, it waited
            # whenever the output held the element back (the sound card's
            # start), the device's ring buffer overran and samples were
            # dropped ("Can't record audio fast enough": 0.3 - 1.1 s lost
            # 2 s in, 5 starts in 6 on a PulseAudio source)
            inqueue = self._make("queue", "inqueue")
            chain.insert(0, inqueue)
        for e in [src] + chain:
            p.add(e)
        if inp.kind != "file":
            src.link(inqueue)
        Gst.Element.link_many(*chain)
        self.feed = Feed(self, sep.get_static_pad("sink"),
                         pad_end=inp.kind == "file")
        self.capture_marks = CaptureMarks(sep) if inp.live else None

        mixer = self._make("audiomixer", "mixer")
        outconv = self._make("audioconvert", "outconv")
        outres = self._make("audioresample", "outres")
        sink = self._make_audio_sink()
        for e in (mixer, outconv, outres, sink):
            p.add(e)
        Gst.Element.link_many(mixer, outconv, outres, sink)

        self.volumes, self.tees, self.requested = [], [], []
        for i in range(st.n_sources):
            vol = self._make("volume", "gain%d" % i)
            tee = self._make("tee", "tee%d" % i)
            tee.set_property("allow-not-linked", True)
            p.add(vol)
            p.add(tee)
            # request pads (docs/element.md); an older build had them always
            srcpad = sep.get_static_pad("src_%d" % i)
            if srcpad is None:
                srcpad = sep.request_pad_simple("src_%d" % i)
                if srcpad is None:
                    raise BuildError("nmfseparate gives no pad src_%d" % i)
                self.requested.append(srcpad)
            srcpad.link(vol.get_static_pad("sink"))
            vol.link(tee)
            tee.request_pad_simple("src_%u").link(
                mixer.request_pad_simple("sink_%u"))
            self.volumes.append(vol)
            self.tees.append(tee)
        self._apply_gains()

        # the picture
        vsink = Gst.ElementFactory.make("gtksink", "picture")
        direct = self.viz_direct_format() if vsink is not None else None
        self.viz_format = self.viz_format_asked()
        vcaps = self._make("capsfilter", "vizcaps")
        w, h = self.viz_size
        vcaps.set_property("caps", Gst.Caps.from_string(
            "video/x-raw,format=%s,width=%d,height=%d,framerate=%d/1"
            % (self.viz_format, w, h, self.fps)))
        # The element runs ahead of the sound by its queues (0.7 s): its
        # pictures come early and wait here for their time (a leaky queue
        # would drop the waiting ones and the picture would stutter).
        vq = self._make("queue", "vizqueue")
        vq.set_property("max-size-buffers", 90)
        vq.set_property("max-size-time", 0)
        vq.set_property("max-size-bytes", 0)
        chain = [vcaps, vq]
        if not direct:
            # RGBA (or RGB) to gtksink's BGRx: 0.13 ms (0.22 ms) a picture.
            # BGRx, not BGRA: from RGBA videoconvert would keep the alpha,
            # and a picture with alpha is blended, not copied, into the
            # window (the X server's CPU doubles)
            chain.append(self._make("videoconvert", "vizconv"))
            ccaps = self._make("capsfilter", "vizconvcaps")
            ccaps.set_property("caps", Gst.Caps.from_string(
                "video/x-raw,format=BGRx"))
            chain.append(ccaps)
        if vsink is None:
            vsink = self._make("fakesink", "picture")
            vsink.set_property("sync", True)
            GLib.idle_add(self.emit, "notice", "warning",
                          "no picture: the GStreamer element gtksink is "
                          "missing (Debian package gstreamer1.0-gtk3)")
            self.emit("video-widget", None)
        else:
            if vsink.find_property("widget"):
                vsink.set_property("force-aspect-ratio", False)
                vsink.set_property("qos", False)
                self.emit("video-widget", vsink.get_property("widget"))
            else:
                vsink.set_property("sync", True)
        chain.append(vsink)
        for e in chain:
            p.add(e)
        viz = sep.request_pad_simple("viz")
        if viz is None:
            raise BuildError("nmfseparate gives no picture pad 'viz'")
        viz.link(vcaps.get_static_pad("sink"))
        Gst.Element.link_many(*chain)
        self.vizpad = viz

        self.bus = p.get_bus()
        self.bus.add_signal_watch()
        self.bus_handler = self.bus.connect("message", self._on_message)

    def _make_audio_sink(self):
        self.sink_kind = None
        if self.monitor is not None:
            self.sink_kind = "monitor"
            sink = self.monitor.make_sink()
            sink.set_name("audiosink")
            return sink
        if self.sink_failed:
            self.sink_kind = "fake"
            sink = self._make("fakesink", "audiosink")
            sink.set_property("sync", True)
            return sink
        if self.audio_sink_desc:
            self.sink_kind = "custom"
            try:
                sink = Gst.parse_bin_from_description(self.audio_sink_desc, True)
            except GLib.Error as exc:
                raise BuildError("the audio output '%s' cannot be made: %s"
                                 % (self.audio_sink_desc, exc.message))
            sink.set_name("audiosink")
            sink.connect("deep-element-added", self._on_sink_child)
            return sink
        sink = self._make("autoaudiosink", "audiosink")
        sink.connect("deep-element-added", self._on_sink_child)
        return sink

    def _on_sink_child(self, bin_, sub, element):
        # streaming or main thread: only set properties and note the kind
        f = element.get_factory()
        name = f.get_name() if f else ""
        if isinstance(element, Gst.Bin):
            return
        if name == "fakesink":
            if self.sink_kind is None:
                self.sink_kind = "fake"
                GLib.idle_add(self.emit, "notice", "warning",
                              "No audio output device could be opened: the "
                              "desk plays silently (picture, meters and "
                              "recording go on). Connect speakers or start "
                              "the sound server, then open the input again.")
            return
        if element.find_property("buffer-time") is not None:
            element.set_property("buffer-time", SINK_BUFFER_US)
            element.set_property("latency-time", SINK_LATENCY_US)
            if self.sink_kind is None:
                self.sink_kind = "device"

    def _on_input_child(self, bin_, sub, element):
        f = element.get_factory()
        name = f.get_name() if f else ""
        if name in ("audiotestsrc", "fakesrc"):
            # autoaudiosrc puts its placeholder (an audiotestsrc) back at
            # every stop (READY -> NULL), also after a device that worked:
            # only one added on its way up is the fallback for no device.
            # Taken for one, the stop of a microphone that played (a file
            # opened next, a restart) failed the pipeline that followed,
            # and a device that failed was said to be missing.
            if bin_.target_state == Gst.State.NULL:
                return
            GLib.idle_add(self._fail_no_capture_device, self.pipeline)
        elif element.find_property("latency-time") is not None:
            element.set_property("latency-time", 10000)

    def _fail_no_capture_device(self, pipeline):
        if pipeline is self.pipeline and self.status != "error":
            self._fail("No audio capture device found: autoaudiosrc could "
                       "not open a microphone (PulseAudio/PipeWire, ALSA, OSS "
                       "or JACK). Connect one, or open a file instead.")
        return False

    _demuxers = None

    @staticmethod
    def _on_decoder_child(bin_, sub, element):
        # wavparse (GStreamer 1.22) pulling a file reads nothing at all
        # from a WAV whose data chunk has an odd size and ends the file
        # with its pad byte (8- or 24-bit mono of an odd frame count, as
        # sox and ffmpeg write them): the desk said it "holds no audio".
        # Pushed the file, it reads it right; without an answer to its
        # scheduling query it takes push mode (nmftool does the same). Only
        # such files: with every WAV pushed, the seeks of all changed, and
        # in one desk test of three a take armed while paused after a seek
        # held a sample (48 bytes, not an empty WAV).
        factory = element.get_factory()
        if factory is not None and factory.get_name() == "wavparse":
            element.get_static_pad("sink").add_probe(
                Gst.PadProbeType.QUERY_UPSTREAM, Engine._push_mode_only)

    @staticmethod
    def _push_mode_only(pad, info):
        query = info.get_query()
        if query is not None and query.type == Gst.QueryType.SCHEDULING:
            return Gst.PadProbeReturn.DROP
        return Gst.PadProbeReturn.OK

    def _on_autoplug_continue(self, bin_, pad, caps):
        # stop at video and subtitles: the desk only wants the sound; but a
        # container is a "video/" type too (video/quicktime,
        # video/x-matroska, video/ogg: the audio inside never came)
        s = caps.get_structure(0).get_name() if caps.get_size() else ""
        if not (s.startswith("video/") or s.startswith("text/") or
                s.startswith("subpicture/")):
            return True
        if Engine._demuxers is None:
            Engine._demuxers = Gst.ElementFactory.list_get_elements(
                Gst.ELEMENT_FACTORY_TYPE_DEMUXER, Gst.Rank.MARGINAL)
        return bool(Gst.ElementFactory.list_filter(
            Engine._demuxers, caps, Gst.PadDirection.SINK, False))

    # streaming thread
    def _on_decoded_pad(self, src, pad):
        caps = pad.get_current_caps() or pad.query_caps(None)
        name = caps.get_structure(0).get_name() if caps.get_size() else ""
        if not name.startswith("audio/x-raw") or self.linked_audio:
            return
        sinkpad = self.pipeline.get_by_name("inconv").get_static_pad("sink")
        if pad.link(sinkpad) == Gst.PadLinkReturn.OK:
            self.linked_audio = True

    def _on_no_more_pads(self, src):
        if not self.linked_audio:
            GLib.idle_add(self._fail_no_audio)

    def _no_audio_text(self):
        return ("%s has no audio stream that GStreamer can decode"
                % self.input.label)

    def _fail_no_audio(self):
        # the demuxer's error for its pads that nothing takes may have
        # said it already (_on_error): one notice
        if self.status != "error":
            self._fail(self._no_audio_text())
        return False

    # ---- teardown -----------------------------------------------------
    def teardown(self, cancel_learning=True):
        if self.watchdog:
            GLib.source_remove(self.watchdog)
            self.watchdog = 0
        if self.pipeline is None:
            return
        self._finish_recording_now()
        self.pipeline.set_state(Gst.State.NULL)
        if self.bus is not None:
            self.bus.disconnect(self.bus_handler)
            self.bus.remove_signal_watch()
        if self.monitor is not None:
            self.monitor.write()
        if self.sep is not None:
            for pad in self.requested + ([self.vizpad] if self.vizpad else []):
                self.sep.release_request_pad(pad)
        self.requested = []
        # what is learned goes to the next element (open), unless none
        # comes
        if cancel_learning:
            for handle in self.learnings:
                handle.cancel()
        self.heard_press = None
        self.heard_states, self.heard_enrolled = {}, {}
        self.element_enrolled = set()
        if self.capture_marks is not None:
            self.capture_marks.clear()
        self.pipeline = self.bus = self.sep = self.src = self.vizpad = None
        self.feed = None
        self.capture_marks = None
        self.input_end = None
        self.volumes, self.tees = [], []
        self.prerolled = False
        self.emit("video-widget", None)
        self._set_status("empty")

    def _fail(self, text):
        """An error a person can act on: say it, stop, never hang."""
        self.emit("notice", "error", text)
        if self.pipeline is not None:
            self._finish_recording_now()
            self.pipeline.set_state(Gst.State.NULL)
        if self.watchdog:
            GLib.source_remove(self.watchdog)
            self.watchdog = 0
        self.target_playing = False
        self._set_status("error")
        return False

    def _state_change_failed(self, pipeline):
        if self.status == "starting" and pipeline is self.pipeline:
            # give the bus a moment to say why; then say it ourselves
            GLib.timeout_add(500, self._state_change_failed_late, pipeline)
        return False

    def _state_change_failed_late(self, pipeline):
        if self.status == "starting" and pipeline is self.pipeline:
            self._fail("%s could not be started (see the log: GST_DEBUG=3)"
                       % (self.input.label if self.input else "the input"))
        return False

    def _on_watchdog(self):
        self.watchdog = 0
        if self.status == "starting":
            self._fail("%s did not start within %d s: the input gives no "
                       "audio (a stalled device or an unreadable file)"
                       % (self.input.label, PREROLL_TIMEOUT_S))
        return False

    # ---- transport ----------------------------------------------------
    def play(self):
        if self.pipeline is None:
            if self.input is not None:
                self.open(self.input, play=True)
            return
        if self.status == "ended":
            self.target_playing = True
            self.seek(0)
            return
        self.target_playing = True
        if self.prerolled and self.pending_seek is None:
            self.pipeline.set_state(Gst.State.PLAYING)

    def pause(self):
        self.target_playing = False
        if self.pipeline is not None and not self.input.live:
            self.pipeline.set_state(Gst.State.PAUSED)

    def seek(self, seconds):
        if self.pipeline is None or self.input.live:
            return
        if not self.prerolled:
            # a file still starting: the seek waits for its first preroll
            # (sent before it, the stream never started: 20 s, then "gives
            # no audio")
            self.pending_seek = max(0.0, seconds)
            self.last_position = self.pending_seek
            return
        t = int(max(0.0, seconds) * Gst.SECOND)
        if self.duration != Gst.CLOCK_TIME_NONE and self.duration > 0:
            t = min(t, self.duration)
        # a seek ends a recording first: its flush would reach the files
        # (filesink started them again, and the headers were wrong)
        if self.record_state != "off":
            self._finish_recording_now()
        self._drop_ended()
        self._seek(t)
        self.last_position = t / Gst.SECOND
        if self.heard_press is not None:
            # enrol held across a seek: what is heard from here on (the
            # press's time paired with the release's learned what was
            # skipped, or refused what was heard after a seek back)
            self.heard_press = (self.heard_press[0], self.last_position)
        self.emit("flushed")
        if self.target_playing:
            self.pipeline.set_state(Gst.State.PLAYING)

    def _seek(self, t):
        """A flushing, accurate seek to stream time t (ns), sent to the mixer
        (it goes up every source pad, nmfseparate takes it to the input, and
        the flush reaches every sink). Not to the pipeline: with audiomixer
        and another sink (the picture), GStreamer 1.22 leaks the seek event
        when the pipeline sends it to every sink."""
        mixer = self.pipeline.get_by_name("mixer")
        self.seeking = True         # until the pipeline has prerolled there
        mixer.send_event(Gst.Event.new_seek(
            1.0, Gst.Format.TIME, Gst.SeekFlags.FLUSH | Gst.SeekFlags.ACCURATE,
            Gst.SeekType.SET, t, Gst.SeekType.NONE, 0))

    def _drop_ended(self):
        self.input_end = None
        if self.status == "ended":
            self.eos_seen = False
            self._set_status("paused")

    def position(self):
        """Seconds heard (stream time) of the file, at most its end; while a
        seek or a restart settles, where it goes. What plays after a file's
        last sample is the desk's silence in place of its EOS (Feed), heard
        until check_end sees the end (up to a tick): it was reported as
        position, past the file's duration."""
        pos = self._stream_position()
        if self.input_end is not None:
            pos = min(pos, self.input_end / Gst.SECOND)
        return pos

    def _stream_position(self):
        """Seconds heard (stream time), the padding after a file's end
        included (check_end needs it: the end is heard when the sound has
        passed it)."""
        if self.pipeline is None:
            return self.last_position
        ok, pos = self._heard_position()
        if ok and pos >= 0 and self.pending_seek is None and not self.seeking:
            self.last_position = pos / Gst.SECOND
        return self.last_position

    def _heard_position(self):
        """The sound output's position, not the pipeline's: the pipeline
        answers the furthest of its sinks, and the picture's sink (and a
        take's filesinks) answer by the clock. On a loaded machine the
        sound runs late behind the clock: the file was ended (paused)
        before its last samples were heard or had passed the tees, and the
        take was closed short, each source where its stream stood."""
        sink = self.pipeline.get_by_name("audiosink")
        if sink is not None:
            ok, pos = sink.query_position(Gst.Format.TIME)
            if ok and pos >= 0:
                return ok, pos
        return self.pipeline.query_position(Gst.Format.TIME)

    def running_time(self):
        p = self.pipeline
        if p is None:
            return None
        clock = p.get_clock()
        if clock is None:
            return None
        if p.get_state(0)[1] != Gst.State.PLAYING:
            return None
        return clock.get_time() - p.get_base_time()

    # ---- gains ----------------------------------------------------------
    def set_gain(self, source, db):
        self.gains_db[source] = db
        self._apply_gains()

    def set_mute(self, source, on):
        (self.mutes.add if on else self.mutes.discard)(source)
        self._apply_gains()

    def set_solo(self, source, on):
        (self.solos.add if on else self.solos.discard)(source)
        self._apply_gains()

    def effective_gain(self, source):
        if source in self.mutes or (self.solos and source not in self.solos):
            return 0.0
        return db_to_gain(self.gains_db.get(source, 0.0))

    def _apply_gains(self):
        for i, vol in enumerate(self.volumes):
            muted = i in self.mutes or bool(self.solos and i not in self.solos)
            vol.set_property("volume", db_to_gain(self.gains_db.get(i, 0.0)))
            vol.set_property("mute", muted)

    # ---- recording ------------------------------------------------------
    def start_recording(self, directory, names):
        if self.pipeline is None or self.record_state != "off":
            return False
        os.makedirs(directory, exist_ok=True)
        paths = [os.path.join(directory, "%02d-%s.wav" % (i, safe_name(
            names[i] if i < len(names) else "source %d" % i, i)))
            for i in range(len(self.tees))]
        try:
            # made here first: a file that cannot be made is an OSError
            # said by the window; in a branch its filesink's error stopped
            # the whole pipeline, and the take stayed "on"
            for path in paths:
                open(path, "wb").close()
        except OSError:
            for path in paths:
                if os.path.exists(path):
                    os.unlink(path)
            try:
                os.rmdir(directory)
            except OSError:
                pass
            raise
        self.record_dir = directory
        self.record_branches = []
        self.record_cut = None
        self.record_files = []
        state = self.pipeline.get_state(0)[1]
        # after the end the pipeline may still be PLAYING on its way to
        # PAUSED: a take armed then is a whole-file take (it took the
        # playing path, waited for audio that never came, and the next
        # Play closed it)
        playing = state == Gst.State.PLAYING and self.status != "ended"
        for i, (tee, path) in enumerate(zip(self.tees, paths)):
            self.record_branches.append(RecordBranch(self, i, tee, path))
            self.record_files.append(path)
        if playing or self.input.live:
            # every branch starts at the first buffer at or after a stream
            # time beyond what has already passed the tees
            at = int(self.position() * Gst.SECOND) + RECORD_MARGIN
            for b in self.record_branches:
                b.start("from-time", at)
                if self.input_end is not None:
                    b.stop_at_time(self.input_end)
        else:
            # paused: start exactly here, by a flushing seek to here
            pos = 0.0 if self.status == "ended" else self.position()
            for b in self.record_branches:
                b.start("after-flush")
            self._drop_ended()
            self._seek(int(pos * Gst.SECOND))
            self.emit("flushed")
        self.record_state = "on"
        self.emit("recording", "on")
        return True

    def stop_recording(self, done=None):
        """Ends every file on the same sample (EOS on the branches)."""
        if done is not None:
            self.record_done_cb.append(done)
        if self.record_state != "on":
            if self.record_state == "off":
                self._call_record_done()
            return
        self.record_state = "stopping"
        self.emit("recording", "stopping")
        if self.pipeline is not None and \
                self.pipeline.get_state(0)[1] == Gst.State.PLAYING:
            at = int(self.position() * Gst.SECOND) + RECORD_MARGIN
            for b in self.record_branches:
                b.stop_at_time(at)
            GLib.timeout_add(1500, self._stop_recording_late,
                             list(self.record_branches))
        else:
            # nothing plays: the take ends where the sound stands; what
            # passed the tees beyond it was never heard (the preroll of a
            # take armed while paused, the sound output's queue when paused
            # in a take) and is cut when the files are complete
            self.record_cut = int(self.position() * Gst.SECOND)
            for b in self.record_branches:
                b.stop_now()

    def _stop_recording_late(self, branches):
        # the stream stopped moving before reaching the stop time; only the
        # recording this stop was for (a new one may have started since)
        for b in branches:
            if b.elements:
                b.stop_now()
        return False

    def _record_branch_done(self, branch):
        if branch.done:
            return False
        branch.done = True
        if all(b.done for b in self.record_branches):
            self._close_recording()
        return False

    def _close_recording(self):
        branches, self.record_branches = self.record_branches, []
        cut, self.record_cut = self.record_cut, None
        for b in branches:
            if b.elements:
                b.remove()
            if b.failed:
                # what reached the file, its sizes set (wavenc's are still
                # its placeholders)
                try:
                    b.bytes = seal_wav(b.path, 4 * max(1, self.channels or 1))
                except (OSError, ValueError) as e:
                    self.emit("notice", "error", "The take %s could not be "
                              "closed: %s" % (b.path, e))
                    b.bytes = 0
                continue
            if b.bytes > 0:
                # a file whose write failed after its EOS was sent (a full
                # disk: the other branch's error came first and ended the
                # take, this one's came after and was the same news) was
                # left with wavenc's header counting what never reached it
                # (268288 bytes declared, 262100 held)
                try:
                    b.bytes = min(b.bytes, fit_wav(
                        b.path, 4 * max(1, self.channels or 1)))
                except (OSError, ValueError) as e:
                    self.emit("notice", "error", "The take %s could not be "
                              "closed: %s" % (b.path, e))
            if cut is not None and b.bytes > 0 and b.start_time is not None \
                    and self.rate and self.channels:
                frames = Gst.util_uint64_scale_round(
                    max(0, cut - b.start_time), self.rate, Gst.SECOND)
                try:
                    b.bytes = trim_wav(b.path, frames * 4 * self.channels)
                except (OSError, ValueError) as e:
                    self.emit("notice", "error", "The take %s could not be "
                              "cut to what was heard: %s" % (b.path, e))
            if b.bytes == 0:
                # a take that got no sample: an empty WAV (see _end)
                rate, channels = b.empty_format or (self.rate, self.channels)
                write_float_wav(b.path, b"", rate, max(1, channels))
        # stream time after the take's last sample
        ends = [b.start_time + Gst.util_uint64_scale_round(
            b.bytes // (4 * self.channels), Gst.SECOND, self.rate)
            for b in branches if b.start_time is not None and self.rate
            and self.channels]
        self.last_record = {
            "dir": self.record_dir,
            "files": [b.path for b in branches],
            "start": [b.start_time for b in branches],
            "bytes": [b.bytes for b in branches],
            "end": max(ends) if ends else None,
            # where the sound was when a seek or teardown cut the take
            # (stream time, ns), None when it ran to its stop or end
            "cut": cut,
        }
        was = self.record_state
        self.record_state = "off"
        if was != "off":
            self.emit("recording", "off")
        self._call_record_done()

    def _call_record_done(self):
        cbs, self.record_done_cb = self.record_done_cb, []
        for cb in cbs:
            cb()

    def _finish_recording_now(self):
        """Before a teardown: EOS into every branch and wait (briefly) for
        the files to be complete."""
        if not self.record_branches:
            return
        # the take ends where the sound is: what has passed the tees
        # beyond it (the mixer's and the sound output's buffers, 10 - 30
        # ms, more with a card) is about to be flushed or torn down,
        # never heard; it is cut once the files are complete
        if self.record_cut is None and self.pipeline is not None and \
                not self.seeking and self.pending_seek is None:
            ok, pos = self._heard_position()
            if ok and pos >= 0:
                self.record_cut = pos
        for b in self.record_branches:
            b.stop_now()
        deadline = time.monotonic() + 2.0
        for b in self.record_branches:
            b.finished.wait(max(0.0, deadline - time.monotonic()))
        for b in self.record_branches:
            # a file the EOS did not reach in time was not completed by
            # wavenc (its write failed too): sealed as it stands
            if not b.finished.is_set():
                b.failed = True
            b.done = True
        self._close_recording()

    # ---- enrolment ------------------------------------------------------
    def enrol(self, source):
        """source >= 0: that source plays alone now; -1: stop. From a
        capture device the element marks what enters it, which the queue
        after the capture may hold back: the change is set where the sound
        captured now enters it (CaptureMarks); from a file what is heard is
        seconds behind that, so the desk learns the stretch heard itself
        (heardenrol)."""
        self.enrol_source = source
        if self.sep is None or not self.has_enrolment():
            return
        if self.input.live:
            why = heardenrol.too_few_bins(heardenrol.element_params(
                self.sep, self.hop_size)) if source >= 0 else None
            if why is not None:
                self.emit("notice", "warning", "source %d cannot be "
                          "enrolled: %s" % (source, why))
                return
            self.capture_marks.mark(source, self.running_time())
            return
        if self.heard_press is not None:
            held, start = self.heard_press
            self.heard_press = None
            self._learn_heard(held, start, self.position())
        if source >= 0:
            self.heard_press = (source, self.position())

    def drop_enrol(self, source, why):
        """A hold of source let go of without learning it (said)."""
        if self.enrol_source != source:
            return
        self.enrol_source = -1
        if self.heard_press is not None and self.heard_press[0] == source:
            self.heard_press = None
        if self.sep is not None and self.input is not None and \
                self.input.live and self.has_enrolment():
            self.capture_marks.mark(-1, None)
        self.emit("notice", "warning", "source %d was not enrolled: %s"
                  % (source, why))

    def _learn_heard(self, source, start_s, stop_s):
        heard = stop_s - start_s
        params = heardenrol.element_params(self.sep, self.hop_size)
        least = heardenrol.min_seconds(params, self.rate)
        too_few_bins = heardenrol.too_few_bins(params)
        if too_few_bins is not None:
            # (said before anything is cut: nmftool's "rank larger than
            # the data allows" came after the whole learning)
            self.emit("notice", "warning", "source %d cannot be enrolled: "
                      "%s" % (source, too_few_bins))
            self.emit("enrolment", source, self.heard_states.get(source,
                                                                 "blind"))
            return
        if heard < least:
            if heard <= 0.0 and not self.target_playing:
                # held while paused (or at the end): the sound stood still
                # ("hold for at least 0.5 s (0.00 s were heard)" was said
                # of a button held for seconds). Not when it plays: a seek
                # while held starts the stretch again, and a release before
                # the seek has settled heard nothing since ("press Play"
                # was said to someone listening)
                why = ("source %d was not enrolled: nothing was heard while "
                       "its enrol button was held; press Play, then hold it "
                       "for at least %.1f s while the source plays alone"
                       % (source, least))
            else:
                why = ("hold enrol for at least %.1f s while the source "
                       "plays alone (%.2f s were heard)" % (least, heard))
                if least > heardenrol.MIN_SECONDS:
                    why += (": at %d Hz the element learns %d components "
                            "from frames %d samples apart"
                            % (self.rate, params["components"],
                               params["hop_size"]))
            self.emit("notice", "warning", why)
            self.emit("enrolment", source, self.heard_states.get(source,
                                                                 "blind"))
            return
        # the pipeline it is for, by number: a reference to the element in
        # this closure kept it alive past gst_deinit when the window closed
        # while learning (the leaks tracer listed it and its sink pad)
        serial = self.build_serial
        self.heard_states[source] = "learning"
        # a later hold of the same source wins over this one's late result
        self.heard_generation[source] = generation = \
            self.heard_generation.get(source, 0) + 1
        self.emit("enrolment", source, "learning")

        made = {"source": source, "rate": self.rate, "fft_size":
                params["fft_size"], "input": self.input.label}

        def done(result):
            if handle in self.learnings:
                self.learnings.remove(handle)
            if self.heard_generation.get(source) != generation:
                # a later hold of the same source wins
                shutil.rmtree(result["dir"], ignore_errors=True)
                return
            if serial != self.build_serial and "npy" in result:
                # the pipeline was rebuilt meanwhile (a settings change,
                # another input): into the new element where it fits,
                # said where not (it was dropped without a word)
                self.heard_states.pop(source, None)
                # (the strip said learning: blind unless it fits)
                self.emit("enrolment", source, "blind")
                self._forget_set_aside(source)
                folder = tempfile.mkdtemp(prefix="nmf-desk-carried-")
                self.carry_dirs.append(folder)
                made["path"] = os.path.join(folder, "source.npy")
                shutil.move(result["npy"], made["path"])
                shutil.rmtree(result["dir"], ignore_errors=True)
                self.carried.append(made)
                if self.rate:
                    self._offer_carried()
                return
            ok = self.sep is not None and "npy" in result and self.sep.emit(
                "load-dictionary", source, result["npy"])
            shutil.rmtree(result["dir"], ignore_errors=True)
            if self.sep is None:
                return
            if ok:
                self._forget_set_aside(source)
                self.heard_states[source] = "enrolled"
                self.heard_enrolled[source] = {
                    "first": result["first"], "samples": result["samples"],
                    "heard": [start_s, stop_s]}
            else:
                self.heard_states.pop(source, None)
                # (numbered as the strips are, from 0: "source 1" was
                # said of the strip named "source 0")
                self.emit("notice", "error", "source %d was not enrolled: %s"
                          % (source, result.get(
                              "error", "the element refused the templates")))
            self.emit("enrolment", source, self.heard_states.get(source,
                                                                 "blind"))

        handle = heardenrol.learn(
            file_uri(self.input.path), INPUT_CAPS, int(start_s * Gst.SECOND),
            int(stop_s * Gst.SECOND), params, done)
        self.learnings.append(handle)

    def join_learning(self, timeout):
        """At exit, before gst_deinit: the learning threads, cancelled by
        the teardown, have let go of GStreamer."""
        deadline = time.monotonic() + timeout
        for handle in self.learnings:
            handle.cancel()
            handle.join(max(0.0, deadline - time.monotonic()))
        self.learnings = []

    def save_dictionaries(self, directory, sources, names):
        os.makedirs(directory, exist_ok=True)
        saved = {}
        for s in sources:
            path = os.path.join(directory, "source_%d.npy" % s)
            if self.sep.emit("save-dictionary", s, path):
                saved[str(s)] = {"file": os.path.basename(path),
                                 "name": names[s] if s < len(names) else ""}
        if not saved:
            # no set of no source: it would load nothing
            return saved
        meta = {"n-sources": self.settings.n_sources, "rate": self.rate,
                "fft-size": self.fft_size, "sources": saved}
        with open(os.path.join(directory, "set.json"), "w") as f:
            json.dump(meta, f, indent=1)
        return saved

    def load_dictionaries(self, directory):
        with open(os.path.join(directory, "set.json")) as f:
            meta = read_set(json.load(f))
        # templates are frequencies: a set learned at another rate would sit
        # at other pitches (it was taken without a word)
        # the rate the element runs at now (the desk's own figure may be the
        # last input's, while a new one starts)
        caps = self.sep.get_static_pad("sink").get_current_caps()
        now = caps.get_structure(0).get_value("rate") \
            if caps is not None and caps.get_size() else 0
        rate = meta.get("rate")
        if rate and not now:
            raise OtherRate("the input's sample rate is not known yet (it is "
                            "starting): load the set once it plays")
        if rate and int(rate) != int(now):
            raise OtherRate("it was made at %d Hz, this input is %d Hz "
                            "(templates are frequencies)"
                            % (int(rate), int(now)))
        fft = meta.get("fft-size")
        if isinstance(fft, int) and fft != self.fft_size:
            # (the element refused each source: 'loaded 0 source(s)')
            raise OtherRate("it was made with FFT size %d, this separation "
                            "uses %d: set the FFT size to %d, then load it"
                            % (fft, self.fft_size, fft))
        loaded, beyond, refused = {}, [], []
        for s, entry in sorted(meta["sources"].items()):
            if s >= self.settings.n_sources:
                beyond.append(s)
                continue
            path = os.path.join(directory, entry["file"])
            if self.sep.emit("load-dictionary", s, path):
                name = entry.get("name")
                loaded[s] = name if isinstance(name, str) else ""
                # what the element holds now, whether or not its messages
                # have said it (paused they do not: a settings change then
                # lost the set without a word)
                self._forget_set_aside(s)
                self.heard_states[s] = "enrolled"
                self.heard_enrolled.pop(s, None)
                self.emit("enrolment", s, "enrolled")
            else:
                refused.append(s)
        return loaded, beyond, refused

    # ---- bus ------------------------------------------------------------
    def _set_status(self, status):
        if status != self.status:
            self.status = status
            self.emit("state", status)

    def _on_message(self, bus, msg):
        t = msg.type
        if t == Gst.MessageType.ELEMENT:
            # (levels of the padding after a file's end are not shown)
            st = msg.get_structure()
            if st is not None and st.get_name() == "nmfseparate" and \
                    msg.src == self.sep:
                self._on_levels(st)
        elif t == Gst.MessageType.ERROR:
            self._on_error(msg)
        elif t == Gst.MessageType.WARNING:
            err, dbg = msg.parse_warning()
            self.emit("notice", "warning", "%s: %s" % (msg.src.get_name(),
                                                        err.message))
        elif t == Gst.MessageType.EOS:
            self._on_eos()
        elif t == Gst.MessageType.ASYNC_DONE:
            self._on_async_done()
        elif t == Gst.MessageType.STATE_CHANGED and msg.src == self.pipeline:
            old, new, pending = msg.parse_state_changed()
            if new == Gst.State.PLAYING:
                self._preroll_done()
                self._set_status("playing")
            elif new == Gst.State.PAUSED and self.prerolled and \
                    self.status != "ended":
                self._set_status("paused")
        elif t == Gst.MessageType.LATENCY:
            self.pipeline.recalculate_latency()
        elif t == Gst.MessageType.DURATION_CHANGED:
            self._query_stream()
        return True

    def _preroll_done(self):
        if self.watchdog:
            GLib.source_remove(self.watchdog)
            self.watchdog = 0
        if not self.prerolled:
            self.prerolled = True
            self._query_stream()

    def _on_async_done(self):
        self.seeking = False
        first = not self.prerolled
        self._preroll_done()
        if self.pending_seek is not None:
            t, self.pending_seek = self.pending_seek, None
            self._seek(int(t * Gst.SECOND))
            self.emit("flushed")
            return
        if self.target_playing and self.status != "ended":
            self.pipeline.set_state(Gst.State.PLAYING)
        elif first or self.status == "starting":
            self._set_status("paused")

    def _query_stream(self):
        if self.pipeline is None:
            return
        ok, dur = self.pipeline.query_duration(Gst.Format.TIME)
        self.duration = dur if ok else Gst.CLOCK_TIME_NONE
        caps = self.sep.get_static_pad("sink").get_current_caps() \
            if self.sep is not None else None
        if caps is not None and caps.get_size():
            s = caps.get_structure(0)
            self.rate = s.get_value("rate")
            self.channels = s.get_value("channels")
            self._offer_carried(said_kept=True)
        self.emit("stream-info")

    def _on_levels(self, st):
        if not self.rate:
            self._query_stream()
        # (a field that is not there reads None: one call a field, not two)
        get = st.get_value
        energy = list(get("energy") or [])
        enrol = get("enrolment")
        pos = get("position")
        rt = get("running-time") or 0
        if enrol is not None:
            # the element's state now (the window shows it when heard)
            self.element_enrolled = {i for i, state in enumerate(enrol)
                                     if state == "enrolled"}
        # a plain call (a GObject signal costs more, 20 times a second)
        if self.on_levels is not None:
            self.on_levels(rt, energy, list(enrol) if enrol is not None
                           else None, list(pos) if pos is not None else None)

    def _on_no_audio(self):
        """Main thread: the file ended without a sample (a device that
        ends so has failed, and says why)."""
        if self.pipeline is not None and self.input is not None and \
                not self.input.live:
            self._fail("%s holds no audio (not one sample): nothing to "
                       "separate" % self.input.label)
        return False

    def _on_input_end(self, end):
        """Main thread: the file's last sample entered the element, at
        stream time `end` (the silence after it is the feed's)."""
        if self.pipeline is None or self.input is None or self.input.live:
            return False
        self.input_end = end
        for b in self.record_branches:
            b.stop_at_time(end)
        return False

    def check_end(self):
        """Called a few times a second: a file ends when its last sample is
        heard (what follows is the padding)."""
        if self.input_end is None or self.status != "playing":
            return
        if int(self._stream_position() * Gst.SECOND) < self.input_end:
            return
        # the test's monitor (an appsink) answers a buffer's end as its
        # position before it has handed the buffer on: paused then, it
        # never would (the last 10 ms were not heard). A card's position is
        # what it played. (Not a margin past the end: a stream whose
        # segment stops there, as Ogg's does, never gets past it.)
        if self.monitor is not None and self.monitor.heard_end < self.input_end:
            return
        self._on_eos()

    def _on_eos(self):
        if self.status == "ended":
            return
        self.eos_seen = True
        self.target_playing = False
        if self.input is not None and not self.input.live:
            self.pipeline.set_state(Gst.State.PAUSED)
            if self.record_state == "on":
                # the take ends at the file's last sample, which has been
                # heard; should no buffer have reached its stop (a stream
                # cut short of it), it is closed all the same
                GLib.timeout_add(1500, self._stop_recording_late,
                                 list(self.record_branches))
        self._set_status("ended")
        if self.monitor is not None:
            self.monitor.write()
        self.emit("eos")

    def _on_error(self, msg):
        err, dbg = msg.parse_error()
        src = msg.src
        names = set()
        obj = src
        while obj is not None and obj is not self.pipeline:
            names.add(obj.get_name())
            obj = obj.get_parent()
        if "audiosink" in names and self.sink_kind != "monitor":
            # a sound card that cannot open: go on without sound (the
            # errors that follow from the same sink are the same news)
            if not self.sink_failed:
                self.sink_failed = True
                self.emit("notice", "warning",
                          "The audio output could not be opened (%s): "
                          "playing on without sound. Check the sound server "
                          "or choose another output with --audio-sink."
                          % err.message)
                GLib.idle_add(self._reopen_after_sink_failure,
                              self.pipeline, self.target_playing)
            return
        if any(n.startswith(TAKE_PREFIX) for n in names):
            # a take's file could not be written (a full disk): the take
            # ends, the sound goes on (it stopped everything, the take
            # never closed)
            self._take_failed(names, err.message)
            return
        if names & {"input", "inqueue", "inconv", "inres", "incaps", "insplit"}:
            if self.input.kind == "file" and not os.path.exists(
                    self.input.path):
                # opened again (a restart) after it went: GStreamer says
                # "Resource not found."
                text = gone_text(self.input.path)
            elif self.input.kind == "file" and not self.linked_audio and \
                    "not-linked" in (dbg or ""):
                # a file with streams but none of sound (a video, a
                # picture): its demuxer's "Internal data stream error"
                # comes before decodebin's no-more-pads reaches us
                if self.status == "error":
                    return
                text = self._no_audio_text()
            elif self.input.kind == "file" and \
                    os.path.getsize(self.input.path) == 0:
                # (GStreamer says "Stream contains no data.")
                text = "%s is empty (0 bytes): nothing to play" % \
                    self.input.label
            elif self.input.kind == "file":
                text = "%s cannot be played: %s" % (self.input.label,
                                                   err.message)
            else:
                text = ("The capture device (%s) failed: %s. Connect a "
                        "microphone or choose another input." %
                        (self.input.label, err.message.rstrip(".")))
        else:
            text = "%s: %s" % (src.get_name() if src else "pipeline",
                               err.message)
        self._fail(text)

    def _take_failed(self, names, why):
        """An error from a take's elements: the branch that failed holds
        what it wrote, sealed; the others end as at a stop; one notice.
        Its later errors (the queue's "Internal data stream error"), and
        errors of a branch already gone, are the same news."""
        failed = [b for b in self.record_branches
                  if any(e.get_name() in names for e in b.elements)]
        if not failed:
            return
        for b in failed:
            with b.lock:
                b.stopped = True
            b.failed = True
            b.finished.set()    # no EOS will reach its file
        self.emit("notice", "error", "The take in %s could not be written "
                  "(%s): it is stopped, what was written is kept, and the "
                  "sound goes on." % (self.record_dir, why.rstrip(".")))
        self._finish_recording_now()

    def _reopen_after_sink_failure(self, pipeline, play):
        # Not when the pipeline failed meanwhile: a sound server that goes
        # away takes the microphone with the output, whose errors come
        # first as often as not; reopened, the microphone failed again and
        # its second error (another message) took the first one's place.
        if pipeline is not self.pipeline or self.status == "error":
            return False
        if self.input is not None:
            pos = None if self.input.live else self.position()
            self.open(self.input, position=pos, play=play)
        return False


class BuildError(Exception):
    pass


def read_set(meta):
    """set.json as save_dictionaries writes it, its sources keyed by
    number; ValueError saying what is wrong otherwise (a set.json of
    another program, or edited by hand, was a Python traceback)."""
    if not isinstance(meta, dict):
        raise ValueError("not a JSON object")
    rate = meta.get("rate")
    if rate is not None and (isinstance(rate, bool) or
                             not isinstance(rate, (int, float)) or rate < 0):
        raise ValueError("its rate is %s, not a number of Hz" % json.dumps(rate))
    sources = meta.get("sources", {})
    if not isinstance(sources, dict):
        raise ValueError("its sources are not an object of source numbers")
    out = {}
    for key, entry in sources.items():
        if not key.isdigit() or int(key) >= 1 << 31:
            raise ValueError("source %s is not a source number (0, 1, ...)"
                             % json.dumps(key))
        if not isinstance(entry, dict) or not isinstance(entry.get("file"),
                                                         str):
            raise ValueError("source %s has no file name" % key)
        out[int(key)] = entry
    return dict(meta, rate=rate, sources=out)


PACKAGE_OF = {
    "nmfseparate": "gst-nmf: set GST_PLUGIN_PATH to its build's plugin/ "
                   "directory, or meson install it",
    "gtksink": "gstreamer1.0-gtk3",
    "uridecodebin": "gstreamer1.0-plugins-base",
    "audiomixer": "gstreamer1.0-plugins-base",
    "wavenc": "gstreamer1.0-plugins-good",
    "autoaudiosink": "gstreamer1.0-plugins-good",
    "autoaudiosrc": "gstreamer1.0-plugins-good",
}


def gone_text(path):
    """What to say of a file that went while the desk had it open."""
    return ("%s is no longer there (moved or deleted since it was opened): "
            "open it where it is now" % os.path.basename(path))


def effective_hop(sep):
    """hop-size in force: 0 means fft-size / 4 (docs/element.md)."""
    hop = sep.get_property("hop-size")
    return hop if hop > 0 else max(1, sep.get_property("fft-size") // 4)


# of a take's file name (the file system takes 255 bytes: a longer name
# typed for a source failed the take, and stopped the separation)
NAME_CHARS = 60


def safe_name(name, i):
    out = "".join(c if (c.isalnum() or c in "-_") else "-" for c in name.strip())
    out = out.strip("-")[:NAME_CHARS].strip("-")
    return out or "source-%d" % i
