#!/usr/bin/python3
"""Randomized test of nmftool's command lines and input files.

Each trial draws a command (separate, learn, factorize, or a malformed
command line) with random options, an input from a pool (real encoded
files made here with gst-launch-1.0 from a generated mixture: WAV, FLAC,
Ogg Vorbis, Ogg Opus, MP3; the same truncated at random points or with
random bytes overwritten; wrong types: text, PNG, empty, random bytes, a
directory, .npy matrices for audio and audio for .npy) and output paths
that may alias the input or each other (the input copied or linked into
OUTDIR under an output's name, --out a link to --in, --w-out = --h-out).
Every run must:
  - end within the time bound (no hang) and not by a signal (no crash);
  - exit 0, 1 or 2, and on 1 or 2 say why in an 'nmftool ...: error:'
    line; no GLib CRITICAL or WARNING on stderr;
  - leave every input file byte for byte as it was (checksums), and every
    file in OUTDIR that is not an output;
  - on success, leave complete outputs (WAV sizes as their headers say,
    one per source, equal lengths; a .npy); on failure, no output that was
    not there before and no OUTDIR it created.

Reproducible: trial i uses random.Random("SEED/i"). Environment:
  NMF_FUZZ_SEED     seed (default 25)
  NMF_FUZZ_TRIALS   number of trials (default 150, about 30 s here)
  NMF_FUZZ_ONLY     run only these trial numbers (comma-separated)
  NMF_FUZZ_TIMEOUT  seconds allowed per run (default 60)
  NMF_FUZZ_KEEP     keep the work directory (printed)

usage: fuzz_cli.py NMFTOOL MAKE_MIXTURE PLUGIN_DIR
"""

import hashlib
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

NMFTOOL, MAKE_MIXTURE, PLUGIN_DIR = (os.path.realpath(a) for a in sys.argv[1:4])
SEED = os.environ.get("NMF_FUZZ_SEED", "25")
TRIALS = int(os.environ.get("NMF_FUZZ_TRIALS", "150"))
ONLY = [int(t) for t in os.environ.get("NMF_FUZZ_ONLY", "").split(",") if t]
TIMEOUT = float(os.environ.get("NMF_FUZZ_TIMEOUT", "60"))

work = tempfile.mkdtemp(prefix="nmf-fuzz-cli.")
env = dict(os.environ, GST_PLUGIN_PATH_1_0=PLUGIN_DIR,
           GST_REGISTRY=os.path.join(work, "registry.bin"), LC_ALL="C")
inputs = os.path.join(work, "in")
os.mkdir(inputs)


def sh(*argv):
    return subprocess.run(argv, env=env, cwd=work, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def have(element):
    return sh("gst-inspect-1.0", "--exists", element)


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def npy(path, vals, m, n, descr="<f8"):
    hdr = "{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }" % (
        descr, m, n)
    hdr += " " * (64 - 10 - len(hdr) - 1) + "\n"
    fmt = "<%d%s" % (len(vals), "d" if descr == "<f8" else "f")
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) +
                hdr.encode() + struct.pack(fmt, *vals))


# ---- the input pool ------------------------------------------------------

setup = random.Random("%s/setup" % SEED)
if not sh(MAKE_MIXTURE, work, "3"):
    sys.exit("nmf-make-mixture failed")
shutil.move(os.path.join(work, "mix.wav"), os.path.join(inputs, "mix.wav"))
for f in ("source_0.wav", "source_1.wav"):
    os.unlink(os.path.join(work, f))
mix = os.path.join(inputs, "mix.wav")

audio = ["mix.wav"]
encoders = [
    ("stereo48.flac", "audio/x-raw,rate=48000,channels=2", ["flacenc"]),
    ("mono22.ogg", "audio/x-raw,rate=22050,channels=1",
     ["vorbisenc", "!", "oggmux"]),
    ("stereo.opus", "audio/x-raw,rate=48000,channels=2",
     ["opusenc", "!", "oggmux"]),
    ("mono.mp3", "audio/x-raw,rate=44100,channels=1", ["lamemp3enc"]),
    ("quad8k.wav", "audio/x-raw,format=S16LE,rate=8000,channels=4",
     ["wavenc"]),
]
for name, caps, enc in encoders:
    if not all(have(e) for e in enc if e != "!"):
        print("no %s: %s skipped" % (" ".join(enc), name))
        continue
    out = os.path.join(inputs, name)
    if sh("gst-launch-1.0", "-q", "filesrc", "location=" + mix, "!",
          "wavparse", "!", "audioconvert", "!", "audioresample", "!", caps,
          "!", *enc, "!", "filesink", "location=" + out):
        audio.append(name)
    else:
        print("could not make %s" % name)

damaged = []
for name in list(audio):
    data = open(os.path.join(inputs, name), "rb").read()
    base, ext = os.path.splitext(name)
    for k, cut in enumerate((setup.randrange(0, 64),
                             setup.randrange(64, len(data)),
                             setup.randrange(len(data) // 2, len(data)))):
        t = "%s.cut%d%s" % (base, k, ext)
        open(os.path.join(inputs, t), "wb").write(data[:cut])
        damaged.append(t)
    b = bytearray(data)
    for _ in range(16):
        i = setup.randrange(len(b))
        b[i] = setup.randrange(256)
    t = "%s.flipped%s" % (base, ext)
    open(os.path.join(inputs, t), "wb").write(bytes(b))
    damaged.append(t)
    t = "%s.garbage-tail%s" % (base, ext)
    open(os.path.join(inputs, t), "wb").write(
        data[:len(data) // 3] + bytes(setup.randrange(256) for _ in range(4096)))
    damaged.append(t)

wrong = []
open(os.path.join(inputs, "text.txt"), "w").write("plain text, not audio\n" * 50)
open(os.path.join(inputs, "empty.wav"), "wb").close()
open(os.path.join(inputs, "random.bin"), "wb").write(
    bytes(setup.randrange(256) for _ in range(50000)))
wrong += ["text.txt", "empty.wav", "random.bin"]
if sh("gst-launch-1.0", "-q", "videotestsrc", "num-buffers=1", "!",
      "video/x-raw,width=32,height=32", "!", "pngenc", "!", "filesink",
      "location=" + os.path.join(inputs, "picture.png")):
    wrong.append("picture.png")
os.mkdir(os.path.join(inputs, "adir"))

matrices = []
npy(os.path.join(inputs, "good.npy"), [setup.random() for _ in range(60)], 12, 5)
npy(os.path.join(inputs, "good32.npy"), [setup.random() for _ in range(60)], 6, 10, "<f4")
npy(os.path.join(inputs, "negative.npy"), [setup.random() - 0.5 for _ in range(60)], 12, 5)
npy(os.path.join(inputs, "huge.npy"), [setup.random() * 1e308 for _ in range(60)], 12, 5)
npy(os.path.join(inputs, "nan.npy"), [float("nan")] + [1.0] * 59, 12, 5)
npy(os.path.join(inputs, "tiny.npy"), [1e-320] * 60, 12, 5)
matrices += ["good.npy", "good32.npy", "negative.npy", "huge.npy", "nan.npy",
             "tiny.npy"]
data = open(os.path.join(inputs, "good.npy"), "rb").read()
open(os.path.join(inputs, "good.cut.npy"), "wb").write(data[:setup.randrange(len(data))])
matrices.append("good.cut.npy")

# a dictionary for separate --dictionary (learned here, must work)
if not sh(NMFTOOL, "learn", "--components", "2", "--shifts", "0", "--in", mix,
          "--out", os.path.join(inputs, "dict.npy")):
    sys.exit("nmftool learn on the mixture failed")
matrices.append("dict.npy")

pool = audio + damaged + wrong + matrices + ["adir"]
files = sorted(os.path.join(inputs, f) for f in pool
               if os.path.isfile(os.path.join(inputs, f)))
sums = {f: sha(f) for f in files}
pristine = os.path.join(work, "pristine")     # to restore what a run broke
os.mkdir(pristine)
for f in files:
    shutil.copy(f, os.path.join(pristine, os.path.basename(f)))
print("seed %s, %d trials, %d input files (%d encoded, %d damaged)"
      % (SEED, len(ONLY) if ONLY else TRIALS, len(files), len(audio),
         len(damaged)))


# ---- one trial -----------------------------------------------------------

def pick(r, good, bad, p_bad=0.1):
    """Mostly a valid value, now and then an invalid one."""
    return r.choice(bad if bad and r.random() < p_bad else good)


def pick_input(r, kinds):
    name = r.choice(kinds)
    return os.path.join(inputs, name)


def maybe_uri(r, path):
    if r.random() < 0.2:
        return "file://" + path
    return path


def wav_complete(path):
    """(frames, channels) if PATH is a WAV whose RIFF and data sizes
    match the file, else None."""
    try:
        data = open(path, "rb").read()
    except OSError:
        return None
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    if struct.unpack("<I", data[4:8])[0] + 8 != len(data):
        return None
    pos, align, channels = 12, 0, 0
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if pos + 8 + size > len(data):
            return None
        if cid == b"fmt ":
            channels = struct.unpack("<H", data[pos + 10:pos + 12])[0]
            align = struct.unpack("<H", data[pos + 20:pos + 22])[0]
        elif cid == b"data":
            if not align or size % align:
                return None
            return size // align, channels
        pos += 8 + size + (size & 1)
    return None


def trial(i):
    """Runs trial i; returns a list of problems (empty: passed)."""
    r = random.Random("%s/%d" % (SEED, i))
    tdir = os.path.join(work, "t%d" % i)
    os.mkdir(tdir)
    extra = {}            # files the trial made that must stay unchanged
    outputs = []          # files the run may write
    outdir_new = None     # OUTDIR the run may create
    kind = r.choice(["separate"] * 5 + ["learn"] * 3 + ["factorize"] * 2
                    + ["garbage"])
    argv = [NMFTOOL]

    if kind == "separate":
        src = pick_input(r, audio * 3 + damaged * 2 + wrong + matrices)
        n = pick(r, [1, 2, 2, 2, 3, 4, 16], [0, 17, "x", -1])
        argv += ["separate", "--sources", str(n)]
        for _ in range(r.randrange(4)):
            argv += r.choice([
                ["--algorithm", pick(r, ["kl", "volmin"], ["nmf"])],
                ["--format", pick(r, ["f32", "s16"], ["u8"])],
                ["--progress", pick(r, ["lines", "none", "bar", "auto"], None)],
                ["--profile", pick(r, ["file", "live", "auto"], ["best"])],
                ["--components", pick(r, ["0", "3", "8"], ["x", "-2"])],
                ["--set", pick(r, ["fft-size=512", "hop-size=128",
                                   "mask-exponent=1", "iterations=2"],
                               ["hop-size=4096", "no-such=1", "fft-size=abc",
                                "n-sources=3"], 0.3)],
                ["--dictionary", pick(r, ["0", "1"], ["5"]) + "=" +
                 os.path.join(inputs, pick(r, ["dict.npy"], ["good.npy",
                                                              "text.txt"], 0.3))],
                ["-q"],
            ])
        how = r.choice(["new"] * 10 + ["nested", "exists", "exists",
                                      "alias-copy", "alias-link", "alias-hard",
                                      "alias-dict", "file", "input-dir"])
        outdir = os.path.join(tdir, "out")
        if how == "nested":
            outdir = os.path.join(tdir, "a", "b", "out")
            outdir_new = os.path.join(tdir, "a")
        elif how == "new":
            outdir_new = outdir
        elif how == "file":
            outdir = os.path.join(tdir, "afile")
            open(outdir, "w").write("not a directory\n")
            extra[outdir] = sha(outdir)
        else:
            os.mkdir(outdir)
            keep = os.path.join(outdir, "keep.txt")
            open(keep, "w").write("not an output\n")
            extra[keep] = sha(keep)
        if how in ("alias-copy", "alias-link", "alias-hard") \
                and os.path.isfile(src):
            k = r.randrange(max(1, min(int(n) if str(n).isdigit() else 2, 16)))
            alias = os.path.join(outdir, "source%d.wav" % k)
            if how == "alias-copy":      # the input itself lives in OUTDIR
                shutil.copy(src, alias)
                src = alias
            elif how == "alias-link":
                os.symlink(src, alias)
            else:
                os.link(src, alias)
            extra[alias] = sha(alias)
        if how == "alias-dict":              # a dictionary under an output's name
            alias = os.path.join(outdir, "source1.wav")
            shutil.copy(os.path.join(inputs, "dict.npy"), alias)
            extra[alias] = sha(alias)
            argv += ["--dictionary", "0=" + alias]
        if how == "input-dir":
            outdir = inputs                  # outputs among the inputs
        argv += [maybe_uri(r, src), outdir]
        nsrc = int(n) if str(n).isdigit() else 0
        outputs = [os.path.join(outdir, "source%d.wav" % k)
                   for k in range(min(nsrc, 16))]

    elif kind == "learn":
        src = pick_input(r, audio * 2 + damaged * 2 + wrong + matrices + ["adir"])
        out = os.path.join(tdir, "dict.npy")
        how = r.choice(["new"] * 6 + ["same", "link", "hard", "dir"])
        if how == "same":
            out = src
        elif how == "link" and os.path.isfile(src):
            os.symlink(src, out)
        elif how == "hard" and os.path.isfile(src):
            os.link(src, out)
        elif how == "dir":
            out = tdir
        argv += ["learn", "--components", pick(r, ["1", "2", "4"], ["0", "2000"]),
                 "--in", maybe_uri(r, src), "--out", out]
        for _ in range(r.randrange(3)):
            argv += r.choice([
                ["--fft-size", pick(r, ["256", "1024"], ["33", "0"])],
                ["--hop-size", pick(r, ["64", "128"], ["100000"])],
                ["--shifts", pick(r, ["0", "1"], ["25"])],
                ["--iterations", pick(r, ["5", "20"], ["0"])],
                ["--seed", pick(r, ["1"], ["-1"])]])
        if how == "new":
            outputs = [out]

    elif kind == "factorize":
        src = pick_input(r, matrices * 3 + audio + wrong)
        w = os.path.join(tdir, "W.npy")
        h = os.path.join(tdir, "H.npy")
        how = r.choice(["new"] * 6 + ["same", "w-in", "h-in", "link"])
        if how == "same":
            h = w
        elif how == "w-in":
            w = src
        elif how == "h-in":
            h = src
        elif how == "link":
            os.symlink("W.npy", h)
        argv += ["factorize", "--method", pick(r, ["kl", "volmin"], ["svd"]),
                 "--rank", pick(r, ["1", "2", "3"], ["0", "99"]),
                 "--in", src, "--w-out", w, "--h-out", h]
        for _ in range(r.randrange(3)):
            argv += r.choice([["--iterations", pick(r, ["10", "50"], ["0"])],
                              ["--lambda", pick(r, ["0.001", "0"], ["2", "nan"])],
                              ["--seed", "3"], ["-q"]])
        if how == "new":
            outputs = [w, h]

    else:  # a malformed command line
        # copies, not the pool's files: any of them may end up an output
        shutil.copy(mix, os.path.join(tdir, "m.wav"))
        shutil.copy(os.path.join(inputs, "good.npy"), os.path.join(tdir, "g.npy"))
        words = ["separate", "learn", "factorize", "--help", "--version",
                 "--sources", "--in", "--out", "--rank", "-q", "", "=",
                 "--set", "x=y", "m.wav", "g.npy", "2", "help", "bogus", "-",
                 "--"]
        argv += [r.choice(words) for _ in range(r.randrange(0, 6))]

    before = {p: os.path.exists(p) for p in outputs}
    start = time.monotonic()
    proc = subprocess.Popen(argv, env=env, cwd=tdir, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return ["hang: still running after %.0f s" % TIMEOUT], argv
    secs = time.monotonic() - start
    rc = proc.returncode
    err = err.decode("utf-8", "replace")
    problems = []

    if rc < 0:
        problems.append("killed by signal %d (%s)" % (-rc, signal.Signals(-rc).name))
    elif rc not in (0, 1, 2):
        problems.append("exit status %d (expected 0, 1 or 2)" % rc)
    if rc in (1, 2) and "error:" not in err:
        problems.append("exit %d without an error line" % rc)
    if "CRITICAL" in err or "WARNING **" in err:
        problems.append("GLib CRITICAL or WARNING on stderr")
    for f, s in list(sums.items()) + list(extra.items()):
        if not os.path.exists(f):
            problems.append("input %s removed" % f)
        elif os.path.isfile(f) and sha(f) != s:
            problems.append("input %s changed" % f)
        else:
            continue
        if f in sums:         # the next trials get the file as it was
            with open(os.path.join(pristine, os.path.basename(f)), "rb") as a:
                data = a.read()
            with open(f, "wb") as b:
                b.write(data)
    if rc == 0 and kind == "separate":
        lens = set()
        for p in outputs:
            got = wav_complete(p)
            if got is None:
                problems.append("success, but %s is no complete WAV" % p)
            else:
                lens.add(got[0])
        if len(lens) > 1:
            problems.append("success, but the outputs differ in length: %s" % sorted(lens))
    if rc == 0 and kind in ("learn", "factorize"):
        for p in outputs:
            if not os.path.isfile(p) or open(p, "rb").read(6) != b"\x93NUMPY":
                problems.append("success, but %s is no .npy file" % p)
    if rc != 0:
        for p in outputs:
            if not before[p] and os.path.lexists(p) and p not in extra \
                    and p not in sums:
                problems.append("failed, but left %s (%d bytes)"
                                % (p, os.path.getsize(p)))
        if outdir_new and os.path.exists(outdir_new):
            problems.append("failed, but left the directory %s it made" % outdir_new)
    return problems, argv, rc, secs, err.strip().splitlines()[-1:] if err else []


# ---- run -----------------------------------------------------------------

failed = 0
t0 = time.monotonic()
for i in (ONLY or range(TRIALS)):
    res = trial(i)
    problems, argv = res[0], res[1]
    shown = " ".join(a.replace(work, "$W") for a in argv[1:])
    if problems:
        failed += 1
        print("FAIL trial %d: nmftool %s" % (i, shown))
        for p in problems:
            print("    " + p.replace(work, "$W"))
        if len(res) > 4 and res[4]:
            print("    stderr: " + res[4][0].replace(work, "$W"))
    else:
        rc, secs, last = res[2], res[3], res[4]
        print("ok   trial %d (exit %d, %.1f s): nmftool %s%s" % (
            i, rc, secs, shown,
            ("\n         " + last[0].replace(work, "$W")) if last and rc else ""))
    sys.stdout.flush()

print("%d of %d trials failed in %.0f s (seed %s; rerun one with NMF_FUZZ_SEED=%s "
      "NMF_FUZZ_ONLY=N)" % (failed, len(ONLY) if ONLY else TRIALS,
                            time.monotonic() - t0, SEED, SEED))
if os.environ.get("NMF_FUZZ_KEEP"):
    print("work directory kept: %s" % work)
else:
    shutil.rmtree(work, ignore_errors=True)
sys.exit(1 if failed else 0)
