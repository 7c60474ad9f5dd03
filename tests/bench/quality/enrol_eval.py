#!/usr/bin/python3
"""Enrolment against dictionaries learned offline, on the same material.

For every mixture of a corpus (make_corpus.py), one stream: each source's
training clip alone (train_<k>.wav, other notes or sentences than the
mixture), one after the other with a second of silence before each, then
the mixture.  The element runs on it with enrol-source set to k while clip
k plays (set in the streaming thread at the exact sample, by a pad probe)
and back to -1 after it; the SDR is measured on the mixture part.  The
offline anchor: `nmftool learn` on each clip (the same components and
shifts), the dictionaries given to the element through its `dictionaries`
property, on the same stream (so that both runs see the same audio before
the mixture, and are scored on the same samples).

  enrol_eval.py CORPUS [--build-dir DIR] [--components 32] [--shifts 2]
                [--props "..."] [--only m1,m2] [--jobs 2]

Prints a Markdown table per mixture (enrolled, offline, difference) and the
means.  Run with Debian's /usr/bin/python3 (python3-gst-1.0, numpy, scipy,
mir_eval).
"""
import os
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import json
import multiprocessing
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evaluate as ev  # noqa: E402

GAP_S = 1.0


def build_stream(d, n_src, sr):
    """(stream, mixture start sample, [(start, end) of each solo clip])."""
    parts, solos, pos = [], [], 0
    for k in range(n_src):
        srk, clip = ev.read_wav(os.path.join(d, "train_%d.wav" % k))
        assert srk == sr
        gap = np.zeros(int(GAP_S * sr))
        parts += [gap, clip]
        solos.append((pos + len(gap), pos + len(gap) + len(clip)))
        pos += len(gap) + len(clip)
    sr, mix, refs = ev.load_mixture(d)
    parts.append(mix)
    return np.concatenate(parts).astype(np.float32), pos, solos, mix, refs


def run_stream(build_dir, stream, sr, n_src, props, solos):
    """The element on the stream; solos: enrol each (None: no enrolment).
    Returns the n_src outputs (float arrays, the stream's length)."""
    script = r'''
import sys, json, numpy as np
import gi
gi.require_version("Gst", "1.0")
from gi.repository import Gst
Gst.init(None)
a = json.loads(sys.argv[1])
x = np.fromfile(a["input"], dtype=np.float32)
pipe = Gst.parse_launch(
    "appsrc name=in format=time caps=audio/x-raw,format=F32LE,layout=interleaved,"
    "rate=%d,channels=1 ! nmfseparate name=s n-sources=%d %s %s"
    % (a["sr"], a["n"], a["props"], " ".join(
        "s.src_%d ! appsink name=o%d sync=false" % (k, k) for k in range(a["n"]))))
sep = pipe.get_by_name("s")
outs = [[] for _ in range(a["n"])]
def on_sample(sink, k):
    b = sink.emit("pull-sample").get_buffer()
    outs[k].append(np.frombuffer(b.extract_dup(0, b.get_size()), dtype=np.float32))
    return Gst.FlowReturn.OK
for k in range(a["n"]):
    s = pipe.get_by_name("o%d" % k)
    s.set_property("emit-signals", True)
    s.connect("new-sample", on_sample, k)
# enrolment switched in the streaming thread, at the buffer holding the
# boundary: buffers are cut at the boundaries below
events = []
for k, (b, e) in enumerate(a["solos"] or []):
    events += [(b, k), (e, -1)]
def probe(pad, info):
    b = info.get_buffer()
    first = Gst.util_uint64_scale_round(b.pts, a["sr"], Gst.SECOND)
    for pos, k in events:
        if pos == first:
            sep.set_property("enrol-source", k)
    return Gst.PadProbeReturn.OK
sep.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, probe)
src = pipe.get_by_name("in")
src.set_property("block", True)
bus = pipe.get_bus()
pipe.set_state(Gst.State.PLAYING)
ends = {e: k for k, (b, e) in enumerate(a["solos"] or [])}
def wait_learned(k):
    """The learning takes a few seconds: in real time it is done while the
    next clip plays; pushing as fast as we can, wait for it (the templates
    go in at the next buffer)."""
    while True:
        m = bus.timed_pop_filtered(300 * Gst.SECOND,
            Gst.MessageType.ELEMENT | Gst.MessageType.ERROR | Gst.MessageType.WARNING)
        if m is None or m.type != Gst.MessageType.ELEMENT:
            sys.exit("no enrolment of source %d: %s" % (k, m and m.parse_warning()))
        st = m.get_structure()
        if (st.get_name() == "nmfseparate-enrolment" and st.get_value("source") == k
                and st.get_value("state") == "learned"):
            return
cuts = sorted(set([0, len(x)] + [p for p, _ in events]))
for b, e in zip(cuts[:-1], cuts[1:]):
    for i in range(b, e, 4096):
        j = min(e, i + 4096)
        buf = Gst.Buffer.new_wrapped(x[i:j].tobytes())
        buf.pts = Gst.util_uint64_scale_round(i, Gst.SECOND, a["sr"])
        buf.duration = Gst.util_uint64_scale_round(j, Gst.SECOND, a["sr"]) - buf.pts
        src.emit("push-buffer", buf)
        if i == b and b in ends:
            # this buffer ended enrolment k; its templates are installed at
            # a later buffer
            wait_learned(ends[b])
src.emit("end-of-stream")
msg = bus.timed_pop_filtered(600 * Gst.SECOND,
    Gst.MessageType.EOS | Gst.MessageType.ERROR)
ok = msg is not None and msg.type == Gst.MessageType.EOS
pipe.set_state(Gst.State.NULL)
if not ok:
    sys.exit("element failed: %s" % (msg.parse_error() if msg else "timeout"))
for k in range(a["n"]):
    np.concatenate(outs[k]).tofile(a["output"] + "%d" % k)
'''
    with tempfile.TemporaryDirectory(prefix="nmf-enrol-") as tmp:
        inp = os.path.join(tmp, "in.f32")
        stream.tofile(inp)
        arg = json.dumps(dict(input=inp, output=os.path.join(tmp, "out"),
                              sr=sr, n=n_src, props=props, solos=solos))
        r = subprocess.run(["/usr/bin/python3", "-c", script, arg],
                           env=ev.gst_env(build_dir), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=1200)
        if r.returncode != 0:
            raise RuntimeError(r.stdout[-2000:])
        return [np.fromfile(os.path.join(tmp, "out%d" % k), dtype=np.float32)
                for k in range(n_src)]


def work(task):
    name, a = task
    d = os.path.join(a.corpus, name)
    meta = json.load(open(os.path.join(d, "meta.json")))
    n_src = len(meta["sources"])
    sr, _ = ev.read_wav(os.path.join(d, "mix.wav"))
    stream, start, solos, mix, refs = build_stream(d, n_src, sr)
    res = dict(name=name)
    # enrolled from the solo clips
    outs = run_stream(a.build_dir, stream, sr, n_src,
                      "%s enrol-components=%d enrol-shifts=%d"
                      % (a.props, a.components, a.shifts), solos)
    assert all(len(o) == len(stream) for o in outs), "sample counts"
    ests = np.stack([o[start:start + len(mix)] for o in outs]).astype(np.float64)
    res["enrolled"] = float(np.mean(ev.evaluate_estimates(refs, ests, sr, sr)["sdr"]))
    # offline: nmftool learn on the same clips, the dictionaries property
    with tempfile.TemporaryDirectory(prefix="nmf-dict-") as tmp:
        prop, _ = ev.learn_dictionaries(d, n_src, a.build_dir, "%d:%d"
                                        % (a.components, a.shifts), tmp, 2048, 512)
        outs = run_stream(a.build_dir, stream, sr, n_src,
                          "%s dictionaries=%s" % (a.props, prop), None)
    ests = np.stack([o[start:start + len(mix)] for o in outs]).astype(np.float64)
    res["offline"] = float(np.mean(ev.evaluate_estimates(refs, ests, sr, sr)["sdr"]))
    return res


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("corpus")
    p.add_argument("--build-dir", default=os.path.normpath(os.path.join(HERE, "../../../build")))
    p.add_argument("--components", type=int, default=32)
    p.add_argument("--shifts", type=int, default=2)
    p.add_argument("--props", default="", help="more nmfseparate properties, both runs")
    p.add_argument("--only", default=None)
    p.add_argument("--jobs", type=int, default=2)
    a = p.parse_args()
    names = ev.list_mixtures(a.corpus, a.only)
    with multiprocessing.Pool(a.jobs) as pool:
        results = pool.map(work, [(n, a) for n in names])
    print("| mixture | enrolled | offline dictionaries | difference |")
    print("|---|---:|---:|---:|")
    for r in results:
        print("| %s | %.2f | %.2f | %+.2f |" % (r["name"], r["enrolled"], r["offline"],
                                               r["enrolled"] - r["offline"]))
    e = np.mean([r["enrolled"] for r in results])
    o = np.mean([r["offline"] for r in results])
    print("| **mean** | **%.2f** | **%.2f** | **%+.2f** |" % (e, o, e - o))
    print("\nmean SDR on the mixture part (dB); %d mixtures; reproduce: %s"
          % (len(results), " ".join(sys.argv)))


if __name__ == "__main__":
    main()
