#!/usr/bin/python3
"""Does a source keep its index when the sources take turns?  From a
corpus mixture's images, build a stream where source 0 plays alone
(0-5 s), then source 1 alone (5-10 s), then both (10-20 s) (three sources:
each alone for 4 s, then all), run a prototype (causal), and report for
every segment which output carries which source (bss_eval permutation of
that segment, scored against the images restricted to it) and the SDR.
A stable separator gives the same assignment in every segment.

    /usr/bin/python3 alternating.py MIXDIR MODULE:FUNC ['k=v,...']
"""
import os
import sys

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import importlib
import json

import numpy as np
import mir_eval

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference as ref  # noqa: E402
from evaluate import parse_kw  # noqa: E402


def main():
    if len(sys.argv) < 3 or sys.argv[1] in ("-h", "--help"):
        sys.exit(__doc__)
    d, spec = sys.argv[1], sys.argv[2]
    kw = parse_kw(sys.argv[3] if len(sys.argv) > 3 else "")
    sr, mix, imgs, meta = ref.load_mixture(d)
    S, M, N = imgs.shape
    seg = 5.0 if S == 2 else 4.0
    gates = np.zeros((S, N))
    bounds = []
    for s in range(S):
        a, b = int(s * seg * sr), int((s + 1) * seg * sr)
        gates[s, a:b] = 1.0
        bounds.append((a, b, [s]))
    a = int(S * seg * sr)
    gates[:, a:] = 1.0
    bounds.append((a, N, list(range(S))))
    # short fades so the gates do not click
    ramp = int(0.02 * sr)
    k = np.ones(ramp) / ramp
    gates = np.stack([np.convolve(g, k, mode="same") for g in gates])
    imgs = imgs * gates[:, None, :]
    mix = imgs.sum(axis=0)
    mod, func = spec.split(":")
    f = getattr(importlib.import_module(mod), func)
    est = f(mix, sr, S, meta, **kw)
    if isinstance(est, tuple):
        est = est[0]
    est = np.asarray(est)[:, 0]
    rows = []
    for a, b, active in bounds:
        if len(active) == 1:
            s = active[0]
            # which output holds the active source: the one with most of its energy
            e = [float(np.sum(est[j, a:b] ** 2)) for j in range(S)]
            j = int(np.argmax(e))
            rows.append(dict(segment="%.0f-%.0f s" % (a / sr, b / sr), active=active,
                             output_of_source={s: j},
                             energy_share=round(e[j] / max(sum(e), 1e-30), 3)))
        else:
            sdr, sir, sar, perm = mir_eval.separation.bss_eval_sources(imgs[:, 0, a:b], est[:, a:b])
            rows.append(dict(segment="%.0f-%.0f s" % (a / sr, b / sr), active=active,
                             output_of_source={s: int(perm[s]) for s in range(S)},
                             sdr=[round(float(v), 2) for v in sdr]))
    stable = all(r["output_of_source"][s] == rows[-1]["output_of_source"][s]
                 for r in rows[:-1] for s in r["output_of_source"])
    print(json.dumps(dict(mixture=meta["name"], prototype=spec, kw=kw, segments=rows,
                          stable=stable), indent=1))


if __name__ == "__main__":
    main()
