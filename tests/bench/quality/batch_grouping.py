#!/usr/bin/python3
"""What blind grouping could reach with batch templates: a reference for the
streaming element (issue 4), not part of it.

For every mixture of the corpus: batch KL-NMF (scikit-learn, K components,
whole file) of the magnitude STFT, optionally on a log-frequency band axis
like nmfseparate's bands-per-octave (bins kept below the frequency where
they are N per octave, summed into 1/N-octave bands above; each band's
model spread evenly over its bins).  The components are grouped into the
sources two ways:
  oracle  each component to the source whose ideal ratio mask covers most of
          its model (needs the true sources: the limit of any grouping)
  blind   k-means (20 starts) on the templates' cepstra (DCT 1..13 of the log
          energies in 12-per-octave bands from 50 Hz), each component
          weighted by its total activation
and separated by soft masks (power 2), scored like evaluate.py.

  batch_grouping.py CORPUS [--components 16] [--bands-per-octave 0]

Run with Debian's /usr/bin/python3.
"""
import os
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import sys
import warnings

import numpy as np
import scipy.fft
from sklearn.cluster import KMeans
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evaluate as ev  # noqa: E402


def band_matrix(bins, per_octave):
    """bands x bins 0/1 pooling matrix of the log-frequency axis."""
    split = 1.0 / (2 ** (1.0 / per_octave) - 1.0)
    keys = [f if f < split else int(np.ceil(split)) + int(np.floor(per_octave * np.log2(f / split)))
            for f in range(bins)]
    uniq = sorted(set(keys))
    index = {k: i for i, k in enumerate(uniq)}
    B = np.zeros((len(uniq), bins))
    for f, k in enumerate(keys):
        B[index[k], f] = 1.0
    return B


def cepstra(W, sr):
    """Rows: the cepstrum of each template (columns of W, bins x K)."""
    F = W.shape[0]
    freqs = np.arange(F) * sr / ev.NFFT
    W = W / (W.sum(0, keepdims=True) + 1e-30)
    edges = 50.0 * 2 ** (np.arange(0, 200) / 12.0)
    edges = edges[edges < sr / 2]
    E = np.zeros((len(edges) - 1, W.shape[1]))
    for b in range(len(edges) - 1):
        sel = (freqs >= edges[b]) & (freqs < edges[b + 1])
        E[b] = W[sel].sum(0) if sel.any() else W[np.argmin(abs(freqs - edges[b]))]
    c = scipy.fft.dct(np.log(E + 1e-9), axis=0, norm="ortho")[1:14]
    return (c / (np.linalg.norm(c, axis=0, keepdims=True) + 1e-30)).T


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("--components", type=int, default=16)
    ap.add_argument("--bands-per-octave", type=int, default=0)
    a = ap.parse_args()
    K = a.components
    means = {"oracle": [], "blind": []}
    print("| mixture | oracle SDR | blind SDR |\n|---|---:|---:|")
    for name in ev.list_mixtures(a.corpus):
        sr, mix, refs = ev.load_mixture(os.path.join(a.corpus, name))
        S = len(refs)
        X = ev.stft(mix, sr)
        V = np.abs(X)
        B = band_matrix(V.shape[0], a.bands_per_octave) if a.bands_per_octave else None
        model = NMF(n_components=K, solver="mu", beta_loss="kullback-leibler",
                    init="nndsvda", max_iter=200, tol=0.0, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            W = model.fit_transform(B @ V if B is not None else V)
        H = model.components_
        if B is not None:
            W = B.T @ (W / B.sum(1)[:, None])
        parts = [np.outer(W[:, k], H[k]) for k in range(K)]
        mags = np.stack([np.abs(ev.stft(s, sr)) for s in refs])
        irm = mags / (mags.sum(0) + 1e-12)
        oracle = np.array([[np.sum(p * irm[s]) for s in range(S)] for p in parts]).argmax(1)
        blind = KMeans(n_clusters=S, n_init=20, random_state=0).fit(
            cepstra(W, sr), sample_weight=H.sum(1)).labels_
        row = []
        for label, groups in (("oracle", oracle), ("blind", blind)):
            models = [sum((parts[k] for k in range(K) if groups[k] == s), np.zeros_like(V)) + 1e-9
                      for s in range(S)]
            ests = ev.apply_masks(X, models, 2.0, sr, len(mix))
            sdr = float(np.mean(ev.evaluate_estimates(refs, ests, sr, sr)["sdr"]))
            means[label].append(sdr)
            row.append(sdr)
        print("| %s | %.2f | %.2f |" % (name, row[0], row[1]), flush=True)
    print("| **mean** (K = %d, bands-per-octave %d) | **%.2f** | **%.2f** |" % (
        K, a.bands_per_octave, np.mean(means["oracle"]), np.mean(means["blind"])))


if __name__ == "__main__":
    main()
