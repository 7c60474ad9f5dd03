#!/usr/bin/python3
"""Per-frequency demixing in the rooms: how far online and block-wise
AuxIVA get from the batch reference (docs/experiments.md, "Rooms: per
frequency, online and block-wise").

  prototype_rooms.py online CORPUS MIX[,MIX...] ALPHA[,ALPHA...]
      online AuxIVA per bin (prototype_online.Online, model="auxiva"),
      decaying statistics with each ALPHA (per 512-sample hop)
  prototype_rooms.py block CORPUS MIX[,MIX...] PAST,FUTURE,STEP,ITERATIONS
      batch AuxIVA (reference.auxiva) re-run every STEP frames on the frames
      [t - PAST, t + STEP + FUTURE), warm-started from the previous block's
      W (30 iterations for the first block, ITERATIONS after), the block's
      STEP frames demixed with it and projected back; FUTURE = 0 is causal

Scored like evaluate.py: BSS Eval SDR at microphone 0 against each source's
image there, mean over the sources.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate as ev  # noqa: E402
import prototype_online as po  # noqa: E402
import reference as ref  # noqa: E402

NFFT, HOP = 2048, 512


def block_auxiva(mix, past, future, step, iterations):
    X = ref.stft(mix, NFFT, HOP)
    M, F, T = X.shape
    W = None
    imgs = np.zeros((M, M, F, T), complex)
    for c0 in range(0, T, step):
        a, b = max(0, c0 - past), min(T, c0 + step + future)
        W = ref.auxiva(X[:, :, a:b], n_iter=30 if W is None else iterations, W0=W)
        c1 = min(T, c0 + step)
        imgs[:, :, :, c0:c1] = ref.projection_back(W, ref.demix(W, X[:, :, c0:c1]))
    return ref.istft(imgs, mix.shape[1], NFFT, HOP)


def main():
    if len(sys.argv) < 5 or sys.argv[1] in ("-h", "--help"):
        sys.exit(__doc__)
    mode, corpus, names, spec = sys.argv[1:5]
    for name in names.split(","):
        sr, mix, images, meta = ref.load_mixture(os.path.join(corpus, name))
        runs = []
        if mode == "online":
            for alpha in (float(a) for a in spec.split(",")):
                est, _ = po.run_online(mix, images.shape[0], model="auxiva", alpha=alpha)
                runs.append(("alpha %g" % alpha, est))
        elif mode == "block":
            past, future, step, iterations = (int(x) for x in spec.split(","))
            runs.append((spec, block_auxiva(mix, past, future, step, iterations)))
        else:
            raise SystemExit("mode: online or block")
        for label, est in runs:
            r = ev.score(images[:, 0], est[:, 0])
            print("%s %s: SDR %.2f (%s)" % (name, label, np.mean(r["sdr"]),
                                            " ".join("%.2f" % v for v in r["sdr"])), flush=True)


if __name__ == "__main__":
    main()
