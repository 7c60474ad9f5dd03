#!/usr/bin/python3
"""Rooms by spatial covariance per frequency (docs/experiments.md, "Rooms:
masks by spatial covariance"), numpy.

  prototype_cacgmm.py oracle CORPUS MIX[,MIX...]
      each bin to the sources by the likelihood of x under a zero-mean
      Gaussian with each source's TRUE spatial covariance there (from its
      image, over the whole file) and the best scale: how much the spatial
      cue alone can tell, with the covariances known
  prototype_cacgmm.py batch CORPUS MIX[,MIX...] [ITER_BIN ITER_SHARED]
      blind: complex angular central Gaussian mixture (cACGMM) per bin from
      random posteriors (ITER_BIN EM iterations, per-bin priors), the bins'
      classes aligned by the correlation of their activity over time
      (Sawada, Araki, Makino 2011), then ITER_SHARED iterations with one
      prior per frame shared by every bin; defaults 20 10
  prototype_cacgmm.py online CORPUS MIX[,MIX...] [BLOCK DECAY]
      the batch fit on the first BLOCK frames (516), then per frame: the
      posteriors with the frame's shared prior (2 iterations) and decayed
      statistics (DECAY 0.995 per hop)

Masks applied to every channel (the images sum to the mixture); scored
like evaluate.py (SDR at microphone 0, mean over the sources); STFT
2048/512 as the element's.  The C version of the online model is on branch
wip-rooms (core/spatial_rooms.c).
"""

import itertools
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate as ev  # noqa: E402
import reference as ref  # noqa: E402

NFFT, HOP = 2048, 512


def acg(Z, B):
    """log ACG likelihood (without constants) of Z (F x T x M) under B."""
    M = Z.shape[-1]
    q = np.real(np.einsum("ftm,fmn,ftn->ft", np.conj(Z), np.linalg.inv(B), Z))
    ld = np.log(np.maximum(np.real(np.linalg.det(B)), 1e-300))
    return -ld[:, None] - M * np.log(np.maximum(q, 1e-20)), q


def mstep(Z, g, q):
    M = Z.shape[-1]
    w, scale = (g, 1.0) if q is None else (g / np.maximum(q, 1e-20), M)
    B = scale * np.einsum("ft,ftm,ftn->fmn", w, Z, np.conj(Z)) / np.maximum(g.sum(1), 1e-20)[:, None, None]
    return B + 1e-6 * np.eye(M)[None]


def em(Z, g, iters, shared):
    S = g.shape[0]
    qs = [None] * S
    for _ in range(iters):
        B = [mstep(Z, g[s], qs[s]) for s in range(S)]
        pi = np.maximum(g.mean(1), 1e-3)[:, None, :] if shared else np.maximum(g.mean(2), 1e-3)[:, :, None]
        ll = []
        for s in range(S):
            lls, qs[s] = acg(Z, B[s])
            ll.append(lls)
        ll = np.array(ll) + np.log(pi / pi.sum(0, keepdims=True))
        ll -= ll.max(0, keepdims=True)
        g = np.exp(ll)
        g /= g.sum(0, keepdims=True)
    return g


def align(g, rounds=8):
    S, F, T = g.shape
    a = (g - g.mean(2, keepdims=True)) / np.maximum(g.std(2, keepdims=True), 1e-9)
    perms = list(itertools.permutations(range(S)))
    P = [tuple(range(S))] * F
    for _ in range(rounds):
        c = np.mean([a[list(P[f]), f] for f in range(F)], axis=0)
        for f in range(F):
            P[f] = max(perms, key=lambda p: sum(np.dot(a[p[s], f], c[s]) for s in range(S)))
    return np.stack([g[list(P[f]), f] for f in range(F)], axis=1)


def directions(X):
    Z = X.transpose(1, 2, 0)
    return Z / np.maximum(np.linalg.norm(Z, axis=2, keepdims=True), 1e-20)


def batch_fit(Z, S, it_bin, it_shared):
    rng = np.random.default_rng(0)
    g = rng.dirichlet(np.ones(S), size=Z.shape[:2]).transpose(2, 0, 1)
    g = em(Z, g, it_bin, shared=False)
    return em(Z, align(g), it_shared, shared=True)


def oracle(X, images):
    S, M = images.shape[:2]
    Im = np.array([ref.stft(images[s], NFFT, HOP) for s in range(S)])
    R = np.einsum("smft,snft->sfmn", Im, np.conj(Im))
    R = R / np.maximum(np.real(np.einsum("sfmm->sf", R)), 1e-20)[:, :, None, None] + 1e-3 * np.eye(M)
    q = np.real(np.einsum("mft,sfmn,nft->sft", np.conj(X), np.linalg.inv(R), X))
    ll = -M * np.log(np.maximum(q, 1e-30)) - np.log(np.real(np.linalg.det(R)))[:, :, None]
    ll -= ll.max(0, keepdims=True)
    G = np.exp(ll)
    return G / G.sum(0, keepdims=True)


def online(X, S, block, decay):
    Z = directions(X)
    F, T, M = Z.shape
    Zi = Z[:, :block]
    g = batch_fit(Zi, S, 20, 10)
    G = np.zeros((S, F, T))
    G[:, :, :block] = g
    A = np.zeros((S, F, M, M), complex)
    n = np.zeros((S, F))
    for s in range(S):
        B = mstep(Zi, g[s], None)
        _, q = acg(Zi, B)
        A[s] = M * np.einsum("ft,ftm,ftn->fmn", g[s] / np.maximum(q, 1e-20), Zi, np.conj(Zi))
        n[s] = g[s].sum(1)
    for t in range(block, T):
        z = Z[:, t]
        B = A / np.maximum(n, 1e-20)[:, :, None, None] + 1e-6 * np.eye(M)
        q = np.maximum(np.real(np.einsum("fm,sfmn,fn->sf", np.conj(z), np.linalg.inv(B), z)), 1e-20)
        ll = -np.log(np.maximum(np.real(np.linalg.det(B)), 1e-300)) - M * np.log(q)
        p = np.full(S, 1.0 / S)
        for _ in range(2):
            l2 = ll + np.log(np.maximum(p, 1e-3))[:, None]
            l2 -= l2.max(0, keepdims=True)
            gam = np.exp(l2)
            gam /= gam.sum(0, keepdims=True)
            p = gam.mean(1) / gam.mean(1).sum()
        G[:, :, t] = gam
        A = decay * A + gam[:, :, None, None] * M * np.einsum("fm,fn->fmn", z, np.conj(z))[None] / q[:, :, None, None]
        n = decay * n + gam
    return G


def main():
    if len(sys.argv) < 4 or sys.argv[1] in ("-h", "--help"):
        sys.exit(__doc__)
    mode, corpus, names = sys.argv[1:4]
    extra = sys.argv[4:]
    for name in names.split(","):
        sr, mix, images, meta = ref.load_mixture(os.path.join(corpus, name))
        S, M, N = images.shape
        X = ref.stft(mix, NFFT, HOP)
        if mode == "oracle":
            G = oracle(X, images)
        elif mode == "batch":
            it = [int(v) for v in extra] or [20, 10]
            G = batch_fit(directions(X), S, it[0], it[1])
        elif mode == "online":
            G = online(X, S, int(extra[0]) if extra else 516, float(extra[1]) if len(extra) > 1 else 0.995)
        else:
            raise SystemExit("mode: oracle, batch or online")
        est = np.array([ref.istft(G[s][None] * X, N, NFFT, HOP)[0] for s in range(S)])
        r = ev.score(images[:, 0], est)
        print("%s %s: SDR %.2f (%s)" % (name, mode, np.mean(r["sdr"]),
                                        " ".join("%.2f" % v for v in r["sdr"])), flush=True)


if __name__ == "__main__":
    main()
