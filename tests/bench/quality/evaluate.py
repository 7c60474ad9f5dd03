#!/usr/bin/python3
"""BSS Eval quality table for nmfseparate against anchors, on the corpus of
make_corpus.py.

For every mixture (directory with mix.wav and source_<k>.wav) it evaluates
  mixture   the mixture itself as the estimate of every source (lower anchor)
  sklearn   batch KL-NMF from scikit-learn over the whole file, one component
            per source, soft masks (power p, --mask-power, default 2 = Wiener)
  irm       ideal ratio mask from the true sources (magnitude ratio
            |S_k| / sum_j |S_j|), the limit of a masking method at this STFT
  element   nmfseparate run through gst-launch-1.0, once per --run (skipped,
            with a message, if the element cannot be found); by default
            four runs: "kl" (the element's defaults, blind: on a file the
            file profile), "live" (profile=live: the live profile, the same
            20 grouped components without look-ahead),
            "volmin" (algorithm=volmin, blind) and "dict" (every source
            from a dictionary: learn=32:2, below)
--run LABEL=PROPS adds a run (repeatable; --element-props P --label L is
the same as --run L=P).  PROPS are nmfseparate properties, plus one that
evaluate.py handles itself: learn=KS:R learns, for every source k, a
dictionary of KS templates shifted by up to R semitones either side from
train_<k>.wav (other notes / sentences than the mixture's) with
`nmftool learn`, and passes them as dictionaries="0=...,1=...";
learn=KS:R:0+2 learns them for sources 0 and 2 only, the others stay blind
(semi-supervised).
with mir_eval.separation.bss_eval_sources (SDR, SIR, SAR; permutation
resolved by mir_eval) and SI-SDR (best permutation, computed here).

--seeds 0,1,2,3,4 runs every element run once per seed (seed=S added to
its properties) and sklearn with random_state = S, and prints, instead of
the one-seed tables, per configuration: the mean over mixtures and seeds,
each seed's mean, their spread (std, worst and best seed), the means over
the mixtures of each tag (kind: music / speech+music / speech; 2 or 3
sources; onset: together / apart, from meta.json), how many (mixture,
seed) pairs fall below the mixture anchor, per mixture the mean over seeds
with its range, and the targets of issue 24 when the runs are labelled kl,
live and volmin (seedstats.py).  The anchors (mixture, IRM, sklearn per
seed) are computed once per corpus and scoring setting and kept in
CORPUS/anchors-cache.json (--no-anchor-cache recomputes them).

Run with Debian's interpreter: /usr/bin/python3 evaluate.py CORPUS_DIR
"""

import os

# one BLAS thread per worker process; set before numpy is imported
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import itertools
import json
import multiprocessing
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import scipy.io.wavfile
import scipy.signal

import mir_eval.separation
from sklearn.decomposition import NMF

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seedstats  # noqa: E402
from sklearn.exceptions import ConvergenceWarning

NFFT = 2048
HOP = 512
WINDOW = "hann"
NMF_ITER = 200
BSS_FILTER_LEN = 512   # mir_eval default (allowed distortion filter taps)
# the issue's columns: blind kl (the element's defaults: on a file, the file
# profile), blind at the causal live profile, volmin, and every source
# from a dictionary (32 templates, +-2 semitones)
STANDARD_RUNS = (("kl", ""), ("live", "profile=live"), ("volmin", "algorithm=volmin"),
                 ("dict", "learn=32:2"))


# --------------------------------------------------------------------------
# I/O
# --------------------------------------------------------------------------

def read_wav(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.io.wavfile.WavFileWarning)
        sr, x = scipy.io.wavfile.read(path)
    if x.dtype == np.int16:
        x = x / 32768.0
    elif x.dtype == np.int32:
        x = x / 2147483648.0
    elif x.dtype == np.uint8:
        x = (x - 128.0) / 128.0
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        x = x.mean(axis=1)
    return sr, x


def list_mixtures(corpus, only=None):
    names = sorted(d for d in os.listdir(corpus)
                   if os.path.isfile(os.path.join(corpus, d, "mix.wav")))
    if only:
        want = set(only.split(","))
        names = [n for n in names if n in want]
    return names


def load_mixture(d):
    sr, mix = read_wav(os.path.join(d, "mix.wav"))
    refs = []
    k = 0
    while os.path.exists(os.path.join(d, "source_%d.wav" % k)):
        srk, s = read_wav(os.path.join(d, "source_%d.wav" % k))
        if srk != sr or len(s) != len(mix):
            raise RuntimeError("%s: source_%d does not match mix.wav" % (d, k))
        refs.append(s)
        k += 1
    return sr, mix, np.stack(refs)


# --------------------------------------------------------------------------
# STFT-domain baselines
# --------------------------------------------------------------------------

def stft(x, sr):
    _, _, X = scipy.signal.stft(x, fs=sr, window=WINDOW, nperseg=NFFT,
                                noverlap=NFFT - HOP, boundary="zeros", padded=True)
    return X


def istft(X, sr, n):
    _, x = scipy.signal.istft(X, fs=sr, window=WINDOW, nperseg=NFFT,
                              noverlap=NFFT - HOP, boundary=True)
    return fit_length(np.real(x), n)


def fit_length(x, n):
    if len(x) >= n:
        return x[:n]
    return np.concatenate([x, np.zeros(n - len(x))])


def apply_masks(X, parts, p, sr, n):
    """parts: list of nonnegative F x T models; soft masks part^p / sum."""
    P = np.stack([np.power(q, p) for q in parts])
    den = P.sum(axis=0) + 1e-12
    return np.stack([istft(X * (P[k] / den), sr, n) for k in range(len(parts))])


def sklearn_nmf(mix, sr, n_src, p, seed):
    X = stft(mix, sr)
    V = np.abs(X)
    model = NMF(n_components=n_src, solver="mu", beta_loss="kullback-leibler",
                init="nndsvda", max_iter=NMF_ITER, tol=0.0, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        W = model.fit_transform(V)           # F x K templates
    H = model.components_                    # K x T activations
    parts = [np.outer(W[:, k], H[k]) for k in range(n_src)]
    return apply_masks(X, parts, p, sr, len(mix))


def ideal_ratio_mask(mix, refs, sr):
    X = stft(mix, sr)
    parts = [np.abs(stft(s, sr)) for s in refs]
    return apply_masks(X, parts, 1.0, sr, len(mix))


# --------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------

def si_sdr(ref, est):
    ref = ref - ref.mean()
    est = est - est.mean()
    a = np.dot(est, ref) / max(np.dot(ref, ref), 1e-20)
    t = a * ref
    e = est - t
    return 10 * np.log10(max(np.dot(t, t), 1e-20) / max(np.dot(e, e), 1e-20))


def si_sdr_best_perm(refs, ests):
    K = len(refs)
    M = np.array([[si_sdr(refs[i], ests[j]) for j in range(K)] for i in range(K)])
    best = max(itertools.permutations(range(K)),
               key=lambda pm: sum(M[i, pm[i]] for i in range(K)))
    return np.array([M[i, best[i]] for i in range(K)]), list(best)


def evaluate_estimates(refs, ests, sr, eval_sr, same_estimates=False):
    """Returns dict with per-source lists; refs/ests K x N at rate sr."""
    if eval_sr != sr:
        g = np.gcd(sr, eval_sr)
        refs_e = scipy.signal.resample_poly(refs, eval_sr // g, sr // g, axis=1)
        ests_e = scipy.signal.resample_poly(ests, eval_sr // g, sr // g, axis=1)
    else:
        refs_e, ests_e = refs, ests
    out = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            sdr, sir, sar, perm = mir_eval.separation.bss_eval_sources(
                refs_e, ests_e, compute_permutation=not same_estimates)
        out.update(sdr=sdr.tolist(), sir=sir.tolist(), sar=sar.tolist(),
                   perm=[int(v) for v in perm])
    except ValueError as e:          # e.g. an all-zero estimate
        nan = [float("nan")] * len(refs)
        out.update(sdr=nan, sir=nan, sar=nan, perm=None, error=str(e))
    si, siperm = si_sdr_best_perm(refs, ests)  # SI-SDR at the native rate
    out.update(si_sdr=si.tolist(), si_sdr_perm=siperm)
    return out


# --------------------------------------------------------------------------
# The element
# --------------------------------------------------------------------------

def gst_env(build_dir):
    env = dict(os.environ)
    env["GST_PLUGIN_PATH"] = os.path.join(build_dir, "plugin")
    # a registry of this build's own, so that runs against other build
    # directories (other engineers, other checkouts) never share its cache
    env.setdefault("GST_REGISTRY", os.path.join(build_dir, "quality-registry.bin"))
    env.pop("GST_PLUGIN_SYSTEM_PATH_1_0", None)
    env.pop("GST_PLUGIN_SYSTEM_PATH", None)
    return env


def element_available(build_dir, factory):
    if shutil.which("gst-inspect-1.0") is None:
        return False, "gst-inspect-1.0 not found"
    r = subprocess.run(["gst-inspect-1.0", factory], env=gst_env(build_dir),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        return False, ("element %s not found with GST_PLUGIN_PATH=%s "
                       "(build the plugin first: meson setup %s && ninja -C %s)"
                       % (factory, os.path.join(build_dir, "plugin"), build_dir, build_dir))
    return True, ""


def element_pipeline(mix_path, out_paths, props, factory):
    k = len(out_paths)
    args = ["filesrc", "location=" + mix_path, "!", "wavparse", "!", "audioconvert",
            "!", factory, "name=s"]
    if factory == "nmfseparate":
        args.append("n-sources=%d" % k)
    args += shlex.split(props)
    for i, p in enumerate(out_paths):
        # a queue per branch: one streaming thread pushing to several sinks
        # would otherwise deadlock at preroll
        args += ["s.src_%d" % i, "!", "queue", "!", "audioconvert", "!", "audio/x-raw,format=F32LE",
                 "!", "wavenc", "!", "filesink", "location=" + p]
    return args


def run_element(d, n_src, build_dir, props, factory, outdir, timeout):
    outs = [os.path.join(outdir, "est_%d.wav" % k) for k in range(n_src)]
    args = ["gst-launch-1.0", "-q"] + element_pipeline(os.path.join(d, "mix.wav"), outs,
                                                       props, factory)
    t0 = time.time()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        r = subprocess.run(args, env=gst_env(build_dir), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=timeout)
        rc, log = r.returncode, r.stdout
    except subprocess.TimeoutExpired as e:
        rc, log = "timeout", (e.stdout or "")
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    info = dict(command=" ".join(shlex.quote(a) for a in args), returncode=rc,
                wall_s=time.time() - t0,
                cpu_s=(r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
    if rc != 0:
        info["log"] = log[-2000:] if isinstance(log, str) else str(log)[-2000:]
        return None, info
    ests = []
    for p in outs:
        if not os.path.exists(p):
            info["error"] = "missing output " + p
            return None, info
        sr, x = read_wav(p)
        ests.append((sr, x))
    info["out_rates"] = [s for s, _ in ests]
    info["out_lengths"] = [len(x) for _, x in ests]
    return ests, info


def best_lag(mix, est_sum, max_lag):
    """Lag (samples) by which est_sum is delayed relative to mix."""
    n = len(mix) + len(est_sum)
    nfft = 1 << int(np.ceil(np.log2(n)))
    c = np.fft.irfft(np.fft.rfft(est_sum, nfft) * np.conj(np.fft.rfft(mix, nfft)), nfft)
    lags = np.concatenate([np.arange(0, max_lag + 1), np.arange(-max_lag, 0)])
    vals = np.concatenate([c[:max_lag + 1], c[nfft - max_lag:]])
    return int(lags[np.argmax(vals)])


def shift(x, lag):
    """Undo a delay of `lag` samples (positive = x is late)."""
    if lag > 0:
        return np.concatenate([x[lag:], np.zeros(lag)])
    if lag < 0:
        return np.concatenate([np.zeros(-lag), x[:lag]])
    return x


def snr_db(ref, est):
    e = ref - est
    return float(10 * np.log10(max(np.dot(ref, ref), 1e-20) / max(np.dot(e, e), 1e-20)))


# --------------------------------------------------------------------------
# One mixture
# --------------------------------------------------------------------------

def learn_dictionaries(d, n_src, build_dir, spec, outdir, fft_size, hop_size):
    """learn=KS:R[:SOURCES] -> (dictionaries property value, seconds spent).
    SOURCES: '+'-separated source indices (default: every source); the
    others stay blind (semi-supervised)."""
    fields = spec.split(":")
    ks = fields[0]
    shifts = fields[1] if len(fields) > 1 and fields[1] else "0"
    which = ([int(x) for x in fields[2].split("+")] if len(fields) > 2 and fields[2]
             else list(range(n_src)))
    tool = os.path.join(build_dir, "tools", "nmftool")
    paths = []
    t0 = time.time()
    for k in which:
        if not 0 <= k < n_src:
            continue            # a source this mixture does not have
        out = os.path.join(outdir, "dict_%d.npy" % k)
        cmd = [tool, "learn", "--components", ks, "--shifts", shifts,
               "--fft-size", str(fft_size), "--hop-size", str(hop_size),
               "--in", os.path.join(d, "train_%d.wav" % k), "--out", out]
        r = subprocess.run(cmd, env=gst_env(build_dir), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise RuntimeError("%s: %s" % (" ".join(cmd), r.stdout.strip()))
        paths.append("%d=%s" % (k, out))
    if not paths:
        raise RuntimeError("learn=%s names no source of this mixture" % spec)
    return ",".join(paths), time.time() - t0


def run_label(res, d, name, label, props, a, sr, mix, refs):
    K, N = refs.shape
    method = "element:" + label
    keep = a["keep_outputs"]
    outdir = os.path.join(keep, label, name) if keep else tempfile.mkdtemp(prefix="nmfq-")
    os.makedirs(outdir, exist_ok=True)
    words = shlex.split(props)
    learn = [w for w in words if w.startswith("learn=")]
    words = [w for w in words if not w.startswith("learn=")]
    learn_s = None
    if learn:
        # the dictionaries are learned at the run's own STFT size
        sizes = dict(w.split("=", 1) for w in words if w.startswith(("fft-size=", "hop-size=")))
        try:
            value, learn_s = learn_dictionaries(d, K, a["build_dir"], learn[-1][6:], outdir,
                                                sizes.get("fft-size", NFFT),
                                                sizes.get("hop-size", HOP))
        except (RuntimeError, ValueError) as e:
            res["methods"][method] = dict(error="learning failed: %s" % e)
            if not keep:
                shutil.rmtree(outdir, ignore_errors=True)
            return
        words.append("dictionaries=" + value)
    got, info = run_element(d, K, a["build_dir"], " ".join(shlex.quote(w) for w in words),
                            a["factory"], outdir, a["timeout"])
    info["learn_s"] = learn_s
    info["rtf"] = ((N / sr) / info["cpu_s"]
                   if info["returncode"] == 0 and info["cpu_s"] > 0 else None)
    res.setdefault("element_runs", {})[label] = info
    if got is None:
        res["methods"][method] = dict(error="pipeline failed (rc=%s)" % info["returncode"])
    else:
        notes = []
        rates = set(s_ for s_, _ in got)
        if rates != {sr}:
            notes.append("output rate %s != %d" % (sorted(rates), sr))
        lens = [len(x) for _, x in got]
        info["length_ok"] = all(n_ == N for n_ in lens)
        if not info["length_ok"]:
            notes.append("output lengths %s != input %d (padded/trimmed)" % (lens, N))
        ests = np.stack([fit_length(x, N) for _, x in got])
        esum = ests.sum(axis=0)
        lag = best_lag(mix, esum, a["max_lag"])
        info["lag_samples"] = lag
        info["sum_vs_mix_snr_db"] = snr_db(mix, esum)
        info["sum_vs_mix_snr_db_lag_comp"] = snr_db(mix, shift(esum, lag))
        if lag != 0:
            notes.append("outputs delayed by %d samples vs mix" % lag)
            if a["compensate_lag"]:
                ests = np.stack([shift(x, lag) for x in ests])
                notes.append("lag compensated before scoring")
        info["notes"] = notes
        t = time.time()
        res["methods"][method] = evaluate_estimates(refs, ests, sr, a["eval_sr"])
        res["timing"]["%s_eval_s" % label] = time.time() - t
    if not keep:
        shutil.rmtree(outdir, ignore_errors=True)


def anchor_estimates(key, mix, refs, sr, a):
    """The estimates of an anchor: "mixture", "irm" or "sklearn@SEED"."""
    K = len(refs)
    if key == "mixture":
        return np.stack([mix] * K)
    if key == "irm":
        return ideal_ratio_mask(mix, refs, sr)
    return sklearn_nmf(mix, sr, K, a["mask_power"], int(key.split("@")[1]))


def work(task):
    """One piece of the evaluation: an anchor of a mixture, or one element
    run (a label at a seed) on it.  Returns (name, kind, key, result)."""
    kind, name, key, a = task[:4]
    d = os.path.join(a["corpus"], name)
    sr, mix, refs = load_mixture(d)
    K, N = refs.shape
    if kind == "anchor":
        t = time.time()
        ests = anchor_estimates(key, mix, refs, sr, a)
        t1 = time.time()
        r = evaluate_estimates(refs, ests, sr, a["eval_sr"], same_estimates=key == "mixture")
        return name, kind, key, dict(result=r, timing={"%s_s" % key: t1 - t,
                                                      "%s_eval_s" % key: time.time() - t1})
    label, props = key, task[4]
    res = dict(name=name, n_sources=K, seconds=N / sr, methods={}, timing={})
    run_label(res, d, name, label, props, a, sr, mix, refs)
    return name, kind, key, res


# the anchors' figures, kept in the corpus directory: they depend on the
# corpus and the scoring settings only, so that runs of evaluate.py and
# core_eval.py with other element settings reuse them
ANCHOR_CACHE = "anchors-cache.json"


def anchor_settings(a):
    try:
        with open(os.path.join(a["corpus"], "corpus.json")) as f:
            c = json.load(f)
        corpus = [c.get("version"), c.get("set")]
    except (OSError, ValueError):
        corpus = None
    return dict(corpus=corpus, eval_rate=a["eval_sr"], mask_power=a["mask_power"],
                nfft=NFFT, hop=HOP, window=WINDOW, nmf_iter=NMF_ITER,
                bss_filter_len=BSS_FILTER_LEN, mir_eval=mir_eval.__version__)


def load_anchor_cache(a):
    path = os.path.join(a["corpus"], ANCHOR_CACHE)
    try:
        with open(path) as f:
            c = json.load(f)
    except (OSError, ValueError):
        return {}
    if c.get("settings") != clean_json(anchor_settings(a)):
        return {}
    return c.get("anchors", {})


def save_anchor_cache(a, anchors):
    path = os.path.join(a["corpus"], ANCHOR_CACHE)
    tmp = path + ".tmp%d" % os.getpid()
    with open(tmp, "w") as f:
        json.dump(clean_json(dict(settings=anchor_settings(a), anchors=anchors)), f)
    os.replace(tmp, path)


def anchor_keys(a, sk_seeds):
    return ["mixture"] + ([] if a["no_baselines"] else
                          ["irm"] + ["sklearn@%d" % s for s in sk_seeds])


def compute_anchors(a, names, sk_seeds, jobs, extra_tasks=(), worker=None):
    """{name: {key: evaluate_estimates result}} for every anchor key, from
    the cache where it holds them (a["anchor_cache"]); extra_tasks run in
    the same pool, through worker (default work(), which must also take the
    anchor tasks), their results (name, kind, key, result) returned as a
    list."""
    worker = worker or work
    cache = load_anchor_cache(a) if a.get("anchor_cache", True) else {}
    tasks = [("anchor", n, k, a) for n in names for k in anchor_keys(a, sk_seeds)
             if k not in cache.get(n, {})]
    tasks += list(extra_tasks)
    if jobs > 1 and len(tasks) > 1:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(tasks))) as pool:
            out = pool.map(worker, tasks, chunksize=1)
    else:
        out = [worker(t) for t in tasks]
    timing = {}
    others = []
    for name, kind, key, r in out:
        if kind == "anchor":
            cache.setdefault(name, {})[key] = r["result"]
            timing.setdefault(name, {}).update(r["timing"])
        else:
            others.append((name, kind, key, r))
    if a.get("anchor_cache", True) and any(t[0] == "anchor" for t in tasks):
        save_anchor_cache(a, cache)
    return {n: {k: cache[n][k] for k in anchor_keys(a, sk_seeds)} for n in names}, timing, others


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def mean(v):
    v = [x for x in v if x is not None and np.isfinite(x)]
    return float(np.mean(v)) if v else float("nan")


def m_of(res, method, metric):
    m = res["methods"].get(method)
    if not m or metric not in m:
        return float("nan")
    return mean(m[metric]) if len(m[metric]) == res["n_sources"] and \
        all(np.isfinite(m[metric])) else float("nan")


def fmt(x):
    return "n/a" if x is None or not np.isfinite(x) else "%.2f" % x


def table(results, cols, title_first="mixture"):
    lines = ["| %s | K | " % title_first + " | ".join(h for h, _, _ in cols) + " |",
             "|---|---|" + "---:|" * len(cols)]
    for r in results:
        lines.append("| %s | %d | " % (r["name"], r["n_sources"]) +
                     " | ".join(fmt(m_of(r, meth, met)) for _, meth, met in cols) + " |")
    means = [mean([m_of(r, meth, met) for r in results]) for _, meth, met in cols]
    lines.append("| **mean** | | " + " | ".join("**%s**" % fmt(v) for v in means) + " |")
    return "\n".join(lines), means


def clean_json(o):
    """Strict JSON: numpy scalars to Python, NaN/inf to null."""
    if isinstance(o, dict):
        return {str(k): clean_json(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [clean_json(v) for v in o]
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (float, np.floating)):
        return float(o) if np.isfinite(o) else None
    return o


def seed_summaries(results, names, tags, labels, seeds, anchors=True):
    """[(configuration label, seedstats summary)]: the anchors, then every
    labelled element run over the seeds.  results: evaluate.py's per-mixture
    dicts (methods "mixture", "irm", "sklearn@S", "element:LABEL@S")."""
    by = {r["name"]: r for r in results}
    floor = {n: m_of(by[n], "mixture", "sdr") for n in names}
    out = []
    if anchors:
        out.append(("mixture", seedstats.constant(floor, names, tags)))
        if any("irm" in by[n]["methods"] for n in names):
            out.append(("IRM (oracle masks)", seedstats.constant(
                {n: m_of(by[n], "irm", "sdr") for n in names}, names, tags)))
        if any("sklearn@%d" % seeds[0] in by[n]["methods"] for n in names):
            out.append(("sklearn KL-NMF (rank = sources)", seedstats.summarize(
                {s: {n: m_of(by[n], "sklearn@%d" % s, "sdr") for n in names} for s in seeds},
                names, tags, floor)))
    for label in labels:
        out.append((label, seedstats.summarize(
            {s: {n: m_of(by[n], "element:%s@%d" % (label, s), "sdr") for n in names}
             for s in seeds}, names, tags, floor)))
    return out


def print_seed_report(summaries, names, tags, title):
    print(title)
    print()
    print(seedstats.summary_table(summaries, names, tags))
    print()
    t = seedstats.issue24_targets(summaries)
    if t:
        print(t)
        print()
    print("Per mixture: mean SDR over the seeds (min .. max over seeds).\n")
    print(seedstats.mixture_table(summaries, names, tags))
    print()


def report_seeds(a, corpus, names, results, runs, seeds, elem, elem_msg, eval_sr, sr0,
                 build_dir, total):
    tags = {n: seedstats.mixture_tags(corpus, n) for n in names}
    labels = [l for l, _ in runs] if elem else []
    summaries = seed_summaries(results, names, tags, labels, seeds, not a.no_baselines)
    print("## Separation quality over seeds %s (dB SDR), corpus %s\n" % (
        ",".join(str(s) for s in seeds), corpus))
    print("BSS Eval v3 (mir_eval %s bss_eval_sources, %d-tap filter) at %d Hz; a "
          "mixture's SDR is the mean over its sources, a seed's mean the mean over "
          "the %d mixtures. sklearn: KL-NMF rank = sources (mu, nndsvda, %d "
          "iterations, random_state = the seed), masks p=%g. The mixture and the "
          "IRM have no seed." % (mir_eval.__version__, BSS_FILTER_LEN, eval_sr, len(names),
                                 NMF_ITER, a.mask_power))
    for label, props in runs if elem else []:
        print("- `%s`: %s%s %s seed=S" % (label, a.element, " n-sources=K"
              if a.element == "nmfseparate" else "", props))
    if not elem:
        print("Element: %s" % elem_msg)
    print()
    print_seed_report(summaries, names, tags, "Summary (tag columns: mean over the "
                      "tagged mixtures and the seeds; their count in brackets):")
    failed = []
    for r in results:
        for key, e in sorted(r.get("element_runs", {}).items()):
            err = r["methods"].get("element:" + key, {}).get("error")
            if e.get("returncode") not in (0, None) or err:
                failed.append("run %s failed for %s: %s\n  %s\n  %s" % (
                    key, r["name"], err, e.get("command"), e.get("log", "").strip()[-600:]))
    for f in failed:
        print(f)
    rt = [e["rtf"] for r in results for e in r.get("element_runs", {}).values() if e.get("rtf")]
    if rt:
        print("Element runs: %d, x real time (CPU) %.0f .. %.0f (median %.0f)." % (
            len(rt), min(rt), max(rt), float(np.median(rt))))
    print("Total evaluation time %.1f s (%d jobs)." % (total, a.jobs))
    lab = "+".join(l for l, _ in runs) + "-seeds"
    out = dict(corpus=corpus, label=lab, seeds=seeds, element_available=elem,
               element_message=elem_msg, runs=[dict(label=l, props=p) for l, p in runs],
               build_dir=build_dir,
               plugin_files={p: time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(
                   os.path.getmtime(p))) for p in [os.path.join(build_dir, "plugin",
                   "libgstnmf.so")] if os.path.exists(p)},
               settings=dict(eval_rate=eval_sr, native_rate=sr0, bss_filter_len=BSS_FILTER_LEN,
                             nfft=NFFT, hop=HOP, window=WINDOW, nmf_iter=NMF_ITER,
                             mask_power=a.mask_power, compensate_lag=a.compensate_lag,
                             mir_eval=mir_eval.__version__),
               tags=tags, summary={l: s for l, s in summaries},
               total_seconds=total, mixtures=results,
               command=" ".join(shlex.quote(x) for x in [sys.executable] + sys.argv))
    jpath = a.json or os.path.join(corpus, "results-%s.json" % lab)
    with open(jpath, "w") as f:
        json.dump(clean_json(out), f, indent=1, allow_nan=False)
    print("JSON: %s" % jpath)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", help="directory made by make_corpus.py")
    ap.add_argument("--build-dir",
                    default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "build"),
                    help="meson build dir; the plugin is looked up in <build-dir>/plugin")
    ap.add_argument("--run", action="append", default=[], metavar="LABEL=PROPS",
                    help="an element run (repeatable), see above")
    ap.add_argument("--element-props", default=None,
                    help='extra nmfseparate properties, e.g. "components=8 iterations=2"')
    ap.add_argument("--label", default="nmfseparate",
                    help="name of the --element-props run")
    ap.add_argument("--no-element", action="store_true")
    ap.add_argument("--element", default="nmfseparate",
                    help="element factory; 'tee' is a plumbing self-test whose "
                         "columns must equal the mixture anchor")
    ap.add_argument("--no-baselines", action="store_true",
                    help="skip sklearn and IRM (mixture anchor is always computed)")
    ap.add_argument("--mask-power", type=float, default=2.0,
                    help="p of the sklearn KL-NMF soft masks (2 = Wiener, 1 = ratio)")
    ap.add_argument("--seed", type=int, default=0,
                    help="sklearn's random_state (one seed; the element keeps its own "
                         "default unless a run sets seed=)")
    ap.add_argument("--seeds", default=None,
                    help="comma-separated seeds, e.g. 0,1,2,3,4: every run once per "
                         "seed (seed=S added to its properties) and sklearn at each; "
                         "prints the means over seeds, their spread, the worst seed, "
                         "per-tag means and per-mixture ranges instead of the "
                         "one-seed tables")
    ap.add_argument("--no-anchor-cache", action="store_true",
                    help="recompute the anchors instead of reading CORPUS/%s" % ANCHOR_CACHE)
    ap.add_argument("--eval-rate", type=int, default=0,
                    help="resample to this rate before bss_eval (0 = native 44.1 kHz)")
    ap.add_argument("--compensate-lag", action="store_true",
                    help="shift element outputs by the measured lag before scoring")
    ap.add_argument("--max-lag", type=int, default=16384)
    ap.add_argument("--keep-outputs", default="",
                    help="directory to keep the element's output WAVs")
    ap.add_argument("--json", default="", help="output JSON (default CORPUS/results-LABEL.json)")
    ap.add_argument("--only", help="comma-separated mixture names")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=120.0,
                    help="seconds allowed for one gst-launch run")
    a = ap.parse_args()

    corpus = os.path.abspath(a.corpus)
    names = list_mixtures(corpus, a.only)
    if not names:
        sys.exit("evaluate: no mixtures (mix.wav) under %s" % corpus)
    build_dir = os.path.abspath(a.build_dir)

    elem = False
    elem_msg = "skipped (--no-element)"
    if not a.no_element:
        elem, elem_msg = element_available(build_dir, a.element)
        if not elem:
            print("NOTE: %s; printing the baseline columns only.\n" % elem_msg, flush=True)

    sr0 = read_wav(os.path.join(corpus, names[0], "mix.wav"))[0]
    eval_sr = a.eval_rate or sr0
    runs = []
    for r in a.run:
        label, eq, props = r.partition("=")
        if not eq or not label:
            sys.exit("evaluate: --run wants LABEL=PROPS, got %r" % r)
        runs.append((label, props))
    if a.element_props is not None:
        runs.append((a.label, a.element_props))
    if not runs:
        # the standard runs set nmfseparate's properties; any other element
        # (e.g. --element tee, the plumbing check) runs once as it is
        runs = list(STANDARD_RUNS) if a.element == "nmfseparate" else [(a.element, "")]
    if len(set(l for l, _ in runs)) != len(runs):
        sys.exit("evaluate: two runs with one label")
    seeds = None
    if a.seeds is not None:
        seeds = [int(v) for v in a.seeds.split(",") if v.strip() != ""]
        if not seeds or len(set(seeds)) != len(seeds):
            sys.exit("evaluate: --seeds wants distinct comma-separated integers")
        for label, props in runs:
            if any(w.startswith("seed=") for w in shlex.split(props)):
                sys.exit("evaluate: run %s sets seed= itself; with --seeds leave it out" % label)
    args = dict(corpus=corpus, eval_sr=eval_sr, no_baselines=a.no_baselines,
                mask_power=a.mask_power, seed=a.seed, element=elem, runs=runs,
                build_dir=build_dir, factory=a.element,
                keep_outputs=os.path.abspath(a.keep_outputs) if a.keep_outputs else "",
                compensate_lag=a.compensate_lag, max_lag=a.max_lag, timeout=a.timeout,
                anchor_cache=not a.no_anchor_cache)

    t0 = time.time()
    # one task per anchor and per (run, seed) of every mixture, in one pool
    el_tasks = []
    if elem:
        for n in names:
            for label, props in runs:
                if seeds is None:
                    el_tasks.append(("run", n, label, args, props))
                    continue
                for s in seeds:
                    p = props + (" seed=%d" % s if a.element == "nmfseparate" else "")
                    el_tasks.append(("run", n, "%s@%d" % (label, s), args, p))
    sk_seeds = seeds if seeds is not None else [a.seed]
    anchors, anchor_timing, el_out = compute_anchors(args, names, sk_seeds, a.jobs, el_tasks)
    results = []
    for n in names:
        d = os.path.join(corpus, n)
        K = 0
        while os.path.exists(os.path.join(d, "source_%d.wav" % K)):
            K += 1
        sr_n, mix_n = read_wav(os.path.join(d, "mix.wav"))
        res = dict(name=n, n_sources=K, seconds=len(mix_n) / sr_n, methods={},
                   timing=dict(anchor_timing.get(n, {})))
        for key, r in anchors[n].items():
            # one seed: the columns keep their names ("sklearn")
            res["methods"]["sklearn" if seeds is None and key.startswith("sklearn@") else key] = r
        for name, _, _, r in el_out:
            if name != n:
                continue
            res["methods"].update(r["methods"])
            res["timing"].update(r["timing"])
            res.setdefault("element_runs", {}).update(r.get("element_runs", {}))
        results.append(res)
    total = time.time() - t0

    if seeds is not None:
        report_seeds(a, corpus, names, results, runs, seeds, elem, elem_msg, eval_sr, sr0,
                     build_dir, total)
        return

    lab = "+".join(l for l, _ in runs)
    eval_desc = ("full signals at %d Hz" % eval_sr if eval_sr == sr0 else
                 "full signals resampled %d -> %d Hz" % (sr0, eval_sr))
    print("## Separation quality (dB), corpus %s\n" % corpus)
    print("BSS Eval v3 (mir_eval %s bss_eval_sources, %d-tap distortion filter, "
          "permutation by mir_eval) on %s, no segmentation; SI-SDR at %d Hz, best "
          "permutation. Means are over sources, then over mixtures. STFT for baselines: "
          "%s window, %d FFT, hop %d. sklearn: KL-NMF (mu, nndsvda, %d iterations, "
          "one component per source), soft masks p=%g. IRM: magnitude ratio mask "
          "from the true sources.\n" % (mir_eval.__version__, BSS_FILTER_LEN, eval_desc,
                                      sr0, WINDOW, NFFT, HOP, NMF_ITER, a.mask_power))
    if elem:
        for label, props in runs:
            print("Element run `%s`: %s%s %s" % (label, a.element, " n-sources=K"
                  if a.element == "nmfseparate" else "", props))
        print()
    cols = [("mixture SDR", "mixture", "sdr"), ("sklearn KL-NMF SDR", "sklearn", "sdr"),
            ("IRM SDR", "irm", "sdr")]
    cols += [("%s SDR" % l, "element:" + l, "sdr") for l, _ in runs]
    t1, means1 = table(results, cols)
    print(t1)
    print()
    cols2 = [("mixture SIR", "mixture", "sir"), ("mixture SI-SDR", "mixture", "si_sdr"),
             ("sklearn SIR", "sklearn", "sir"), ("sklearn SAR", "sklearn", "sar"),
             ("sklearn SI-SDR", "sklearn", "si_sdr"), ("IRM SIR", "irm", "sir"),
             ("IRM SAR", "irm", "sar"), ("IRM SI-SDR", "irm", "si_sdr")]
    t2, _ = table(results, cols2)
    print("Anchors, other metrics:\n")
    print(t2)
    print()
    if elem:
        cols3 = []
        for l, _ in runs:
            cols3 += [("%s SIR" % l, "element:" + l, "sir"), ("%s SAR" % l, "element:" + l, "sar"),
                      ("%s SI-SDR" % l, "element:" + l, "si_sdr")]
        t3, means3 = table(results, cols3)
        print("Element runs, other metrics:\n")
        print(t3)
        print()
        print("Element runs:\n")
        print("| run | mixture | rc | length ok | lag (samples) | sum-vs-mix SNR dB | CPU s | x real time | learning s | notes |")
        print("|---|---|---|---|---:|---:|---:|---:|---:|---|")
        for l, _ in runs:
            for r in results:
                e = r.get("element_runs", {}).get(l, {})
                print("| %s | %s | %s | %s | %s | %s | %.2f | %s | %s | %s |" % (
                    l, r["name"], e.get("returncode"), e.get("length_ok", "n/a"),
                    e.get("lag_samples", "n/a"), fmt(e.get("sum_vs_mix_snr_db", float("nan"))),
                    e.get("cpu_s", float("nan")),
                    fmt(e["rtf"]) if e.get("rtf") else "n/a",
                    fmt(e["learn_s"]) if e.get("learn_s") is not None else "",
                    "; ".join(e.get("notes", [])) or
                    (e.get("log", "").strip().splitlines() or [""])[-1][:120]))
        print()
        for l, _ in runs:
            for r in results:
                e = r.get("element_runs", {}).get(l, {})
                err = r["methods"].get("element:" + l, {}).get("error")
                if e.get("returncode") not in (0, None) or err:
                    print("run %s failed for %s: %s\n  %s\n  %s" % (
                        l, r["name"], err, e.get("command"), e.get("log", "").strip()[-600:]))
    else:
        cols3, means3 = [], []
        print("Element: %s\n" % elem_msg)
    print("Total evaluation time %.1f s (%d jobs)." % (total, a.jobs))

    out = dict(corpus=corpus, label=lab, element_available=elem, element_message=elem_msg,
               runs=[dict(label=l, props=p) for l, p in runs], build_dir=build_dir,
               plugin_files={p: time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(
                   os.path.getmtime(p))) for p in [os.path.join(build_dir, "plugin",
                   "libgstnmf.so")] if os.path.exists(p)},
               settings=dict(eval_rate=eval_sr, native_rate=sr0, bss_filter_len=BSS_FILTER_LEN,
                             segmentation=None, nfft=NFFT, hop=HOP, window=WINDOW,
                             nmf_iter=NMF_ITER, mask_power=a.mask_power, seed=a.seed,
                             compensate_lag=a.compensate_lag,
                             mir_eval=mir_eval.__version__),
               means={h: v for (h, _, _), v in zip(cols + cols3, means1 + means3)},
               total_seconds=total, mixtures=results,
               command=" ".join(shlex.quote(x) for x in [sys.executable] + sys.argv))
    jpath = a.json or os.path.join(corpus, "results-%s.json" % lab)
    with open(jpath, "w") as f:
        json.dump(clean_json(out), f, indent=1, allow_nan=False)
    print("JSON: %s" % jpath)


if __name__ == "__main__":
    main()
