#!/usr/bin/python3
"""Quality of core/separator without GStreamer: blind grouping settings and
dictionaries (learned from each mixture's train_<k>.wav clips, which hold
different notes / sentences than the mixture), scored like evaluate.py
(mir_eval BSS Eval SDR/SIR/SAR, SI-SDR).

  core_eval.py CORPUS [--build-dir /tmp/g-build] [--label NAME]
               [--args "--components 16 --iterations 4"]
               [--dict KS] [--learn-iterations N] [--shifts R]
               [--shift-steps N] [--jobs 2] [--seeds 0,1,2,3,4]

--dict KS learns KS templates per source from train_<k>.wav and separates
with every source supervised (dictionaries held fixed, no blind component).
--shifts R adds copies of every learned template shifted by -R..R semitones
along a log-frequency axis (core/dictionary.h, nmf_dictionary_shift), so the
dictionary holds KS * (2R + 1) templates per source; --shift-steps N puts N
shifts in each semitone (KS * (2RN + 1) templates).
--seeds runs the whole corpus once per seed (appending --seed S to --args)
and prints each mixture's SDR per seed, each seed's mean and the mean over
seeds: the model's random start moves a mixture by several dB and the
corpus mean by up to 1.6 dB (README, "Seeds"), so compare settings over
several seeds, never at one.
The harness core_separate.c is compiled against BUILD/core/libnmfcore.a.
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

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evaluate as ev  # noqa: E402


def build_harness(build_dir):
    # one executable per run, so that runs in parallel never overwrite the
    # harness another one is executing
    exe = os.path.join(tempfile.mkdtemp(prefix="gst-nmf-core-separate-"),
                       "core_separate")
    src = [os.path.join(HERE, "core_separate.c"),
           os.path.join(HERE, "..", "..", "tools", "wavio.c")]
    cmd = ["gcc", "-O2", "-std=c11", "-D_GNU_SOURCE",
           "-I" + os.path.join(HERE, "..", "..", "..", "core"),
           "-I" + os.path.join(HERE, "..", "..", "tools")] + src + [
        os.path.join(build_dir, "core", "libnmfcore.a"),
        "-lfftw3f", "-lopenblas", "-llapacke", "-lglpk", "-lm", "-lpthread",
        "-o", exe]
    subprocess.run(cmd, check=True)
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
    cmd += [os.path.join(d, "mix.wav"), out]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if r.returncode != 0:
        shutil.rmtree(out, ignore_errors=True)
        return dict(name=name, error=r.stderr.strip(), cmd=" ".join(cmd))
    frames, cpu = r.stdout.split()
    ests = np.stack([ev.fit_length(ev.read_wav(os.path.join(out, "est_%d.wav" % k))[1], len(mix))
                     for k in range(K)])
    shutil.rmtree(out, ignore_errors=True)
    res = ev.evaluate_estimates(refs, ests, sr, sr)
    res.update(name=name, n_sources=K, sep_cpu_s=float(cpu), frames=int(frames))
    return res


def print_seeds(a, seeds, names, runs):
    """SDR per mixture and seed, each seed's mean, the mean over seeds."""
    def sdr(r):
        return float("nan") if "error" in r else float(np.mean(r["sdr"]))
    print("| mixture | " + " | ".join("seed %d" % s for s in seeds) + " | mean |")
    print("|---|" + "---:|" * (len(seeds) + 1))
    for i, name in enumerate(names):
        row = [sdr(run[i]) for run in runs]
        print("| %s | %s | %.2f |" % (name, " | ".join("%.2f" % v for v in row),
                                     float(np.mean(row))))
    per_seed = [float(np.mean([sdr(r) for r in run])) for run in runs]
    print("| **mean %s** | %s | **%.2f** |" % (
        a.label, " | ".join("%.2f" % v for v in per_seed), float(np.mean(per_seed))))
    with open(os.path.join(a.corpus, "core-results-%s-seeds.json" % a.label), "w") as f:
        json.dump(ev.clean_json(dict(label=a.label, args=a.args, dict=a.dict,
                                     seeds=seeds, results=runs)), f, indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("--build-dir", default="/tmp/g-build")
    ap.add_argument("--args", default="")
    ap.add_argument("--dict", type=int, default=0)
    ap.add_argument("--learn-iterations", type=int, default=200)
    ap.add_argument("--shifts", type=int, default=0)
    ap.add_argument("--shift-steps", type=int, default=1)
    ap.add_argument("--label", default="core")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default=None)
    ap.add_argument("--seeds", default=None,
                    help="comma-separated seeds: one run per seed")
    a = ap.parse_args()
    exe = build_harness(a.build_dir)
    names = ev.list_mixtures(a.corpus, a.only)
    task = dict(corpus=a.corpus, exe=exe, args=a.args, dict=a.dict,
                learn_iter=a.learn_iterations, shifts=a.shifts,
                shift_steps=a.shift_steps)
    # with --seeds, every (seed, mixture) run in one pool, seed by seed
    seeds = [int(v) for v in a.seeds.split(",")] if a.seeds is not None else None
    tasks = [(n, task) for n in names] if seeds is None else [
        (n, dict(task, args="%s --seed %d" % (a.args, seed))) for seed in seeds for n in names]
    try:
        with multiprocessing.Pool(a.jobs) as pool:
            results = pool.map(run_one, tasks)
    finally:
        shutil.rmtree(os.path.dirname(exe), ignore_errors=True)
    if seeds is not None:
        print_seeds(a, seeds, names, [results[i * len(names):(i + 1) * len(names)]
                                      for i in range(len(seeds))])
        return
    print("| mixture | SDR | SIR | SAR | SI-SDR | separator CPU s |")
    print("|---|---:|---:|---:|---:|---:|")
    means = {m: [] for m in ("sdr", "sir", "sar", "si_sdr")}
    for r in results:
        if "error" in r:
            print("| %s | error: %s |" % (r["name"], r["error"]))
            continue
        row = [float(np.mean(r[m])) for m in ("sdr", "sir", "sar", "si_sdr")]
        for m, v in zip(("sdr", "sir", "sar", "si_sdr"), row):
            means[m].append(v)
        print("| %s | %.2f | %.2f | %.2f | %.2f | %.2f |" % ((r["name"],) + tuple(row) + (r["sep_cpu_s"],)))
    print("| **mean %s** | **%.2f** | %.2f | %.2f | %.2f | |" % (
        a.label, *(float(np.mean(means[m])) if means[m] else float("nan")
                   for m in ("sdr", "sir", "sar", "si_sdr"))))
    with open(os.path.join(a.corpus, "core-results-%s.json" % a.label), "w") as f:
        json.dump(ev.clean_json(dict(label=a.label, args=a.args, dict=a.dict,
                                     shifts=a.shifts,
                                     shift_steps=a.shift_steps, results=results)), f, indent=1)


if __name__ == "__main__":
    main()
