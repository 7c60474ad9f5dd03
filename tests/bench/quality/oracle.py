"""Oracle grouping of the separator's own components (core_eval.py --oracle).

core_separate --dump FILE records, for every mask frame, the templates the
separator had in force when it made that frame's masks, each component's
source in its blind grouping, the masks it made, and the frame's magnitude
on the model's axis (format: core_separate.c).  From those this module
rebuilds the separation several ways, on an STFT that is the core's own
(sqrt-Hann analysis and synthesis, frame j ending with input sample
(j + 1) * hop, so that output sample n is input sample n):

  replay         the separator's masks as dumped: must reproduce its output
                 (a check of the dump and of this STFT)
  blind-hard     the separator's components (activations replayed from the
                 dumped templates exactly as online_kl.c makes them:
                 replay_activations), grouped by its own assignment with
                 hard memberships instead of its soft ones
  oracle-file    the same components, each given for the whole file to the
                 true source whose ideal ratio mask covers most of its model
                 (summed over the file): the best fixed grouping
  oracle-2s      the same decided afresh every 2 s: components that change
                 source over the file
  oracle-frame   the same decided at every frame: the best any grouping of
                 these components can do, even one that changes every hop

Checks: the magnitude of this STFT against the dumped one, and (exponent 1)
the residual of the separator's masks rebuilt from the replayed components
and memberships recovered by least squares (about 0 when the replay is
exact; the first L + 1 frames' warm starts are approximate), and the share
of the model's mass the blind grouping puts on another source than
oracle-file does.

Masks are M_s = (sum over k in s of W_k h_k)^p / sum over sources of the
same, p the separator's mask exponent, on the model's axis, each band's
value applied to its bins (as the separator does).  The oracle groupings
need the true sources; they are diagnostics, not methods.
"""
import numpy as np

MAGIC = 0x444d464e


def read_dump(path):
    """-> (header dict, band_of (bins), records (numpy structured array))."""
    data = np.fromfile(path, dtype=np.uint8)
    head = np.frombuffer(data, np.int32, 11, 0)
    if head[0] != MAGIC or head[1] != 1:
        raise ValueError("%s: not a core_separate dump" % path)
    bins, mb, rank, sources, fft, hop, look, p, iterations = (int(v) for v in head[2:])
    off = 44
    band_of = np.frombuffer(data, np.int32, bins, off).copy()
    off += 4 * bins
    dt = np.dtype([("j", "<i4"), ("v", "<f4", (mb,)), ("W", "<f4", (rank, mb)),
                   ("assign", "<i4", (rank,)), ("masks", "<f4", (sources, mb))])
    n = (len(data) - off) // dt.itemsize
    rec = np.frombuffer(data, dt, n, off)
    hd = dict(bins=bins, model_bins=mb, rank=rank, sources=sources, fft_size=fft,
              hop_size=hop, lookahead=look, mask_exponent=p, iterations=iterations,
              frames=n)
    return hd, band_of, rec


def core_window(n):
    return np.sqrt(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n))


def core_stft(x, fft, hop, frames):
    """frames x bins: frame j holds input samples [(j + 1) hop - fft, (j + 1) hop)."""
    w = core_window(fft)
    pad = np.concatenate([np.zeros(fft - hop), x, np.zeros(frames * hop + fft)])
    idx = np.arange(fft)[None, :] + hop * np.arange(frames)[:, None]
    return np.fft.rfft(pad[idx] * w, axis=1)


def core_istft(Y, fft, hop, n):
    """Weighted overlap-add, output sample i = input sample i."""
    w = core_window(fft)
    norm = np.zeros(fft)
    for i in range(fft):
        for k in range(-(fft // hop) - 1, fft // hop + 2):
            if 0 <= i + k * hop < fft:
                norm[i] += w[i + k * hop] ** 2
    syn = w / np.maximum(norm, 1e-12)
    frames = Y.shape[0]
    out = np.zeros(frames * hop + fft)
    y = np.fft.irfft(Y, n=fft, axis=1) * syn
    for j in range(frames):
        out[j * hop:j * hop + fft] += y[j]
    return out[fft - hop:fft - hop + n]


def pool(mag, band_of, mb):
    """frames x bins -> frames x bands (sums)."""
    P = np.zeros((mag.shape[0], mb))
    for b in range(mb):
        P[:, b] = mag[:, band_of == b].sum(axis=1)
    return P


# online_kl.c's constants, for the activations' replay
WARM_START_UNIFORM_SHARE = 0.1
ACTIVATION_FLOOR = 1e-9
MODEL_FLOOR = 1e-30
SILENCE_MASS = 1e-20


def replay_activations(rec, lookahead, iterations):
    """The activations the separator used for each mask frame, replayed
    from the dumped templates the way online_kl.c makes them: when frame j
    enters, `iterations` multiplicative updates warm-started from the
    previous sounding frame's (0.9 of it rescaled to the frame's mass, 0.1
    uniform), with the templates in force then; with look-ahead L > 0 the
    mask frame re-fits them (as many updates, the same warm start) with the
    templates dumped for it.  Frame j enters with the templates dumped after
    frame j - 1 came in, i.e. those of mask frame j - 1 - L (for the first
    L + 1 frames, which enter before any mask frame, those of mask frame 0
    instead: an approximation of the warm start only).  Returns (H frames x
    rank, templates frames x rank x bands that go with H)."""
    W = rec["W"].astype(np.float64)
    V = rec["v"].astype(np.float64)
    J, R, B = W.shape
    colsum = W.sum(axis=2)

    def act(j, v, h, mass):
        fl = max(mass / B * ACTIVATION_FLOOR, MODEL_FLOOR)
        for _ in range(iterations):
            h = np.maximum(h * (W[j] @ (v / (h @ W[j] + 1e-30))) / colsum[j], fl)
        return h

    def warm(frm, mass):
        fm = frm.sum() if frm is not None else 0.0
        if fm > 0.0:
            return (1 - WARM_START_UNIFORM_SHARE) * frm * (mass / fm) + \
                WARM_START_UNIFORM_SHARE * mass / R
        return np.full(R, mass / R)

    H = np.full((J, R), MODEL_FLOOR)
    used = np.arange(J) if lookahead > 0 else np.maximum(np.arange(J) - 1, 0)
    prev = None
    for j in range(J):
        v = V[j]
        mass = v.sum()
        if mass <= SILENCE_MASS:
            continue                      # silence keeps the warm start
        h = act(max(j - 1 - lookahead, 0), v, warm(prev, mass), mass)
        prev = h
        H[j] = act(j, v, warm(h, mass), mass) if lookahead > 0 else h
    return H, W[used]


def soft_memberships(P, masks):
    """The separator's (soft) membership of every component in every source
    at every frame, recovered from its masks (exponent 1): per frame and
    source, nonnegative least squares of mask x model = sum_k P_k g_k.
    Returns (G frames x rank x sources, relative residual)."""
    from scipy.optimize import nnls
    J, R, B = P.shape
    S = masks.shape[1]
    G = np.zeros((J, R, S))
    res, tot_norm = 0.0, 0.0
    for j in range(J):
        tot = P[j].sum(axis=0)
        if not np.any(tot > 0):
            continue
        for s in range(S):
            y = masks[j, s] * tot
            G[j, :, s], r = nnls(P[j].T, y)
            res += r * r
            tot_norm += float(y @ y)
    return G, float(np.sqrt(res / max(tot_norm, 1e-30)))


def masks_from(P, groups, sources, p):
    """P frames x rank x bands component models, groups frames x rank ->
    masks sources x frames x bands."""
    T, R, B = P.shape
    G = np.zeros((sources, T, B))
    for s in range(sources):
        G[s] = np.einsum("trb,tr->tb", P, (groups == s).astype(np.float64))
    G = np.power(G, p)
    return G / (G.sum(axis=0, keepdims=True) + 1e-30)


def variants(dump_path, mix, refs, sr, block_seconds=2.0):
    """{variant: estimates (sources x samples)}, a dict of checks, the dump's
    header."""
    hd, band_of, rec = read_dump(dump_path)
    fft, hop, S, mb = hd["fft_size"], hd["hop_size"], hd["sources"], hd["model_bins"]
    n = len(mix)
    T = int(np.ceil((n + fft) / hop)) + 1          # every frame that reaches the output
    J = len(rec)
    if J == 0 or np.any(rec["j"] != np.arange(J)):
        raise ValueError("dump frames not 0..%d" % (J - 1))
    X = core_stft(mix, fft, hop, T)
    V = pool(np.abs(X[:J]), band_of, mb)
    dv = rec["v"].astype(np.float64)
    check = dict(frames=J, magnitude_rel_err=float(np.abs(V - dv).sum() / max(dv.sum(), 1e-30)))
    S = int(S)
    src_mag = np.stack([pool(np.abs(core_stft(r, fft, hop, T)[:J]), band_of, mb) for r in refs])
    irm = src_mag / (src_mag.sum(axis=0, keepdims=True) + 1e-30)       # S x J x B

    def render(masks_band):
        """masks_band: sources x J x bands -> estimates; frames past the
        last mask frame keep its masks."""
        out = []
        for s in range(S):
            m = masks_band[s][:, band_of]                                # J x bins
            m = np.concatenate([m, np.repeat(m[-1:], T - J, axis=0)])
            out.append(core_istft(X * m, fft, hop, n))
        return np.stack(out)

    replay = np.transpose(rec["masks"], (1, 0, 2)).astype(np.float64)
    est = dict(replay=render(replay))
    H, W = replay_activations(rec, hd["lookahead"], hd["iterations"])
    P = W * H[:, :, None]                                               # J x R x B
    p = hd["mask_exponent"]
    # the replayed models with the separator's soft memberships must give
    # its masks back (exponent 1: the masks are linear in the memberships)
    if p == 1:
        G, check["membership_residual"] = soft_memberships(P, rec["masks"].astype(np.float64))
    else:
        G = np.zeros(P.shape[:2] + (S,))
        G[np.arange(P.shape[0])[:, None], np.arange(P.shape[1])[None, :], rec["assign"]] = 1.0
    est["blind-hard"] = render(masks_from(P, rec["assign"], S, p))
    score = np.einsum("trb,stb->trs", P, irm)                          # J x R x S
    groups = {"oracle-file": np.repeat(score.sum(axis=0).argmax(axis=1)[None, :], J, axis=0)}
    blk = max(1, int(round(block_seconds * sr / hop)))
    gb = np.zeros((J, P.shape[1]), dtype=int)
    for b0 in range(0, J, blk):
        gb[b0:b0 + blk] = score[b0:b0 + blk].sum(axis=0).argmax(axis=1)[None, :]
    groups["oracle-%gs" % block_seconds] = gb
    groups["oracle-frame"] = score.argmax(axis=2)
    for k, g in groups.items():
        est[k] = render(masks_from(P, g, S, p))
    # how much of the model's mass the blind grouping gives to another
    # source than the per-file oracle does (best permutation of sources)
    mass = P.sum(axis=2)                                                # J x R
    from itertools import permutations
    fg = groups["oracle-file"]
    onehot = np.zeros(G.shape)
    onehot[np.arange(J)[:, None], np.arange(P.shape[1])[None, :], fg] = 1.0
    best = 1.0
    for perm in permutations(range(S)):
        agree = (G[:, :, list(perm)] * onehot).sum(axis=2)              # J x R
        best = min(best, float((mass * (1 - agree)).sum() / max(mass.sum(), 1e-30)))
    check["blind_mass_off_oracle_file"] = best
    # how often the per-frame oracle changes a component's source
    of = groups["oracle-frame"]
    check["oracle_frame_switch_rate"] = float(np.mean(of[1:] != of[:-1])) if J > 1 else 0.0
    return est, check, hd
