#!/usr/bin/python3
"""Build the multichannel (spatial) benchmark corpus from the mono corpus's
sources (tests/bench/quality/make_corpus.py, imported, not modified).

Two kinds of mixtures:
  panned  studio mixes in stereo: every source a fixed gain per channel,
          constant-power pan law (gL, gR) = (cos t, sin t), t = (p + 1) pi / 4,
          p in [-1, 1] its pan position; 2 sources (determined) and 3 sources
          (more sources than channels).
  room    a shoebox room simulated here with the image-source method
          (Allen & Berkley 1979): frequency-independent wall absorption set
          from Sabine's formula for a target T60 (0.2 to 0.5 s), then
          rescaled until the simulated RIR's measured T60 (Schroeder, T20)
          matches the target (Sabine's alone gives 0.7 s for 0.5), every image
          placed with a Hann-windowed sinc fractional delay (65 taps), the
          response cut at the target T60 (60 dB of decay); 2 sources with 2
          microphones and 3 sources with 3, spacings 2 to 10 cm and wider
          arrays of 20 to 30 cm; speech + speech, speech + instrument,
          instrument + instrument.

Every mixture gets its own directory:
    <out>/<name>/mix.wav       M channels float32 44.1 kHz, = sum of the images
    <out>/<name>/image_<k>.wav M channels: source k as every microphone heard
                               it (the dry source convolved with its RIRs, or
                               times its pan gains); the scoring reference is
                               channel meta["ref_channel"] (0) of it
    <out>/<name>/meta.json     sources, geometry, pans, RIR figures
plus <out>/corpus.json listing the mixtures and their group:
    panned2  panned, 2 sources in stereo
    panned3  panned, 3 sources in stereo (underdetermined)
    room2    room, 2 sources, 2 microphones
    room3    room, 3 sources, 3 microphones

Loudness: every source's image at the reference channel gets the same RMS
(over the whole clip); then everything is scaled by one factor so that the
mixture's peak (over all channels) is PEAK.  Duration DUR = 20 s (the first
20 s of the mono corpus's 22 s sources).

The held-out set (--set heldout) uses the held-out mono corpus's sources
(other instruments, voices and pairings), other pan positions, other rooms,
other array spacings and positions.

Deterministic: same inputs, byte-identical outputs.

    /usr/bin/python3 make_spatial_corpus.py OUTDIR [--set main|heldout]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import scipy.signal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "quality"))
import make_corpus as mc  # noqa: E402  (the mono corpus: sources, WAV helpers)

SR = mc.SR
DUR = 20.0
PEAK = 0.9
C_SOUND = 343.0
SINC_HALF = 32                    # fractional delay: 2 * 32 + 1 taps
SPATIAL_CORPUS_VERSION = 1        # bump when the definition changes (run.sh cache)


# --------------------------------------------------------------------------
# Image-source model of a shoebox room
# --------------------------------------------------------------------------

def sabine_beta(dims, t60):
    """Wall reflection coefficient (pressure) for a target T60, Sabine:
    T60 = 0.161 V / (S alpha), beta = sqrt(1 - alpha)."""
    lx, ly, lz = dims
    vol = lx * ly * lz
    surf = 2.0 * (lx * ly + lx * lz + ly * lz)
    alpha = 0.161 * vol / (surf * t60)
    if not 0.0 < alpha < 1.0:
        raise ValueError("T60 %.2f s not reachable in room %s (alpha %.3f)" % (t60, dims, alpha))
    return float(np.sqrt(1.0 - alpha)), float(alpha)


def ism_rir(dims, src, mic, beta, length, fs=SR, c=C_SOUND, half=SINC_HALF):
    """Room impulse response src -> mic, `length` samples.

    Images (Allen & Berkley): for integers n and parity q in {0, 1} per axis,
    coordinate (1 - 2q) s + 2 n L, with |n - q| + |n| wall reflections on
    that axis; amplitude beta^(reflections) / (4 pi d), delay d / c.  Each
    image is written with a Hann-windowed sinc centred on its fractional
    delay.  Images arriving after `length` samples are left out."""
    dims = np.asarray(dims, float)
    src = np.asarray(src, float)
    mic = np.asarray(mic, float)
    rmax = (length + half) * c / fs
    nmax = np.ceil(rmax / (2.0 * dims)).astype(int) + 1
    axes = []
    for a in range(3):
        n = np.arange(-nmax[a], nmax[a] + 1)
        q = np.array([0, 1])
        nn, qq = np.meshgrid(n, q, indexing="ij")
        nn = nn.ravel()
        qq = qq.ravel()
        coord = (1 - 2 * qq) * src[a] + 2 * nn * dims[a]
        refl = np.abs(nn - qq) + np.abs(nn)
        axes.append((coord - mic[a], refl))
    dx, rx = axes[0]
    dy, ry = axes[1]
    dz, rz = axes[2]
    h = np.zeros(length + 2 * half + 2)
    taps = np.arange(-half, half + 1)
    win = 0.5 * (1.0 + np.cos(np.pi * taps / (half + 1)))     # Hann, zero beyond
    # loop over x, vectorize y and z (bounded memory)
    dyz2 = dy[:, None] ** 2 + dz[None, :] ** 2
    ryz = ry[:, None] + rz[None, :]
    for i in range(len(dx)):
        d = np.sqrt(dx[i] ** 2 + dyz2)
        keep = d <= rmax
        if not keep.any():
            continue
        d = d[keep]
        refl = rx[i] + ryz[keep]
        amp = beta ** refl / (4.0 * np.pi * d)
        tau = d / c * fs
        t0 = np.floor(tau).astype(int)
        frac = tau - t0
        idx = t0[:, None] + taps[None, :]
        val = amp[:, None] * np.sinc(taps[None, :] - frac[:, None]) * win[None, :]
        ok = (idx >= 0) & (idx < len(h))
        h += np.bincount(idx[ok], weights=val[ok], minlength=len(h))[:len(h)]
    return h[:length]


def calibrated_beta(dims, t60, src, mic, fs=SR):
    """Absorption for a target T60: start from Sabine's, then rescale it until
    the T60 measured on the simulated RIR (src -> mic, 1.5 x T60 long,
    Schroeder T20) is within 1 % of the target.  A specular shoebox with one
    absorption for every wall decays more slowly than Sabine predicts (rays
    grazing along the longest dimension meet few walls): with Sabine's
    absorption alone a 0.5 s target measures about 0.7 s."""
    beta, alpha0 = sabine_beta(dims, t60)
    alpha = alpha0
    for _ in range(12):
        h = ism_rir(dims, src, mic, np.sqrt(1.0 - alpha), int(1.5 * t60 * fs))
        tm = schroeder_t60(h)
        if abs(tm / t60 - 1.0) < 0.01:
            break
        alpha = min(0.99, alpha * tm / t60)
    return float(np.sqrt(1.0 - alpha)), float(alpha), float(alpha0), float(tm)


def schroeder_t60(h, fs=SR):
    """T60 measured on the RIR: Schroeder backward integral, line fit from
    -5 to -25 dB (T20), extrapolated to 60 dB."""
    e = np.cumsum(h[::-1] ** 2)[::-1]
    e = 10 * np.log10(e / e[0] + 1e-300)
    i5 = np.argmax(e <= -5.0)
    i25 = np.argmax(e <= -25.0)
    if i25 <= i5:
        return float("nan")
    t = np.arange(i5, i25) / fs
    slope = np.polyfit(t, e[i5:i25], 1)[0]
    return float(-60.0 / slope)


def drr_db(h, direct_sample, fs=SR):
    """Direct-to-reverberant ratio: energy within +-2.5 ms of the direct
    path over the rest."""
    w = int(0.0025 * fs)
    a = max(0, direct_sample - w)
    b = direct_sample + w
    ed = np.sum(h[a:b] ** 2)
    er = np.sum(h ** 2) - ed
    return float(10 * np.log10(ed / max(er, 1e-30)))


# --------------------------------------------------------------------------
# Corpus definition
# --------------------------------------------------------------------------
# A source is (mono mixture name, source index) in the mono corpus of the
# same set (main or heldout).

PANNED_MAIN = [
    dict(name="p1_piano_violin", src=[("m1_piano_violin", 0), ("m1_piano_violin", 1)],
         pan=[-0.5, 0.4]),
    dict(name="p2_flute_bass", src=[("m2_flute_bass", 0), ("m2_flute_bass", 1)],
         pan=[0.6, -0.2]),
    dict(name="p3_speech_en_piano", src=[("m4_speech_en_piano", 0), ("m4_speech_en_piano", 1)],
         pan=[-0.3, 0.5]),
    dict(name="p4_speech_en_male_female",
         src=[("m5_speech_en_male_female", 0), ("m5_speech_en_male_female", 1)],
         pan=[-0.6, 0.3]),
    dict(name="p5_trumpet_clarinet_marimba",
         src=[("m3_trumpet_clarinet_marimba", k) for k in range(3)], pan=[-0.7, 0.0, 0.6]),
    dict(name="p6_speech_de_cello_flute",
         src=[("m6_speech_de_cello_flute", k) for k in range(3)], pan=[0.1, -0.6, 0.7]),
    dict(name="p7_speech_fr_speech_en_violin",
         src=[("m7_speech_fr_speech_en_f_violin", k) for k in range(3)], pan=[-0.5, 0.5, 0.0]),
]

# rooms: dims (m), T60 (s), array: centre, spacing (m), layout ("line" along
# the axis at angle `array_az` in the horizontal plane, or "tri" an
# equilateral triangle of side `spacing`), sources at (azimuth deg relative
# to broadside, distance m, height m).
ROOMS_MAIN = [
    dict(name="r1_speech_en_male_female_5cm", src=[("m5_speech_en_male_female", 0),
         ("m5_speech_en_male_female", 1)], room=[6.0, 4.5, 3.0], t60=0.25,
         centre=[2.6, 2.0, 1.3], spacing=0.05, layout="line", array_az=0.0,
         pos=[(-40, 1.5, 1.6), (30, 1.5, 1.5)]),
    dict(name="r2_speech_en_piano_3cm", src=[("m4_speech_en_piano", 0), ("m4_speech_en_piano", 1)],
         room=[5.0, 4.0, 2.7], t60=0.35, centre=[2.2, 1.7, 1.2], spacing=0.03, layout="line",
         array_az=10.0, pos=[(25, 1.2, 1.6), (-35, 1.8, 1.1)]),
    dict(name="r3_piano_violin_8cm", src=[("m1_piano_violin", 0), ("m1_piano_violin", 1)],
         room=[7.0, 5.5, 3.2], t60=0.2, centre=[3.1, 2.4, 1.4], spacing=0.08, layout="line",
         array_az=-15.0, pos=[(-30, 2.0, 1.2), (40, 1.4, 1.6)]),
    dict(name="r4_flute_bass_25cm", src=[("m2_flute_bass", 0), ("m2_flute_bass", 1)],
         room=[6.5, 5.0, 3.0], t60=0.45, centre=[3.0, 2.2, 1.3], spacing=0.25, layout="line",
         array_az=5.0, pos=[(35, 1.6, 1.5), (-20, 1.3, 1.0)]),
    dict(name="r5_speech_fr_speech_en_f_25cm",
         src=[("m7_speech_fr_speech_en_f_violin", 0), ("m7_speech_fr_speech_en_f_violin", 1)],
         room=[5.5, 4.8, 2.8], t60=0.5, centre=[2.5, 2.1, 1.2], spacing=0.25, layout="line",
         array_az=-5.0, pos=[(-25, 1.3, 1.6), (45, 1.7, 1.6)]),
    dict(name="r6_speech_de_violin_10cm",
         src=[("m6_speech_de_cello_flute", 0), ("m1_piano_violin", 1)],
         room=[4.5, 3.8, 2.6], t60=0.5, centre=[2.0, 1.6, 1.2], spacing=0.10, layout="line",
         array_az=20.0, pos=[(30, 1.0, 1.6), (-30, 1.2, 1.4)]),
    dict(name="r7_speech_de_cello_flute_4cm",
         src=[("m6_speech_de_cello_flute", k) for k in range(3)],
         room=[6.0, 5.0, 3.0], t60=0.3, centre=[2.8, 2.3, 1.3], spacing=0.04, layout="line",
         array_az=0.0, pos=[(-50, 1.5, 1.6), (0, 1.8, 1.2), (45, 1.4, 1.4)]),
    dict(name="r8_speech_fr_speech_en_violin_6cm",
         src=[("m7_speech_fr_speech_en_f_violin", k) for k in range(3)],
         room=[5.2, 4.4, 2.7], t60=0.4, centre=[2.4, 2.0, 1.2], spacing=0.06, layout="tri",
         array_az=0.0, pos=[(-60, 1.4, 1.6), (60, 1.5, 1.6), (170, 1.6, 1.3)]),
    dict(name="r9_trumpet_clarinet_marimba_10cm",
         src=[("m3_trumpet_clarinet_marimba", k) for k in range(3)],
         room=[7.5, 6.0, 3.4], t60=0.25, centre=[3.5, 2.8, 1.4], spacing=0.10, layout="line",
         array_az=-10.0, pos=[(-45, 2.0, 1.5), (5, 1.6, 1.3), (50, 1.9, 1.2)]),
]

PANNED_HELDOUT = [
    dict(name="q1_guitar_clarinet", src=[("h1_guitar_clarinet", 0), ("h1_guitar_clarinet", 1)],
         pan=[0.45, -0.55]),
    dict(name="q2_oboe_cello", src=[("h2_oboe_cello", 0), ("h2_oboe_cello", 1)], pan=[-0.15, 0.65]),
    dict(name="q3_speech_en_gb_guitar", src=[("h4_speech_en_gb_guitar", 0),
         ("h4_speech_en_gb_guitar", 1)], pan=[0.2, -0.5]),
    dict(name="q4_speech_en_f_de_m", src=[("h5_speech_en_f_de_m", 0), ("h5_speech_en_f_de_m", 1)],
         pan=[0.55, -0.35]),
    dict(name="q5_alto_sax_piano_bass", src=[("h3_alto_sax_piano_bass", k) for k in range(3)],
         pan=[0.5, -0.6, -0.05]),
    dict(name="q6_speech_es_vibraphone_bassoon",
         src=[("h6_speech_es_vibraphone_bassoon", k) for k in range(3)], pan=[-0.1, 0.65, -0.65]),
    dict(name="q7_speech_it_violin_marimba",
         src=[("h8_speech_it_violin_marimba", k) for k in range(3)], pan=[0.6, -0.4, 0.1]),
]

ROOMS_HELDOUT = [
    dict(name="s1_speech_en_f_de_m_4cm", src=[("h5_speech_en_f_de_m", 0), ("h5_speech_en_f_de_m", 1)],
         room=[5.8, 4.2, 2.9], t60=0.3, centre=[2.5, 1.9, 1.25], spacing=0.04, layout="line",
         array_az=-8.0, pos=[(35, 1.4, 1.6), (-45, 1.6, 1.5)]),
    dict(name="s2_speech_en_gb_guitar_7cm", src=[("h4_speech_en_gb_guitar", 0),
         ("h4_speech_en_gb_guitar", 1)], room=[6.8, 5.2, 3.1], t60=0.4,
         centre=[3.0, 2.5, 1.3], spacing=0.07, layout="line", array_az=12.0,
         pos=[(-30, 1.5, 1.6), (30, 1.7, 1.2)]),
    dict(name="s3_oboe_cello_2cm", src=[("h2_oboe_cello", 0), ("h2_oboe_cello", 1)],
         room=[5.0, 4.5, 2.8], t60=0.3, centre=[2.3, 2.0, 1.2], spacing=0.02, layout="line",
         array_az=0.0, pos=[(40, 1.3, 1.4), (-35, 1.5, 1.1)]),
    dict(name="s4_trombone_flute_30cm", src=[("h7_trombone_flute", 0), ("h7_trombone_flute", 1)],
         room=[7.2, 5.6, 3.3], t60=0.35, centre=[3.3, 2.6, 1.4], spacing=0.30, layout="line",
         array_az=-12.0, pos=[(-40, 1.8, 1.3), (20, 2.0, 1.5)]),
    dict(name="s5_speech_it_speech_es_20cm",
         src=[("h8_speech_it_violin_marimba", 0), ("h6_speech_es_vibraphone_bassoon", 0)],
         room=[5.4, 4.6, 2.7], t60=0.45, centre=[2.4, 2.0, 1.2], spacing=0.20, layout="line",
         array_az=6.0, pos=[(20, 1.5, 1.6), (-40, 1.2, 1.6)]),
    dict(name="s6_speech_en_gb_bassoon_9cm",
         src=[("h4_speech_en_gb_guitar", 0), ("h6_speech_es_vibraphone_bassoon", 2)],
         room=[4.8, 4.0, 2.6], t60=0.5, centre=[2.1, 1.8, 1.2], spacing=0.09, layout="line",
         array_az=-20.0, pos=[(-35, 1.1, 1.6), (25, 1.3, 1.2)]),
    dict(name="s7_speech_es_vibraphone_bassoon_5cm",
         src=[("h6_speech_es_vibraphone_bassoon", k) for k in range(3)],
         room=[6.2, 4.9, 3.0], t60=0.35, centre=[2.9, 2.2, 1.3], spacing=0.05, layout="tri",
         array_az=15.0, pos=[(-40, 1.6, 1.6), (50, 1.3, 1.4), (160, 1.5, 1.2)]),
    dict(name="s8_speech_it_violin_marimba_3cm",
         src=[("h8_speech_it_violin_marimba", k) for k in range(3)],
         room=[5.6, 4.4, 2.8], t60=0.45, centre=[2.6, 2.0, 1.2], spacing=0.03, layout="line",
         array_az=0.0, pos=[(45, 1.4, 1.6), (-10, 1.7, 1.3), (-55, 1.3, 1.2)]),
    dict(name="s9_alto_sax_piano_bass_12cm",
         src=[("h3_alto_sax_piano_bass", k) for k in range(3)],
         room=[7.0, 5.8, 3.2], t60=0.2, centre=[3.2, 2.7, 1.3], spacing=0.12, layout="line",
         array_az=8.0, pos=[(50, 1.7, 1.4), (-5, 2.0, 1.2), (-50, 1.5, 1.0)]),
]

SETS = {"main": (mc.MIXTURES, PANNED_MAIN, ROOMS_MAIN),
        "heldout": (mc.MIXTURES_HELDOUT, PANNED_HELDOUT, ROOMS_HELDOUT)}


def mic_positions(spec, n_mics):
    c = np.asarray(spec["centre"], float)
    az = np.deg2rad(spec["array_az"])
    ux = np.array([np.cos(az), np.sin(az), 0.0])          # array axis
    d = spec["spacing"]
    if spec["layout"] == "line":
        offs = (np.arange(n_mics) - (n_mics - 1) / 2.0) * d
        return [c + o * ux for o in offs]
    if spec["layout"] == "tri" and n_mics == 3:
        uy = np.array([-np.sin(az), np.cos(az), 0.0])
        r = d / np.sqrt(3.0)                               # circumradius
        return [c + r * (np.cos(a) * uy + np.sin(a) * ux)
                for a in np.deg2rad([0.0, 120.0, 240.0])]
    raise ValueError("layout %s with %d mics" % (spec["layout"], n_mics))


def source_positions(spec):
    """Azimuth relative to broadside (perpendicular to the array axis, +y
    rotated by array_az), distance from the array centre, height."""
    c = np.asarray(spec["centre"], float)
    az0 = np.deg2rad(spec["array_az"])
    out = []
    for az, dist, hgt in spec["pos"]:
        a = az0 + np.pi / 2 - np.deg2rad(az)       # broadside = +y for array_az 0
        p = np.array([c[0] + dist * np.cos(a), c[1] + dist * np.sin(a), hgt])
        out.append(p)
    return out


# --------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------

def mono_sources(monodir, mono_specs, wanted, tmp, log):
    """{(mixture, k): dry source, first DUR s}; builds the mono mixtures
    needed (make_corpus.build_mixture) into monodir when missing."""
    specs = {m["name"]: m for m in mono_specs}
    out = {}
    for name in sorted(set(n for n, _ in wanted)):
        d = os.path.join(monodir, name)
        if not os.path.exists(os.path.join(d, "meta.json")):
            mc.build_mixture(specs[name], monodir, tmp, log)
        with open(os.path.join(d, "meta.json")) as f:
            meta = json.load(f)
        for k in range(meta["n_sources"]):
            if (name, k) in wanted:
                x = mc.read_wav(os.path.join(d, "source_%d.wav" % k), expect_sr=SR)
                out[(name, k)] = (x[:int(round(DUR * SR))], meta["sources"][k])
    return out


def write_multi(path, x):
    """x: channels x samples -> float32 WAV."""
    import scipy.io.wavfile
    scipy.io.wavfile.write(path, SR, np.ascontiguousarray(np.asarray(x, np.float32).T))


def finish(d, spec, images, info, log):
    """images: S x M x N; equal RMS at the reference channel, common scale
    to the mixture's peak, write."""
    ref = 0
    images = np.array([im / mc.rms(im[ref]) * 0.1 for im in images])
    mix = images.sum(axis=0)
    g = PEAK / np.max(np.abs(mix))
    images *= g
    mix *= g
    os.makedirs(d, exist_ok=True)
    write_multi(os.path.join(d, "mix.wav"), mix)
    for k, im in enumerate(images):
        write_multi(os.path.join(d, "image_%d.wav" % k), im)
    # input SIR of every source at the reference channel
    tot = mix[ref]
    info["input_sir_db"] = [float(10 * np.log10(np.sum(im[ref] ** 2) /
                                               max(np.sum((tot - im[ref]) ** 2), 1e-30)))
                            for im in images]
    info.update(n_channels=int(mix.shape[0]), ref_channel=ref, sample_rate=SR,
                seconds=DUR, mix_peak=float(np.max(np.abs(mix))),
                image_rms_ref=[mc.rms(im[ref]) for im in images])
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(info, f, indent=1)
    log("  %-40s %-7s %d src %d ch  %s" % (spec["name"], info["group"], len(images),
        mix.shape[0], info.get("summary", "")))
    return info


def describe(meta):
    return meta.get("instrument") or ("speech " + meta.get("voice", ""))


def build_panned(spec, srcs, outdir, log):
    pans = spec["pan"]
    imgs = []
    gains = []
    for (key, p) in zip(spec["src"], pans):
        x = srcs[key][0]
        t = (p + 1.0) * np.pi / 4.0
        gl, gr = np.cos(t), np.sin(t)
        gains.append([float(gl), float(gr)])
        imgs.append(np.stack([gl * x, gr * x]))
    n = len(imgs)
    info = dict(name=spec["name"], kind="panned", group="panned%d" % n, n_sources=n,
                sources=[dict(origin=list(k), **srcs[k][1]) for k in spec["src"]],
                pan=pans, gains_lr=gains,
                summary="pans %s" % " ".join("%+.2f" % p for p in pans))
    return finish(os.path.join(outdir, spec["name"]), spec, imgs, info, log)


def build_room(spec, srcs, outdir, log):
    n = len(spec["src"])
    mics = mic_positions(spec, n)
    spos = source_positions(spec)
    dims = spec["room"]
    for p in list(mics) + list(spos):
        if not all(0.2 < p[a] < dims[a] - 0.2 for a in range(3)):
            raise ValueError("%s: position %s outside room %s" % (spec["name"], p, dims))
    beta, alpha, alpha_sabine, t60_cal = calibrated_beta(dims, spec["t60"], spos[0], mics[0])
    length = int(round(spec["t60"] * SR))
    imgs = []
    ririnfo = []
    for key, sp in zip(spec["src"], spos):
        x = srcs[key][0]
        chans = []
        for m in mics:
            h = ism_rir(dims, sp, m, beta, length)
            dist = float(np.linalg.norm(sp - m))
            ds = int(round(dist / C_SOUND * SR))
            ririnfo.append(dict(t60_measured=schroeder_t60(h), drr_db=drr_db(h, ds),
                                distance=dist))
            chans.append(scipy.signal.fftconvolve(x, h)[:len(x)])
        imgs.append(np.stack(chans))
    t60m = [r["t60_measured"] for r in ririnfo]
    drr = [r["drr_db"] for r in ririnfo]
    info = dict(name=spec["name"], kind="room", group="room%d" % n, n_sources=n,
                sources=[dict(origin=list(k), **srcs[k][1]) for k in spec["src"]],
                room=dims, t60_target=spec["t60"], wall_absorption=alpha, wall_beta=beta,
                wall_absorption_sabine=alpha_sabine, t60_calibration_measured=t60_cal,
                rir_samples=length, sinc_taps=2 * SINC_HALF + 1, c=C_SOUND,
                mic_positions=[list(map(float, m)) for m in mics],
                mic_spacing=spec["spacing"], array_layout=spec["layout"],
                source_positions=[list(map(float, p)) for p in spos],
                source_azimuth_deg=[p[0] for p in spec["pos"]],
                source_distance=[p[1] for p in spec["pos"]],
                t60_measured_mean=float(np.mean(t60m)), drr_db_mean=float(np.mean(drr)),
                rirs=ririnfo,
                summary="T60 %.2f (measured %.2f) spacing %.0f cm DRR %.1f dB" % (
                    spec["t60"], np.mean(t60m), spec["spacing"] * 100, np.mean(drr)))
    return finish(os.path.join(outdir, spec["name"]), spec, imgs, info, log)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--set", choices=sorted(SETS), default="main")
    ap.add_argument("--only", help="comma-separated mixture names")
    ap.add_argument("--mono-dir", default="",
                    help="where the mono sources are built (default OUTDIR/mono)")
    args = ap.parse_args()
    for tool in ("fluidsynth", "espeak-ng"):
        if shutil.which(tool) is None:
            sys.exit("make_spatial_corpus: %s not found (apt-get install %s)" % (tool, tool))
    mono_specs, panned, rooms = SETS[args.set]
    specs = [("panned", s) for s in panned] + [("room", s) for s in rooms]
    if args.only:
        want = set(args.only.split(","))
        specs = [(k, s) for k, s in specs if s["name"] in want]
    os.makedirs(args.outdir, exist_ok=True)
    monodir = args.mono_dir or os.path.join(args.outdir, "mono")
    wanted = set(tuple(k) for _, s in specs for k in s["src"])
    with tempfile.TemporaryDirectory(prefix="gstnmf-spatial-") as tmp:
        srcs = mono_sources(monodir, mono_specs, wanted, tmp, lambda s: None)
    infos = []
    for kind, s in specs:
        if kind == "panned":
            infos.append(build_panned(s, srcs, args.outdir, print))
        else:
            infos.append(build_room(s, srcs, args.outdir, print))
    if not args.only:
        with open(os.path.join(args.outdir, "corpus.json"), "w") as f:
            json.dump(dict(version=SPATIAL_CORPUS_VERSION, set=args.set, sample_rate=SR,
                           seconds=DUR, mixtures=[i["name"] for i in infos],
                           groups={i["name"]: i["group"] for i in infos}), f, indent=1)


if __name__ == "__main__":
    main()
