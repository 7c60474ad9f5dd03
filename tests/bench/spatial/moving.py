#!/usr/bin/python3
"""Panned mixes whose geometry changes in the middle of the stream: does
the spatial stage follow?  From each panned 2-source mixture of a spatial
corpus (run.sh builds it; its images are gains times the dry sources), or
each 3-source one with --three, four 20 s variants are made, the change at
10 s:

    jump-out   source 0's pan jumps away from the other's (by 0.4)
    jump-in    source 0's pan jumps towards the other's (by 0.4 of the gap)
    new-mix    every pan moves 40 % of the way to the centre (the next
               track of a gapless playlist, mixed narrower)
    sweep      source 0's pan moves linearly by 0.4 over the last 10 s

each fed to nmfseparate (the element's defaults, or PROPS) as one stream.
Scored per second against the images (the time-varying gains times the
dry sources), with the permutation that fits the first half (a source
that changes pads at the change is an error): the worse pad's SDR
(energy ratio, both channels).  Printed per mixture and variant: the mean
worse-pad SDR over seconds 5-10 (before), 10-12, 12-15 and 15-20 (after),
and how many seconds after the change the worse pad stays above 20 dB.

    GST_PLUGIN_PATH=build/plugin /usr/bin/python3 moving.py [--three] \\
        [CORPUS [PROPS]]      (default /tmp/gst-nmf-spatial, no properties)
"""
import itertools
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


def variants(pans, n, rate):
    """name -> the sources' pans, per sample (source 0 moves; new-mix
    moves every source)."""
    c = int(CHANGE_S * rate)
    p0, p1 = pans[0], pans[1]
    away = -1.0 if p0 < min(pans[1:]) else 1.0 if p0 > max(pans[1:]) \
        else (-1.0 if p0 < p1 else 1.0)
    fixed = [np.full(n, p) for p in pans]
    out = {}
    a = np.full(n, p0)
    a[c:] = np.clip(p0 + 0.4 * away, -0.95, 0.95)
    out["jump-out"] = [a] + fixed[1:]
    a = np.full(n, p0)
    a[c:] = p0 + 0.4 * (p1 - p0)
    out["jump-in"] = [a] + fixed[1:]
    # every pan towards the centre (the next track mixed narrower: each
    # source moves, none crosses another)
    narrow = []
    for p in pans:
        a = np.full(n, p)
        a[c:] = 0.6 * p
        narrow.append(a)
    out["new-mix"] = narrow
    ramp = np.clip((np.arange(n) - c) / float(n - c), 0.0, 1.0)
    a = p0 + 0.4 * away * ramp
    out["sweep"] = [np.clip(a, -0.95, 0.95)] + fixed[1:]
    return out


def score(ys, imgs, rate):
    """Per-second worse-pad SDR, the permutation of the first half."""
    S = len(imgs)
    n = min(len(ys[0]), len(imgs[0]))
    half = int(CHANGE_S * rate)

    def sdr(y, t):
        e = y - t
        return 10 * np.log10((t * t).sum() / ((e * e).sum() + 1e-30) + 1e-30)
    perm = max(itertools.permutations(range(S)), key=lambda pm: min(
        sdr(ys[k][:half], imgs[pm[k]][:half]) for k in range(S)))
    secs = []
    for s0 in range(0, n // rate):
        sl = slice(s0 * rate, (s0 + 1) * rate)
        secs.append(min(sdr(ys[k][sl], imgs[perm[k]][sl]) for k in range(S)))
    return np.array(secs)


def main():
    if sys.argv[1:2] in (["-h"], ["--help"]):
        sys.exit(__doc__)
    args = sys.argv[1:]
    three = "--three" in args
    args = [a for a in args if a != "--three"]
    corpus = args[0] if len(args) > 0 else "/tmp/gst-nmf-spatial"
    props = args[1] if len(args) > 1 else ""
    Gst.init(None)
    meta = json.load(open(os.path.join(corpus, "corpus.json")))
    group = "panned3" if three else "panned2"
    names = [m for m in meta["mixtures"] if meta["groups"].get(m) == group]
    cols = ("5-10", "10-12", "12-15", "15-20", "s>20")
    print("%-26s %-9s %s" % ("mixture", "variant",
                             " ".join("%7s" % c for c in cols)))
    table = {}
    for name in names:
        d = os.path.join(corpus, name)
        m = json.load(open(os.path.join(d, "meta.json")))
        rate = m["sample_rate"]
        S = m["n_sources"]
        dry = []
        for j in range(S):
            img = wavfile.read(os.path.join(d, "image_%d.wav" % j))[1]
            dry.append(img[:, 0].astype(np.float64) / m["gains_lr"][j][0])
        n = len(dry[0])
        for var, pans in variants(m["pan"], n, rate).items():
            imgs = []
            for j in range(S):
                gl, gr = gains(pans[j])
                imgs.append(np.stack([gl * dry[j], gr * dry[j]], axis=1))
            mix = sum(imgs)
            ys = separate(mix.astype(np.float32), rate, props, S)
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
