#!/usr/bin/python3
"""The desk's enrolment from a capture device, as a live demo does it.

    test_desk_enrol_live.py DESK_MODULE_DIR

The "microphone" is autoaudiosrc made to take interaudiosrc (as in
test_desk_capture.py), fed in real time by an appsrc ! interaudiosink
pipeline in this process: source 0 alone, source 1 alone, then the two
together. The window's enrol buttons are held while each plays alone (by
the feeder's position: what the room hears), the mixture is played once
both show "enrolled", and the desk records. Checks:
  - the states shown: blind, enrolling while held, then learning or
    enrolled, enrolled once learned (the element's own states agree);
  - the enrolment covers what was heard while the button was held: the
    frames the element kept start and end within 0.15 s of the press and
    the release. The output is held back 1.4 s just before the press (a
    sound card starting late): the queue after the capture then holds
    0.65 s, and the element, given enrol-source at the press, kept 0.69 s
    of what came before it;
  - the recorded sources on the mixture: each is its own source (SDR of
    recording k against source k, by projection, at least 6 dB);
  - the enrolled set saved, then loaded into a new desk on the same
    microphone: both sources show enrolled, no error.
Exit 77 (skip) without xvfb-run, GTK, gtksink, interaudiosrc or numpy.
"""
import functools
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from desk_support import (  # noqa: E402
    check, gst_with, read_wav, report, skip, spin_for, under_xvfb)


def main():
    module_dir = sys.argv[1]
    code = under_xvfb(__file__, "NMF_DESK_ENROL_UNDER_XVFB")
    if code is not None:
        return code
    GLib, Gst, _ = gst_with(("gtksink", "interaudiosrc", "interaudiosink",
                               "nmfseparate"), also=("numpy",))
    sys.path.insert(0, module_dir)
    from nmfdesk import engine as eng
    if not eng.Engine.has_enrolment():
        skip(eng.NO_ENROLMENT)
    work = tempfile.mkdtemp(prefix="nmf-desk-enrol-live-")
    try:
        run(GLib, Gst, eng, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report()


def make_sources(rate, seconds, seed):
    """Two sources of other timbres and registers: low notes with every
    harmonic, high notes with odd harmonics; the first half of each for its
    solo, the second half for the mixture (other notes)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    out = []
    for low, harmonics in ((45, range(1, 9)), (72, range(1, 12, 2))):
        x, n = [], 0
        while n < seconds * rate:
            # notes of random pitch and length: no two seconds alike
            t = np.arange(int(rng.uniform(0.12, 0.4) * rate)) / rate
            env = np.minimum(1.0, t / 0.01) * np.exp(-3.0 * t)
            f = 440.0 * 2 ** ((low + rng.integers(0, 12) - 69) / 12.0)
            x.append(env * sum(np.sin(2 * np.pi * f * h * t) / h
                               for h in harmonics if f * h < rate / 2))
            n += len(t)
        x = np.concatenate(x)[:int(seconds * rate)]
        out.append(0.1 * x / np.sqrt(np.mean(x ** 2)))
    return out


def run(GLib, Gst, eng, work):
    import numpy as np
    from nmfdesk.window import DeskWindow

    ctx = GLib.MainContext.default()
    e = eng.Engine(audio_sink="fakesink sync=true")
    win = DeskWindow(e)
    e.open(eng.Input("device", label="default microphone"))
    spin = functools.partial(spin_for, ctx, pause=0.005)
    if not check(spin(10, lambda: e.status == "playing"),
                 "the microphone plays (%s)" % e.status):
        return
    spin(0.5)
    caps = e.sep.get_static_pad("sink").get_current_caps().get_structure(0)
    # fed in the format the microphone opened with: a change of caps
    # starts an enrolment again (and the takes' files keep their format)
    rate, channels = caps.get_value("rate"), caps.get_value("channels")
    check([s.enrol_state for s in win.strips] == ["blind", "blind"],
          "both sources blind at the start")

    # what enters the element, and whether it is enrolling it then
    entered = []

    def probe(pad, info):
        b = info.get_buffer()
        ch = pad.get_current_caps().get_structure(0).get_value("channels")
        entered.append((np.frombuffer(b.extract_dup(0, b.get_size()),
                                      dtype=np.float32)[::ch].copy(),
                        e.sep.get_property("enrol-source")))
        return Gst.PadProbeReturn.OK
    e.sep.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, probe)

    # the "room": what plays into the microphone, fed 3 s ahead (the
    # main loop is late on a loaded machine: a feeder run dry puts silence
    # in what the desk records, and the mixture is not where it is looked
    # for: with 0.3 s, both recordings scored 0.2 dB once beside the whole
    # suite, and -1.2 / 0.2 dB with the main loop held 0.8 s in the
    # mixture, which passes with 1.5 s)
    SOLO, GAP, MIX = 3.0, 1.0, 4.0
    train = make_sources(rate, 2 * SOLO, 1)
    truth = make_sources(rate, 2 * MIX, 2)
    gap = np.zeros(int(GAP * rate), dtype=np.float32)
    plan = [gap, train[0][:int(SOLO * rate)], gap,
            train[1][:int(SOLO * rate)], gap]
    solos = [(len(gap), len(gap) + int(SOLO * rate))]
    solos.append((solos[0][1] + len(gap), solos[0][1] + len(gap)
                  + int(SOLO * rate)))
    feed = Gst.parse_launch(
        "appsrc name=src format=time max-bytes=0 caps=audio/x-raw,"
        "format=F32LE,layout=interleaved,rate=%d,channels=%d ! "
        "interaudiosink sync=true" % (rate, channels))
    src = feed.get_by_name("src")
    pushed = []

    def fed():
        ok, p = feed.query_position(Gst.Format.TIME)
        return p * rate // Gst.SECOND if ok and p >= 0 else 0

    def feed_more():
        while sum(map(len, pushed)) - fed() < 3.0 * rate:
            if plan:
                x, plan[0] = plan[0][:rate // 50], plan[0][rate // 50:]
                if not len(plan[0]):
                    plan.pop(0)
            else:
                x = np.zeros(rate // 50, dtype=np.float32)
            n0 = sum(map(len, pushed))
            buf = Gst.Buffer.new_wrapped(np.repeat(
                x.astype(np.float32), channels).tobytes())
            buf.pts = Gst.util_uint64_scale_round(n0, Gst.SECOND, rate)
            buf.duration = Gst.util_uint64_scale_round(
                n0 + len(x), Gst.SECOND, rate) - buf.pts
            src.emit("push-buffer", buf)
            pushed.append(x.astype(np.float32))
    feed_more()
    feed.set_state(Gst.State.PLAYING)
    spin = functools.partial(spin_for, ctx, each=feed_more, pause=0.005)
    rec = os.path.join(work, "take")
    e.start_recording(rec, ["low", "high"])

    held, seen = [], [set(), set()]
    for k, (b, end) in enumerate(solos):
        if k == 0:
            # the output held back 1.4 s right before the press: the queue
            # after the capture fills
            spin(20, lambda: fed() >= b - 1.2 * rate)
            pad = e.pipeline.get_by_name("mixer").get_static_pad("src")
            hold = pad.add_probe(Gst.PadProbeType.BLOCK_DOWNSTREAM,
                                 lambda pad, info: Gst.PadProbeReturn.OK)
            spin(1.4)
            pad.remove_probe(hold)
        spin(20, lambda: fed() >= b + 0.2 * rate)
        press = fed()
        win.strips[k]._on_press()
        spin(20, lambda: seen[k].add(win.strips[k].enrol_state) or
             fed() >= end - 0.2 * rate)
        release = fed()
        win.strips[k]._on_release()
        held.append((press, release))
        spin(0.3)
    check(seen[0] == {"enrolling"} and seen[1] == {"enrolling"},
          "enrolling shown while each button is held: %s" % seen)
    after = set()
    learned = spin(40, lambda: after.add(tuple(
        s.enrol_state for s in win.strips)) or all(
        s.enrol_state == "enrolled" for s in win.strips))
    check(learned and e.element_enrolled == {0, 1} and
          after <= {("enrolled", "learning"), ("enrolled", "enrolling"),
                    ("learning", "learning"), ("enrolled", "enrolled"),
                    ("learning", "enrolled")},
          "then learning, then enrolled (states seen %s; the element's "
          "enrolled: %s)" % (sorted(after), sorted(e.element_enrolled)))
    n_mix = int(MIX * rate)
    refs = [t[int(MIX * rate):int(MIX * rate) + n_mix] for t in truth]
    mix_at = sum(map(len, pushed)) + sum(map(len, plan))
    plan.append((refs[0] + refs[1]).astype(np.float32))
    spin(20, lambda: fed() >= mix_at + n_mix + 0.3 * rate)
    done = []
    e.stop_recording(lambda *a: done.append(1))
    spin(10, lambda: bool(done))
    stream = np.concatenate(pushed)

    # which of the audio fed the element kept: each end of what it kept,
    # a second of it found in what was fed (a dropped stretch of the
    # capture would shift one alignment for the whole)
    captured = np.concatenate([d for d, _ in entered])
    offs = np.cumsum([0] + [len(d) for d, _ in entered])

    def fed_at(i, before):
        """where captured sample i is in what was fed"""
        w = rate
        a = i - w if before else i
        seg = captured[max(0, a):max(0, a) + w]
        nn = 1 << int(np.ceil(np.log2(len(stream) + len(seg))))
        c = np.fft.irfft(np.fft.rfft(stream, nn) *
                         np.conj(np.fft.rfft(seg, nn)), nn)
        return int(np.argmax(c[:len(stream)])) + (i - max(0, a))

    for k, (press, release) in enumerate(held):
        rows = [i for i, (_, s) in enumerate(entered) if s == k]
        first = fed_at(offs[rows[0]], False) / rate if rows else float("nan")
        last = fed_at(offs[rows[-1] + 1], True) / rate if rows \
            else float("nan")
        check(abs(first - press / rate) < 0.15 and
              abs(last - release / rate) < 0.15,
              "source %d: the element kept %.2f - %.2f s of what was fed, "
              "the button was held %.2f - %.2f s%s"
              % (k, first, last, press / rate, release / rate,
                 " (after the output was held back)" if k == 0 else ""))

    # the recorded sources on the mixture
    outs = [np.asarray(read_wav(os.path.join(rec, f))[2])[::channels]
            for f in sorted(os.listdir(rec))]
    total = np.sum([o[:min(map(len, outs))] for o in outs], axis=0)
    seg = stream[mix_at:mix_at + n_mix]
    n = 1 << int(np.ceil(np.log2(len(total) + len(seg))))
    c = np.fft.irfft(np.fft.rfft(total, n) * np.conj(np.fft.rfft(seg, n)), n)
    at = int(np.argmax(c[:len(total)]))     # the mixture starts there
    for k in range(2):
        est = outs[k][at:at + n_mix]
        ref = refs[k][:len(est)]
        proj = np.dot(est, ref) / np.dot(ref, ref) * ref
        sdr = 10 * np.log10(np.sum(proj ** 2) /
                            max(1e-12, np.sum((est - proj) ** 2)))
        check(len(est) == n_mix and sdr >= 6.0,
              "recording %d is source %d on the mixture: SDR %.1f dB"
              % (k, k, sdr))

    # the set saved, and loaded into a new desk
    setdir = os.path.join(work, "set")
    saved = win.save_set(setdir, [0, 1])
    check(saved is not None and sorted(saved) == ["0", "1"],
          "the enrolled set saved: %s" % sorted(saved or []))
    feed.set_state(Gst.State.NULL)
    e.teardown()
    win._stop_device_monitor()
    win.destroy()
    e2 = eng.Engine(audio_sink="fakesink sync=true")
    win2 = DeskWindow(e2)
    e2.open(eng.Input("device", label="default microphone"))
    spin_for(ctx, 10, until=lambda: e2.status == "playing")
    spin_for(ctx, 0.5)
    win2.load_set(setdir)
    spin_for(ctx, 3, until=lambda: e2.element_enrolled == {0, 1})
    errors = [x["text"] for x in win2.notices if x["kind"] == "error"]
    check([s.enrol_state for s in win2.strips] == ["enrolled", "enrolled"]
          and e2.element_enrolled == {0, 1} and not errors,
          "the set loaded into a new desk: %s, the element's %s, errors %s"
          % ([s.enrol_state for s in win2.strips],
             sorted(e2.element_enrolled), errors))
    e2.teardown()
    win2._stop_device_monitor()
    win2.destroy()


if __name__ == "__main__":
    sys.exit(main())
