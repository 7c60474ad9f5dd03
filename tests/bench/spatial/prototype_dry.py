#!/usr/bin/python3
"""Spaced microphones in a dry room: what per-frequency demixing could give
where the element factorizes (docs/experiments.md, "Spaced microphones
without reverberation"), numpy.

  prototype_dry.py make MONO_DIR OUT_DIR [SEED]
      two-source stereo mixtures from a corpus's mono sources (MONO_DIR/*/
      source_0.wav, source_1.wav; the first 20 s): each source reaches the
      two microphones with a pure delay (free field, sources at -40 and +30
      degrees, or ANGLES=A,B; microphones 10 or 30 cm apart), or with the
      delay and three reflections 0.5 - 3 ms later (gains within +-0.4: a
      short filter).
      OUT_DIR is a corpus evaluate.py reads (group room2).
  prototype_dry.py block CORPUS [CORPUS...]
      batch AuxIVA (METHOD=auxiva, the default) or ILRMA (METHOD=ilrma) on
      the first B frames (516, 6 s: the file profile's look-ahead; IT
      iterations, 30), that demixing kept for the whole file and projected
      back; prints per two-source mixture the SDR at microphone 0 and a
      statistic on those B frames: the power-weighted mean over bins of the
      correlation of the two outputs' log powers over time (the input
      channels' beside it).
  prototype_dry.py sliding CORPUS MIX[,MIX...]
      the same first fit, then every STEP frames (43, 0.5 s) ILRMA re-fit
      with IT_STEP iterations (10), warm-started from the demixing in
      force, on the PAST frames before and the FUTURE frames after (258,
      258: within the file profile's look-ahead), those STEP frames demixed
      with it

  prototype_dry.py consistency CORPUS [CORPUS...]
      ILRMA on the first B frames (IT iterations, 60), and how far each of
      its sources' transfers between microphones 0 and 1 is one delay
      (the best delay's power-weighted mean cosine over bins), beside its
      SDR kept for the whole file and the element's (cached `off` column)

STFT 2048/512 as the element's; scored like evaluate.py.
"""

import json
import os
import sys

import numpy as np
from scipy.io import wavfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate as ev  # noqa: E402
import reference as ref  # noqa: E402

NFFT, HOP = 2048, 512
SOUND = 343.0
SECONDS = 20
# the sources' directions in degrees, e.g. ANGLES=-10,55 (0: broadside)
ANGLES = tuple(float(a) for a in os.environ.get("ANGLES", "-40,30").split(","))


def delayed(x, seconds, sr):
    n = len(x)
    size = 1 << int(np.ceil(np.log2(n + 4096)))
    f = np.fft.rfftfreq(size, 1.0 / sr)
    return np.fft.irfft(np.fft.rfft(x, size) * np.exp(-2j * np.pi * f * seconds), size)[:n]


def read_source(path):
    sr, s = wavfile.read(path)
    scale = 1.0 / 32768 if s.dtype == np.int16 else 1.0
    return sr, s.astype(np.float64) * scale


def make_mixture(paths, reflections, spacing, rng, angles=(-40.0, 30.0)):
    srcs = [read_source(p) for p in paths]
    sr = srcs[0][0]
    n = min(min(len(s) for _, s in srcs), SECONDS * sr)
    mics = (np.arange(2) - 0.5) * spacing
    images = np.zeros((len(srcs), 2, n))
    for k, (_, s) in enumerate(srcs):
        echoes = [(rng.uniform(0.0005, 0.003), rng.uniform(-0.4, 0.4))
                  for _ in range(3 if reflections else 0)]
        for m in range(2):
            tau = mics[m] * np.sin(np.radians(angles[k])) / SOUND
            y = delayed(s[:n], tau, sr)
            for lag, gain in echoes:
                y += gain * delayed(s[:n], tau + lag, sr)
            images[k, m] = y
    return sr, images


def make(mono, out, seed):
    rng = np.random.default_rng(seed)
    names = sorted(d for d in os.listdir(mono)
                   if os.path.isfile(os.path.join(mono, d, "source_1.wav"))
                   and not os.path.isfile(os.path.join(mono, d, "source_2.wav")))
    groups = {}
    for i, name in enumerate(names):
        for reflections, spacing, tag in ((False, 0.10, "d10"), (False, 0.30, "d30"),
                                          (True, 0.10, "r10")):
            mix_name = "%s_%s" % (tag, name)
            sr, images = make_mixture([os.path.join(mono, name, "source_%d.wav" % k)
                                       for k in range(2)], reflections, spacing, rng,
                                      angles=ANGLES)
            d = os.path.join(out, mix_name)
            os.makedirs(d, exist_ok=True)
            wavfile.write(os.path.join(d, "mix.wav"), sr, images.sum(0).T.astype(np.float32))
            for k in range(2):
                wavfile.write(os.path.join(d, "image_%d.wav" % k), sr,
                              images[k].T.astype(np.float32))
            meta = dict(name=mix_name, kind="room", group="room2", n_sources=2,
                        n_channels=2, ref_channel=0, sample_rate=sr,
                        seconds=images.shape[2] / sr, mic_spacing=spacing,
                        reflections=reflections, origin=name,
                        sources=[dict(origin=[name, k]) for k in range(2)])
            with open(os.path.join(d, "meta.json"), "w") as f:
                json.dump(meta, f, indent=1)
            groups[mix_name] = "room2"
            print("made", d, flush=True)
    with open(os.path.join(out, "corpus.json"), "w") as f:
        json.dump(dict(version=1, set="dry", sample_rate=44100, seconds=SECONDS,
                       groups=groups, mixtures=list(groups)), f, indent=1)


def envelope_correlation(Y):
    """Y: 2 x F x T -> power-weighted mean over bins of corr(log|Y0|^2, log|Y1|^2)."""
    P = np.abs(Y) ** 2 + 1e-12
    L = np.log(P)
    L -= L.mean(axis=2, keepdims=True)
    c = (L[0] * L[1]).sum(axis=1) / (np.sqrt((L[0] ** 2).sum(axis=1)
                                             * (L[1] ** 2).sum(axis=1)) + 1e-12)
    w = P.sum(axis=(0, 2))
    return float((c * w).sum() / w.sum())


def room_mixtures(corpora):
    """Every mixture of the corpora's rooms group (dry mixes included), loaded:
    (corpus, name, sr, mix, images, meta)."""
    for corpus in corpora:
        for name in sorted(os.listdir(corpus)):
            d = os.path.join(corpus, name)
            if not os.path.isfile(os.path.join(d, "meta.json")):
                continue
            sr, mix, images, meta = ref.load_mixture(d)
            if meta.get("kind") == "room":
                yield corpus, name, sr, mix, images, meta


def block(corpora):
    method = os.environ.get("METHOD", "auxiva")
    frames = int(os.environ.get("B", "516"))
    iterations = int(os.environ.get("IT", "30"))
    fit = ref.ilrma if method == "ilrma" else ref.auxiva
    for corpus, name, sr, mix, images, meta in room_mixtures(corpora):
        if mix.shape[0] != 2 or images.shape[0] != 2:
            continue
        X = ref.stft(mix, NFFT, HOP)
        W = fit(X[:, :, :frames], n_iter=iterations)
        est = ref.istft(ref.projection_back(W, ref.demix(W, X)), mix.shape[1], NFFT, HOP)
        sdr = np.mean(ev.score(images[:, 0], est[:, 0])["sdr"])
        print("%-40s channels %.3f outputs %.3f  SDR %.2f" % (
            name, envelope_correlation(X[:, :, :frames]),
            envelope_correlation(ref.demix(W, X[:, :, :frames])), sdr), flush=True)


def delay_consistency(W, sr, power, max_delay=0.001, steps=401):
    """How well each demixed source's inter-microphone transfer (microphones
    0 and 1 of the projection back A(f) = W(f)^-1) is one delay: the
    power-weighted mean over bins of cos(phase(A_1s / A_0s) + 2 pi f tau)
    at its best tau within +-max_delay (1: a pure delay at every bin;
    about 0: phases that follow no delay - reverberation, or columns
    permuted between bins).  power: S x F, each output's power per bin.
    Returns the per-source values, their delays, and how much of the gap
    from no delay to a perfect fit each best delay closes."""
    F = W.shape[0]
    A = np.linalg.inv(W)                       # F x M x S
    hz = np.arange(F) * sr / (2.0 * (F - 1))
    taus = np.linspace(-max_delay, max_delay, steps)
    values, delays, closed = [], [], []
    for s in range(A.shape[2]):
        phase = np.angle(A[:, 1, s] * np.conj(A[:, 0, s]))
        w = power[s] * np.abs(A[:, 0, s]) ** 2
        w[0] = 0.0
        c = np.cos(phase[None, :] + 2 * np.pi * hz[None, :] * taus[:, None]) @ w / max(w.sum(), 1e-30)
        values.append(float(c.max()))
        delays.append(float(taus[c.argmax()]))
        # how much of the gap from no delay (tau = 0) to a perfect fit the
        # best delay closes: small phases (close microphones, low bins) fit
        # any delay about as well as none
        c0 = float(c[steps // 2])
        closed.append((values[-1] - c0) / max(1.0 - c0, 1e-12))
    return values, delays, closed


def consistency(corpora):
    """For every mixture with two or more microphones: ILRMA on the first B
    frames (IT iterations), its delay consistency (the least over the
    sources), its SDR kept for the whole file, and the element's (the
    corpus's cached `off` column of evaluate.py, which rooms get)."""
    frames = int(os.environ.get("B", "516"))
    iterations = int(os.environ.get("IT", "60"))
    for corpus, name, sr, mix, images, meta in room_mixtures(corpora):
        if images.shape[0] != mix.shape[0]:
            continue
        X = ref.stft(mix, NFFT, HOP)
        W = ref.ilrma(X[:, :, :frames], n_iter=iterations)
        Y = ref.demix(W, X[:, :, :frames])
        values, delays, closed = delay_consistency(W, sr, (np.abs(Y) ** 2).sum(axis=2))
        est = ref.istft(ref.projection_back(W, ref.demix(W, X)), mix.shape[1], NFFT, HOP)
        sdr = np.mean(ev.score(images[:, 0], est[:, 0])["sdr"])
        off = float("nan")
        cpath = os.path.join(corpus, "cache", "off", name + ".json")
        if os.path.isfile(cpath):
            with open(cpath) as f:
                off = float(np.mean(json.load(f)["result"]["sdr"]))
        print("%-44s consistency %.3f (%s) closed %.3f delays %s ms  ILRMA %.2f  element %.2f" % (
            name, min(values), " ".join("%.2f" % v for v in values), min(closed),
            " ".join("%.3f" % (1e3 * t) for t in delays), sdr, off), flush=True)


def sliding(corpus, names):
    frames = int(os.environ.get("B", "516"))
    iterations = int(os.environ.get("IT", "60"))
    step = int(os.environ.get("STEP", "43"))
    it_step = int(os.environ.get("IT_STEP", "10"))
    past = int(os.environ.get("PAST", "258"))
    future = int(os.environ.get("FUTURE", "258"))
    for name in names:
        sr, mix, images, meta = ref.load_mixture(os.path.join(corpus, name))
        X = ref.stft(mix, NFFT, HOP)
        T = X.shape[2]
        W = ref.ilrma(X[:, :, :frames], n_iter=iterations)
        out = np.zeros((2, 2) + X.shape[1:], complex)
        for c0 in range(0, T, step):
            if c0 >= frames - future:
                a, b = max(0, c0 - past), min(T, c0 + step + future)
                W = ref.ilrma(X[:, :, a:b], n_iter=it_step, W0=W)
            c1 = min(T, c0 + step)
            out[:, :, :, c0:c1] = ref.projection_back(W, ref.demix(W, X[:, :, c0:c1]))
        est = ref.istft(out, mix.shape[1], NFFT, HOP)
        sdr = np.mean(ev.score(images[:, 0], est[:, 0])["sdr"])
        print("%-40s sliding SDR %.2f" % (name, sdr), flush=True)


def main():
    if len(sys.argv) < 3 or sys.argv[1] in ("-h", "--help"):
        sys.exit(__doc__)
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 7)
    elif sys.argv[1] == "sliding":
        sliding(sys.argv[2], sys.argv[3].split(","))
    elif sys.argv[1] == "block":
        block(sys.argv[2:])
    elif sys.argv[1] == "consistency":
        consistency(sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
