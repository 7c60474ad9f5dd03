#!/usr/bin/python3
"""BSS Eval table of nmfseparate on multichannel input (make_spatial_corpus.py).

Every mixture is scored at one reference channel (meta["ref_channel"], 0)
against each source's image there (the dry source through its room
impulse responses, or times its pan gain), with
mir_eval.separation.bss_eval_sources (SDR, SIR, SAR, 512-tap distortion
filter, full 44.1 kHz signals).  Columns:

  mixture   the reference channel of the mixture as every source's estimate
            (no permutation: all estimates are the same signal)
  off       the element without spatial processing: `spatial=off` when the
            built element has that property, otherwise the element as it is
            (it sums the channels' magnitude spectra); --off-props
  spatial   the element with spatial processing (--element-props, default
            `spatial=auto` when the element has the property; skipped when
            it has not and no --element-props is given)
  auxiva, ilrma   the batch references of reference.py (2048/512 STFT,
            projection back), determined mixtures only (channels >= sources)
  irm       the ideal ratio mask |S_k| / sum_j |S_j| of the images at the
            reference channel (no permutation: in source order)
  --proto MODULE:FUNC[:LABEL] adds a numpy prototype, called as
            FUNC(mix, sr, n_sources, meta) -> S x M x N images (or S x N at
            the reference channel); --proto-kw 'k=v,...' passes keyword args.

Permutation: for the blind columns bss_eval_sources tries every assignment
of estimates to sources and keeps the one of largest mean SIR (its
`compute_permutation`); the table reports the SDR of that assignment, one
assignment for the whole file (a source that changes pad mid-stream is
penalised, as it should be).  The chosen permutation is in the JSON.  An
all-zero estimate (mir_eval refuses those) is replaced by -200 dBFS noise,
so that it scores as the failure it is instead of dropping out of the mean.

The element runs through gst-launch-1.0 with GST_PLUGIN_PATH=<build>/plugin:
filesrc ! wavparse ! audioconvert ! nmfseparate n-sources=S PROPS, every
src pad ! queue ! audioconvert ! F32LE ! wavenc ! filesink (above 2 channels
capssetter channel-mask=0 in place of the audioconvert, and the outputs go
straight to wavenc: plain WAVs carry no channel positions); each pad carries
all M channels, the reference channel is scored, and the sum of the pads is
compared with the input at every channel (sum-vs-mix SNR).

Results are cached per mixture and column in CORPUS/cache/ (key: the
column's settings, and for the element the mtime and size of the plugin
file and of the core library it links),
so that a re-run only computes what changed (--no-cache to ignore).

    /usr/bin/python3 evaluate.py CORPUS_DIR [options]
"""

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import hashlib
import importlib
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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference as ref  # noqa: E402

import mir_eval.separation  # noqa: E402

BSS_FILTER_LEN = 512
GROUP_TITLES = [("panned2", "Panned stereo, 2 sources (determined)"),
                ("panned3", "Panned stereo, 3 sources (more sources than channels)"),
                ("room", "Rooms (image-source), as many microphones as sources")]


# --------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------

def score(refs, ests, permute=True):
    """refs, ests: S x N at the reference channel."""
    ests = np.array(ests, np.float64)
    notes = []
    rng = np.random.default_rng(0)
    for k in range(len(ests)):
        if not np.any(ests[k]):
            ests[k] = 1e-10 * rng.standard_normal(ests.shape[1])
            notes.append("estimate %d all zero (scored as -200 dBFS noise)" % k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        sdr, sir, sar, perm = mir_eval.separation.bss_eval_sources(
            refs, ests, compute_permutation=permute)
    out = dict(sdr=sdr.tolist(), sir=sir.tolist(), sar=sar.tolist(),
               perm=[int(p) for p in perm])
    if notes:
        out["notes"] = notes
    return out


def snr_db(a, b):
    e = a - b
    return float(10 * np.log10(max(np.sum(a * a), 1e-30) / max(np.sum(e * e), 1e-30)))


def fit_length(x, n):
    if x.shape[-1] >= n:
        return x[..., :n]
    pad = np.zeros(x.shape[:-1] + (n - x.shape[-1],))
    return np.concatenate([x, pad], axis=-1)


# --------------------------------------------------------------------------
# The element
# --------------------------------------------------------------------------

def gst_env(build_dir):
    env = dict(os.environ)
    env["GST_PLUGIN_PATH"] = os.path.join(build_dir, "plugin")
    env.pop("GST_PLUGIN_SYSTEM_PATH_1_0", None)
    env.pop("GST_PLUGIN_SYSTEM_PATH", None)
    return env


def inspect_element(build_dir, factory="nmfseparate"):
    """-> (available, message, property names)."""
    if shutil.which("gst-inspect-1.0") is None:
        return False, "gst-inspect-1.0 not found", set()
    r = subprocess.run(["gst-inspect-1.0", factory], env=gst_env(build_dir),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        return False, ("element %s not found with GST_PLUGIN_PATH=%s (build it: meson setup "
                       "DIR && ninja -C DIR, then --build-dir DIR)"
                       % (factory, os.path.join(build_dir, "plugin"))), set()
    props = set()
    inprops = False
    for line in r.stdout.splitlines():
        if line.startswith("Element Properties:"):
            inprops = True
            continue
        if inprops and line and not line.startswith(" "):
            inprops = False
        if inprops and len(line) > 2 and line[2] != " " and ":" in line:
            props.add(line.split(":")[0].strip())
    return True, "", props


def plugin_stamp(build_dir):
    """The plugin and the core library it links (libnmfcore.so changes
    without the plugin file changing)."""
    stamps = []
    for p in (os.path.join(build_dir, "plugin", "libgstnmf.so"),
              os.path.realpath(os.path.join(build_dir, "core", "libnmfcore.so"))):
        if not os.path.exists(p):
            stamps.append("missing")
            continue
        st = os.stat(p)
        stamps.append("%s:%d:%d" % (p, int(st.st_mtime), st.st_size))
    return ";".join(stamps)


def run_element(mixpath, n_src, n_ch, build_dir, props, outdir, timeout):
    outs = [os.path.join(outdir, "est_%d.wav" % k) for k in range(n_src)]
    # a plain WAV of more than 2 channels has no channel positions: wavparse's
    # caps then lack the channel-mask that GstAudioInfo wants above 2
    # channels; capssetter marks them unpositioned (a microphone array)
    conv = (["audioconvert"] if n_ch <= 2 else
            ["capssetter", "caps=audio/x-raw,channel-mask=(bitmask)0x0"])
    args = ["gst-launch-1.0", "-q", "filesrc", "location=" + mixpath, "!", "wavparse", "!"]
    args += conv + ["!", "nmfseparate", "name=s", "n-sources=%d" % n_src]
    args += shlex.split(props)
    for i, p in enumerate(outs):
        args += ["s.src_%d" % i, "!", "queue", "!"]
        if n_ch <= 2:
            args += ["audioconvert", "!", "audio/x-raw,format=F32LE,channels=%d" % n_ch, "!"]
        args += ["wavenc", "!", "filesink", "location=" + p]
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    try:
        r = subprocess.run(args, env=gst_env(build_dir), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=timeout)
        rc, log = r.returncode, r.stdout
    except subprocess.TimeoutExpired as e:
        rc, log = "timeout", str(e.stdout or "")
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    info = dict(command=" ".join(shlex.quote(a) for a in args), returncode=rc,
                wall_s=time.time() - t0,
                cpu_s=(r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
    if rc != 0:
        info["log"] = log[-1500:]
        return None, info
    ests = []
    for p in outs:
        if not os.path.exists(p):
            info["error"] = "missing output " + p
            return None, info
        sr, x = ref.read_multi(p)
        ests.append(x)
    return ests, info


# --------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------

def column_element(task, props):
    d, meta, a = task["dir"], task["meta"], task["args"]
    S, M = meta["n_sources"], meta["n_channels"]
    N = int(round(meta["seconds"] * meta["sample_rate"]))
    keep = a["keep_outputs"]
    outdir = (os.path.join(keep, task["label"], meta["name"]) if keep
              else tempfile.mkdtemp(prefix="nmfsp-"))
    os.makedirs(outdir, exist_ok=True)
    try:
        got, info = run_element(os.path.join(d, "mix.wav"), S, M, a["build_dir"], props,
                                outdir, a["timeout"])
        if got is None:
            return dict(error="pipeline failed (rc=%s)" % info["returncode"], run=info)
        notes = []
        lens = [x.shape[1] for x in got]
        chans = [x.shape[0] for x in got]
        if any(n != N for n in lens):
            notes.append("output lengths %s != input %d" % (lens, N))
        if any(c != M for c in chans):
            notes.append("output channels %s != input %d" % (chans, M))
            got = [np.repeat(x[:1], M, axis=0) if x.shape[0] != M else x for x in got]
        est = np.stack([fit_length(x, N) for x in got])        # S x M x N
        return dict(images=est, run=info, notes=notes)
    finally:
        if not keep:
            shutil.rmtree(outdir, ignore_errors=True)


def column_batch(task, method):
    d, meta = task["dir"], task["meta"]
    if meta["n_channels"] < meta["n_sources"]:
        return dict(skip="more sources than channels")
    _, mix, _, _ = ref.load_mixture(d)
    t0 = time.process_time()
    est = ref.separate_batch(mix, method)
    return dict(images=est, run=dict(cpu_s=time.process_time() - t0))


def column_proto(task, spec, kw):
    mod, func = spec.split(":")[:2]
    sys.path.insert(0, HERE)
    f = getattr(importlib.import_module(mod), func)
    sr, mix, _, meta = ref.load_mixture(task["dir"])
    t0 = time.process_time()
    est = f(mix, sr, meta["n_sources"], meta, **kw)
    out = dict(run=dict(cpu_s=time.process_time() - t0))
    if isinstance(est, tuple):
        est, extra = est
        out["extra"] = extra
    out["images"] = np.asarray(est)
    return out


def parse_kw(s):
    kw = {}
    for item in filter(None, (s or "").split(",")):
        k, _, v = item.partition("=")
        try:
            kw[k] = json.loads(v)
        except ValueError:
            kw[k] = v
    return kw


def cache_key(meta, colspec, a):
    h = hashlib.sha1(json.dumps([meta["name"], meta.get("t60_target"), meta.get("pan"),
                                 colspec] + ([a["score_from"]] if a["score_from"] else []),
                                sort_keys=True).encode()).hexdigest()[:16]
    return h


def process(task):
    a = task["args"]
    d = task["dir"]
    sr, mix, images, meta = ref.load_mixture(d)
    rc = meta.get("ref_channel", 0)
    S, M, N = images.shape
    # --score-from: the first seconds (a live start-up) left out of every score
    skip = int(round(a["score_from"] * sr))
    refs = images[:, rc, skip:]
    res = dict(name=meta["name"], group=meta["group"], n_sources=S, n_channels=M,
               speech=any(s.get("kind") == "speech" for s in meta["sources"]),
               methods={})
    res["methods"]["mixture"] = score(refs, np.stack([mix[rc, skip:]] * S), permute=False)
    for label, kind, spec in a["columns"]:
        if kind == "element":
            stamp = a["build_stamp"]
        elif kind == "proto":
            stamp = [a["proto_stamp"].get(spec[0].split(":")[0]), a["ref_stamp"]]
        else:
            stamp = a["ref_stamp"]
        colspec = [kind, spec, stamp]
        cpath = os.path.join(a["corpus"], "cache", label, meta["name"] + ".json")
        key = cache_key(meta, colspec, a)
        if a["cache"] and os.path.exists(cpath):
            with open(cpath) as f:
                c = json.load(f)
            if c.get("key") == key:
                res["methods"][label] = c["result"]
                continue
        t0 = time.time()
        if kind == "element":
            out = column_element(dict(task, meta=meta, label=label), spec)
        elif kind == "batch":
            out = column_batch(dict(task, meta=meta), spec)
        elif kind == "irm":
            out = dict(ests=ref.ideal_ratio_mask(mix, images, rc), ordered=True)
        elif kind == "proto":
            spec_, kw = spec
            out = column_proto(dict(task, meta=meta), spec_, kw)
        else:
            raise ValueError(kind)
        r = {k: v for k, v in out.items() if k not in ("images", "ests", "ordered")}
        if "images" in out or "ests" in out:
            if "images" in out:
                est = out["images"]
                if est.ndim == 3:
                    r["sum_vs_mix_snr_db"] = snr_db(mix, est.sum(axis=0))
                    est = est[:, rc]
            else:
                est = out["ests"]
            r.update(score(refs, np.asarray(est)[:, skip:],
                           permute=not out.get("ordered", False)))
        r["seconds"] = time.time() - t0
        res["methods"][label] = r
        if a["cache"] and "error" not in r:
            os.makedirs(os.path.dirname(cpath), exist_ok=True)
            with open(cpath, "w") as f:
                json.dump(dict(key=key, result=clean_json(r)), f)
    return res


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def clean_json(o):
    if isinstance(o, dict):
        return {str(k): clean_json(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [clean_json(v) for v in o]
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, (float, np.floating)):
        return float(o) if np.isfinite(o) else None
    if isinstance(o, np.ndarray):
        return clean_json(o.tolist())
    return o


def val(r, label, metric="sdr"):
    m = r["methods"].get(label)
    if not m or metric not in m or m[metric] is None:
        return float("nan")
    v = [x for x in m[metric] if x is not None]
    return float(np.mean(v)) if len(v) == r["n_sources"] else float("nan")


def fmt(x):
    return "n/a" if x is None or not np.isfinite(x) else "%.2f" % x


def nanmean(v):
    v = [x for x in v if np.isfinite(x)]
    return float(np.mean(v)) if v else float("nan")


def group_of(r):
    return "room" if r["group"].startswith("room") else r["group"]


def report(results, labels, metric, a):
    lines = []
    means = {}
    for g, title in GROUP_TITLES:
        rs = [r for r in results if group_of(r) == g]
        if not rs:
            continue
        lines.append("### %s: %s\n" % (title, metric.upper()))
        lines.append("| mixture | S x M | speech | " + " | ".join(labels) + " |")
        lines.append("|---|---|---|" + "---:|" * len(labels))
        for r in rs:
            lines.append("| %s | %dx%d | %s | " % (r["name"], r["n_sources"], r["n_channels"],
                                                   "yes" if r["speech"] else "") +
                         " | ".join(fmt(val(r, l, metric)) for l in labels) + " |")
        mv = [nanmean([val(r, l, metric) for r in rs]) for l in labels]
        means[g] = dict(zip(labels, mv))
        lines.append("| **mean** | | | " + " | ".join("**%s**" % fmt(v) for v in mv) + " |")
        lines.append("")
    return "\n".join(lines), means


def targets(results, a):
    """The issue's acceptance lines, on SDR."""
    on, off, refl = a["target_on"], a["target_off"], a["target_ref"]
    out = []
    labels = set(l for l, _, _ in a["columns"])
    if on not in labels or off not in labels:
        return "Targets: need columns %r and %r.\n" % (on, off)
    p2 = [r for r in results if r["group"] == "panned2"]
    if p2:
        m = nanmean([val(r, on) for r in p2])
        out.append("- panned, 2 sources: mean SDR of %s %.2f dB (>= 20): %s"
                   % (on, m, "PASS" if m >= 20 else "FAIL"))
    p3 = [r for r in results if r["group"] == "panned3"]
    if p3:
        m1, m0 = nanmean([val(r, on) for r in p3]), nanmean([val(r, off) for r in p3])
        out.append("- panned, 3 sources in stereo: %s %.2f vs %s %.2f (better): %s"
                   % (on, m1, off, m0, "PASS" if m1 > m0 else "FAIL"))
    rm = [r for r in results if group_of(r) == "room"]
    if rm:
        m1, m0 = nanmean([val(r, on) for r in rm]), nanmean([val(r, off) for r in rm])
        out.append("- rooms: mean %s %.2f vs %s %.2f (better): %s"
                   % (on, m1, off, m0, "PASS" if m1 > m0 else "FAIL"))
        bad = []
        for r in rm:
            if r["speech"]:
                dlt = val(r, on) - val(r, off)
                if not dlt >= 3.0:
                    bad.append("%s %+.2f" % (r["name"], dlt))
        out.append("- rooms, every speech mixture >= 3 dB over %s: %s" % (
            off, "PASS" if not bad else "FAIL (" + ", ".join(bad) + ")"))
        if refl in labels:
            best = nanmean([np.nanmax([val(r, off), val(r, refl)]) for r in rm])
            out.append("- rooms: mean %s %.2f >= mean of per-mixture max(%s, %s) %.2f: %s"
                       % (on, m1, off, refl, best, "PASS" if m1 >= best else "FAIL"))
    return "Targets (SDR):\n\n" + "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    # this tree's build (ROOT/build), as the quality benchmark's
    ap.add_argument("--build-dir", default=os.path.normpath(os.path.join(HERE, "../../../build")),
                    help="meson build dir; the plugin is <build-dir>/plugin (default %(default)s)")
    ap.add_argument("--off-props", default=None,
                    help="element properties of the 'off' column (default: spatial=off when "
                         "the element has that property, else none)")
    ap.add_argument("--element-props", default=None,
                    help="element properties of the 'spatial' column (default: spatial=auto "
                         "when the element has that property, else the column is skipped)")
    ap.add_argument("--run", action="append", default=[], metavar="LABEL=PROPS",
                    help="another element column (repeatable)")
    ap.add_argument("--no-element", action="store_true")
    ap.add_argument("--reference", default="auxiva,ilrma",
                    help="batch references, comma-separated among auxiva, ilrma ('' for none)")
    ap.add_argument("--target-ref", default="ilrma",
                    help="the batch column of the rooms target (default %(default)s)")
    ap.add_argument("--no-irm", action="store_true")
    ap.add_argument("--proto", action="append", default=[], metavar="MODULE:FUNC[:LABEL]")
    ap.add_argument("--proto-kw", action="append", default=[], metavar="k=v,...",
                    help="keyword arguments of the --proto of the same position")
    ap.add_argument("--target-on", default="spatial",
                    help="the column judged against the targets (default %(default)s)")
    ap.add_argument("--only", help="comma-separated mixture names")
    ap.add_argument("--groups", help="comma-separated groups (panned2, panned3, room2, room3)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--keep-outputs", default="")
    ap.add_argument("--no-cache", action="store_true")
    ap.add_argument("--score-from", type=float, default=0.0, metavar="SECONDS",
                    help="score each mixture from this time on (e.g. 1: without a live "
                         "profile's first second, before the demixing takes over)")
    ap.add_argument("--metrics", default="sdr,sir,sar")
    ap.add_argument("--json", default="")
    a = ap.parse_args()

    corpus = os.path.abspath(a.corpus)
    with open(os.path.join(corpus, "corpus.json")) as f:
        cinfo = json.load(f)
    names = cinfo["mixtures"]
    if a.only:
        want = set(a.only.split(","))
        names = [n for n in names if n in want]
    if a.groups:
        gw = set(a.groups.split(","))
        names = [n for n in names if cinfo["groups"][n] in gw]
    if not names:
        sys.exit("evaluate: no mixtures selected")
    build_dir = os.path.abspath(a.build_dir)

    columns = []
    notes = []
    if not a.no_element:
        ok, msg, props = inspect_element(build_dir)
        if not ok:
            notes.append("element: " + msg)
        else:
            has = "spatial" in props
            off = a.off_props if a.off_props is not None else ("spatial=off" if has else "")
            columns.append(("off", "element", off))
            notes.append("Element column `off`: nmfseparate n-sources=S %s%s" % (
                off, "" if has or a.off_props else
                " (the built element has no `spatial` property: it runs as it is, summing "
                "the channels)"))
            on = a.element_props if a.element_props is not None else (
                "spatial=auto" if has else None)
            if on is not None:
                columns.append(("spatial", "element", on))
                notes.append("Element column `spatial`: nmfseparate n-sources=S %s" % on)
            else:
                notes.append("Element column `spatial`: skipped (no `spatial` property in "
                             "%s; give --element-props)" % build_dir)
            for r in a.run:
                l, eq, p = r.partition("=")
                if not eq:
                    sys.exit("evaluate: --run wants LABEL=PROPS")
                columns.append((l, "element", p))
                notes.append("Element column `%s`: nmfseparate n-sources=S %s" % (l, p))
    for i, p in enumerate(a.proto):
        parts = p.split(":")
        label = parts[2] if len(parts) > 2 else parts[1]
        kw = parse_kw(a.proto_kw[i] if i < len(a.proto_kw) else "")
        columns.append((label, "proto", (":".join(parts[:2]), kw)))
        notes.append("Prototype column `%s`: %s(%s)" % (label, ":".join(parts[:2]),
                                                         ", ".join("%s=%r" % kv for kv in kw.items())))
    for m in filter(None, a.reference.split(",")):
        columns.append((m, "batch", m))
    if not a.no_irm:
        columns.append(("irm", "irm", None))
    labels = ["mixture"] + [l for l, _, _ in columns]
    proto_stamp = {}
    for l, k, s in columns:
        if k == "proto":
            mod = s[0].split(":")[0]
            pth = os.path.join(HERE, mod + ".py")
            proto_stamp[mod] = hashlib.sha1(open(pth, "rb").read()).hexdigest()[:12] \
                if os.path.exists(pth) else None
    args = dict(corpus=corpus, build_dir=build_dir, columns=columns,
                keep_outputs=os.path.abspath(a.keep_outputs) if a.keep_outputs else "",
                timeout=a.timeout, cache=not a.no_cache, build_stamp=plugin_stamp(build_dir),
                proto_stamp=proto_stamp,
                ref_stamp=hashlib.sha1(open(os.path.join(HERE, "reference.py"), "rb").read())
                .hexdigest()[:12], target_on=a.target_on, target_off="off",
                target_ref=a.target_ref, score_from=a.score_from)
    tasks = [dict(dir=os.path.join(corpus, n), args=args) for n in names]
    t0 = time.time()
    if a.jobs > 1 and len(tasks) > 1:
        with multiprocessing.get_context("fork").Pool(min(a.jobs, len(tasks))) as pool:
            results = pool.map(process, tasks, chunksize=1)
    else:
        results = [process(t) for t in tasks]

    print("## Spatial separation quality (dB), corpus %s (set %s)\n" % (corpus, cinfo.get("set")))
    print("BSS Eval v3 (mir_eval %s bss_eval_sources, %d-tap filter, permutation by largest "
          "mean SIR) at the reference channel against each source's image there, full 44.1 kHz "
          "signals. Batch references: 2048/512 STFT, AuxIVA 50 iterations (Laplace), ILRMA 100 "
          "iterations (IS-NMF, 4 bases per source), projection back. IRM: magnitude ratio mask "
          "of the images at the reference channel.\n" % (mir_eval.__version__, BSS_FILTER_LEN))
    for n in notes:
        print(n)
    print()
    means = {}
    for metric in a.metrics.split(","):
        t, m = report(results, labels, metric, args)
        print(t)
        means[metric] = m
    if any(l == "off" for l, _, _ in columns):
        print(targets(results, args))
    # element runs: sums and CPU
    erows = []
    for l, k, _ in columns:
        for r in results:
            m = r["methods"].get(l, {})
            if "run" in m or "sum_vs_mix_snr_db" in m:
                erows.append("| %s | %s | %s | %s | %.2f | %s |" % (
                    l, r["name"], m.get("run", {}).get("returncode", ""),
                    fmt(m.get("sum_vs_mix_snr_db", float("nan"))),
                    m.get("run", {}).get("cpu_s", float("nan")),
                    "; ".join(m.get("notes", []) + ([m["error"]] if "error" in m else []))))
    if erows:
        print("Runs (sum of the outputs against the input, all channels; CPU seconds):\n")
        print("| column | mixture | rc | sum-vs-mix SNR dB | CPU s | notes |")
        print("|---|---|---|---:|---:|---|")
        print("\n".join(erows))
        print()
    print("Total %.1f s (%d jobs)." % (time.time() - t0, a.jobs))
    out = dict(corpus=corpus, set=cinfo.get("set"), columns=clean_json(columns), notes=notes,
               means=means, mixtures=results,
               command=" ".join(shlex.quote(x) for x in [sys.executable] + sys.argv))
    jpath = a.json or os.path.join(corpus, "results-spatial.json")
    with open(jpath, "w") as f:
        json.dump(clean_json(out), f, indent=1)
    print("JSON: %s" % jpath)


if __name__ == "__main__":
    main()
