#!/usr/bin/python3
"""Batch references for the spatial benchmark, in numpy: AuxIVA and ILRMA
with projection back, the ideal ratio mask, and the STFT they share.

Shapes: a multichannel signal is M x N (channels x samples); its STFT is
M x F x T; a separated result is S x M x N: every source's image at every
channel (projection back), so that the images add up to the input.

AuxIVA (Ono 2011): per frequency bin f a demixing matrix W(f) (rows w_s^H),
y(f,t) = W(f) x(f,t); spherical Laplace source model, r_s(t) = the norm of
y_s(:, t) over all bins; per iteration and source
    U_s(f) = mean_t x x^H / max(r_s(t), eps)
    w_s <- (W U_s)^-1 e_s,   w_s <- w_s / sqrt(w_s^H U_s w_s).
ILRMA (Kitamura et al. 2016): the same iterative projection with the
time-frequency variance r_s(f, t) = (T_s V_s)(f, t) of a rank-K
Itakura-Saito NMF of |y_s|^2 (the Gaussian model), U_s(f) = mean_t
x x^H / r_s(f, t); the NMF updates are the usual IS multiplicative ones with
square-root exponent (majorize-minimize), and every iteration rescales each
source to unit mean power (the scale is undone by projection back).
Projection back: A(f) = W(f)^-1, the image of source s at channel m is
A(f)[m, s] y_s(f, t); the images of all sources sum to x(f, t).

Written for this project from the papers; pyroomacoustics' bss/auxiva.py
and bss/ilrma.py (LCAV) were read for the conventions.

    /usr/bin/python3 reference.py MIXDIR {auxiva,ilrma,irm} OUT_PREFIX
writes OUT_PREFIX_<s>.wav (M channels) for a quick listen.
"""

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import json
import sys
import warnings

import numpy as np
import scipy.io.wavfile

EPS = 1e-12


# --------------------------------------------------------------------------
# I/O
# --------------------------------------------------------------------------

def read_multi(path):
    """-> (rate, C x N float64)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.io.wavfile.WavFileWarning)
        sr, x = scipy.io.wavfile.read(path)
    if x.dtype == np.int16:
        x = x / 32768.0
    elif x.dtype == np.int32:
        x = x / 2147483648.0
    x = np.asarray(x, np.float64)
    if x.ndim == 1:
        x = x[:, None]
    return sr, np.ascontiguousarray(x.T)


def write_multi(path, sr, x):
    scipy.io.wavfile.write(path, sr, np.ascontiguousarray(np.asarray(x, np.float32).T))


def load_mixture(d):
    """-> sr, mix (M x N), images (S x M x N), meta."""
    sr, mix = read_multi(os.path.join(d, "mix.wav"))
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    imgs = []
    for k in range(meta["n_sources"]):
        srk, im = read_multi(os.path.join(d, "image_%d.wav" % k))
        if srk != sr or im.shape != mix.shape:
            raise RuntimeError("%s: image_%d does not match mix.wav" % (d, k))
        imgs.append(im)
    return sr, mix, np.stack(imgs), meta


# --------------------------------------------------------------------------
# STFT: sqrt-Hann analysis and synthesis, hop nfft/4 (or nfft/2), perfect
# reconstruction (checked by the self-test below)
# --------------------------------------------------------------------------

def _window(nfft):
    n = np.arange(nfft)
    return np.sqrt(0.5 - 0.5 * np.cos(2 * np.pi * n / nfft))      # periodic


def stft(x, nfft=2048, hop=512):
    """x: M x N (or N) -> M x F x T (or F x T). Frame t covers samples
    [t*hop - (nfft - hop), t*hop + hop): the input is padded with nfft - hop
    zeros in front, so frame t is the first that contains sample t*hop+hop-1,
    as in a causal stream."""
    x = np.asarray(x, np.float64)
    one = x.ndim == 1
    if one:
        x = x[None]
    m, n = x.shape
    pad = nfft - hop
    nfr = (pad + n - 1) // hop + 1            # every sample in nfft/hop frames
    tot = (nfr - 1) * hop + nfft
    xp = np.zeros((m, tot))
    xp[:, pad:pad + n] = x
    w = _window(nfft)
    idx = np.arange(nfft)[None, :] + hop * np.arange(nfr)[:, None]
    fr = xp[:, idx] * w                      # M x T x nfft
    X = np.fft.rfft(fr, axis=-1).transpose(0, 2, 1)
    return X[0] if one else X


def istft(X, n, nfft=2048, hop=512):
    """Inverse of stft(): weighted overlap-add with the same window, divided
    by the window-product sum; returns ... x n samples."""
    X = np.asarray(X)
    lead = X.shape[:-2]
    F, T = X.shape[-2:]
    fr = np.fft.irfft(X.reshape((-1, F, T)).transpose(0, 2, 1), n=nfft, axis=-1)
    w = _window(nfft)
    fr *= w
    pad = nfft - hop
    tot = (T - 1) * hop + nfft
    out = np.zeros((fr.shape[0], tot))
    norm = np.zeros(tot)
    for t in range(T):
        out[:, t * hop:t * hop + nfft] += fr[:, t]
        norm[t * hop:t * hop + nfft] += w * w
    out = out[:, pad:pad + n] / np.maximum(norm[pad:pad + n], 1e-9)
    return out.reshape(lead + (n,))


# --------------------------------------------------------------------------
# Demixing helpers
# --------------------------------------------------------------------------

def demix(W, X):
    """W: F x S x M, X: M x F x T -> Y: S x F x T."""
    return np.matmul(W, X.transpose(1, 0, 2)).transpose(1, 0, 2)


def projection_back(W, Y):
    """Images S x M x F x T from demixing W (F x S x M, square) and Y."""
    A = np.linalg.inv(W)                      # F x M x S
    return np.einsum("fms,sft->smft", A, Y)


def ip_update(W, U, s):
    """Iterative projection of row s (in place): W F x S x M, U F x M x M."""
    F, S, M = W.shape
    WU = np.matmul(W, U)                      # F x S x M
    e = np.zeros((F, S, 1), dtype=W.dtype)
    e[:, s] = 1.0
    w = np.linalg.solve(WU, e)[:, :, 0]       # F x M
    den = np.einsum("fm,fmn,fn->f", np.conj(w), U, w).real
    w = w / np.sqrt(np.maximum(den, EPS))[:, None]
    W[:, s, :] = np.conj(w)


class _Cov:
    """Weighted covariances mean_t wgt(f, t) x x^H for one STFT (F x M x T
    kept contiguous: the batch loops call this many times)."""

    def __init__(self, X):
        self.Xf = np.ascontiguousarray(X.transpose(1, 0, 2))
        self.XH = np.ascontiguousarray(np.conj(self.Xf).transpose(0, 2, 1))
        self.T = X.shape[2]

    def __call__(self, wgt):
        if wgt.ndim == 1:
            wgt = np.broadcast_to(wgt[None, :], (self.Xf.shape[0], self.T))
        return np.matmul(self.Xf * wgt[:, None, :], self.XH) / self.T

    def demix(self, W):
        return np.matmul(W, self.Xf).transpose(1, 0, 2)       # S x F x T


def weighted_cov(X, wgt):
    """X: M x F x T, wgt: F x T (or T) -> F x M x M: mean_t wgt x x^H."""
    return _Cov(X)(wgt)


def auxiva(X, n_iter=50, W0=None):
    """Batch AuxIVA, spherical Laplace model. X: M x F x T -> W F x M x M."""
    M, F, T = X.shape
    cov = _Cov(X)
    W = np.tile(np.eye(M, dtype=complex), (F, 1, 1)) if W0 is None else W0.copy()
    for _ in range(n_iter):
        Y = cov.demix(W)
        for s in range(M):
            r = np.sqrt(np.sum(np.abs(Y[s]) ** 2, axis=0))
            ip_update(W, cov(1.0 / np.maximum(r, 1e-9)), s)
            Y[s] = np.matmul(W[:, s:s + 1, :], cov.Xf)[:, 0, :]
    return W


def ilrma(X, n_iter=100, n_basis=4, seed=0, W0=None):
    """Batch ILRMA (IS-NMF source model, rank n_basis). X: M x F x T -> W."""
    M, F, T = X.shape
    cov = _Cov(X)
    rng = np.random.default_rng(seed)
    W = np.tile(np.eye(M, dtype=complex), (F, 1, 1)) if W0 is None else W0.copy()
    Tm = 0.1 + 0.9 * rng.random((M, F, n_basis))
    Vm = 0.1 + 0.9 * rng.random((M, n_basis, T))
    P = np.abs(cov.demix(W)) ** 2
    for _ in range(n_iter):
        for s in range(M):
            R = np.maximum(Tm[s] @ Vm[s], EPS)
            Tm[s] *= np.sqrt(((P[s] / R ** 2) @ Vm[s].T) / ((1.0 / R) @ Vm[s].T))
            Tm[s] = np.maximum(Tm[s], EPS)
            R = np.maximum(Tm[s] @ Vm[s], EPS)
            Vm[s] *= np.sqrt((Tm[s].T @ (P[s] / R ** 2)) / (Tm[s].T @ (1.0 / R)))
            Vm[s] = np.maximum(Vm[s], EPS)
            R = np.maximum(Tm[s] @ Vm[s], EPS)
            ip_update(W, cov(1.0 / R), s)
        P = np.abs(cov.demix(W)) ** 2
        for s in range(M):
            lam = np.sqrt(max(np.mean(P[s]), EPS))
            W[:, s, :] /= lam
            P[s] /= lam ** 2
            Tm[s] /= lam ** 2
    return W


def separate_batch(mix, method="auxiva", nfft=2048, hop=512, **kw):
    """mix: M x N -> images S x M x N (S = M)."""
    X = stft(mix, nfft, hop)
    if method == "auxiva":
        W = auxiva(X, **kw)
    elif method == "ilrma":
        W = ilrma(X, **kw)
    else:
        raise ValueError(method)
    Y = demix(W, X)
    imgs = projection_back(W, Y)
    return istft(imgs, mix.shape[1], nfft, hop)


def ideal_ratio_mask(mix, images, ref=0, nfft=2048, hop=512):
    """Magnitude ratio mask |S_k| / sum_j |S_j| of the images at channel
    ref, applied to the mixture at channel ref -> S x N."""
    X = stft(mix[ref], nfft, hop)
    P = np.stack([np.abs(stft(im[ref], nfft, hop)) for im in images])
    Mk = P / np.maximum(P.sum(axis=0), 1e-12)
    return istft(Mk * X[None], mix.shape[1], nfft, hop)


def _selftest():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 10000))
    for nfft, hop in ((2048, 512), (1024, 512), (4096, 1024)):
        y = istft(stft(x, nfft, hop), x.shape[1], nfft, hop)
        err = np.max(np.abs(y - x))
        assert err < 1e-10, (nfft, hop, err)
    # planted instantaneous 2x2 mix of Laplace sources
    s = rng.laplace(size=(2, 44100))
    A = np.array([[1.0, 0.6], [0.5, 1.0]])
    xm = A @ s
    imgs = separate_batch(xm, "auxiva", n_iter=30)
    assert np.max(np.abs(imgs.sum(axis=0) - xm)) < 1e-9
    print("reference.py self-test ok")


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--selftest":
        _selftest()
        return
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    d, method, prefix = sys.argv[1:]
    sr, mix, images, meta = load_mixture(d)
    if method == "irm":
        est = ideal_ratio_mask(mix, images, meta.get("ref_channel", 0))[:, None, :]
    else:
        est = separate_batch(mix, method)
    for k, e in enumerate(est):
        write_multi("%s_%d.wav" % (prefix, k), sr, e)


if __name__ == "__main__":
    main()
