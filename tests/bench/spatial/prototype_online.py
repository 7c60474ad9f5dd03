#!/usr/bin/python3
"""Online (frame by frame) spatial separation prototypes, numpy.

Everything here runs CAUSALLY, one STFT frame at a time (2048/512 sqrt-Hann
like the element), with all state carried from frame to frame, and the
whole stream is scored (warm-up included).  With lookahead=L (the file
profile) frame t leaves L frames later, separated with the model as it
stands then (the model has learned from frames up to t + L); the model
itself is updated exactly as in the causal run.

Model (one class covers the candidates):
    x(f,t) in C^M ~ CN(0, sum_s lam_s(f,t) G_s(f)),
    G_s(f) = Q_f^-1 diag(g_s(f)) Q_f^-H            (jointly diagonalisable)
    lam_s(f,t) = sum_k T_s(f,k) h_s(k,t)            (IS-NMF, K bases a source)
  model="fastmnmf": g_s(f) >= 0 learned (full-rank spatial model: a source
      may leak into every decorrelated channel, reverberation included);
  model="ilrma": g_s = e_s fixed (S = M): rank-1, Q is the demixing matrix,
      ilrma with online statistics (Taniguchi et al. 2014 for AuxIVA);
  model="auxiva": ilrma with a flat spectrum lam_s(f,t) = r_s(t) (the
      spherical Gaussian model, i.e. online AuxIVA with a time-varying
      variance).
Per frame:
  z = Q x; p_m = |z_m|^2
  n_h multiplicative IS updates of the frame's activations h (warm start)
  decayed majorize-minimize statistics (rho) for T and g, closed form
      T = sqrt(N_T / D_T), g = sqrt(N_g / D_g)   (never multiplicative)
  V_m = alpha V_m + (1 - alpha) x x^H / y_m   (y_m = sum_s lam_s g_sm)
  n_ip iterative projections: q_m = (Q V_m)^-1 e_m, q_m /= sqrt(q^H V_m q)
  rescale rows of Q to unit running power (statistics rescaled to match)
  output: image_s = Q^-1 diag(lam_s g_s / y) Q x  (multichannel Wiener;
      the images sum to x exactly)
shared_q=True: one real Q for all bins (instantaneous mixes), V_m pooled
over bins (real part).
"""

import numpy as np

import reference as ref

EPS = 1e-12


class Online:
    def __init__(self, F, M, S, model="fastmnmf", K=8, alpha=0.98, rho=0.98, n_h=4, n_ip=1,
                 shared_q=False, g_eps=0.05, seed=0, lookahead=0, div="is", load=1e-6,
                 warm_flat=0, h_floor=1e-9, norm_every=1, grow=True):
        self.F, self.M, self.S, self.K = F, M, S, K
        self.model, self.alpha, self.rho = model, alpha, rho
        self.n_h, self.n_ip, self.shared_q = n_h, n_ip, shared_q
        self.div, self.load, self.warm_flat = div, load, warm_flat
        self.h_floor, self.norm_every, self.grow = h_floor, norm_every, grow
        rng = np.random.default_rng(seed)
        self.Q = np.tile(np.eye(M, dtype=complex), (F, 1, 1))
        self.V = np.zeros((M, F, M, M), complex)
        if model == "fastmnmf":
            self.g = np.full((S, F, M), g_eps)
            for s in range(S):
                self.g[s, :, s % M] = 1.0
        else:
            assert S == M
            self.g = np.zeros((S, F, M))
            for s in range(S):
                self.g[s, :, s] = 1.0
        self.T = 0.5 + rng.random((S, F, K))
        self.T /= self.T.sum(axis=1, keepdims=True)
        self.h = np.ones((S, K))
        self.NT = np.zeros((S, F, K))
        self.DT = np.zeros((S, F, K))
        self.Ng = np.zeros((S, F, M))
        self.Dg = np.zeros((S, F, M))
        self.pw = np.zeros(M)               # running power of z (row scale)
        self.t = 0
        self.lookahead = lookahead
        self.buf = []                       # (x, h) of frames waiting for output

    # ---- source model -------------------------------------------------
    def lam_of(self, h):
        if self.div == "kl" and self.model == "ilrma":
            lam = np.einsum("sfk,sk->sf", self.T, h) ** 2
            return lam + 1e-6 * lam.mean(axis=1, keepdims=True) + EPS
        if self.model == "auxiva" or self.t < self.warm_flat:
            # flat spectrum per source: lam_s(f) = h_s (one number a source)
            return np.repeat(h[:, :1], self.F, axis=1)
        return np.einsum("sfk,sk->sf", self.T, h)

    def y_of(self, lam):
        return np.einsum("sf,sfm->fm", lam, self.g) + EPS

    def solve_h(self, p, h, n):
        """n multiplicative IS updates of one frame's activations (div="kl":
        KL updates on the magnitudes sqrt(p) of the rank-1 model's outputs,
        lam = (T h)^2)."""
        if self.div == "kl" and self.model == "ilrma":
            a = np.sqrt(p).T                                           # S x F
            cs = self.T.sum(axis=1) + EPS                              # S x K
            for _ in range(n):
                th = np.einsum("sfk,sk->sf", self.T, h) + EPS
                h = h * np.einsum("sfk,sf->sk", self.T, a / th) / cs
                h = np.maximum(h, self.h_floor * (np.mean(a) + EPS))
            return h
        flat = self.model == "auxiva" or self.t < self.warm_flat
        for _ in range(n):
            lam = self.lam_of(h)
            y = self.y_of(lam)
            a = p / y ** 2
            b = 1.0 / y
            if flat:
                num = np.einsum("sfm,fm->s", self.g, a)[:, None]
                den = np.einsum("sfm,fm->s", self.g, b)[:, None]
                h = h * np.sqrt(num / np.maximum(den, EPS))
            else:
                num = np.einsum("sfk,sfm,fm->sk", self.T, self.g, a)
                den = np.einsum("sfk,sfm,fm->sk", self.T, self.g, b)
                h = h * np.sqrt(num / np.maximum(den, EPS))
            h = np.maximum(h, self.h_floor * (np.mean(p) + EPS))
        return h

    # ---- one frame ----------------------------------------------------
    def step(self, x):
        """x: F x M complex. Returns the images (S x M x F) of the frame
        that leaves now (None while the look-ahead fills)."""
        M, S = self.M, self.S
        z = np.einsum("fmn,fn->fm", self.Q, x)
        p = np.abs(z) ** 2
        h = self.solve_h(p, self.h.copy(), self.n_h)
        self.h = h
        lam = self.lam_of(h)
        y = self.y_of(lam)
        a = p / y ** 2
        b = 1.0 / y
        flat = self.model == "auxiva" or self.t < self.warm_flat
        # growing window first (every frame so far weighs the same), then
        # exponential forgetting: fast start, low-noise statistics later
        rho = min(self.rho, self.t / (self.t + 1.0)) if self.grow else self.rho
        if self.div == "kl" and self.model == "ilrma":
            # DESIGN.md's online KL: A = sum T o ((a / Th) h^T), B = sum h, T = A / B
            am = np.sqrt(p).T
            th = np.einsum("sfk,sk->sf", self.T, h) + EPS
            self.NT = rho * self.NT + self.T * (am / th)[:, :, None] * h[:, None, :]
            self.DT = rho * self.DT + np.broadcast_to(h[:, None, :], self.DT.shape)
            self.T = np.maximum(self.NT / np.maximum(self.DT, EPS), 1e-12)
        elif not flat:
            self.NT = rho * self.NT + np.einsum("sk,sfm,fm->sfk", h, self.g, a) * self.T ** 2
            self.DT = rho * self.DT + np.einsum("sk,sfm,fm->sfk", h, self.g, b)
            ok = self.DT > 0
            self.T = np.where(ok, np.sqrt(self.NT / np.where(ok, self.DT, 1.0)), self.T)
            self.T = np.maximum(self.T, 1e-12 * self.T.max())
        if self.model == "fastmnmf":
            self.Ng = rho * self.Ng + lam[:, :, None] * self.g ** 2 * a[None]
            self.Dg = rho * self.Dg + lam[:, :, None] * b[None]
            ok = self.Dg > 0
            self.g = np.where(ok, np.sqrt(self.Ng / np.where(ok, self.Dg, 1.0)), self.g)
            self.g = np.maximum(self.g, 1e-6 * self.g.max(axis=2, keepdims=True))
        # spatial statistics and iterative projection
        al = min(self.alpha, self.t / (self.t + 1.0)) if self.grow else self.alpha
        xx = x[:, :, None] * np.conj(x[:, None, :])                    # F x M x M
        for m in range(M):
            self.V[m] = al * self.V[m] + (1 - al) * xx / y[:, m, None, None]
        for _ in range(self.n_ip):
            for m in range(M):
                self.ip(m)
        # row scale: running power of z_m to 1
        z = np.einsum("fmn,fn->fm", self.Q, x)
        p = np.abs(z) ** 2
        self.pw = al * self.pw + (1 - al) * p.mean(axis=0) if self.t else p.mean(axis=0)
        self.t += 1
        if self.norm_every and self.t % self.norm_every == 0:
            self.normalize()
        # output
        self.buf.append((x, h))
        if len(self.buf) <= self.lookahead:
            return None
        xo, ho = self.buf.pop(0)
        return self.images(xo, ho, refine=self.lookahead > 0)

    def ip(self, m):
        M, F = self.M, self.F
        V = self.V[m]
        if self.shared_q:
            Vs = V.real.mean(axis=0)
            Vs = Vs + self.load * np.trace(Vs) / M * np.eye(M) + 1e-30 * np.eye(M)
            Q0 = self.Q[0].real
            q = np.linalg.solve(Q0 @ Vs, np.eye(M)[:, m])
            q /= np.sqrt(max(q @ Vs @ q, 1e-30))
            Q0 = Q0.copy()
            Q0[m] = q
            # keep the power normalisation per bin consistent: same Q everywhere
            self.Q[:] = Q0[None].astype(complex)
            return
        tr = np.trace(V, axis1=1, axis2=2).real
        Vl = V + (self.load * tr / M + 1e-30)[:, None, None] * np.eye(M)[None]
        B = np.matmul(self.Q, Vl)
        e = np.zeros((F, M, 1), complex)
        e[:, m] = 1.0
        q = np.linalg.solve(B, e)[:, :, 0]
        den = np.einsum("fm,fmn,fn->f", np.conj(q), Vl, q).real
        q /= np.sqrt(np.maximum(den, 1e-30))[:, None]
        self.Q[:, m, :] = np.conj(q)

    def normalize(self):
        """Rows of Q to unit running power, g over m to sum 1, columns of T
        to sum 1, with the statistics rescaled so that the closed-form
        updates give the rescaled parameters (see NOTES.md)."""
        phi = np.maximum(self.pw, 1e-30)
        if self.model == "fastmnmf" or True:
            sq = np.sqrt(phi)
            self.Q /= sq[None, :, None]
            self.pw = self.pw / phi
            self.g /= phi[None, None, :]
            self.Ng /= phi[None, None, :]
            self.Dg *= phi[None, None, :]
            for m in range(self.M):
                self.V[m] *= phi[m]
        if self.model == "fastmnmf":
            mu = self.g.sum(axis=2)                                     # S x F
            self.g /= mu[:, :, None]
            self.Ng /= mu[:, :, None]
            self.Dg *= mu[:, :, None]
            self.T *= mu[:, :, None]
            self.NT *= mu[:, :, None]
            self.DT /= mu[:, :, None]
        elif self.model == "ilrma":
            # g fixed = e_s: the row scale moves into the source model
            for s in range(self.S):
                if self.div == "kl":                   # T models magnitudes
                    self.T[s] /= np.sqrt(phi[s])
                    self.NT[s] /= np.sqrt(phi[s])
                else:
                    self.T[s] /= phi[s]
                    self.NT[s] /= phi[s]
                    self.DT[s] *= phi[s]
            self.g[:] = 0
            for s in range(self.S):
                self.g[s, :, s] = 1.0
        else:
            self.h /= phi[:, None] if False else 1.0
            self.g[:] = 0
            for s in range(self.S):
                self.g[s, :, s] = 1.0
        c = self.T.sum(axis=1)                                          # S x K
        c = np.maximum(c, 1e-30)
        self.T /= c[:, None, :]
        if self.div == "kl" and self.model == "ilrma":
            self.DT *= c[:, None, :]
        else:
            self.NT /= c[:, None, :]
            self.DT *= c[:, None, :]
        self.h *= c

    def images(self, x, h, refine=False):
        z = np.einsum("fmn,fn->fm", self.Q, x)
        if refine:
            h = self.solve_h(np.abs(z) ** 2, h, self.n_h)
        lam = self.lam_of(h)
        y = self.y_of(lam)
        Qi = np.linalg.inv(self.Q)
        out = np.empty((self.S, self.M, self.F), complex)
        for s in range(self.S):
            zs = z * (lam[s][:, None] * self.g[s]) / y
            out[s] = np.einsum("fms,fs->mf", Qi, zs)
        return out

    def flush(self):
        out = []
        while self.buf:
            xo, ho = self.buf.pop(0)
            out.append(self.images(xo, ho, refine=self.lookahead > 0))
        return out


def run_online(mix, n_src, nfft=2048, hop=512, **kw):
    X = ref.stft(mix, nfft, hop)                        # M x F x T
    M, F, T = X.shape
    eng = Online(F, M, n_src, **kw)
    out = np.zeros((n_src, M, F, T), complex)
    j = 0
    for t in range(T):
        o = eng.step(X[:, :, t].T)
        if o is not None:
            out[:, :, :, j] = o
            j += 1
    for o in eng.flush():
        out[:, :, :, j] = o
        j += 1
    assert j == T
    return ref.istft(out, mix.shape[1], nfft, hop), eng


def online(mix, sr, n_src, meta, **kw):
    """evaluate.py --proto prototype_online:online --proto-kw 'model=...,...'"""
    if mix.shape[0] < n_src and kw.get("model", "fastmnmf") != "fastmnmf":
        return np.zeros((n_src,) + mix.shape)
    est, _ = run_online(mix, n_src, **kw)
    return est
