#!/usr/bin/python3
"""Panned two-source mixes joined part-way in: does the demixing find the
sources from any start?  Each panned 2-source mixture of a spatial corpus
(run.sh builds it) is fed to nmfseparate from 0, 2.5, ... 12.5 s (a stream
joined late, a file cut), at the element's defaults or PROPS; printed per
mixture and start: the SDR of the worse pad against its image (best
permutation), after the first 3 s of the stream (plain energy ratio on the
full band, both channels), then the mean, the minimum and how many starts
are below 20 dB.

    GST_PLUGIN_PATH=build/plugin /usr/bin/python3 start_offsets.py \\
        [CORPUS [PROPS]]      (default /tmp/gst-nmf-spatial, no properties)
"""
import itertools
import json
import os
import sys

import numpy as np
import scipy.io.wavfile as wavfile
import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

OFFSETS = (0.0, 2.5, 5.0, 7.5, 10.0, 12.5)
SETTLE_S = 3.0


def separate(x, rate, props, sources=2):
    """x: frames x 2 float32; the pads' outputs, frames x 2 each."""
    p = Gst.parse_launch(
        "appsrc name=a format=time ! nmfseparate name=s n-sources=%d %s " %
        (sources, props) + " ".join(
            "s.src_%d ! appsink name=o%d sync=false" % (k, k)
            for k in range(sources)))
    a = p.get_by_name("a")
    a.set_property("caps", Gst.Caps.from_string(
        "audio/x-raw,format=F32LE,layout=interleaved,rate=%d,channels=2"
        % rate))
    sinks = [p.get_by_name("o%d" % k) for k in range(sources)]
    for s in sinks:
        s.set_property("max-buffers", 0)
    p.set_state(Gst.State.PLAYING)
    out = [[] for _ in range(sources)]
    step = 4096
    for i in range(0, len(x), step):
        blk = np.ascontiguousarray(x[i:i + step], dtype=np.float32)
        b = Gst.Buffer.new_wrapped(blk.tobytes())
        b.pts = i * Gst.SECOND // rate
        a.emit("push-buffer", b)
        # keep the appsinks' queues short
        for k, s in enumerate(sinks):
            while True:
                smp = s.emit("try-pull-sample", 0)
                if smp is None:
                    break
                buf = smp.get_buffer()
                out[k].append(buf.extract_dup(0, buf.get_size()))
    a.emit("end-of-stream")
    for k, s in enumerate(sinks):
        while True:
            smp = s.emit("try-pull-sample", 30 * Gst.SECOND)
            if smp is None:
                break
            buf = smp.get_buffer()
            out[k].append(buf.extract_dup(0, buf.get_size()))
    p.set_state(Gst.State.NULL)
    return [np.frombuffer(b"".join(o), dtype=np.float32).reshape(-1, 2)
            .astype(np.float64) for o in out]


def main():
    if sys.argv[1:2] in (["-h"], ["--help"]):
        sys.exit(__doc__)
    corpus = sys.argv[1] if len(sys.argv) > 1 else "/tmp/gst-nmf-spatial"
    props = sys.argv[2] if len(sys.argv) > 2 else ""
    Gst.init(None)
    meta = json.load(open(os.path.join(corpus, "corpus.json")))
    names = [m for m in meta["mixtures"]
             if meta["groups"].get(m) == "panned2"]
    worst = []
    print("%-28s %s" % ("mixture \\ start (s)",
                        " ".join("%7.1f" % o for o in OFFSETS)))
    for name in names:
        d = os.path.join(corpus, name)
        rate, mix = wavfile.read(os.path.join(d, "mix.wav"))
        imgs = [wavfile.read(os.path.join(d, "image_%d.wav" % j))[1]
                .astype(np.float64) for j in range(2)]
        row = []
        for off_s in OFFSETS:
            off = int(off_s * rate)
            ys = separate(mix[off:].astype(np.float32), rate, props)
            a = int(SETTLE_S * rate)
            best = None
            for perm in itertools.permutations(range(2)):
                sdr = []
                for k in range(2):
                    t = imgs[perm[k]][off + a:]
                    e = ys[k][a:] - t
                    sdr.append(10 * np.log10((t * t).sum() /
                                             ((e * e).sum() + 1e-30)))
                if best is None or np.mean(sdr) > np.mean(best):
                    best = sdr
            row.append(min(best))
        worst += row
        print("%-28s %s" % (name, " ".join("%7.1f" % v for v in row)),
              flush=True)
    w = np.array(worst)
    print("worse pad's SDR over %d starts: mean %.1f dB, min %.1f dB, "
          "below 20 dB: %d" % (len(w), w.mean(), w.min(), (w < 20).sum()))


if __name__ == "__main__":
    main()
