#!/usr/bin/python3
"""Panned two-source mixes whose geometry changes in the middle of the
stream: does the demixing follow?  From each panned 2-source mixture of a
spatial corpus (run.sh builds it; its images are gains times the dry
sources) four 20 s variants are made, the change at 10 s:

    jump-out   source 0's pan jumps away from the other's (by 0.4)
    jump-in    source 0's pan jumps towards the other's (by 0.4 of the gap)
    new-mix    both pans change (the next track of a gapless playlist)
    sweep      source 0's pan moves linearly by 0.4 over the last 10 s

each fed to nmfseparate (the element's defaults, or PROPS) as one stream.
Scored per second against the images (the time-varying gains times the
dry sources), with the permutation that fits the first half (a source
that changes pads at the change is an error): the worse pad's SDR
(energy ratio, both channels).  Printed per mixture and variant: the mean
worse-pad SDR over seconds 5-10 (before), 10-12, 12-15 and 15-20 (after),
and how many seconds after the change the worse pad stays above 20 dB.

    GST_PLUGIN_PATH=build/plugin /usr/bin/python3 moving.py \\
        [CORPUS [PROPS]]      (default /tmp/gst-nmf-spatial, no properties)
"""
import json
import os
import sys

import numpy as np
import scipy.io.wavfile as wavfile

from start_offsets import separate, Gst

CHANGE_S = 10.0


def gains(p):
    t = (np.asarray(p) + 1.0) * np.pi / 4.0
    return np.cos(t), np.sin(t)


def variants(p0, p1, n, rate):
    """name -> (pan of source 0, pan of source 1), per sample."""
    c = int(CHANGE_S * rate)
    away = -1.0 if p0 < p1 else 1.0
    out = {}
    a = np.full(n, p0)
    a[c:] = np.clip(p0 + 0.4 * away, -0.95, 0.95)
    out["jump-out"] = (a, np.full(n, p1))
    a = np.full(n, p0)
    a[c:] = p0 + 0.4 * (p1 - p0)
    out["jump-in"] = (a, np.full(n, p1))
    a, b = np.full(n, p0), np.full(n, p1)
    a[c:] = np.clip(-p1 * 0.8 + 0.1, -0.95, 0.95)
    b[c:] = np.clip(-p0 * 0.8 - 0.1, -0.95, 0.95)
    out["new-mix"] = (a, b)
    a = np.full(n, p0)
    ramp = np.clip((np.arange(n) - c) / float(n - c), 0.0, 1.0)
    a = p0 + 0.4 * away * ramp
    out["sweep"] = (np.clip(a, -0.95, 0.95), np.full(n, p1))
    return out


def score(ys, imgs, rate):
    """Per-second worse-pad SDR, the permutation of the first half."""
    n = min(len(ys[0]), len(imgs[0]))
    half = int(CHANGE_S * rate)
    def sdr(y, t):
        e = y - t
        return 10 * np.log10((t * t).sum() / ((e * e).sum() + 1e-30) + 1e-30)
    straight = min(sdr(ys[k][:half], imgs[k][:half]) for k in range(2))
    crossed = min(sdr(ys[k][:half], imgs[1 - k][:half]) for k in range(2))
    perm = (0, 1) if straight >= crossed else (1, 0)
    secs = []
    for s0 in range(0, n // rate):
        sl = slice(s0 * rate, (s0 + 1) * rate)
        secs.append(min(sdr(ys[k][sl], imgs[perm[k]][sl]) for k in range(2)))
    return np.array(secs)


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else "/tmp/gst-nmf-spatial"
    props = sys.argv[2] if len(sys.argv) > 2 else ""
    Gst.init(None)
    meta = json.load(open(os.path.join(corpus, "corpus.json")))
    names = [m for m in meta["mixtures"]
             if meta["groups"].get(m) == "panned2"]
    cols = ("5-10", "10-12", "12-15", "15-20", "s>20")
    print("%-26s %-9s %s" % ("mixture", "variant",
                             " ".join("%7s" % c for c in cols)))
    table = {}
    for name in names:
        d = os.path.join(corpus, name)
        m = json.load(open(os.path.join(d, "meta.json")))
        rate = m["sample_rate"]
        dry = []
        for j in range(2):
            img = wavfile.read(os.path.join(d, "image_%d.wav" % j))[1]
            dry.append(img[:, 0].astype(np.float64) / m["gains_lr"][j][0])
        n = len(dry[0])
        for var, pans in variants(m["pan"][0], m["pan"][1], n,
                                  rate).items():
            imgs = []
            for j in range(2):
                gl, gr = gains(pans[j])
                imgs.append(np.stack([gl * dry[j], gr * dry[j]], axis=1))
            mix = imgs[0] + imgs[1]
            ys = separate(mix.astype(np.float32), rate, props)
            secs = score(ys, imgs, rate)
            c = int(CHANGE_S)
            after = secs[c:]
            above = len(after)
            for i in range(len(after) - 1, -1, -1):
                if after[i] < 20.0:
                    above = len(after) - 1 - i
                    break
            row = [secs[5:c].mean(), secs[c:c + 2].mean(),
                   secs[c + 2:c + 5].mean(), secs[c + 5:].mean(), above]
            table.setdefault(var, []).append(row)
            print("%-26s %-9s %s" % (name, var, " ".join(
                "%7.1f" % v for v in row)), flush=True)
    print("mean over %d mixtures:" % len(names))
    for var, rows in table.items():
        r = np.array(rows)
        print("%-26s %-9s %s" % ("", var, " ".join(
            "%7.1f" % v for v in r.mean(axis=0))))


if __name__ == "__main__":
    main()
