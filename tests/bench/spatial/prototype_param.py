#!/usr/bin/python3
"""Parametric full-rank spatial model: research prototypes (batch EM and
the online version), numpy.

Model, per source s and bin f (M channels, reference channel 0):
    c_s(f,t) ~ CN(0, lam_s(f,t) R_s(f))
    R_s(f) = d_s(f) d_s(f)^H + sig_s Gam(f)
    d_s(f)_m = a_sm exp(-2j pi f tau_sm),   a_s0 = 1, tau_s0 = 0
i.e. a direct path that is a level and a delay per channel (a pan: tau = 0;
a far or near source seen by a small array: a ~ 1, tau within the array's
aperture), plus a diffuse part of coherence Gam(f) (reverberation).  The
parameters are few and shared by all bins: they are estimated from
statistics pooled over frequency, so they converge in a second or two of
audio where per-bin demixing matrices need many seconds, and there is no
frequency permutation (a source IS its level/delay).  The same model covers
more sources than channels.  Outputs are multichannel Wiener filters,
    image_s = lam_s R_s (sum_j lam_j R_j)^-1 x,
which sum to x exactly.

lam_s(f,t): free per time-frequency point (posterior power, EM) or an NMF.
Gam(f): "sinc" (spherical diffuse field, needs the mic spacing), "eye"
(uncorrelated), or "est" (estimated from the data: the coherence that the
direct paths do not explain).
"""

import numpy as np

import reference as ref

C_SOUND = 343.0


# --------------------------------------------------------------------------
# Initialisation: DUET-like histogram of level ratio and delay (pair 0-m)
# --------------------------------------------------------------------------

def angular_accumulate(X, freqs, n_theta=31, f_lo=80.0, f_hi=8000.0, wexp=0.5, pair=1):
    """Accumulators of the (level, delay) angular spectrum of channel pair
    (0, pair): A[b, f] = sum over frames of w * x_p x_0^* / |x_p x_0^*|
    over the time-frequency points whose level angle atan(|x_p| / |x_0|)
    falls in bin b, w = (|x_0| |x_p|)^wexp.  Online this is one complex add
    per bin and frame."""
    sel = (freqs > f_lo) & (freqs < f_hi)
    x0, x1 = X[0][sel], X[pair][sel]
    a0, a1 = np.abs(x0), np.abs(x1)
    b = np.minimum((np.arctan2(a1, a0) / (np.pi / 2) * n_theta).astype(int), n_theta - 1)
    cr = x1 * np.conj(x0)
    ps = cr / (np.abs(cr) + 1e-30) * (a0 * a1) ** wexp
    A = np.zeros((n_theta, len(freqs)), complex)
    idx = np.nonzero(sel)[0]
    for bb in range(n_theta):
        A[bb, idx] = np.sum(np.where(b == bb, ps, 0), axis=1)
    return A


def angular_peaks(A, freqs, S, tau_max=1.0e-3, n_tau=201, sep=(4, 12)):
    """S peaks (theta, tau) of score(b, tau) = Re sum_f A[b, f] e^{2j pi f tau},
    smoothed over 3 level bins, with non-maximum suppression."""
    n_theta = A.shape[0]
    taus = np.linspace(-tau_max, tau_max, n_tau)
    sc = np.real(A @ np.exp(2j * np.pi * np.outer(freqs, taus)))
    k = np.array([0.5, 1.0, 0.5])
    scs = sc.copy()
    scs[1:] += 0.5 * sc[:-1]
    scs[:-1] += 0.5 * sc[1:]
    del k
    out = []
    for _ in range(S):
        i, j = np.unravel_index(np.argmax(scs), scs.shape)
        out.append(((i + 0.5) / n_theta * np.pi / 2, taus[j]))
        scs[max(0, i - sep[0]):i + sep[0] + 1, max(0, j - sep[1]):j + sep[1] + 1] = -np.inf
    return np.array([o[0] for o in out]), np.array([o[1] for o in out])


def duet_init(X, S, freqs, tau_max=1.0e-3, seconds_frames=None):
    A = angular_accumulate(X if seconds_frames is None else X[:, :, :seconds_frames], freqs)
    return angular_peaks(A, freqs, S, tau_max)


def steering(a, tau, freqs):
    """a, tau: S x M -> d: S x F x M."""
    return a[:, None, :] * np.exp(-2j * np.pi * freqs[None, :, None] * tau[:, None, :])


def diffuse_sinc(mic_pos, freqs):
    mic_pos = np.asarray(mic_pos)
    M = len(mic_pos)
    G = np.zeros((len(freqs), M, M))
    for i in range(M):
        for j in range(M):
            G[:, i, j] = np.sinc(2 * freqs * np.linalg.norm(mic_pos[i] - mic_pos[j]) / C_SOUND)
    return G.astype(complex)


# --------------------------------------------------------------------------
# E-step helpers (closed forms, any small M)
# --------------------------------------------------------------------------

def estep(Xft, lam, Rs, want_post=True, load=1e-9):
    """Xft: F x T x M; lam: S x F x T; Rs: S x F x M x M.
    Returns images S x F x T x M and posterior powers tr(R_s^-1 C_s)/M."""
    S, F, T = lam.shape
    M = Xft.shape[2]
    Sig = np.einsum("sft,sfmn->ftmn", lam, Rs)
    tr = np.trace(Sig, axis1=2, axis2=3).real
    Sig = Sig + (load * tr + 1e-30)[..., None, None] * np.eye(M)
    Si = np.linalg.inv(Sig)
    u = np.einsum("ftmn,ftn->ftm", Si, Xft)                        # Sigma^-1 x
    imgs = np.einsum("sft,sfmn,ftn->sftm", lam, Rs, u)
    if not want_post:
        return imgs, None
    Rinv = np.linalg.inv(Rs)
    post = np.empty((S, F, T))
    for s in range(S):
        # tr(R^-1 C)/M, C = c c^H + lam R - lam^2 R Si R
        c = imgs[s]
        q = np.einsum("ftm,fmn,ftn->ft", np.conj(c), Rinv[s], c).real
        t2 = np.einsum("fmn,ftnm->ft", Rs[s], Si).real                 # tr(R Si)
        post[s] = (q + M * lam[s] - lam[s] ** 2 * t2) / M
    return imgs, np.maximum(post, 1e-20)


def spatial_stats(imgs, lam, Rs, Xft, load=1e-9):
    """Z_s(f) = mean_t C_s(f,t) / lam_s(f,t), posterior second moments."""
    S, F, T = lam.shape
    M = Xft.shape[2]
    Sig = np.einsum("sft,sfmn->ftmn", lam, Rs)
    tr = np.trace(Sig, axis1=2, axis2=3).real
    Sig = Sig + (load * tr + 1e-30)[..., None, None] * np.eye(M)
    Si = np.linalg.inv(Sig)
    Z = np.empty((S, F, M, M), complex)
    for s in range(S):
        c = imgs[s] / np.sqrt(lam[s])[..., None]
        cc = np.einsum("ftm,ftn->fmn", c, np.conj(c)) / T
        RSR = np.einsum("fmk,ftkl,fln->fmn", Rs[s], np.mean(Si * lam[s][..., None, None], axis=1)[:, None], Rs[s])
        Z[s] = cc + Rs[s] - RSR
    return Z


def fit_param(Z, freqs, a, tau, sig, Gam, tau_max=1.0e-3, n_grid=401, fit_sig=True,
              f_w=None, fit_tau=True):
    """M-step (moment fit) of the parametric model from the targets Z_s(f)
    (S x F x M x M): per source and channel m > 0 the delay by a grid search
    of sum_f w_f Re(Z_m0(f) e^{+2j pi f tau}) / sqrt(Z_00 Z_mm) (the
    source's own GCC-PHAT); then, pooled over f, Z ~ beta (d d^H + sig Gam)
    by least squares in (beta, beta sig) on the diagonal and the
    delay-compensated cross terms, alternated with the levels a_m."""
    S, F, M, _ = Z.shape
    grid = np.linspace(-tau_max, tau_max, n_grid)
    E = np.exp(2j * np.pi * np.outer(freqs, grid))                   # F x G
    if f_w is None:
        f_w = np.ones(F)
    a = a.copy()
    tau = tau.copy()
    sig = sig.copy()
    for s in range(S):
        Zs = Z[s]
        dg = np.real(np.einsum("fmm->fm", Zs))                       # F x M
        if fit_tau:
            for m in range(1, M):
                z = Zs[:, m, 0] * f_w / np.sqrt(np.maximum(dg[:, 0] * dg[:, m], 1e-30))
                tau[s, m] = grid[np.argmax(np.real(z @ E))]
        ph = np.exp(2j * np.pi * freqs[:, None] * tau[s][None, :])   # F x M (undo delays)
        Zc = Zs * ph[:, :, None] * np.conj(ph[:, None, :])           # delay-compensated
        Gc = Gam * ph[:, :, None] * np.conj(ph[:, None, :])
        for _ in range(3):
            # unknowns u = (beta, gam = beta*sig); equations, all f:
            #  Z_mm = beta a_m^2 + gam Gam_mm ; Re Zc_mn = beta a_m a_n + gam Re Gc_mn (m > n)
            rows, rhs = [], []
            for m in range(M):
                rows.append(np.stack([np.full(F, a[s, m] ** 2), np.real(Gc[:, m, m])], 1))
                rhs.append(dg[:, m])
                for n in range(m):
                    rows.append(np.stack([np.full(F, a[s, m] * a[s, n]), np.real(Gc[:, m, n])], 1))
                    rhs.append(np.real(Zc[:, m, n]))
            A = np.concatenate([r * f_w[:, None] for r in rows])
            b = np.concatenate([r * f_w for r in rhs])
            if fit_sig:
                u = np.linalg.lstsq(A, b, rcond=None)[0]
                beta, gam = max(u[0], 1e-30), max(u[1], 1e-4 * max(u[0], 1e-30))
            else:
                beta = max(np.dot(A[:, 0], b - sig[s] * A[:, 1] * 0) / np.dot(A[:, 0], A[:, 0]), 1e-30)
                gam = beta * sig[s]
            # levels: a_m^2 = (Z_mm - gam Gam_mm) / beta, pooled; a_0 = 1
            for m in range(1, M):
                num = np.sum(f_w * (dg[:, m] - gam * np.real(Gc[:, m, m])))
                den = np.sum(f_w * (dg[:, 0] - gam * np.real(Gc[:, 0, 0])))
                a[s, m] = np.sqrt(max(num, 1e-6 * den) / max(den, 1e-30))
        sig[s] = gam / beta
    return a, tau, sig


def build_R(a, tau, sig, Gam, freqs):
    d = steering(a, tau, freqs)                                       # S x F x M
    R = d[..., :, None] * np.conj(d[..., None, :]) + sig[:, None, None, None] * Gam[None]
    M = R.shape[-1]
    return R + 1e-3 * (1.0 + sig)[:, None, None, None] * np.eye(M)


def em_batch(X, S, sr, nfft, n_iter=20, gam="eye", mic_pos=None, tau_max=1.0e-3,
             spatial_every=1, init=None, fit_sig=True, sig0=0.3, fit_tau=True, nmf_k=0,
             nmf_start=0, nmf_inner=1, lam0=None):
    M, F, T = X.shape
    freqs = np.arange(F) * sr / nfft
    Xft = np.ascontiguousarray(X.transpose(1, 2, 0))
    if gam == "sinc":
        Gam = diffuse_sinc(mic_pos, freqs)
    else:
        Gam = np.tile(np.eye(M, dtype=complex), (F, 1, 1))
    if init is None:
        th, ta = duet_init(X, S, freqs, tau_max=tau_max)
        a = np.ones((S, M))
        a[:, 1] = np.tan(th)
        a[:, 0] = 1.0
        tau = np.zeros((S, M))
        tau[:, 1] = ta
    else:
        a, tau = init
    # channel 0 is the reference: a_0 = 1; keep |d| comparable: scale later
    sig = np.full(S, sig0)
    R = build_R(a, tau, sig, Gam, freqs)
    lam = np.repeat((np.sum(np.abs(X) ** 2, axis=0) / (M * S))[None], S, axis=0) + 1e-12
    if lam0 is not None:
        lam = lam0.copy()
    rng = np.random.default_rng(0)
    if nmf_k:
        Tb = 0.5 + rng.random((S, F, nmf_k))
        Hb = 0.5 + rng.random((S, nmf_k, T))
        sc = np.mean(lam) / np.mean(np.einsum("sfk,skt->sft", Tb, Hb))
        Hb *= sc
    for it in range(n_iter):
        imgs, post = estep(Xft, lam, R)
        if nmf_k and it >= nmf_start:
            for _ in range(nmf_inner):
                for s in range(S):
                    L = np.maximum(Tb[s] @ Hb[s], 1e-20)
                    Tb[s] *= np.sqrt(((post[s] / L ** 2) @ Hb[s].T) / ((1 / L) @ Hb[s].T))
                    L = np.maximum(Tb[s] @ Hb[s], 1e-20)
                    Hb[s] *= np.sqrt((Tb[s].T @ (post[s] / L ** 2)) / (Tb[s].T @ (1 / L)))
                    nrm = Tb[s].sum(axis=0)
                    Tb[s] /= nrm
                    Hb[s] *= nrm[:, None]
            lam = np.maximum(np.einsum("sfk,skt->sft", Tb, Hb), 1e-20)
        else:
            lam = post
        if it % spatial_every == 0:
            Z = spatial_stats(imgs, lam, R, Xft)
            a, tau, sig = fit_param(Z, freqs, a, tau, sig, Gam, tau_max=tau_max, fit_sig=fit_sig,
                                    fit_tau=fit_tau)
            R = build_R(a, tau, sig, Gam, freqs)
    imgs, _ = estep(Xft, lam, R, want_post=False)
    return imgs.transpose(0, 3, 1, 2), dict(a=a, tau=tau, sig=sig)


def oracle_init(meta):
    """(a, tau) from the corpus's geometry (rooms) or pans, for tests."""
    if meta["kind"] == "panned":
        g = np.asarray(meta["gains_lr"])
        return g / g[:, :1], np.zeros_like(g)
    mics = np.asarray(meta["mic_positions"])
    a, tau = [], []
    for p in np.asarray(meta["source_positions"]):
        dist = np.linalg.norm(p - mics, axis=1)
        a.append(dist[0] / dist)
        tau.append((dist - dist[0]) / C_SOUND)
    return np.array(a), np.array(tau)


def param_batch(mix, sr, n_src, meta, nfft=2048, hop=512, n_iter=20, gam="eye",
                tau_max=1.0e-3, fit_sig=True, sig0=0.3, init=None, fit_tau=True, nmf_k=0,
                nmf_start=0, nmf_inner=1, lam_from=None):
    X = ref.stft(mix, nfft, hop)
    lam0 = None
    if lam_from:
        # PSD start from another method's outputs (e.g. the element without
        # spatial processing): |STFT of est_s at channel 0|^2, aligned to the
        # spatial sources by the oracle order (tests only)
        import os
        d = os.path.join(lam_from, meta["name"])
        ests = [ref.read_multi(os.path.join(d, "est_%d.wav" % k))[1][0] for k in range(n_src)]
        lam0 = np.stack([np.abs(ref.stft(e, nfft, hop)) ** 2 for e in ests]) + 1e-12
    if init == "oracle":
        init = oracle_init(meta)
    imgs, info = em_batch(X, n_src, sr, nfft, n_iter=n_iter, gam=gam,
                          mic_pos=meta.get("mic_positions"), tau_max=tau_max,
                          fit_sig=fit_sig, sig0=sig0, init=init, fit_tau=fit_tau, nmf_k=nmf_k,
                          nmf_start=nmf_start, nmf_inner=nmf_inner, lam0=lam0)
    return ref.istft(imgs, mix.shape[1], nfft, hop), {k: np.asarray(v).tolist()
                                                      for k, v in info.items()}
