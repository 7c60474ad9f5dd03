"""Figures over seeds for the quality benchmark (evaluate.py, core_eval.py).

A configuration's score on one mixture at one seed is the SDR averaged over
the mixture's sources; its corpus mean at that seed averages the mixtures.
Over seeds S this module reports, per configuration:

  mean        the mean over mixtures and seeds
  per seed    each seed's corpus mean, their spread (std over seeds, min,
              max) and the worst seed's mean (= min) against the mean
  per tag     the mean over seeds and the tagged mixtures: kind (music,
              speech+music, speech), number of sources (2, 3), onset
              (together, apart) - from each mixture's meta.json (corpus
              version 2; a version-1 corpus is all "together")
  per mixture the mean over seeds, min and max (seed sensitivity), and how
              many (mixture, seed) pairs fall below the mixture anchor

Anchors that have no seed (the mixture itself, the ideal ratio mask) are
one value per mixture; sklearn KL-NMF is run at each seed like the rest.
"""
import json
import os

import numpy as np

TAG_ORDER = (("kind", ("music", "speech+music", "speech")),
             ("n_sources", (2, 3)),
             ("onset", ("together", "apart")))


def tag_label(key, value):
    return "%d src" % value if key == "n_sources" else str(value)


def mixture_tags(corpus, name):
    """tags of a mixture from its meta.json; corpora of version 1 have none
    (every source of those starts at 0 s: "together")."""
    with open(os.path.join(corpus, name, "meta.json")) as f:
        meta = json.load(f)
    if "tags" in meta:
        return meta["tags"]
    kinds = [s.get("kind") for s in meta.get("sources", [])]
    kind = ("speech" if kinds and all(k == "speech" for k in kinds) else
            "music" if all(k == "instrument" for k in kinds) else "speech+music")
    return dict(kind=kind, n_sources=meta.get("n_sources", len(kinds)), onset="together")


def fnan(v):
    return float(v) if v is not None and np.isfinite(v) else float("nan")


def summarize(values, names, tags, floor=None):
    """values: {seed: {mixture name: SDR or nan}} for one configuration.
    floor: {mixture name: SDR of the mixture anchor}, for the count of
    (mixture, seed) pairs below it.  Returns a dict (JSON-able)."""
    seeds = sorted(values)
    M = np.array([[fnan(values[s].get(n)) for n in names] for s in seeds])  # seeds x mixtures
    failed = int(np.sum(~np.isfinite(M)))
    with np.errstate(all="ignore"):
        per_seed = np.nanmean(M, axis=1) if M.size else np.array([])
    out = dict(seeds=seeds, n_mixtures=len(names), failed_runs=failed,
               mean=fnan(np.nanmean(M)) if M.size else float("nan"),
               per_seed={str(s): fnan(v) for s, v in zip(seeds, per_seed)})
    if len(seeds) > 0:
        out.update(seed_std=fnan(np.std(per_seed)) if len(seeds) > 1 else 0.0,
                   seed_min=fnan(np.min(per_seed)), seed_max=fnan(np.max(per_seed)),
                   worst_seed=int(seeds[int(np.argmin(per_seed))]))
        out["worst_minus_mean"] = out["seed_min"] - out["mean"]
    per_tag = {}
    for key, vals in TAG_ORDER:
        for v in vals:
            cols = [i for i, n in enumerate(names) if tags[n].get(key) == v]
            if cols:
                with np.errstate(all="ignore"):
                    per_tag[tag_label(key, v)] = dict(
                        n=len(cols), mean=fnan(np.nanmean(M[:, cols])),
                        worst_seed_mean=fnan(np.min(np.nanmean(M[:, cols], axis=1))))
    out["per_tag"] = per_tag
    per_mix = {}
    below = 0
    for i, n in enumerate(names):
        col = M[:, i]
        d = dict(mean=fnan(np.nanmean(col)) if np.isfinite(col).any() else float("nan"),
                 min=fnan(np.nanmin(col)) if np.isfinite(col).any() else float("nan"),
                 max=fnan(np.nanmax(col)) if np.isfinite(col).any() else float("nan"),
                 per_seed={str(s): fnan(v) for s, v in zip(seeds, col)})
        if floor is not None and np.isfinite(fnan(floor.get(n))):
            nb = int(np.sum(col < floor[n]))
            d["below_mixture"] = nb
            d["min_minus_mixture"] = d["min"] - floor[n]
            below += nb
        per_mix[n] = d
    out["per_mixture"] = per_mix
    if floor is not None:
        out["below_mixture"] = below
        out["pairs"] = int(M.size)
    return out


def constant(values_by_name, names, tags):
    """An anchor without a seed: the same value at every seed."""
    return summarize({0: values_by_name}, names, tags)


def f2(x):
    return "n/a" if x is None or not np.isfinite(x) else "%.2f" % x


def tag_columns(summaries):
    cols = []
    for key, vals in TAG_ORDER:
        for v in vals:
            lab = tag_label(key, v)
            if any(lab in s["per_tag"] for _, s in summaries):
                cols.append(lab)
    return cols


def summary_table(summaries, names, tags):
    """Markdown: one row per configuration.  summaries: [(label, summary)]."""
    tcols = tag_columns(summaries)
    counts = {c: next((s["per_tag"][c]["n"] for _, s in summaries if c in s["per_tag"]), 0)
              for c in tcols}
    head = ["configuration", "seeds", "mean SDR", "per-seed means", "std over seeds",
            "worst seed (its mean)", "worst - mean", "best seed mean"]
    head += ["%s (%d)" % (c, counts[c]) for c in tcols]
    head += ["(mixture, seed) below the mixture"]
    lines = ["| " + " | ".join(head) + " |",
             "|---|---|" + "---:|" * (len(head) - 2)]
    for label, s in summaries:
        seeds = s["seeds"]
        single = len(seeds) <= 1
        row = [label, "-" if single else ",".join(str(x) for x in seeds),
               "**%s**" % f2(s["mean"]),
               "-" if single else " / ".join(f2(s["per_seed"][str(x)]) for x in seeds),
               "-" if single else f2(s.get("seed_std")),
               "-" if single else "%s (seed %d)" % (f2(s.get("seed_min")), s["worst_seed"]),
               "-" if single else f2(s.get("worst_minus_mean")),
               "-" if single else f2(s.get("seed_max"))]
        row += [f2(s["per_tag"][c]["mean"]) if c in s["per_tag"] else "" for c in tcols]
        row += ["%d / %d" % (s["below_mixture"], s["pairs"]) if "below_mixture" in s else ""]
        if s.get("failed_runs"):
            row[0] += " (%d failed runs)" % s["failed_runs"]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def mixture_table(summaries, names, tags):
    """Markdown: per mixture, each configuration's mean over seeds and (for
    those with several seeds) its min - max."""
    head = ["mixture", "kind", "K", "onset"] + [l for l, _ in summaries]
    lines = ["| " + " | ".join(head) + " |", "|---|---|---|---|" + "---:|" * len(summaries)]
    for n in names:
        t = tags[n]
        row = [n, t.get("kind", ""), str(t.get("n_sources", "")), t.get("onset", "")]
        for _, s in summaries:
            d = s["per_mixture"][n]
            if len(s["seeds"]) > 1:
                row.append("%s (%s .. %s)" % (f2(d["mean"]), f2(d["min"]), f2(d["max"])))
            else:
                row.append(f2(d["mean"]))
        lines.append("| " + " | ".join(row) + " |")
    row = ["**mean**", "", "", ""] + ["**%s**" % f2(s["mean"]) for _, s in summaries]
    lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


# issue 24's targets, checked when the runs are labelled kl, live and volmin
ISSUE24 = "sklearn KL-NMF (rank = sources)"


def issue24_targets(summaries):
    """Markdown lines for the targets of issue 24 that the summaries allow
    to check (runs labelled kl / live / volmin, the sklearn anchor)."""
    s = dict(summaries)
    sk = s.get(ISSUE24)
    rows = []

    def row(what, value, target, ok):
        rows.append("| %s | %s | %s | %s |" % (what, value, target, "yes" if ok else "**no**"))
    if sk and "kl" in s:
        d = s["kl"]["mean"] - sk["mean"]
        row("kl mean - sklearn mean", f2(d), ">= 3.00", d >= 3.0)
        if len(s["kl"]["seeds"]) > 1:
            w = s["kl"]["worst_minus_mean"]
            row("kl worst seed - kl mean", f2(w), ">= -1.50", w >= -1.5)
    if sk and "live" in s:
        d = s["live"]["mean"] - sk["mean"]
        row("live mean - sklearn mean", f2(d), ">= 1.50", d >= 1.5)
    if "volmin" in s and "kl" in s:
        d = s["volmin"]["mean"] - s["kl"]["mean"]
        row("volmin mean - kl mean", f2(d), ">= 0.00", d >= 0.0)
    if "volmin" in s and "below_mixture" in s["volmin"]:
        b = s["volmin"]["below_mixture"]
        worst = min((m.get("min_minus_mixture", 0.0) for m in s["volmin"]["per_mixture"].values()),
                    default=0.0)
        row("volmin (mixture, seed) pairs below the mixture (worst margin dB)",
            "%d (%s)" % (b, f2(worst)), "0", b == 0)
    if not rows:
        return ""
    return "\n".join(["| issue 24 target | measured | wanted | met |", "|---|---:|---:|---|"] + rows)


def main():
    """seedstats.py RESULTS.json: the tables again, from evaluate.py's or
    core_eval.py's JSON of a --seeds run."""
    import sys
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        sys.exit(main.__doc__)
    with open(sys.argv[1]) as f:
        j = json.load(f)

    def nan(o):
        if isinstance(o, dict):
            return {k: nan(v) for k, v in o.items()}
        if isinstance(o, list):
            return [nan(v) for v in o]
        return float("nan") if o is None else o
    summaries = list(nan(j["summary"]).items())
    tags = j["tags"]
    import re
    names = sorted(tags, key=lambda n: [int(t) if t.isdigit() else t
                                        for t in re.split(r"(\d+)", n)])
    print(summary_table(summaries, names, tags))
    print()
    print(mixture_table(summaries, names, tags))
    t = issue24_targets(summaries)
    if t:
        print()
        print(t)


if __name__ == "__main__":
    main()
