#!/usr/bin/python3
"""More sources than channels in an instantaneous (panned) mix: online
clustering of each bin's channel-magnitude direction (numpy prototype of
core/spatial.c's masking mode, issue 22).

Per frame t, bin f: u = |x(f,t)| / ||x(f,t)|| (unit, nonnegative, M
values) - for a panned mix the direction of the source that dominates the
bin.  S centroids mu_s (unit vectors), started evenly over the pan range
(stereo: angles (s + 0.5) / S * pi / 2, left to right); soft assignments
g_s = softmax(kappa * u . mu_s); decayed statistics
N_s <- a N_s + g_s e u (e = ||x||^2 ** power), mu_s = N_s / ||N_s||.
Masks: g_s (computed with the centroids after the frame's update), images
g_s * x at every channel (they sum to x).

  evaluate.py CORPUS --no-element --proto prototype_pancluster:pancluster:pc \\
      --proto-kw kappa=200,memory=400
"""
import numpy as np

import reference as ref


def pancluster(mix, sr, n_src, meta, kappa=200.0, memory=400.0, power=0.5,
               nfft=2048, hop=512, lookahead=0, iters=1):
    X = ref.stft(mix, nfft, hop)                    # M x F x T
    M, F, T = X.shape
    S = n_src
    mag = np.abs(X)
    norm = np.sqrt((mag ** 2).sum(axis=0)) + 1e-30  # F x T
    U = mag / norm                                  # M x F x T
    if M == 2:
        ang = (np.arange(S) + 0.5) / S * np.pi / 2
        mu = np.stack([np.cos(ang), np.sin(ang)], axis=1)      # S x M
    else:
        mu = np.full((S, M), 0.1)
        for s in range(S):
            mu[s, int(s * M / S)] = 1.0
        mu /= np.linalg.norm(mu, axis=1, keepdims=True)
    N = np.zeros((S, M))
    alpha = 1.0 - 1.0 / memory
    out = np.zeros((S, M, F, T), complex)
    masks = np.zeros((S, F, T))
    mus = []
    for t in range(T):
        u = U[:, :, t]                              # M x F
        e = norm[:, t] ** (2 * power)               # F
        for _ in range(iters):
            z = kappa * (mu @ u)                    # S x F
            z -= z.max(axis=0, keepdims=True)
            g = np.exp(z)
            g /= g.sum(axis=0, keepdims=True)
        a = min(alpha, t / (t + 1.0))
        N = a * N + (1 - a) * (g * e[None]) @ u.T     # S x M
        mu = N / (np.linalg.norm(N, axis=1, keepdims=True) + 1e-30)
        mus.append(mu.copy())
    for t in range(T):
        mu = mus[min(T - 1, t + lookahead)]
        z = kappa * (mu @ U[:, :, t])
        z -= z.max(axis=0, keepdims=True)
        g = np.exp(z)
        g /= g.sum(axis=0, keepdims=True)
        out[:, :, :, t] = g[:, None, :] * X[None, :, :, t]
    return ref.istft(out, mix.shape[1], nfft, hop)
