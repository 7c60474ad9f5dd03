#!/usr/bin/python3
"""Full-rank spatial models in the rooms: FastMNMF (Sekiguchi, Bando,
Nugraha, Yoshii, Kawahara, "Fast multichannel nonnegative matrix
factorization with directivity-aware jointly-diagonalizable spatial
covariance matrices for blind source separation", IEEE/ACM TASLP 2020),
batch on the whole file, against the rooms' figures of the element
(docs/experiments.md, "Rooms: a full-rank spatial model").

  prototype_fastmnmf.py CORPUS [MIX,...] [--iters N] [--basis K] [--seeds 0,1]
                        [--init identity|ilrma] [--g2] [--block B [--h-iters I]]

Each source n has a low-rank power spectrogram lambda_n = W_n H_n (KL-like
IS-NMF, K bases) and a full-rank spatial covariance per frequency, all of
them diagonalised by one matrix Q_f: R_nf = Q_f^-1 diag(g_nf) Q_f^-H
(FastMNMF1; --g2: g_n shared over frequency, FastMNMF2). A reverberant
source's covariance is full rank, which a demixing matrix (ILRMA, AuxIVA:
rank one) cannot hold. Images by the multichannel Wiener filter; they sum
to the mixture. Scored like evaluate.py (SDR at microphone 0, mean over the
sources), with the mixture's own SDR beside it.
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate as ev  # noqa: E402
import reference as ref  # noqa: E402

NFFT, HOP = 2048, 512
EPS = 1e-12


def model(W, H, G):
    """Each source's power lambda (N x F x T) and the mixture's in Q's
    basis, Y (F x T x M)."""
    lam = np.einsum("nfk,nkt->nft", W, H)
    return lam, np.maximum(np.einsum("nft,nfm->ftm", lam, G), EPS)


def update_h(W, H, G, A, B):
    """The activations' multiplicative update (in place), A = X~ / Y^2,
    B = 1 / Y."""
    num = np.einsum("nfk,nfm,ftm->nkt", W, G, A)
    den = np.einsum("nfk,nfm,ftm->nkt", W, G, B)
    H *= np.sqrt(num / np.maximum(den, EPS))


def fastmnmf(X, n_src, n_iter=100, n_basis=8, seed=0, init="identity", g2=False,
             block=0, h_iters=30, start=None):
    """X: M x F x T -> images N x M x F x T (multichannel Wiener). With
    block > 0 the model is fitted on the first block frames only, then Q,
    G and W are held and every frame's activations fitted alone (what a
    stream could do once the block has passed)."""
    Xall = X
    if block:
        X = X[:, :, :block]
    M, F, T = X.shape
    N = n_src
    rng = np.random.default_rng(seed)
    Xf = np.ascontiguousarray(X.transpose(1, 2, 0))            # F x T x M
    XX = np.einsum("ftm,ftn->ftmn", Xf, np.conj(Xf))            # F x T x M x M
    if init == "ilrma" and N == M:
        Q = ref.ilrma(X, n_iter=30, seed=seed).astype(complex)  # F x M x M
    else:
        Q = np.tile(np.eye(M, dtype=complex), (F, 1, 1))
    G = np.full((N, F, M), 1e-2)
    for n in range(N):
        G[n, :, n % M] = 1.0
    W = rng.random((N, F, n_basis)) + 0.1
    H = rng.random((N, n_basis, T)) + 0.1
    if start is not None:
        # another separation's images (N x M x F x T) as the start: each
        # source's power fitted by IS-NMF, its channels' shares as G
        Ps = np.abs(start[:, :, :, :T]) ** 2
        P = Ps.mean(axis=1) + EPS                               # N x F x T
        for n in range(N):
            for _ in range(30):
                R = W[n] @ H[n]
                W[n] *= np.sqrt(((P[n] / R ** 2) @ H[n].T) / ((1 / R) @ H[n].T))
                R = W[n] @ H[n]
                H[n] *= np.sqrt((W[n].T @ (P[n] / R ** 2)) / (W[n].T @ (1 / R)))
        G = Ps.sum(axis=3).transpose(0, 2, 1) / P.sum(axis=2)[:, :, None] + 1e-3

    def xt(Q):                                                  # F x T x M
        return np.abs(np.einsum("fmn,ftn->ftm", Q, Xf)) ** 2

    def normalise(Q, G, W, H):
        phi = np.einsum("fij,fij->f", Q, np.conj(Q)).real / M
        Q = Q / np.sqrt(phi)[:, None, None]
        G = G / phi[None, :, None]
        mu = G.sum(axis=2)                                      # N x F
        G = G / mu[:, :, None]
        W = W * mu[:, :, None]
        nu = W.sum(axis=1)                                      # N x K
        W = W / nu[:, None, :]
        H = H * nu[:, :, None]
        return Q, G, W, H

    Q, G, W, H = normalise(Q, G, W, H)
    Xt = xt(Q)
    for _ in range(n_iter):
        lam, Y = model(W, H, G)
        A = Xt / Y ** 2                                         # F x T x M
        B = 1.0 / Y
        # W
        num = np.einsum("nkt,nfm,ftm->nfk", H, G, A)
        den = np.einsum("nkt,nfm,ftm->nfk", H, G, B)
        W *= np.sqrt(num / np.maximum(den, EPS))
        lam, Y = model(W, H, G)
        A, B = Xt / Y ** 2, 1.0 / Y
        # H
        update_h(W, H, G, A, B)
        lam, Y = model(W, H, G)
        A, B = Xt / Y ** 2, 1.0 / Y
        # G
        num = np.einsum("nft,ftm->nfm", lam, A)
        den = np.einsum("nft,ftm->nfm", lam, B)
        if g2:
            num = np.broadcast_to(num.sum(axis=1, keepdims=True), num.shape)
            den = np.broadcast_to(den.sum(axis=1, keepdims=True), den.shape)
        G *= np.sqrt(num / np.maximum(den, EPS))
        Y = np.maximum(np.einsum("nft,nfm->ftm", lam, G), EPS)
        # Q by iterative projection, one row per channel
        for m in range(M):
            V = np.einsum("ftij,ft->fij", XX, 1.0 / Y[:, :, m]) / T
            e = np.zeros((F, M, 1), complex)
            e[:, m] = 1.0
            q = np.linalg.solve(Q @ V, e)[:, :, 0]              # F x M
            d = np.einsum("fi,fij,fj->f", np.conj(q), V, q).real
            q = q / np.sqrt(np.maximum(d, EPS))[:, None]
            Q[:, m, :] = np.conj(q)
        Q, G, W, H = normalise(Q, G, W, H)
        Xt = xt(Q)
    if block:
        X = Xall
        T = X.shape[2]
        Xf = np.ascontiguousarray(X.transpose(1, 2, 0))
        Xt = xt(Q)
        H = np.full((N, n_basis, T), float(np.mean(H)))
        for _ in range(h_iters):
            _, Y = model(W, H, G)
            update_h(W, H, G, Xt / Y ** 2, 1.0 / Y)
    lam, Y = model(W, H, G)
    Qx = np.einsum("fmn,ftn->ftm", Q, Xf)
    Qi = np.linalg.inv(Q)
    imgs = np.empty((N, M, F, T), complex)
    for n in range(N):
        part = Qx * (lam[n][:, :, None] * G[n][:, None, :] / Y)  # F x T x M
        imgs[n] = np.einsum("fmn,ftn->mft", Qi, part)
    return imgs


def separate(mix, sr, n_src, meta, iters=100, basis=8, seed=0, init="identity",
             g2=0, block=0, h_iters=30):
    """evaluate.py's --proto hook: mix M x N -> images S x M x N."""
    X = ref.stft(mix, NFFT, HOP)
    imgs = fastmnmf(X, n_src, int(iters), int(basis), int(seed), init, bool(int(g2)),
                    int(block), int(h_iters))
    return ref.istft(imgs, mix.shape[1], NFFT, HOP)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("mixes", nargs="?", default="")
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--basis", type=int, default=8)
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--init", default="identity")
    ap.add_argument("--g2", action="store_true")
    ap.add_argument("--block", type=int, default=0, help="fit on the first BLOCK frames only")
    ap.add_argument("--h-iters", type=int, default=30)
    ap.add_argument("--start", default="", help="DIR: start from DIR/NAME/est_K.wav (evaluate.py --keep-outputs)")
    ap.add_argument("--kind", default="room", help="keep the mixtures whose meta kind starts so (empty: all)")
    a = ap.parse_args()
    names = a.mixes.split(",") if a.mixes else sorted(
        d for d in os.listdir(a.corpus) if os.path.isfile(os.path.join(a.corpus, d, "meta.json")))
    allm = []
    for name in names:
        sr, mix, images, meta = ref.load_mixture(os.path.join(a.corpus, name))
        if not meta.get("kind", "").startswith(a.kind):
            continue
        X = ref.stft(mix, NFFT, HOP)
        S = images.shape[0]
        mixs = np.mean(ev.score(images[:, 0], np.repeat(mix[0:1], S, axis=0))["sdr"])
        per = []
        start = None
        if a.start:
            start = np.stack([ref.stft(ref.read_multi(os.path.join(a.start, name, "est_%d.wav" % k))[1], NFFT, HOP)
                              for k in range(S)])
            r0 = ev.score(images[:, 0], ref.istft(start, mix.shape[1], NFFT, HOP)[:, 0])
            print("%-40s start %6.2f" % (name, np.mean(r0["sdr"])), flush=True)
        for seed in (int(s) for s in a.seeds.split(",")):
            imgs = fastmnmf(X, S, a.iters, a.basis, seed, a.init, a.g2, a.block, a.h_iters, start)
            est = ref.istft(imgs, mix.shape[1], NFFT, HOP)      # N x M x n
            r = ev.score(images[:, 0], est[:, 0])
            per.append(np.mean(r["sdr"]))
        allm.append(per)
        print("%-40s mix %6.2f  fastmnmf %s" % (name, mixs, " ".join("%6.2f" % v for v in per)), flush=True)
    if allm:
        print("mean over %d: %s" % (len(allm), " ".join("%.2f" % v for v in np.mean(allm, axis=0))))


if __name__ == "__main__":
    main()
