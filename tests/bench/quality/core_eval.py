#!/usr/bin/python3
"""Quality of core/separator without GStreamer: blind grouping settings and
dictionaries (learned from each mixture's train_<k>.wav clips, which hold
different notes / sentences than the mixture), scored like evaluate.py
(mir_eval BSS Eval SDR/SIR/SAR, SI-SDR).

  core_eval.py CORPUS [--build-dir /tmp/g-build] [--label NAME]
               [--args "--components 16 --iterations 4"]
               [--config LABEL="ARGS" ...]
               [--dict KS] [--learn-iterations N] [--shifts R]
               [--shift-steps N] [--jobs 2] [--seeds 0,1,2,3,4]
               [--oracle] [--oracle-variants V,...] [--segments T0,T1,...] [--solo]
               [--no-anchors] [--json FILE]

ARGS are core_separate options (core_separate.c); `--profile file` (first,
or after --window-frames) gives the element's file profile, the element's
default on a file, and `--profile live` its live profile, so that
  --config kl="--profile file" --config live="--profile live"
    --config volmin="--algorithm volmin"
are evaluate.py's kl / live / volmin runs without GStreamer (same figures).
--config may be repeated; --args / --label is one more configuration (the
only one when no --config is given, as before).

--dict KS learns KS templates per source from train_<k>.wav and separates
with every source supervised (dictionaries held fixed, no blind component).
--shifts R adds copies of every learned template shifted by -R..R semitones
along a log-frequency axis (<nmf/dictionary.h>, nmf_dictionary_shift), so the
dictionary holds KS * (2R + 1) templates per source; --shift-steps N puts N
shifts in each semitone (KS * (2RN + 1) templates).

--seeds runs the whole corpus once per seed (appending --seed S to the
arguments) and prints each mixture's SDR per seed, each seed's mean and the
mean over seeds, then (seedstats.py) per configuration the mean over
mixtures and seeds, the spread of the per-seed means, the worst seed,
per-tag means (kind, sources, onset) and per-mixture ranges, beside the
anchors (mixture, ideal ratio mask, sklearn KL-NMF rank = sources at each
seed; from evaluate.py, cached in CORPUS/anchors-cache.json; --no-anchors
skips them).  The model's random start moves a mixture by several dB and
the corpus mean by up to 1.6 dB (README, "Seeds"), so compare settings over
several seeds, never at one.

--oracle (kl only) also scores the separator's own components regrouped
with the true sources (oracle.py): its components with hard memberships
("blind-hard"), and each component given to the source whose ideal ratio
mask covers most of it for the whole file ("oracle-file"), per 2 s block
("oracle-2s") and per frame ("oracle-frame").  They appear as
configurations "LABEL/oracle-file" etc.  About 5 BSS Eval runs per mixture
and seed instead of one (--oracle-variants picks fewer).

--segments 0,6,11,22 also scores every time segment of the file (the
separator's output and the oracle variants) and prints the means per
segment: where in the file quality is lost, and where the seeds differ.
--solo measures, where one source plays alone (from the entries in
meta.json, 0.5 s inside them), the share of the outputs' energy that goes
to that source's output (1 is right; 1 / sources is an even split).

The harness is core_separate.c, built by meson as BUILD/tests/core_separate.
Run with Debian's /usr/bin/python3.
"""
import os
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import json
import multiprocessing
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evaluate as ev  # noqa: E402
import oracle  # noqa: E402
import seedstats  # noqa: E402

ORACLE_VARIANTS = ("blind-hard", "oracle-file", "oracle-2s", "oracle-frame")


def build_harness(build_dir):
    # meson builds the harness (tests/meson.build), so that it links as the
    # core does; a copy per run, so that a rebuild never replaces the
    # harness a run in parallel is executing
    built = os.path.join(build_dir, "tests", "core_separate")
    if not os.path.exists(built):
        sys.exit("%s is missing: build it with ninja -C %s" % (built, build_dir))
    exe = os.path.join(tempfile.mkdtemp(prefix="gst-nmf-core-separate-"),
                       "core_separate")
    shutil.copy2(built, exe)
    return exe


def run_one(task):
    name, a = task
    d = os.path.join(a["corpus"], name)
    sr, mix, refs = ev.load_mixture(d)
    K = len(refs)
    out = tempfile.mkdtemp(prefix="nmfcore-")
    cmd = [a["exe"], "--sources", str(K), "--components", str(K)] + shlex.split(a["args"])
    if a["dict"]:
        cmd += ["--components", "0", "--learn-iterations", str(a["learn_iter"])]
        if a["shifts"]:
            cmd += ["--shifts", str(a["shifts"]), "--shift-steps", str(a["shift_steps"])]
        for k in range(K):
            cmd += ["--learn", str(k), os.path.join(d, "train_%d.wav" % k), str(a["dict"])]
    dump = os.path.join(out, "dump.bin") if a.get("oracle") else None
    if dump:
        cmd += ["--dump", dump]
    cmd += [os.path.join(d, "mix.wav"), out]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if r.returncode != 0:
        shutil.rmtree(out, ignore_errors=True)
        return dict(name=name, config=a.get("config"), seed=a.get("seed"),
                    error=r.stderr.strip(), cmd=" ".join(cmd))
    samples_out, cpu = r.stdout.split()
    ests = np.stack([ev.fit_length(ev.read_wav(os.path.join(out, "est_%d.wav" % k))[1], len(mix))
                     for k in range(K)])
    res = ev.evaluate_estimates(refs, ests, sr, sr)
    res.update(name=name, n_sources=K, sep_cpu_s=float(cpu), samples_out=int(samples_out),
               config=a.get("config"), seed=a.get("seed"))
    est = {}
    if dump:
        try:
            est, check, _ = oracle.variants(dump, mix, refs, sr)
            check["replay_max_abs_diff"] = float(np.max(np.abs(est["replay"] - ests)))
            res["oracle_check"] = check
            res["oracle"] = {v: ev.evaluate_estimates(refs, est[v], sr, sr)
                             for v in a["oracle_variants"]}
        except (ValueError, OSError) as e:
            res["oracle_error"] = str(e)
    if a.get("segments"):
        # SDR over each time segment (NaN where a source is silent in it)
        res["segments"] = {}
        for b0, b1 in zip(a["segments"], a["segments"][1:]):
            i0, i1 = int(b0 * sr), min(int(b1 * sr), len(mix))
            seg = {}
            for v, e in [("element", ests)] + [(v, est[v]) for v in a.get("oracle_variants", [])
                                                if v in est]:
                if np.any(np.sum(refs[:, i0:i1] ** 2, axis=1) < 1e-8 * (i1 - i0)):
                    seg[v] = float("nan")
                    continue
                seg[v] = float(np.mean(ev.evaluate_estimates(
                    refs[:, i0:i1], e[:, i0:i1], sr, sr)["sdr"]))
            res["segments"]["%g-%g" % (b0, b1)] = seg
    if a.get("solo"):
        # where one source plays alone (its entries, meta.json, shrunk by
        # 0.5 s for releases): the share of the outputs' energy in the output
        # matched to it over the whole file (mir_eval's permutation)
        spans = solo_spans(d, sr, len(mix))
        if spans:
            res["solo"] = {}
            for v, e, perm in [("element", ests, res.get("perm"))] + [
                    (v, est[v], res.get("oracle", {}).get(v, {}).get("perm"))
                    for v in a.get("oracle_variants", []) if v in est]:
                if perm is None:
                    continue
                own = tot = 0.0
                for k, i0, i1 in spans:
                    en = np.sum(e[:, i0:i1] ** 2, axis=1)
                    own += float(en[perm[k]])
                    tot += float(en.sum())
                res["solo"][v] = own / tot if tot > 0 else float("nan")
    shutil.rmtree(out, ignore_errors=True)
    return res


def solo_spans(d, sr, n, margin=0.5):
    """[(source, first sample, end sample)]: where exactly one source's
    entries are active (meta.json, corpus version 2), each span shrunk by
    margin seconds at both ends; [] when the mixture has none."""
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    dur = n / sr
    ents = [s.get("entries", [[0.0, dur]]) for s in meta.get("sources", [])]
    grid = np.arange(0.0, dur, 0.01)
    active = np.array([[any(a <= t < b for a, b in e) for t in grid] for e in ents])
    out = []
    only = active.sum(axis=0) == 1
    t = 0
    while t < len(grid):
        if only[t]:
            k = int(np.argmax(active[:, t]))
            u = t
            while u < len(grid) and only[u] and active[k, u]:
                u += 1
            a, b = grid[t] + margin, grid[u - 1] + 0.01 - margin
            if b - a >= 1.0:
                out.append((k, int(a * sr), int(b * sr)))
            t = u
        else:
            t += 1
    return out


def dispatch(task):
    """A task of the shared pool: an anchor (evaluate.work) or a run."""
    if task[0] == "anchor":
        return ev.work(task)
    return task[1], task[0], None, run_one(task[4])


def sdr_of(r, variant=None):
    if "error" in r:
        return float("nan")
    m = r if variant is None else r.get("oracle", {}).get(variant)
    if not m or not all(np.isfinite(m["sdr"])):
        return float("nan")
    return float(np.mean(m["sdr"]))


def print_seeds(a, label, args, seeds, names, runs):
    """SDR per mixture and seed, each seed's mean, the mean over seeds."""
    print("| mixture | " + " | ".join("seed %d" % s for s in seeds) + " | mean |")
    print("|---|" + "---:|" * (len(seeds) + 1))
    for i, name in enumerate(names):
        row = [sdr_of(run[i]) for run in runs]
        print("| %s | %s | %.2f |" % (name, " | ".join("%.2f" % v for v in row),
                                     float(np.mean(row))))
    per_seed = [float(np.mean([sdr_of(r) for r in run])) for run in runs]
    print("| **mean %s** | %s | **%.2f** |" % (
        label, " | ".join("%.2f" % v for v in per_seed), float(np.mean(per_seed))))
    print()
    with open(os.path.join(a.corpus, "core-results-%s-seeds.json" % label), "w") as f:
        json.dump(ev.clean_json(dict(label=label, args=args, dict=a.dict,
                                     seeds=seeds, results=runs)), f, indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("--build-dir", default="/tmp/g-build")
    ap.add_argument("--args", default=None)
    ap.add_argument("--config", action="append", default=[], metavar="LABEL=ARGS",
                    help="a configuration (repeatable): core_separate arguments")
    ap.add_argument("--dict", type=int, default=0)
    ap.add_argument("--learn-iterations", type=int, default=200)
    ap.add_argument("--shifts", type=int, default=0)
    ap.add_argument("--shift-steps", type=int, default=1)
    ap.add_argument("--label", default="core")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default=None)
    ap.add_argument("--seeds", default=None,
                    help="comma-separated seeds: one run per seed")
    ap.add_argument("--oracle", action="store_true",
                    help="also score the components regrouped with the true sources")
    ap.add_argument("--oracle-variants", default=",".join(ORACLE_VARIANTS),
                    help="which of %s (comma-separated; each costs one BSS Eval "
                         "per mixture and seed)" % ",".join(ORACLE_VARIANTS))
    ap.add_argument("--segments", default=None, metavar="T0,T1,...",
                    help="also score each time segment [Ti, Ti+1) in seconds (the "
                         "separator's output and the oracle variants; a segment "
                         "where a source is silent is left out)")
    ap.add_argument("--solo", action="store_true",
                    help="where one source plays alone (meta.json entries): the "
                         "share of the output energy in that source's output")
    ap.add_argument("--no-anchors", action="store_true",
                    help="with --seeds: no mixture / IRM / sklearn anchors")
    ap.add_argument("--json", default="",
                    help="with --seeds: the summary JSON (default "
                         "CORPUS/core-summary-LABELS.json)")
    a = ap.parse_args()
    a.corpus = os.path.abspath(a.corpus)
    configs = []
    for c in a.config:
        label, eq, args = c.partition("=")
        if not eq or not label:
            sys.exit("core_eval: --config wants LABEL=ARGS, got %r" % c)
        configs.append((label, args))
    if a.args is not None or not configs:
        configs.append((a.label, a.args or ""))
    if len(set(l for l, _ in configs)) != len(configs):
        sys.exit("core_eval: two configurations with one label")
    seeds = [int(v) for v in a.seeds.split(",")] if a.seeds is not None else None
    if seeds is not None and len(set(seeds)) != len(seeds):
        sys.exit("core_eval: --seeds wants distinct seeds")
    exe = build_harness(a.build_dir)
    names = ev.list_mixtures(a.corpus, a.only)
    if not names:
        sys.exit("core_eval: no mixtures (mix.wav) under %s" % a.corpus)
    base = dict(corpus=a.corpus, exe=exe, dict=a.dict, learn_iter=a.learn_iterations,
                shifts=a.shifts, shift_steps=a.shift_steps)
    # every (configuration, seed, mixture) run in one pool; with --seeds and
    # anchors, the anchors' missing pieces in the same pool
    base["segments"] = [float(v) for v in a.segments.split(",")] if a.segments else None
    base["solo"] = a.solo
    base["oracle_variants"] = [v for v in a.oracle_variants.split(",") if v]
    bad = set(base["oracle_variants"]) - set(ORACLE_VARIANTS)
    if bad:
        sys.exit("core_eval: unknown oracle variants %s" % ",".join(sorted(bad)))
    tasks = []
    for label, args in configs:
        orc = a.oracle and "volmin" not in args
        for seed in (seeds if seeds is not None else [None]):
            t = dict(base, config=label, seed=seed, oracle=orc,
                     args=args if seed is None else "%s --seed %d" % (args, seed))
            tasks += [(n, t) for n in names]
    t0 = time.time()
    anchors = None
    try:
        if seeds is not None and not a.no_anchors:
            sr0 = ev.read_wav(os.path.join(a.corpus, names[0], "mix.wav"))[0]
            aa = dict(corpus=a.corpus, eval_sr=sr0, mask_power=2.0, no_baselines=False)
            anchors, _, out = ev.compute_anchors(
                aa, names, seeds, a.jobs, [("core", n, None, None, (n, t)) for n, t in tasks],
                dispatch)
            results = [r for _, _, _, r in out]
        else:
            with multiprocessing.Pool(a.jobs) as pool:
                results = pool.map(run_one, tasks, chunksize=1)
    finally:
        shutil.rmtree(os.path.dirname(exe), ignore_errors=True)
    total = time.time() - t0

    if seeds is None:
        for label, args in configs:
            rs = [r for r in results if r.get("config") == label]
            single_table(a, label, args, rs)
        return

    by = {(r["config"], r["seed"], r["name"]): r for r in results}
    tags = {n: seedstats.mixture_tags(a.corpus, n) for n in names}
    floor = None
    summaries = []
    if anchors is not None:
        floor = {n: seedstats.fnan(float(np.mean(anchors[n]["mixture"]["sdr"]))) for n in names}

        def asdr(n, k):
            m = anchors[n][k]
            return float(np.mean(m["sdr"])) if all(np.isfinite(m["sdr"])) else float("nan")
        summaries += [("mixture", seedstats.constant(floor, names, tags)),
                      ("IRM (oracle masks)", seedstats.constant(
                          {n: asdr(n, "irm") for n in names}, names, tags)),
                      ("sklearn KL-NMF (rank = sources)", seedstats.summarize(
                          {s: {n: asdr(n, "sklearn@%d" % s) for n in names} for s in seeds},
                          names, tags, floor))]
    checks = {}
    for label, args in configs:
        runs = [[by[(label, s, n)] for n in names] for s in seeds]
        print("### %s: `%s`\n" % (label, args))
        print_seeds(a, label, args, seeds, names, runs)
        summaries.append((label, seedstats.summarize(
            {s: {n: sdr_of(by[(label, s, n)]) for n in names} for s in seeds},
            names, tags, floor)))
        if any("oracle" in by[(label, s, n)] for s in seeds for n in names):
            for v in [v for v in ORACLE_VARIANTS
                      if any(v in by[(label, s, n)].get("oracle", {}) for s in seeds
                             for n in names)]:
                summaries.append(("%s/%s" % (label, v), seedstats.summarize(
                    {s: {n: sdr_of(by[(label, s, n)], v) for n in names} for s in seeds},
                    names, tags, floor)))
            checks[label] = {"%s@%d" % (n, s): by[(label, s, n)].get("oracle_check")
                             for s in seeds for n in names}
    segtab = segment_table(configs, seeds, names, by) if a.segments else ""
    errors = [r for r in results if "error" in r or "oracle_error" in r]
    for r in errors:
        print("%s seed %s %s: %s" % (r.get("config"), r.get("seed"), r["name"],
                                     r.get("error") or r.get("oracle_error")))
    print("## core_separate over seeds %s, corpus %s\n" % (
        ",".join(str(s) for s in seeds), a.corpus))
    for label, args in configs:
        print("- `%s`: core_separate --sources K --components K %s --seed S" % (label, args))
    print()
    ev.print_seed_report(summaries, names, tags, "Summary (tag columns: mean over the "
                         "tagged mixtures and the seeds; their count in brackets):")
    if checks:
        for label, c in checks.items():
            vals = [v for v in c.values() if v]
            if vals:
                print("Oracle checks, %s: replay max |diff| %.2g, membership residual "
                      "max %.3g, blind mass off the per-file oracle %.2f (mean), "
                      "per-frame oracle switches %.3f of frames (mean)." % (
                          label, max(v["replay_max_abs_diff"] for v in vals),
                          max(v.get("membership_residual", 0.0) for v in vals),
                          float(np.mean([v["blind_mass_off_oracle_file"] for v in vals])),
                          float(np.mean([v["oracle_frame_switch_rate"] for v in vals]))))
        print()
    if a.solo:
        print("Where one source plays alone (mixtures with such spans: %s): share of "
              "the outputs' energy in the output matched to that source, mean over the "
              "mixtures (min .. max over mixture means over seeds):\n" % ", ".join(
                  n for n in names if any("solo" in by[(l, s, n)] for l, _ in configs
                                          for s in seeds)))
        for label, _ in configs:
            rs = [by[(label, s, n)] for s in seeds for n in names]
            vs = sorted({v for r in rs for v in r.get("solo", {})},
                        key=lambda v: (("element",) + ORACLE_VARIANTS).index(v))
            for v in vs:
                per_mix = [np.nanmean([by[(label, s, n)].get("solo", {}).get(v, np.nan)
                                       for s in seeds]) for n in names
                           if any(v in by[(label, s, n)].get("solo", {}) for s in seeds)]
                print("- %s: %.2f (%.2f .. %.2f)" % (
                    label if v == "element" else "%s/%s" % (label, v),
                    float(np.mean(per_mix)), float(np.min(per_mix)), float(np.max(per_mix))))
        print()
    if segtab:
        print("Per time segment: mean SDR over the mixtures where every source sounds "
              "in the segment, and the seeds (their number; std of the per-seed "
              "means):\n")
        print(segtab)
        print()
    print("Total %.1f s (%d jobs)." % (total, a.jobs))
    lab = "+".join(l for l, _ in configs)
    jpath = a.json or os.path.join(a.corpus, "core-summary-%s.json" % lab)
    with open(jpath, "w") as f:
        json.dump(ev.clean_json(dict(corpus=a.corpus, seeds=seeds,
                                     configs=[dict(label=l, args=g) for l, g in configs],
                                     build_dir=os.path.abspath(a.build_dir), tags=tags,
                                     summary={l: s for l, s in summaries}, oracle_checks=checks,
                                     results=results, total_seconds=total,
                                     command=" ".join(shlex.quote(x) for x in
                                                      [sys.executable] + sys.argv))),
                  f, indent=1)
    print("JSON: %s" % jpath)


def segment_table(configs, seeds, names, by):
    rows = []
    segs = None
    for label, _ in configs:
        rs = [by[(label, s, n)] for s in seeds for n in names]
        have = [r for r in rs if "segments" in r]
        if not have:
            continue
        segs = list(have[0]["segments"])
        variants = list(have[0]["segments"][segs[0]])
        for v in variants:
            cells = []
            for sg in segs:
                per_seed = []
                count = 0
                for s in seeds:
                    vals = [by[(label, s, n)].get("segments", {}).get(sg, {}).get(v)
                            for n in names]
                    vals = [x for x in vals if x is not None and np.isfinite(x)]
                    count += len(vals)
                    if vals:
                        per_seed.append(float(np.mean(vals)))
                cells.append("%s (%d; %s)" % (seedstats.f2(float(np.mean(per_seed)) if per_seed
                                                            else float("nan")), count,
                                              seedstats.f2(float(np.std(per_seed)) if per_seed
                                                           else float("nan"))))
            rows.append("| %s | %s |" % (label if v == "element" else "%s/%s" % (label, v),
                                         " | ".join(cells)))
    if not rows:
        return ""
    return "\n".join(["| configuration | " + " | ".join("%s s" % s for s in segs) + " |",
                      "|---|" + "---:|" * len(segs)] + rows)


def single_table(a, label, args, results):
    orc = any("oracle" in r for r in results)
    variants = [v for v in ORACLE_VARIANTS if any(v in r.get("oracle", {}) for r in results)]
    head = "| mixture | SDR | SIR | SAR | SI-SDR | separator CPU s |"
    sep = "|---|---:|---:|---:|---:|---:|"
    if orc:
        head += "".join(" %s SDR |" % v for v in variants)
        sep += "---:|" * len(variants)
    print(head)
    print(sep)
    means = {m: [] for m in ("sdr", "sir", "sar", "si_sdr")}
    omeans = {v: [] for v in variants}
    for r in results:
        if "error" in r:
            print("| %s | error: %s |" % (r["name"], r["error"]))
            continue
        row = [float(np.mean(r[m])) for m in ("sdr", "sir", "sar", "si_sdr")]
        for m, v in zip(("sdr", "sir", "sar", "si_sdr"), row):
            means[m].append(v)
        line = "| %s | %.2f | %.2f | %.2f | %.2f | %.2f |" % (
            (r["name"],) + tuple(row) + (r["sep_cpu_s"],))
        if orc:
            for v in variants:
                x = sdr_of(r, v)
                omeans[v].append(x)
                line += " %.2f |" % x
        print(line)
    line = "| **mean %s** | **%.2f** | %.2f | %.2f | %.2f | |" % (
        label, *(float(np.mean(means[m])) if means[m] else float("nan")
                 for m in ("sdr", "sir", "sar", "si_sdr")))
    if orc:
        line += "".join(" %.2f |" % float(np.nanmean(omeans[v])) for v in variants)
    print(line)
    with open(os.path.join(a.corpus, "core-results-%s.json" % label), "w") as f:
        json.dump(ev.clean_json(dict(label=label, args=args, dict=a.dict,
                                     shifts=a.shifts,
                                     shift_steps=a.shift_steps, results=results)), f, indent=1)


if __name__ == "__main__":
    main()
