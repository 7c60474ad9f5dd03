#!/usr/bin/python3
"""The same mixtures with the other kind of onset, to tell what starting
together costs from what the material costs (issue 24; docs/experiments.md, 2026-12-06).

  onset_variants.py OUT CORPUS [CORPUS ...]

For every mixture of each CORPUS (built by make_corpus.py, version 2):
  * a mixture whose sources play the whole file from 0 s ("together",
    version 1) becomes OUT/NAME_apart: source k is delayed by k * 4.5 s (the
    first source from 0 s, the second from 4.5 s, the third from 9 s; what
    would run past 22 s is cut);
  * a mixture whose sources enter one after the other ("apart") becomes
    OUT/NAME_together: every source is moved earlier by its first entry, so
    that all start at 0 s (and end that much earlier);
  * mixtures with a common pause ("together" of version 2) are left out.
The sources keep their levels; sources and mixture are scaled together so
that the mixture peaks at 0.9, as make_corpus.py does.  meta.json keeps the
mixture's tags with the onset changed (and "variant_of"), so that
core_eval.py / evaluate.py --seeds break the means down the same way.
There are no training clips.  Run with Debian's /usr/bin/python3.
"""
import json
import os
import sys

import numpy as np
import scipy.io.wavfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate as ev  # noqa: E402

DELAY = 4.5       # seconds between the entries of the "apart" variants
PEAK = 0.9


def shifted(x, n):
    """x delayed by n samples (n < 0: moved earlier), same length."""
    out = np.zeros_like(x)
    if n >= 0:
        out[n:] = x[:len(x) - n]
    else:
        out[:len(x) + n] = x[-n:]
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = sys.argv[1]
    made = []
    for corpus in sys.argv[2:]:
        for name in ev.list_mixtures(corpus):
            d = os.path.join(corpus, name)
            with open(os.path.join(d, "meta.json")) as f:
                meta = json.load(f)
            srcs = meta["sources"]
            spans = [s.get("entries", [[0.0, meta["seconds"]]]) for s in srcs]
            sr, mix, refs = ev.load_mixture(d)
            if all(len(e) == 1 and e[0][0] == 0.0 for e in spans):
                onset, suffix = "apart", "_apart"
                moves = [int(round(k * DELAY * sr)) for k in range(len(refs))]
            elif meta.get("tags", {}).get("onset") == "apart":
                onset, suffix = "together", "_together"
                moves = [-int(round(e[0][0] * sr)) for e in spans]
            else:
                continue
            new = np.stack([shifted(r, m) for r, m in zip(refs, moves)])
            g = PEAK / np.max(np.abs(new.sum(axis=0)))
            new *= g
            od = os.path.join(out, name + suffix)
            os.makedirs(od, exist_ok=True)
            scipy.io.wavfile.write(os.path.join(od, "mix.wav"), sr,
                                   new.sum(axis=0).astype(np.float32))
            for k, s in enumerate(new):
                scipy.io.wavfile.write(os.path.join(od, "source_%d.wav" % k), sr,
                                       s.astype(np.float32))
            tags = dict(meta.get("tags", {}), onset=onset)
            if "kind" not in tags:
                tags.update(kind=("speech" if all(s["kind"] == "speech" for s in srcs) else
                                  "music" if all(s["kind"] == "instrument" for s in srcs)
                                  else "speech+music"), n_sources=len(refs))
            m = dict(meta, name=name + suffix, tags=tags, variant_of=os.path.abspath(d),
                     shifts_s=[mv / sr for mv in moves])
            with open(os.path.join(od, "meta.json"), "w") as f:
                json.dump(m, f, indent=1)
            made.append(name + suffix)
            print("%-40s %s, shifts %s s" % (name + suffix, onset,
                                             " ".join("%+.1f" % (mv / sr) for mv in moves)))
    with open(os.path.join(out, "corpus.json"), "w") as f:
        json.dump(dict(version="onset-variants", sources=[os.path.abspath(c) for c in sys.argv[2:]],
                       mixtures=made), f, indent=1)


if __name__ == "__main__":
    main()
