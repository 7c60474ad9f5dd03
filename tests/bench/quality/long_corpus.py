#!/usr/bin/python3
"""Longer mixtures from built corpora, to check that a setting does not
depend on the length of the corpus files (22 s).

  long_corpus.py OUT CORPUS [CORPUS ...]

For every mixture of each CORPUS (built by make_corpus.py), OUT/NAME gets
source_k.wav = the mixture's source k followed by that source's training
clip scaled to the same RMS (22 s + 15 s = 37 s), and mix.wav = their sum,
all scaled so that the mixture peaks at 0.9.  core_eval.py reads OUT like
any corpus (there are no training clips, so no dictionary runs).  Run with
Debian's /usr/bin/python3.
"""
import os
import sys

import numpy as np
import scipy.io.wavfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate as ev  # noqa: E402


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = sys.argv[1]
    for corpus in sys.argv[2:]:
        for name in ev.list_mixtures(corpus):
            d = os.path.join(corpus, name)
            sr, _, refs = ev.load_mixture(d)
            sources = []
            for k, r in enumerate(refs):
                _, t = ev.read_wav(os.path.join(d, "train_%d.wav" % k))
                t = t * (np.sqrt(np.mean(r ** 2))
                         / (np.sqrt(np.mean(t ** 2)) + 1e-12))
                sources.append(np.concatenate([r, t]))
            sources = np.stack(sources)
            mix = sources.sum(0)
            gain = 0.9 / np.max(np.abs(mix))
            o = os.path.join(out, name)
            os.makedirs(o, exist_ok=True)
            scipy.io.wavfile.write(os.path.join(o, "mix.wav"), sr,
                                   (mix * gain).astype(np.float32))
            for k, x in enumerate(sources):
                scipy.io.wavfile.write(os.path.join(o, "source_%d.wav" % k), sr,
                                       (x * gain).astype(np.float32))
            print("%s: %.1f s" % (name, sources.shape[1] / sr))


if __name__ == "__main__":
    main()
