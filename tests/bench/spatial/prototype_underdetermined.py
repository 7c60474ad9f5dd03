#!/usr/bin/python3
"""More sources than channels (stereo, instantaneous): where are the sources,
and how much of every time-frequency point is each one's?  Batch research
prototypes, numpy + scipy (linprog for volume minimisation).

Per time-frequency point of a stereo instantaneous mix, the normalised
channel covariance
    y = [ |x0|^2, |x1|^2, Re(x0 x1^*) ] / (|x0|^2 + |x1|^2)
is, when the sources' cross terms average out (local smoothing over a few
frames), a convex combination of the sources' signatures
    w_s = [ c_s^2, s_s^2, c_s s_s ]    (c_s, s_s = cos, sin of the pan angle)
with weights = each source's share of the point's power.  Y = W H, H^T 1 = 1,
H >= 0: the column-normalised volume-minimisation model (Fu et al. 2018).
Candidates, all ending in the same soft masks (the shares H, clipped,
renormalised) or in the histogram's masks:
  volmin     W, H from the volume-min solver on a subsample of points
  hist       W from the S strongest peaks of the pan histogram (DUET-like),
             H by barycentric coordinates (least squares, clipped)
  kmeans     W from k-means of the pan angles of the points, power-weighted
"""

import numpy as np
from scipy.optimize import linprog

import reference as ref


def features(X, smooth=3):
    """X: 2 x F x T -> Y 3 x F x T normalised covariances (smoothed over
    `smooth` frames) and the power."""
    P0 = np.abs(X[0]) ** 2
    P1 = np.abs(X[1]) ** 2
    Cr = np.real(X[0] * np.conj(X[1]))
    if smooth > 1:
        k = np.ones(smooth) / smooth
        from scipy.ndimage import convolve1d
        P0, P1, Cr = (convolve1d(a, k, axis=1, mode="nearest") for a in (P0, P1, Cr))
    tot = P0 + P1 + 1e-30
    return np.stack([P0 / tot, P1 / tot, Cr / tot]), tot


def signature(theta):
    c, s = np.cos(theta), np.sin(theta)
    return np.stack([c * c, s * s, c * s])


def volmin(Y, S, n_iter=10, seed=0):
    """Column-normalised VolMin: Y (d x N) = W H, 1^T H = 1, H >= 0.
    Reduce to r = S dims with the SVD, then maximise |det Q| s.t.
    Q Xt >= 0, Q Xt 1 = 1 (rows updated in turn by two LPs)."""
    U, sv, Vt = np.linalg.svd(Y, full_matrices=False)
    Xt = Vt[:S]                                                    # S x N
    ones = Xt.sum(axis=1)                                          # (Xt 1)
    N = Xt.shape[1]
    rng = np.random.default_rng(seed)
    # feasible start: random objective LP per row
    Q = np.zeros((S, S))
    for i in range(S):
        c = rng.standard_normal(S)
        r = linprog(c, A_ub=-Xt.T, b_ub=np.zeros(N), A_eq=ones[None], b_eq=[1.0],
                    bounds=[(None, None)] * S, method="highs")
        Q[i] = r.x
    for _ in range(n_iter):
        for i in range(S):
            cof = np.array([((-1) ** (i + j)) * np.linalg.det(np.delete(np.delete(Q, i, 0), j, 1))
                            for j in range(S)])
            best = None
            for sgn in (1, -1):
                r = linprog(-sgn * cof, A_ub=-Xt.T, b_ub=np.zeros(N), A_eq=ones[None],
                            b_eq=[1.0], bounds=[(None, None)] * S, method="highs")
                if r.status == 0 and (best is None or abs(cof @ r.x) > abs(cof @ best)):
                    best = r.x
            if best is not None:
                Q[i] = best
    H = Q @ Xt
    W = Y @ np.linalg.pinv(H)
    return W, Q, U[:, :S] * sv[:S]


def shares(Y, W):
    """Least-squares barycentric coordinates of every point (3 x ...) on the
    simplex W (3 x S), clipped at 0, renormalised."""
    shp = Y.shape[1:]
    Yf = Y.reshape(3, -1)
    A = np.vstack([W, np.ones((1, W.shape[1]))])
    b = np.vstack([Yf, np.ones((1, Yf.shape[1]))])
    H = np.linalg.lstsq(A, b, rcond=None)[0]
    H = np.maximum(H, 0)
    H /= np.maximum(H.sum(axis=0), 1e-12)
    return H.reshape((W.shape[1],) + shp)


def pan_angles(X):
    return np.arctan2(np.abs(X[1]), np.abs(X[0]))


def hist_peaks(theta, w, S, bins=91, sep=6):
    h, e = np.histogram(theta.ravel(), bins=bins, range=(0, np.pi / 2), weights=w.ravel())
    h = np.convolve(h, np.hanning(5)[1:-1], mode="same")
    out = []
    for _ in range(S):
        i = int(np.argmax(h))
        out.append(0.5 * (e[i] + e[i + 1]))
        h[max(0, i - sep):i + sep + 1] = -1
    return np.sort(np.array(out))


def separate(mix, sr, n_src, meta, method="volmin", nfft=2048, hop=512, n_pts=3000,
             smooth=3, p=1.0, seed=0):
    X = ref.stft(mix, nfft, hop)
    Y, tot = features(X, smooth)
    S = n_src
    th = pan_angles(X)
    if method == "volmin":
        # strongest points (1 % of the energy floor) subsampled
        flat = tot.ravel()
        idx = np.nonzero(flat > np.percentile(flat, 80))[0]
        rng = np.random.default_rng(seed)
        idx = rng.choice(idx, size=min(n_pts, len(idx)), replace=False)
        W, _, _ = volmin(Y.reshape(3, -1)[:, idx], S)
        # order the sources by pan: angle of each signature
        ang = np.arctan2(np.sqrt(np.maximum(W[1], 0)), np.sqrt(np.maximum(W[0], 0)))
        W = W[:, np.argsort(ang)]
        theta = np.sort(ang)
    elif method == "hist":
        theta = hist_peaks(th, tot, S)
        W = signature(theta)
    elif method == "kmeans":
        from sklearn.cluster import KMeans
        flat = tot.ravel()
        idx = np.nonzero(flat > np.percentile(flat, 80))[0]
        km = KMeans(S, n_init=10, random_state=seed).fit(th.ravel()[idx, None],
                                                         sample_weight=flat[idx])
        theta = np.sort(km.cluster_centers_[:, 0])
        W = signature(theta)
    else:
        raise ValueError(method)
    if method == "kmeans" or method == "hist":
        # nearest-signature soft masks: shares on the simplex
        H = shares(Y, W)
    else:
        H = shares(Y, W)
    H = H ** p
    H /= np.maximum(H.sum(axis=0), 1e-12)
    imgs = H[:, None] * X[None]
    return ref.istft(imgs, mix.shape[1], nfft, hop), dict(theta_deg=np.degrees(theta).tolist())
