#!/usr/bin/python3
"""How much of the blind gap is grouping: the streaming model's components,
grouped after the fact (issue 4; a diagnostic, not part of the element).

Runs the element's separator (core_separate.c, as core_eval.py does) with
as many sources as components, so that every component comes out as its
own signal (its soft mask applied to the mixture), then groups those K
signals into the mixture's S sources once for the whole file:
  oracle  each component to the true source it correlates with most
  blind   k-means (20 starts) on the cepstra of each component's mean
          magnitude spectrum (batch_grouping.py's features), weighted by
          the component's energy
and scores the sums like evaluate.py.  Compare with the element's own
streaming grouping at the same settings (core_eval.py --args "...").

  stream_grouping.py CORPUS [--build-dir build] [--components 16]
                     [--args "--bands-per-octave 24 --iterations 4"]
                     [--repeat R] [--segments N]

--repeat R feeds the mixture R times in a row and scores the last copy: the
model then starts that copy warm from the whole file (R = 2 with a window
as long as the file is what batch NMF sees), which separates what the
streaming model can represent from what it has had time to learn.

Run with Debian's /usr/bin/python3.
"""
import os
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import shlex
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import scipy.io.wavfile
from sklearn.cluster import KMeans

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evaluate as ev  # noqa: E402
from batch_grouping import cepstra  # noqa: E402
from core_eval import build_harness  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--components", type=int, default=16)
    ap.add_argument("--args", default="")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--segments", type=int, default=0)
    a = ap.parse_args()
    R = max(1, a.repeat)
    K = a.components
    exe = build_harness(os.path.abspath(a.build_dir))
    means = {"oracle": [], "blind": []}
    parts = {"oracle": [], "blind": []}
    print("| mixture | oracle SDR | blind SDR |\n|---|---:|---:|")
    for name in ev.list_mixtures(a.corpus):
        d = os.path.join(a.corpus, name)
        sr, mix, refs = ev.load_mixture(d)
        S = len(refs)
        n = len(mix)
        out = tempfile.mkdtemp(prefix="nmf-stream-grouping-")
        inp = os.path.join(d, "mix.wav")
        if R > 1:
            inp = os.path.join(out, "repeated.wav")
            scipy.io.wavfile.write(inp, sr, np.tile(mix, R).astype(np.float32))
        subprocess.run([exe, "--sources", str(K), "--components", str(K)] +
                       shlex.split(a.args) + [inp, out],
                       check=True, stdout=subprocess.DEVNULL)
        comps = np.stack([ev.fit_length(ev.read_wav(os.path.join(out, "est_%d.wav" % k))[1],
                                        R * n)[(R - 1) * n:] for k in range(K)])
        shutil.rmtree(out, ignore_errors=True)
        spectra = np.stack([np.abs(ev.stft(c, sr)).mean(1) for c in comps]).T
        groups = {
            "oracle": (comps @ refs.T).argmax(1),
            "blind": KMeans(n_clusters=S, n_init=20, random_state=0).fit(
                cepstra(spectra + 1e-12, sr), sample_weight=(comps ** 2).sum(1)).labels_,
        }
        row = []
        for label in ("oracle", "blind"):
            g = groups[label]
            ests = np.stack([comps[g == s].sum(0) if (g == s).any() else np.zeros(len(mix))
                             for s in range(S)])
            sdr = float(np.mean(ev.evaluate_estimates(refs, ests, sr, sr)["sdr"]))
            means[label].append(sdr)
            if a.segments > 0:
                cuts = [i * n // a.segments for i in range(a.segments + 1)]
                parts[label].append([float(np.mean(ev.evaluate_estimates(
                    refs[:, b:e], ests[:, b:e], sr, sr)["sdr"])) for b, e in zip(cuts, cuts[1:])])
            row.append(sdr)
        print("| %s | %.2f | %.2f |" % (name, row[0], row[1]), flush=True)
    print("| **mean** (K = %d %s, repeat %d) | **%.2f** | **%.2f** |" % (
        K, a.args, R, np.mean(means["oracle"]), np.mean(means["blind"])))
    for label in ("oracle", "blind") if a.segments > 0 else ():
        print("%s grouping, mean SDR per %d-th of the file: %s" % (
            label, a.segments, " ".join("%.2f" % v for v in np.mean(parts[label], 0))))
    shutil.rmtree(os.path.dirname(exe), ignore_errors=True)


if __name__ == "__main__":
    main()
