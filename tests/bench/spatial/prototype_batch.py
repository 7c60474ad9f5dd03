#!/usr/bin/python3
"""Batch prototypes (research, not for the element): longer STFTs for the
determined references, full-rank spatial models.  Called by evaluate.py
--proto prototype_batch:FUNC with FUNC(mix, sr, n_src, meta, **kw)."""

import numpy as np

import reference as ref


def auxiva(mix, sr, n_src, meta, nfft=2048, hop=None, n_iter=50):
    hop = hop or nfft // 4
    if mix.shape[0] < n_src:
        return np.zeros((n_src,) + mix.shape)
    return ref.separate_batch(mix, "auxiva", nfft, hop, n_iter=n_iter)


def ilrma(mix, sr, n_src, meta, nfft=2048, hop=None, n_iter=100, n_basis=4):
    hop = hop or nfft // 4
    if mix.shape[0] < n_src:
        return np.zeros((n_src,) + mix.shape)
    return ref.separate_batch(mix, "ilrma", nfft, hop, n_iter=n_iter, n_basis=n_basis)


def fastmnmf_core(X, n_src, n_basis=8, n_iter=100, seed=0, g_eps=1e-2, n_q=1):
    """Batch FastMNMF (Sekiguchi et al. 2019/2020; Ito & Nakatani 2019):
    x(f,t) ~ CN(0, sum_s lam_s(f,t) G_s(f)), G_s(f) = Q_f^-1 diag(g_s(f)) Q_f^-H,
    lam_s = (T_s V_s)(f, t) rank n_basis.  X: M x F x T.
    Returns Q (F x M x M), g (S x F x M), lam (S x F x T)."""
    M, F, T = X.shape
    S = n_src
    rng = np.random.default_rng(seed)
    Xf = np.ascontiguousarray(X.transpose(1, 0, 2))            # F x M x T
    XH = np.ascontiguousarray(np.conj(Xf).transpose(0, 2, 1))
    Q = np.tile(np.eye(M, dtype=complex), (F, 1, 1))
    g = np.full((S, F, M), g_eps)
    for s in range(S):
        g[s, :, s % M] = 1.0
    Tb = rng.random((S, F, n_basis)) + 0.1
    Vb = rng.random((S, n_basis, T)) + 0.1
    eps = 1e-12

    def xt_of(Q):
        return np.abs(np.matmul(Q, Xf)) ** 2                    # F x M x T

    Xt = xt_of(Q)
    # scale: mean power 1 per diag channel
    for _ in range(n_iter):
        lam = np.einsum("sfk,skt->sft", Tb, Vb)
        Yt = np.einsum("sft,sfm->fmt", lam, g) + eps
        # NMF bases
        A = Xt / Yt ** 2
        B = 1.0 / Yt
        for s in range(S):
            num = np.einsum("fmt,fm,kt->fk", A, g[s], Vb[s])
            den = np.einsum("fmt,fm,kt->fk", B, g[s], Vb[s])
            Tb[s] *= np.sqrt(num / np.maximum(den, eps))
        lam = np.einsum("sfk,skt->sft", Tb, Vb)
        Yt = np.einsum("sft,sfm->fmt", lam, g) + eps
        A = Xt / Yt ** 2
        B = 1.0 / Yt
        for s in range(S):
            num = np.einsum("fmt,fm,fk->kt", A, g[s], Tb[s])
            den = np.einsum("fmt,fm,fk->kt", B, g[s], Tb[s])
            Vb[s] *= np.sqrt(num / np.maximum(den, eps))
        lam = np.einsum("sfk,skt->sft", Tb, Vb)
        Yt = np.einsum("sft,sfm->fmt", lam, g) + eps
        A = Xt / Yt ** 2
        B = 1.0 / Yt
        num = np.einsum("fmt,sft->sfm", A, lam)
        den = np.einsum("fmt,sft->sfm", B, lam)
        g *= np.sqrt(num / np.maximum(den, eps))
        Yt = np.einsum("sft,sfm->fmt", lam, g) + eps
        # Q by iterative projection
        for _q in range(n_q):
            for m in range(M):
                V = np.matmul(Xf / Yt[:, m:m + 1, :], XH) / T      # F x M x M
                e = np.zeros((F, M, 1), complex)
                e[:, m] = 1.0
                q = np.linalg.solve(np.matmul(Q, V), e)[:, :, 0]
                den_q = np.einsum("fm,fmn,fn->f", np.conj(q), V, q).real
                q /= np.sqrt(np.maximum(den_q, eps))[:, None]
                Q[:, m, :] = np.conj(q)
        Xt = xt_of(Q)
        # normalisation: Q rows to unit mean power, g sums to 1 over m, scale to lam
        phi = np.mean(Xt, axis=(0, 2))                               # M
        Q /= np.sqrt(phi)[None, :, None]
        Xt /= phi[None, :, None]
        g /= phi[None, None, :]
        mu = g.sum(axis=2, keepdims=True)
        g /= mu
        Tb *= mu
        nu = Tb.sum(axis=1, keepdims=True)
        Tb /= nu
        Vb *= nu.transpose(0, 2, 1)
    lam = np.einsum("sfk,skt->sft", Tb, Vb)
    return Q, g, lam


def fastmnmf_images(X, Q, g, lam):
    """Multichannel Wiener filter: image_s = Q^-1 diag(lam_s g_s / y) Q x."""
    M, F, T = X.shape
    Xf = X.transpose(1, 0, 2)
    QX = np.matmul(Q, Xf)                                            # F x M x T
    Yt = np.einsum("sft,sfm->fmt", lam, g) + 1e-12
    Qi = np.linalg.inv(Q)
    out = []
    for s in range(lam.shape[0]):
        Z = QX * (lam[s][:, None, :] * g[s][:, :, None]) / Yt
        out.append(np.matmul(Qi, Z).transpose(1, 0, 2))             # M x F x T
    return np.stack(out)


def fastmnmf(mix, sr, n_src, meta, nfft=2048, hop=None, n_iter=100, n_basis=8, seed=0):
    hop = hop or nfft // 4
    X = ref.stft(mix, nfft, hop)
    Q, g, lam = fastmnmf_core(X, n_src, n_basis, n_iter, seed)
    return ref.istft(fastmnmf_images(X, Q, g, lam), mix.shape[1], nfft, hop)
