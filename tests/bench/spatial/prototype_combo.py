#!/usr/bin/python3
"""The recommended online algorithm, prototyped frame by frame in numpy:
the element's online KL-NMF (channel-summed magnitudes) whose components are
grouped into sources by a PARAMETRIC SPATIAL MODEL, and a multichannel
Wiener filter whose source powers combine the NMF and the spatial evidence.

Per source s, bin f (M channels, reference channel 0):
    R_s(f) = d_s(f) d_s(f)^H + sig_s Gam(f) + eps I
    d_s(f)_m = a_sm exp(-2j pi f tau_sm)        (a_s0 = 1, tau_s0 = 0)
    Gam(f)_mn = sinc(2 f D_mn / c)              (diffuse field; D fitted)
Per frame t (x = x(:, t), F bins x M channels):
  1. NMF (KL on v = sum_m |x_m|): K components, h solved with W fixed
     (n_h multiplicative updates, warm start), W = A / B from decayed
     statistics (forgetting rho_w), columns normalised (DESIGN.md).
  2. Spatial evidence with equal priors: Sig0 = sum_s R_s,
     p_s = tr(R_s^-1 C_s) / M with C_s the posterior second moment of the
     source image under lam_s = 1: the spatial mask Msp_s = p_s / sum_j p_j.
  3. Grouping: rho_ks <- g rho_ks + sum_f share_k(f) Msp_s(f) |x_0(f)|^2,
     share_k = W_fk h_k / (W h)_f; r_ks = rho_ks^gamma / sum_j rho_kj^gamma.
  4. NMF source power Pn_s = (sum_k r_ks W_fk h_k)^2, Mn_s = Pn_s / sum_j.
  5. Combined: Mc_s = Mn_s^a Msp_s^b / sum_j (...); lam_s = Mc_s |x_0|^2.
  6. Output: image_s = lam_s R_s (sum_j lam_j R_j)^-1 x  (sums to x).
  7. Spatial statistics Z_s(f) <- rho_z Z_s + C_s / lam_s (posterior under
     the combined lam); every fit_every frames the parameters are refitted
     from Z (delays by a coarse-to-fine grid search of each source's own
     GCC, pooled over bins; levels and sig by least squares pooled over
     bins; D by a grid search on the same least squares).
  Initialisation: the angular spectrum (level x delay, PHAT-weighted,
  accumulated from the first frame; for M = 3 the pairwise delays) gives
  the S strongest (level, delay) peaks after init_frames frames; until
  then the output is the NMF alone (timbre-free: equal split).
With lookahead = L (file profile) frame t leaves at frame t + L, separated
with the model as it is then (h_t re-solved with the current W).
"""

import numpy as np

import reference as ref
import prototype_param as pp

C_SOUND = 343.0
EPS = 1e-12


def sinc_gam(freqs, D):
    """D: M x M spacings -> F x M x M real coherence."""
    return np.sinc(2.0 * freqs[:, None, None] * D[None] / C_SOUND).astype(complex)


class Combo:
    def __init__(self, F, M, S, sr=44100, nfft=2048, K=20, n_h=4, rho_w=0.99, rho_z=0.995,
                 rho_g=0.995, gamma=4.0, a_exp=1.0, b_exp=1.0, nmf_p=2.0, fit_every=4,
                 init_frames=43, tau_max=1.0e-3, gam="fit", D0=0.05, lookahead=0, seed=0,
                 fit_d_every=32, sig_min=0.01, sig_max=1.0, eps_r=1e-3, out="mwf",
                 spatial=True, mic_pos=None, grid_coarse=41, theta_bins=31, wexp=0.0, gate_db=40.0,
                 re_init=False, group="spatial", stats="spatial", kappa=2.0, n_tau=101,
                 sep=(4, 6), rho_a=0.998, track=True, elem_masks=None, rho_al=0.995,
                 theta_marginal=False, mode2="auto", smask="shares", smooth=3,
                 share_floor=1e-3, inst_ratio=0.12):
        self.F, self.M, self.S, self.K = F, M, S, K
        self.freqs = np.arange(F) * sr / nfft
        self.n_h, self.rho_w, self.rho_z, self.rho_g = n_h, rho_w, rho_z, rho_g
        self.gamma, self.a_exp, self.b_exp, self.nmf_p = gamma, a_exp, b_exp, nmf_p
        self.fit_every, self.init_frames, self.tau_max = fit_every, init_frames, tau_max
        self.gam_mode, self.lookahead = gam, lookahead
        self.fit_d_every, self.sig_min, self.sig_max = fit_d_every, sig_min, sig_max
        self.eps_r, self.out, self.spatial = eps_r, out, spatial
        self.grid_coarse, self.theta_bins, self.wexp = grid_coarse, theta_bins, wexp
        self.group, self.stats, self.kappa = group, stats, kappa
        self.track = track
        # masks of the element without spatial processing (S x F x T), used
        # in place of the internal NMF; aligned to the spatial sources online
        self.elem_masks = elem_masks
        self.rho_al = rho_al
        self.align = np.zeros((S, S))
        self.perm = list(range(S))
        self.theta_marginal = theta_marginal
        self.mode2 = mode2
        self.smask, self.smooth, self.share_floor = smask, smooth, share_floor
        self.cbuf = []
        self.inst_ratio = inst_ratio
        self.is_instantaneous = None
        self.gate_db = gate_db
        self.gate = 0.25
        rng = np.random.default_rng(seed)
        # NMF
        self.W = 0.5 + rng.random((F, K))
        self.W /= self.W.sum(axis=0, keepdims=True)
        self.h = np.ones(K)
        self.A = np.zeros((F, K))
        self.B = np.zeros(K)
        # spatial
        self.D = np.full((M, M), D0)
        np.fill_diagonal(self.D, 0.0)
        if gam == "sinc" and mic_pos is not None:
            mp = np.asarray(mic_pos)
            self.D = np.linalg.norm(mp[:, None] - mp[None], axis=2)
        self.Gam = sinc_gam(self.freqs, self.D) if gam != "eye" else \
            np.tile(np.eye(M, dtype=complex), (F, 1, 1))
        self.a = np.ones((S, M))
        self.tau = np.zeros((S, M))
        self.sig = np.full(S, 0.5)
        self.ready = False
        self.R = None
        self.Z = np.zeros((S, F, M, M), complex)
        self.rho = np.full((K, S), 1.0 / S)
        self.t = 0
        # angular accumulators (init)
        self.sel = (self.freqs > 80.0) & (self.freqs < 8000.0)
        if M == 2:
            self.ang = np.zeros((theta_bins, F), complex)
        else:
            self.ang = np.zeros((3, F), complex)      # pairs (0,1), (0,2), (1,2)
        self.taus = np.linspace(-tau_max, tau_max, n_tau)
        self.E = np.exp(2j * np.pi * np.outer(self.freqs, self.taus))
        if M > 2:
            dif = np.linspace(-2 * tau_max, 2 * tau_max, 2 * n_tau - 1)
            self.Ed = np.exp(2j * np.pi * np.outer(self.freqs, dif))
        self.sep = sep
        self.rho_a = rho_a
        self.buf = []

    # ---------------- NMF ----------------------------------------------
    def nmf_h(self, v, h, n):
        W = self.W
        cs = W.sum(axis=0) + EPS
        for _ in range(n):
            wh = W @ h + EPS
            h = h * (W.T @ (v / wh)) / cs
            h = np.maximum(h, 1e-12 * (v.sum() + EPS))
        return h

    def nmf_update(self, v, h):
        wh = self.W @ h + EPS
        self.A = self.rho_w * self.A + self.W * np.outer(v / wh, h)
        self.B = self.rho_w * self.B + h
        self.W = self.A / np.maximum(self.B, EPS)[None, :]
        self.W = np.maximum(self.W, 1e-12 * self.W.max())
        c = self.W.sum(axis=0) + EPS
        self.W /= c
        self.A /= c
        self.h = h * c

    # ---------------- spatial init --------------------------------------
    def ang_accumulate(self, x):
        x0 = x[:, 0]
        if self.M == 2:
            x1 = x[:, 1]
            a0, a1 = np.abs(x0), np.abs(x1)
            b = np.minimum((np.arctan2(a1, a0) / (np.pi / 2) * self.theta_bins).astype(int),
                           self.theta_bins - 1)
            cr = x1 * np.conj(x0)
            ps = cr / (np.abs(cr) + 1e-30) * (a0 * a1) ** self.wexp
            ps[~self.sel] = 0
            # PHAT counts every point alike: leave out those more than
            # gate_db below the frame's strongest
            ps[a0 * a1 < np.max(a0 * a1) * 10 ** (-self.gate_db / 10)] = 0
            self.ang *= self.rho_a
            np.add.at(self.ang, (b, np.arange(self.F)), ps)
        else:
            self.ang *= self.rho_a
            for i, (m, n) in enumerate(((1, 0), (2, 0), (2, 1))):
                cr = x[:, m] * np.conj(x[:, n])
                pm = np.abs(x[:, m]) * np.abs(x[:, n])
                ps = cr / (np.abs(cr) + 1e-30) * pm ** self.wexp
                ps[~self.sel] = 0
                ps[pm < np.max(pm) * 10 ** (-self.gate_db / 10)] = 0
                self.ang[i] += ps

    def score_map(self):
        """Angular spectrum: M = 2: level bins x delays; M = 3: delay pairs."""
        if self.M == 2:
            taus = self.taus
            sc = np.real(self.ang @ self.E)                          # n_theta x n_tau
            if self.theta_marginal:
                sc = np.repeat(sc.sum(axis=0, keepdims=True), sc.shape[0], axis=0)
            scs = sc.copy()
            scs[1:] += 0.5 * sc[:-1]
            scs[:-1] += 0.5 * sc[1:]
            return scs
        u = np.real(self.ang[0] @ self.E)
        v = np.real(self.ang[1] @ self.E)
        w = np.real(self.ang[2] @ self.Ed)
        n = len(self.taus)
        ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        return u[ii] + v[jj] + w[jj - ii + n - 1]

    def peaks_1d(self, y, k, sep):
        out = []
        w = y.copy()
        n = len(y)
        for _ in range(k):
            i = int(np.argmax(w))
            if not np.isfinite(w[i]):
                break
            d = 0.0
            if 0 < i < n - 1:
                den = y[i - 1] - 2 * y[i] + y[i + 1]
                d = 0.0 if den >= 0 else float(np.clip(0.5 * (y[i - 1] - y[i + 1]) / den, -0.5, 0.5))
            out.append((i + d, float(y[i])))
            w[max(0, i - sep):i + sep + 1] = -np.inf
        return out

    def peaks(self, k):
        if self.M == 2 and self.mode2 == "auto":
            return self.peaks_auto(k)
        return self.peaks_2d(k)

    def peaks_auto(self, k):
        """Stereo: the delay spectrum (summed over level bins) decides.  If
        its k strongest peaks are all within one grid step of zero delay the
        mix is instantaneous (a pan mix): the sources are the k peaks of the
        level profile at zero delay.  Otherwise the sources are the k delay
        peaks, with equal levels."""
        sc = np.real(self.ang @ self.E)                                 # n_theta x n_tau
        n0, n1 = sc.shape
        marg = sc.sum(axis=0)
        pt = self.peaks_1d(marg, k, self.sep[1])
        step = self.taus[1] - self.taus[0]
        j0 = int(np.argmin(np.abs(self.taus)))
        # instantaneous: the strongest delay peak at zero and every other peak
        # far weaker (with only level differences every point has phase 0 or
        # pi; what is left are the sidelobes of the zero-delay peak)
        # phase test: with level differences only, every point's
        # cross-spectrum is real (phase 0 or pi) up to the sources' cross
        # terms, which average out: rho = sum_f |Im a_f| / sum_f |a_f| of the
        # PHAT-weighted cross-spectrum a_f (summed over level bins) is below
        # 0.09 on every pan mix of both sets after 0.5 s (falling with time),
        # above 0.14 in every room (2 cm spacing included)
        af = self.ang.sum(axis=0)
        self.rho_phase = float(np.sum(np.abs(af.imag)) / max(np.sum(np.abs(af)), 1e-30))
        inst = self.rho_phase < self.inst_ratio
        del step
        self.is_instantaneous = inst
        out = []
        if inst:
            prof = sc[:, j0] + 0.5 * (sc[:, j0 - 1] + sc[:, j0 + 1])
            for i, v in self.peaks_1d(prof, k, self.sep[0]):
                a = np.ones(2)
                a[1] = np.tan((i + 0.5) / n0 * np.pi / 2)
                out.append((a, np.zeros(2), v))
        else:
            for i, v in pt:
                tau = np.zeros(2)
                tau[1] = np.interp(i, np.arange(n1), self.taus)
                out.append((np.ones(2), tau, v))
        return out

    def peaks_2d(self, k):
        """k strongest peaks of the score map with non-maximum suppression,
        refined to sub-grid positions by parabolic interpolation.
        -> list of (a (M), tau (M), score)."""
        sc = self.score_map()
        n0, n1 = sc.shape
        out = []
        work = sc.copy()
        for _ in range(k):
            i, j = np.unravel_index(np.argmax(work), work.shape)
            if not np.isfinite(work[i, j]):
                break

            def par(y0, y1, y2):
                den = y0 - 2 * y1 + y2
                return 0.0 if den >= 0 else float(np.clip(0.5 * (y0 - y2) / den, -0.5, 0.5))
            di = par(sc[i - 1, j], sc[i, j], sc[i + 1, j]) if 0 < i < n0 - 1 else 0.0
            dj = par(sc[i, j - 1], sc[i, j], sc[i, j + 1]) if 0 < j < n1 - 1 else 0.0
            a = np.ones(self.M)
            tau = np.zeros(self.M)
            if self.M == 2:
                th = (i + 0.5 + di) / n0 * np.pi / 2
                a[1] = np.tan(th)
                tau[1] = np.interp(j + dj, np.arange(n1), self.taus)
                si, sj = self.sep
            else:
                tau[1] = np.interp(i + di, np.arange(n0), self.taus)
                tau[2] = np.interp(j + dj, np.arange(n1), self.taus)
                si, sj = self.sep[1], self.sep[1]
            out.append((a, tau, float(sc[i, j])))
            work[max(0, i - si):i + si + 1, max(0, j - sj):j + sj + 1] = -np.inf
        return out

    def init_params(self):
        pk = self.peaks(self.S)
        for s, (a, tau, _) in enumerate(pk):
            self.a[s], self.tau[s] = a, tau
        self.sig[:] = 0.5
        self.build()
        self.ready = True

    def build(self):
        d = pp.steering(self.a, self.tau, self.freqs)              # S x F x M
        R = d[..., :, None] * np.conj(d[..., None, :]) + \
            self.sig[:, None, None, None] * self.Gam[None]
        self.R = R + self.eps_r * (1.0 + self.sig)[:, None, None, None] * np.eye(self.M)
        self.Rinv = np.linalg.inv(self.R)
        self.rvec = self._vec(self.R)

    # ---------------- spatial refit -------------------------------------
    def refit(self):
        """Positions from the angular spectrum's peaks, matched to the
        current sources (each source keeps its index: the assignment that
        moves the sources least); sig (and D) from the mask-weighted
        covariances Z."""
        import itertools
        S, M = self.S, self.M
        if self.track:
            pk = self.peaks(S)
            if len(pk) >= S:
                # distance in (level angle, delay / tau_max) space
                def pos(a, tau):
                    return np.concatenate([np.arctan(a[1:]) / (np.pi / 2), tau[1:] / self.tau_max])
                cur = [pos(self.a[s], self.tau[s]) for s in range(S)]
                cand = [pos(a, t) for a, t, _ in pk]
                best = None
                for perm in itertools.permutations(range(len(pk)), S):
                    cost = sum(np.sum((cur[s] - cand[perm[s]]) ** 2) for s in range(S))
                    if best is None or cost < best[0]:
                        best = (cost, perm)
                for s in range(S):
                    a, tau, _ = pk[best[1][s]]
                    if np.sum((cur[s] - cand[best[1][s]]) ** 2) < self.gate ** 2:
                        self.a[s], self.tau[s] = a, tau
        if self.gam_mode == "fit" and (self.t // self.fit_every) % max(1, self.fit_d_every // self.fit_every) == 0:
            self.fit_D(self.Z, self.a, self.tau)
        _, sig = self.fit_levels(self.Z, self.tau, levels=False)
        self.sig = np.clip(sig, self.sig_min, self.sig_max)
        self.build()

    def fit_levels(self, Z, tau, levels=True):
        """sig_s: nonnegative least squares of the per-bin normalised
        mask-weighted covariance Z_s(f) / tr Z_s(f) on the direct paths of
        ALL sources (what the mask let through of the others) and the
        diffuse coherence: Z_s ~ sum_j beta_j d_j d_j^H + gam Gam,
        sig_s = gam / beta_s.  (levels=True: levels from the dominant
        eigenvector as well; not used by the tracker.)"""
        from scipy.optimize import nnls
        S, M, F = self.S, self.M, self.F
        a = self.a.copy()
        sig = np.empty(S)
        d = pp.steering(self.a, tau, self.freqs)                       # S x F x M
        iu = [(m, n) for m in range(M) for n in range(m + 1)]
        sub = slice(None, None, 4)                                     # every 4th bin
        for s in range(S):
            tr = np.trace(Z[s], axis1=1, axis2=2).real
            Zn = Z[s] / np.maximum(tr, 1e-30)[:, None, None]
            if levels:
                ph = np.exp(2j * np.pi * self.freqs[:, None] * tau[s][None, :])
                Zc = Zn * ph[:, :, None] * np.conj(ph[:, None, :])
                w, v = np.linalg.eigh(np.real(Zc.sum(axis=0)))
                vd = np.abs(v[:, -1])
                a[s] = np.clip(vd / max(vd[0], 1e-6), 1e-3, 1e3)
                a[s, 0] = 1.0
            cols = []
            for j in range(S):
                Dj = d[j][:, :, None] * np.conj(d[j][:, None, :])
                cols.append(np.concatenate([np.concatenate([Dj[sub, m, n].real, Dj[sub, m, n].imag])
                                            for m, n in iu]))
            cols.append(np.concatenate([np.concatenate([self.Gam[sub, m, n].real,
                                                        self.Gam[sub, m, n].imag]) for m, n in iu]))
            b = np.concatenate([np.concatenate([Zn[sub, m, n].real, Zn[sub, m, n].imag]) for m, n in iu])
            u, _ = nnls(np.stack(cols, 1), b)
            sig[s] = u[S] / u[s] if u[s] > 0 else self.sig_max
        return a, sig

    def fit_D(self, Z, a, tau):
        """Grid search of the pair spacings D_mn (1 to 50 cm) on the least
        squares residual of Z_s ~ beta_s (d d^H + sig_s Gam_D)."""
        cand = np.geomspace(0.01, 0.5, 24)
        best = None
        M = self.M
        for Dv in cand:
            Dm = np.full((M, M), Dv)
            if M == 3:
                # a line or triangle: pairs (0,1), (1,2) spaced Dv, (0,2) from
                # the current ratio
                r = self.D[0, 2] / max(self.D[0, 1], 1e-3)
                Dm[0, 2] = Dm[2, 0] = Dv * min(max(r, 1.0), 2.0)
            np.fill_diagonal(Dm, 0.0)
            G = sinc_gam(self.freqs, Dm)
            res = 0.0
            for s in range(self.S):
                res += self._ls_resid(Z[s], a[s], tau[s], G)
            if best is None or res < best[0]:
                best = (res, Dm)
        self.D = best[1]
        self.Gam = sinc_gam(self.freqs, self.D)

    def _ls_resid(self, Zs, a, tau, G):
        ph = np.exp(2j * np.pi * self.freqs[:, None] * tau[None, :])
        Zc = Zs * ph[:, :, None] * np.conj(ph[:, None, :])
        Gc = G * ph[:, :, None] * np.conj(ph[:, None, :])
        rows, rhs = [], []
        M = self.M
        for m in range(M):
            for n in range(m + 1):
                rows.append(np.stack([np.full(self.F, a[m] * a[n]), np.real(Gc[:, m, n])], 1))
                rhs.append(np.real(Zc[:, m, n]))
        Am = np.concatenate(rows)
        b = np.concatenate(rhs)
        u, res, _, _ = np.linalg.lstsq(Am, b, rcond=None)
        if u[1] < 0:
            u = np.array([max(np.dot(Am[:, 0], b) / np.dot(Am[:, 0], Am[:, 0]), 0), 0.0])
        r = b - Am @ u
        return float(np.dot(r, r) / max(np.dot(b, b), 1e-30))

    # ---------------- masks and filters ---------------------------------
    def shares_mask(self, x):
        """Each source's share of the bin's power: the locally smoothed
        normalised covariance y = vec(C) / tr C (C = mean of x x^H over the
        last `smooth` frames) written as a convex combination of the
        sources' normalised model covariances r_s = vec(R_s) / tr R_s
        (least squares with sum one, clipped at zero, renormalised)."""
        xx = x[:, :, None] * np.conj(x[:, None, :])
        self.cbuf.append(xx)
        if len(self.cbuf) > self.smooth:
            self.cbuf.pop(0)
        C = np.mean(self.cbuf, axis=0)
        y = self._vec(C)                                            # F x P
        r = self.rvec                                                # S x F x P
        S = self.S
        # h = r_S + sum_{s<S} h_s (r_s - r_S): LS in S - 1 unknowns
        Bm = (r[:S - 1] - r[S - 1][None]).transpose(1, 2, 0)        # F x P x (S-1)
        rhs = y - r[S - 1]
        G = np.einsum("fps,fpq->fsq", Bm, Bm) + 1e-9 * np.eye(S - 1)
        hv = np.linalg.solve(G, np.einsum("fps,fp->fs", Bm, rhs)[:, :, None])[:, :, 0]
        h = np.concatenate([hv, 1.0 - hv.sum(axis=1, keepdims=True)], axis=1).T   # S x F
        h = np.maximum(h, self.share_floor)
        return h / h.sum(axis=0)

    def _vec(self, C):
        M = self.M
        parts = [np.real(C[..., m, m]) for m in range(M)]
        for m in range(M):
            for n in range(m):
                parts += [np.real(C[..., m, n]) * np.sqrt(2), np.imag(C[..., m, n]) * np.sqrt(2)]
        v = np.stack(parts, axis=-1)
        tr = np.sum(np.stack([np.real(C[..., m, m]) for m in range(M)], -1), axis=-1)
        return v / np.maximum(tr, 1e-30)[..., None]

    def spatial_mask(self, x):
        if self.smask == "shares":
            return self.shares_mask(x)
        return self.posterior_mask(x)

    def posterior_mask(self, x):
        """Posterior powers under equal priors -> S x F mask."""
        # equal priors at the level of the data: lam_s = mean_m |x_m|^2 / S
        l0 = np.sum(np.abs(x) ** 2, axis=1) / (self.M * self.S) + 1e-30
        Sig = self.R.sum(axis=0) * l0[:, None, None]
        Si = np.linalg.inv(Sig)
        u = np.einsum("fmn,fn->fm", Si, x)
        p = np.empty((self.S, self.F))
        for s in range(self.S):
            c = l0[:, None] * np.einsum("fmn,fn->fm", self.R[s], u)
            q = np.einsum("fm,fmn,fn->f", np.conj(c), self.Rinv[s], c).real
            t2 = l0 * np.einsum("fmn,fnm->f", self.R[s], Si).real
            p[s] = (q + l0 * (self.M - t2)) / self.M
        p = np.maximum(p, 1e-30)
        return p / p.sum(axis=0)

    def nmf_mask(self, h):
        r = self.rho ** self.gamma
        r = r / np.maximum(r.sum(axis=1, keepdims=True), 1e-300)
        comp = self.W * h[None, :]                                   # F x K
        P = (comp @ r).T + 1e-20                                     # S x F
        P = P ** self.nmf_p
        return P / P.sum(axis=0)

    def mwf(self, x, lam):
        Sig = np.einsum("sf,sfmn->fmn", lam, self.R)
        tr = np.trace(Sig, axis1=1, axis2=2).real
        Sig = Sig + (1e-9 * tr + 1e-30)[:, None, None] * np.eye(self.M)
        Si = np.linalg.inv(Sig)
        u = np.einsum("fmn,fn->fm", Si, x)
        imgs = np.einsum("sf,sfmn,fn->sfm", lam, self.R, u)
        return imgs, Si

    def nmf_or_element(self, h, t):
        if self.elem_masks is None:
            return self.nmf_mask(h)
        return self.elem_masks[self.perm, :, t]

    def update_align(self, Msp, x, t):
        import itertools
        if self.elem_masks is None:
            return
        E = self.elem_masks[:, :, t]
        p0 = np.abs(x[:, 0]) ** 2
        self.align = self.rho_al * self.align + np.einsum("if,jf,f->ij", E, Msp, p0)
        S = self.S
        best = max(itertools.permutations(range(S)),
                   key=lambda pm: sum(self.align[pm[j], j] for j in range(S)))
        cur = sum(self.align[self.perm[j], j] for j in range(S))
        new = sum(self.align[best[j], j] for j in range(S))
        if new > 1.1 * cur:
            self.perm = list(best)

    def separate(self, x, h, t=None):
        """-> images S x M x F, and what the statistics need."""
        p0 = np.abs(x[:, 0]) ** 2 + np.sum(np.abs(x) ** 2, axis=1) * 1e-6 + 1e-20
        if not self.ready:
            Mn = self.nmf_or_element(h, t) if self.group != "none" else \
                np.full((self.S, self.F), 1.0 / self.S)
            imgs = Mn[:, None, :] * x.T[None]
            return imgs, None, None, Mn
        Msp = self.spatial_mask(x)
        if self.group == "none":
            Mc = Msp
        else:
            Mn = self.nmf_or_element(h, t)
            P = Mn ** self.a_exp * Msp ** self.b_exp + 1e-30
            Mc = P / P.sum(axis=0)
        lam = Mc * p0[None] + 1e-30
        if self.out == "mask":
            imgs = Mc[:, None, :] * x.T[None]
            return imgs, lam, None, Msp
        im, Si = self.mwf(x, lam)
        return im.transpose(0, 2, 1), lam, Si, Msp

    # ---------------- one frame ----------------------------------------
    def step(self, x):
        S, M = self.S, self.M
        v = np.sum(np.abs(x), axis=1)
        h = self.nmf_h(v, self.h.copy(), self.n_h)
        self.nmf_update(v, h)
        h = self.h
        if self.spatial:
            self.ang_accumulate(x)
            if not self.ready and self.t + 1 >= self.init_frames:
                self.init_params()
        imgs, lam, Si, Msp = self.separate(x, h, self.t)
        if self.ready:
            self.update_align(Msp, x, self.t)
            # grouping statistics (spatial evidence only)
            share = self.W * h[None, :]
            share = share / (share.sum(axis=1, keepdims=True) + EPS)     # F x K
            p0 = np.abs(x[:, 0]) ** 2
            ev = np.einsum("fk,sf,f->ks", share, Msp, p0)
            self.rho = self.rho_g * self.rho + ev / max(ev.sum(), 1e-30)
            # spatial statistics: mask-weighted spatial covariances,
            # Z_s <- rho_z Z_s + M_s^kappa x x^H (the mask of the spatial
            # model alone, or the combined one: stats="combo")
            if Si is not None:
                Mz = Msp if self.stats == "spatial" else (lam / lam.sum(axis=0))
                xx = x[:, :, None] * np.conj(x[:, None, :])
                for s in range(S):
                    self.Z[s] = self.rho_z * self.Z[s] + (Mz[s] ** self.kappa)[:, None, None] * xx
            if (self.t + 1) % self.fit_every == 0 and Si is not None:
                self.refit()
        self.t += 1
        self.buf.append((x, h, self.t - 1))
        if len(self.buf) <= self.lookahead:
            return None
        xo, ho, to = self.buf.pop(0)
        if self.lookahead:
            ho = self.nmf_h(np.sum(np.abs(xo), axis=1), ho, self.n_h)
            return self.separate(xo, ho, to)[0]
        return imgs

    def flush(self):
        out = []
        while self.buf:
            xo, ho, to = self.buf.pop(0)
            if self.lookahead:
                ho = self.nmf_h(np.sum(np.abs(xo), axis=1), ho, self.n_h)
            out.append(self.separate(xo, ho, to)[0])
        return out


def run(mix, n_src, sr=44100, nfft=2048, hop=512, **kw):
    X = ref.stft(mix, nfft, hop)
    M, F, T = X.shape
    eng = Combo(F, M, n_src, sr=sr, nfft=nfft, **kw)
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
    return ref.istft(out, mix.shape[1], nfft, hop), eng


def combo(mix, sr, n_src, meta, **kw):
    """evaluate.py --proto prototype_combo:combo --proto-kw 'k=v,...'"""
    if kw.get("gam") == "sinc":
        kw["mic_pos"] = meta.get("mic_positions")
    ed = kw.pop("elem_dir", None)
    if ed:
        import os
        nfft, hop = kw.get("nfft", 2048), kw.get("hop", 512)
        mags = []
        for k in range(n_src):
            _, e = ref.read_multi(os.path.join(ed, meta["name"], "est_%d.wav" % k))
            mags.append(np.abs(ref.stft(e[0], nfft, hop)))
        mags = np.stack(mags)
        kw["elem_masks"] = mags / np.maximum(mags.sum(axis=0), 1e-20)
    est, eng = run(mix, n_src, sr=sr, **kw)
    info = dict(a=eng.a.tolist(), tau_ms=(eng.tau * 1e3).tolist(), sig=eng.sig.tolist(),
                D_cm=(eng.D[0] * 100).tolist())
    return est, info


def is_instantaneous(X, sr, nfft, frames=43, threshold=0.12):
    """The phase test on the first `frames` frames (0.5 s): PHAT-weighted
    cross-spectrum of channels (0, 1) summed over those frames, a_f;
    rho = sum_f |Im a_f| / sum_f |a_f| (80 Hz - 8 kHz, points within 40 dB
    of their frame's strongest).  Pan mixes: rho <= 0.09; rooms >= 0.14."""
    M, F, T = X.shape
    eng = Combo(F, M, 2, sr=sr, nfft=nfft)
    a = np.zeros(F, complex)
    for t in range(min(frames, T)):
        x = X[:, :, t].T
        cr = x[:, 1] * np.conj(x[:, 0])
        pm = np.abs(cr)
        ps = cr / (pm + 1e-30)
        ps[~eng.sel] = 0
        ps[pm < np.max(pm) * 1e-4] = 0
        a += ps
    rho = float(np.sum(np.abs(a.imag)) / max(np.sum(np.abs(a)), 1e-30))
    return rho < threshold, rho


def recommended(mix, sr, n_src, meta, lookahead=0, nfft=2048, hop=512, room_kw=None,
                inst_kw=None, under_kw=None):
    """The dispatch recommended in NOTES.md:
      instantaneous (phase test) and n_src <= channels: one real demixing
          matrix for all bins, online ILRMA (IS-NMF source model),
          projection back (prototype_online, shared_q=True);
      instantaneous, more sources than channels: pan peaks + shares masks
          (Combo, group=none), multichannel Wiener filter;
      otherwise (delays: a room): Combo (delay peaks, shares masks, NMF
          grouped by the spatial evidence), multichannel Wiener filter."""
    import prototype_online as po
    X = ref.stft(mix, nfft, hop)
    M = X.shape[0]
    inst, rho = is_instantaneous(X, sr, nfft)
    info = dict(instantaneous=inst, rho_phase=rho)
    if inst and n_src <= M:
        kw = dict(model="ilrma", shared_q=True, lookahead=lookahead)
        kw.update(inst_kw or {})
        est, eng = po.run_online(mix, n_src, nfft, hop, **kw)
        info["path"] = "shared-demixing"
        return est, info
    kw = dict(lookahead=lookahead)
    if inst:
        kw.update(group="none")
        kw.update(under_kw or {})
        info["path"] = "pan-shares"
    else:
        kw.update(room_kw or {})
        info["path"] = "delay-model"
    est, eng = run(mix, n_src, sr=sr, nfft=nfft, hop=hop, **kw)
    info.update(a=eng.a.tolist(), tau_ms=(eng.tau * 1e3).tolist(), sig=eng.sig.tolist())
    return est, info
