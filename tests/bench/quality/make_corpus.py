#!/usr/bin/python3
"""Build the quality-benchmark corpus: mixtures of real rendered material.

Sources are
  * General MIDI instruments of the FluidR3 soundfont (Debian fluid-soundfont-gm),
    rendered with fluidsynth from Standard MIDI files that this script writes
    itself (tiny SMF writer below, no third-party MIDI library);
  * espeak-ng speech, several voices, resampled from 22050 Hz to 44100 Hz.

Every mixture gets its own directory:
    <out>/<name>/mix.wav          mono 44.1 kHz float32, = sum of the sources
    <out>/<name>/source_<k>.wav   the k-th true source, as it is in the mix
    <out>/<name>/train_<k>.wav    a separate clip of the same instrument/voice
                                  playing different notes / saying different
                                  sentences (for dictionary learning)
    <out>/<name>/meta.json        what each source is
plus <out>/corpus.json listing all mixtures.

Sources are normalised to equal RMS (over the whole clip) before mixing; then
sources and mixture are scaled by one common factor so the mixture peak is
PEAK (< 1.0).  Deterministic: all randomness comes from fixed seeds, and
fluidsynth / espeak-ng are deterministic for a given input.

Run with Debian's interpreter: /usr/bin/python3 make_corpus.py OUTDIR
"""

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import scipy.io.wavfile
import scipy.signal

SR = 44100
DUR = 22.0            # seconds of every mixture (>= 20 s)
TRAIN_DUR = 15.0      # seconds of every training clip
PEAK = 0.9            # peak of the mixture after common scaling
SF2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
CORPUS_VERSION = 2    # bump when the corpus definition changes (run.sh cache)
ONSET_DB = -35.0     # a 10 ms frame sounds when its RMS is within this of the
                     # loudest frame of its source (onsets in meta.json)
FRAME = 441          # 10 ms at 44.1 kHz


# --------------------------------------------------------------------------
# Minimal Standard MIDI File writer (format 0, one track)
# --------------------------------------------------------------------------

def _vlq(n):
    """MIDI variable-length quantity."""
    n = int(n)
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    return bytes(reversed(out))


def write_smf(path, notes, program, bpm, channel=0, ppq=480, end_beats=None):
    """notes: list of (start_beat, dur_beats, pitch, velocity)."""
    ev = []  # (tick, order, bytes); note-offs (order 0) before note-ons (1)
    for start, dur, pitch, vel in notes:
        t0 = int(round(start * ppq))
        t1 = int(round((start + dur) * ppq))
        if t1 <= t0:
            t1 = t0 + 1
        ev.append((t0, 1, bytes([0x90 | channel, pitch, vel])))
        ev.append((t1, 0, bytes([0x80 | channel, pitch, 0])))
    ev.sort(key=lambda e: (e[0], e[1]))
    tempo = int(round(60e6 / bpm))
    trk = bytearray()
    trk += _vlq(0) + b"\xff\x51\x03" + tempo.to_bytes(3, "big")
    trk += _vlq(0) + bytes([0xC0 | channel, program])
    trk += _vlq(0) + bytes([0xB0 | channel, 7, 100])    # channel volume
    trk += _vlq(0) + bytes([0xB0 | channel, 10, 64])    # pan centre
    now = 0
    for tick, _, data in ev:
        trk += _vlq(tick - now) + data
        now = tick
    if end_beats is not None:
        end_tick = int(round(end_beats * ppq))
        if end_tick > now:
            trk += _vlq(end_tick - now) + bytes([0xB0 | channel, 123, 0])
            now = end_tick
    trk += _vlq(0) + b"\xff\x2f\x00"
    hdr = b"MThd" + struct.pack(">IHHH", 6, 0, 1, ppq)
    with open(path, "wb") as f:
        f.write(hdr + b"MTrk" + struct.pack(">I", len(trk)) + bytes(trk))


# --------------------------------------------------------------------------
# Melody generation
# --------------------------------------------------------------------------

SCALES = {
    "major": [0, 2, 4, 5, 7, 9, 11],
    "minor": [0, 2, 3, 5, 7, 8, 10],
    "dorian": [0, 2, 3, 5, 7, 9, 10],
    "mixolydian": [0, 2, 4, 5, 7, 9, 10],
}

# GM program (0-based), pitch range, rhythm vocabulary (beats), style
INSTRUMENTS = {
    "piano":    dict(program=0,  lo=55, hi=84, durs=[0.5, 0.5, 1, 1, 1.5, 2], style="piano"),
    "marimba":  dict(program=12, lo=60, hi=91, durs=[0.25, 0.25, 0.5, 0.5, 0.5, 1], style="mallet"),
    "bass":     dict(program=32, lo=28, hi=52, durs=[0.5, 1, 1, 1, 2], style="bass"),
    "violin":   dict(program=40, lo=55, hi=88, durs=[0.5, 1, 1, 1.5, 2, 3], style="legato"),
    "cello":    dict(program=42, lo=36, hi=64, durs=[1, 1, 1.5, 2, 3], style="legato"),
    "trumpet":  dict(program=56, lo=55, hi=79, durs=[0.5, 0.5, 1, 1, 1.5, 2], style="detached"),
    "clarinet": dict(program=71, lo=50, hi=82, durs=[0.5, 1, 1, 1.5, 2], style="legato"),
    "flute":    dict(program=73, lo=60, hi=93, durs=[0.25, 0.5, 0.5, 1, 1, 1.5, 2], style="legato"),
    # only in the held-out set
    "vibraphone": dict(program=11, lo=53, hi=89, durs=[0.5, 0.5, 1, 1, 1.5], style="mallet"),
    "guitar":   dict(program=24, lo=40, hi=76, durs=[0.5, 0.5, 1, 1, 1.5, 2], style="mallet"),
    "trombone": dict(program=57, lo=40, hi=72, durs=[0.5, 1, 1, 1.5, 2], style="detached"),
    "alto_sax": dict(program=65, lo=49, hi=81, durs=[0.5, 0.5, 1, 1, 1.5, 2], style="legato"),
    "oboe":     dict(program=68, lo=58, hi=91, durs=[0.5, 1, 1, 1.5, 2], style="legato"),
    "bassoon":  dict(program=70, lo=34, hi=72, durs=[0.5, 1, 1, 1.5, 2], style="detached"),
    # corpus version 2: three more for the main set ...
    "harpsichord": dict(program=6, lo=53, hi=84, durs=[0.25, 0.5, 0.5, 1, 1], style="mallet"),
    "viola":    dict(program=41, lo=48, hi=79, durs=[0.5, 1, 1, 1.5, 2, 3], style="legato"),
    "horn":     dict(program=60, lo=41, hi=72, durs=[0.5, 1, 1, 1.5, 2], style="legato"),
    # ... and five more for the held-out set
    "xylophone": dict(program=13, lo=65, hi=96, durs=[0.25, 0.25, 0.5, 0.5, 1], style="mallet"),
    "accordion": dict(program=21, lo=53, hi=81, durs=[0.5, 1, 1, 1.5, 2], style="legato"),
    "harp":     dict(program=46, lo=48, hi=88, durs=[0.5, 0.5, 1, 1, 1.5], style="mallet"),
    "tuba":     dict(program=58, lo=28, hi=55, durs=[0.5, 1, 1, 1.5, 2], style="detached"),
    "english_horn": dict(program=69, lo=52, hi=81, durs=[0.5, 1, 1, 1.5, 2], style="legato"),
}


def scale_pitches(root, mode, lo, hi):
    pcs = set((root + s) % 12 for s in SCALES[mode])
    return [p for p in range(lo, hi + 1) if p % 12 in pcs]


def melody(rng, inst, root, mode, total_beats):
    """A melodic line: random walk on the scale with rhythm, rests, phrases."""
    info = INSTRUMENTS[inst]
    pitches = scale_pitches(root, mode, info["lo"], info["hi"])
    n = len(pitches)
    idx = int(rng.integers(n // 3, 2 * n // 3))
    notes = []
    t = 0.0
    phrase_left = int(rng.integers(5, 10))
    while t < total_beats:
        d = float(rng.choice(info["durs"]))
        if phrase_left == 0:          # breath / rest between phrases
            t += float(rng.choice([0.5, 1.0, 1.5]))
            phrase_left = int(rng.integers(5, 10))
            continue
        step = int(rng.choice([-3, -2, -1, -1, 1, 1, 2, 3, 0, 4, -4]))
        idx = int(np.clip(idx + step, 0, n - 1))
        if idx in (0, n - 1):
            idx = int(np.clip(idx - np.sign(step) * 2, 0, n - 1))
        vel = int(np.clip(rng.normal(90, 12), 50, 120))
        style = info["style"]
        if style == "detached":
            gate = 0.8
        elif style == "mallet":
            gate = 1.0
        elif style == "bass":
            gate = 0.9
        else:
            gate = 0.98
        if t + d > total_beats:
            d = total_beats - t
        notes.append((t, d * gate, pitches[idx], vel))
        if style == "piano" and rng.random() < 0.5:
            # left hand: a lower chord tone an octave-and-something below
            low = pitches[idx] - int(rng.choice([12, 15, 16, 19]))
            if low >= 36:
                notes.append((t, d * gate, low, max(40, vel - 20)))
        t += d
        phrase_left -= 1
    return notes


def render_midi(notes, program, bpm, seconds, tmpdir, tag):
    mid = os.path.join(tmpdir, tag + ".mid")
    wav = os.path.join(tmpdir, tag + ".wav")
    write_smf(mid, notes, program, bpm, end_beats=(seconds + 0.5) * bpm / 60.0)
    cmd = ["fluidsynth", "-ni", "-q", "-g", "0.5", "-r", str(SR), "-O", "float",
           "-T", "wav", "-F", wav, SF2, mid]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    x = read_wav(wav, expect_sr=SR)
    return fit_length(x, int(round(seconds * SR)))


# --------------------------------------------------------------------------
# Speech
# --------------------------------------------------------------------------

# Public-domain texts.  Mixture and training clips never share a sentence.
TEXTS = {
    "en_a": ("The North Wind and the Sun were disputing which was the stronger, "
             "when a traveler came along wrapped in a warm cloak. They agreed that "
             "the one who first succeeded in making the traveler take his cloak off "
             "should be considered stronger than the other. Then the North Wind blew "
             "as hard as he could, but the more he blew the more closely did the "
             "traveler fold his cloak around him; and at last the North Wind gave up "
             "the attempt. Then the Sun shined out warmly, and immediately the "
             "traveler took off his cloak. And so the North Wind was obliged to "
             "confess that the Sun was the stronger of the two."),
    "en_b": ("Four score and seven years ago our fathers brought forth on this "
             "continent a new nation, conceived in liberty, and dedicated to the "
             "proposition that all men are created equal. Now we are engaged in a "
             "great civil war, testing whether that nation, or any nation so "
             "conceived and so dedicated, can long endure. We are met on a great "
             "battlefield of that war. We have come to dedicate a portion of that "
             "field, as a final resting place for those who here gave their lives "
             "that that nation might live."),
    "en_c": ("A crow, half dead with thirst, came upon a pitcher which had once "
             "been full of water; but when the crow put its beak into the mouth of "
             "the pitcher he found that only very little water was left in it, and "
             "that he could not reach far enough down to get at it. He tried, and he "
             "tried, but at last had to give up in despair. Then a thought came to "
             "him, and he took a pebble and dropped it into the pitcher. Then he "
             "took another pebble and dropped it into the pitcher. At last, at "
             "last, he saw the water mount up near him, and after casting in a few "
             "more pebbles he was able to quench his thirst and save his life. "
             "Little by little does the trick."),
    "en_d": ("A hare one day ridiculed the short feet and slow pace of the "
             "tortoise, who replied, laughing: though you be swift as the wind, I "
             "will beat you in a race. The hare, believing her assertion to be "
             "simply impossible, assented to the proposal; and they agreed that the "
             "fox should choose the course and fix the goal. On the day appointed "
             "for the race the two started together. The tortoise never for a "
             "moment stopped, but went on with a slow but steady pace straight to "
             "the end of the course. Slow but steady wins the race."),
    "de_a": ("Einst stritten sich Nordwind und Sonne, wer von ihnen beiden wohl "
             "der Stärkere wäre, als ein Wanderer, der in einen warmen Mantel "
             "gehüllt war, des Weges daherkam. Sie wurden einig, dass derjenige "
             "für den Stärkeren gelten sollte, der den Wanderer zwingen würde, "
             "seinen Mantel abzunehmen. Der Nordwind blies mit aller Macht, aber "
             "je mehr er blies, desto fester hüllte sich der Wanderer in seinen "
             "Mantel ein. Endlich gab der Nordwind den Kampf auf. Nun erwärmte die "
             "Sonne die Luft mit ihren freundlichen Strahlen, und schon nach wenigen "
             "Augenblicken zog der Wanderer seinen Mantel aus. Da musste der "
             "Nordwind zugeben, dass die Sonne von ihnen beiden der Stärkere war."),
    "de_b": ("Alle Menschen sind frei und gleich an Würde und Rechten geboren. Sie "
             "sind mit Vernunft und Gewissen begabt und sollen einander im Geist "
             "der Brüderlichkeit begegnen. Jeder hat Anspruch auf die in dieser "
             "Erklärung verkündeten Rechte und Freiheiten, ohne irgendeinen "
             "Unterschied, etwa nach Rasse, Hautfarbe, Geschlecht, Sprache, "
             "Religion, politischer oder sonstiger Überzeugung, nationaler oder "
             "sozialer Herkunft, Vermögen, Geburt oder sonstigem Stand. Jeder hat "
             "das Recht auf Leben, Freiheit und Sicherheit der Person."),
    "fr_a": ("La bise et le soleil se disputaient, chacun assurant qu'il était le "
             "plus fort, quand ils ont vu un voyageur qui s'avançait, enveloppé "
             "dans son manteau. Ils sont tombés d'accord que celui qui arriverait "
             "le premier à faire ôter son manteau au voyageur serait regardé comme "
             "le plus fort. Alors, la bise s'est mise à souffler de toute sa force "
             "mais plus elle soufflait, plus le voyageur serrait son manteau autour "
             "de lui. Finalement, elle renonça à le lui faire ôter. Alors le soleil "
             "commença à briller et au bout d'un moment le voyageur, réchauffé, ôta "
             "son manteau. Ainsi, la bise dut reconnaître que le soleil était le "
             "plus fort des deux."),
    "fr_b": ("Tous les êtres humains naissent libres et égaux en dignité et en "
             "droits. Ils sont doués de raison et de conscience et doivent agir les "
             "uns envers les autres dans un esprit de fraternité. Chacun peut se "
             "prévaloir de tous les droits et de toutes les libertés proclamés dans "
             "la présente Déclaration, sans distinction aucune, notamment de race, "
             "de couleur, de sexe, de langue, de religion, d'opinion politique ou "
             "de toute autre opinion, d'origine nationale ou sociale, de fortune, "
             "de naissance ou de toute autre situation."),
    # UDHR articles 1-4 (held-out set)
    "es_a": ("Todos los seres humanos nacen libres e iguales en dignidad y "
             "derechos y, dotados como están de razón y conciencia, deben "
             "comportarse fraternalmente los unos con los otros. Toda persona "
             "tiene todos los derechos y libertades proclamados en esta "
             "Declaración, sin distinción alguna de raza, color, sexo, idioma, "
             "religión, opinión política o de cualquier otra índole, origen "
             "nacional o social, posición económica, nacimiento o cualquier otra "
             "condición. Todo individuo tiene derecho a la vida, a la libertad y a "
             "la seguridad de su persona. Nadie estará sometido a esclavitud ni a "
             "servidumbre; la esclavitud y la trata de esclavos están prohibidas "
             "en todas sus formas."),
    "it_a": ("Tutti gli esseri umani nascono liberi ed eguali in dignità e "
             "diritti. Essi sono dotati di ragione e di coscienza e devono agire "
             "gli uni verso gli altri in spirito di fratellanza. Ad ogni individuo "
             "spettano tutti i diritti e tutte le libertà enunciate nella presente "
             "Dichiarazione, senza distinzione alcuna, per ragioni di razza, di "
             "colore, di sesso, di lingua, di religione, di opinione politica o di "
             "altro genere, di origine nazionale o sociale, di ricchezza, di "
             "nascita o di altra condizione. Ogni individuo ha diritto alla vita, "
             "alla libertà ed alla sicurezza della propria persona. Nessun "
             "individuo potrà essere tenuto in stato di schiavitù o di servitù."),
    # corpus version 2.  English: Aesop's fables, retold after the public-domain
    # translations (Townsend 1867, Jones 1912); e-h for the main set, i-j for
    # the held-out set.  The others: "The North Wind and the Sun" (the IPA's
    # illustration text) and UDHR articles 1-4.
    "en_e": ("A hungry fox saw some fine bunches of grapes hanging from a vine "
             "that was trained along a high trellis, and did his best to reach "
             "them by jumping as high as he could into the air. But it was all in "
             "vain, for they were just out of reach: so he gave up trying, and "
             "walked away with an air of dignity and unconcern, remarking, I "
             "thought those grapes were ripe, but I see now they are quite sour. "
             "A lion was asleep in his den one day, when a mischievous mouse ran "
             "across his outstretched paw and up the royal nose of the king of "
             "beasts, and woke him from his nap. The mighty beast clapped his paw "
             "upon the frightened little creature and would have made an end of "
             "him, had the mouse not begged so hard for mercy."),
    "en_f": ("In a field one summer's day a grasshopper was hopping about, "
             "chirping and singing to its heart's content. An ant passed by, "
             "bearing along with great toil an ear of corn he was taking to the "
             "nest. Why not come and chat with me, said the grasshopper, instead "
             "of toiling and moiling in that way? I am helping to lay up food for "
             "the winter, said the ant, and I recommend you to do the same. Why "
             "bother about winter? said the grasshopper; we have got plenty of "
             "food at present. But the ant went on its way and continued its "
             "toil. When the winter came the grasshopper had no food, and found "
             "itself dying of hunger, while it saw the ants handing out corn and "
             "grain every day from the stores they had collected in the summer."),
    "en_g": ("There was once a young shepherd boy who tended his sheep at the "
             "foot of a mountain near a dark forest. It was rather lonely for him "
             "all day, so he thought upon a plan by which he could get a little "
             "company and some excitement. He rushed down towards the village "
             "calling out Wolf, Wolf, and the villagers came out to meet him, and "
             "some of them stopped with him for a considerable time. This pleased "
             "the boy so much that a few days afterwards he tried the same trick, "
             "and again the villagers came to his help. But shortly after this a "
             "wolf actually did come out from the forest, and the boy cried out "
             "Wolf, Wolf, still louder than before. This time nobody came."),
    "en_h": ("It happened that a dog had got a piece of meat and was carrying it "
             "home in his mouth to eat it in peace. Now on his way home he had to "
             "cross a plank lying across a running brook. As he crossed, he "
             "looked down and saw his own shadow reflected in the water beneath. "
             "Thinking it was another dog with another piece of meat, he made up "
             "his mind to have that also. So he made a snap at the shadow in the "
             "water, but as he opened his mouth the piece of meat fell out, "
             "dropped into the water and was never seen more. A wolf who had been "
             "gorging on an animal he had killed suddenly felt a small bone stick "
             "in his throat, and he could not swallow it."),
    "en_i": ("Now you must know that a town mouse once upon a time went on a "
             "visit to his cousin in the country. He was rough and ready, this "
             "cousin, but he loved his town friend and made him heartily welcome. "
             "Beans and bacon, cheese and bread, were all he had to offer, but he "
             "offered them freely. The town mouse rather turned up his long nose "
             "at this country fare, and said: I cannot understand, cousin, how "
             "you can put up with such poor food as this, but of course you "
             "cannot expect anything better in the country; come with me and I "
             "will show you how to live. When you have been in town a week you "
             "will wonder how you could ever have stood a country life."),
    "en_j": ("Patty the milkmaid was going to market carrying her milk in a pail "
             "on her head. As she went along she began calculating what she "
             "would do with the money she would get for the milk. I will buy "
             "some fowls from farmer Brown, said she, and they will lay eggs each "
             "morning, which I will sell to the parson's wife. With the money "
             "that I get from the sale of these eggs I will buy myself a new "
             "frock and a hat; and when I go to market, will not all the young "
             "men come up and speak to me! But as she tossed her head proudly, "
             "the pail fell off it, and all the milk was spilt. So she had to go "
             "home and tell her mother what had happened."),
    "nl_a": ("De noordenwind en de zon waren erover aan het redetwisten wie de "
             "sterkste was van hun beiden. Juist op dat moment kwam er een "
             "reiziger aan, die gehuld was in een warme winterjas. Ze kwamen "
             "overeen dat degene die het eerst erin zou slagen de reiziger zijn "
             "jas te doen uittrekken de sterkste zou worden geacht. De noordenwind "
             "begon uit alle macht te blazen, maar hoe harder hij blies, des te "
             "dichter trok de reiziger zijn jas om zich heen; en ten lange leste "
             "gaf de noordenwind het op. Daarna begon de zon krachtig te stralen, "
             "en hierop trok de reiziger onmiddellijk zijn jas uit. De noordenwind "
             "moest dus wel bekennen dat de zon van hun beiden de sterkste was."),
    "nl_b": ("Alle mensen worden vrij en gelijk in waardigheid en rechten "
             "geboren. Zij zijn begiftigd met verstand en geweten, en behoren "
             "zich jegens elkander in een geest van broederschap te gedragen. "
             "Een ieder heeft aanspraak op alle rechten en vrijheden, in deze "
             "Verklaring opgesomd, zonder enig onderscheid van welke aard ook, "
             "zoals ras, kleur, geslacht, taal, godsdienst, politieke of andere "
             "overtuiging, nationale of maatschappelijke afkomst, eigendom, "
             "geboorte of andere status. Een ieder heeft het recht op leven, "
             "vrijheid en onschendbaarheid van zijn persoon. Niemand zal in "
             "slavernij of horigheid gehouden worden."),
    "pt_a": ("Todos os seres humanos nascem livres e iguais em dignidade e em "
             "direitos. Dotados de razão e de consciência, devem agir uns para "
             "com os outros em espírito de fraternidade. Todos os seres humanos "
             "podem invocar os direitos e as liberdades proclamados na presente "
             "Declaração, sem distinção alguma, nomeadamente de raça, de cor, de "
             "sexo, de língua, de religião, de opinião política ou outra, de "
             "origem nacional ou social, de fortuna, de nascimento ou de qualquer "
             "outra situação. Todo o indivíduo tem direito à vida, à liberdade e "
             "à segurança pessoal. Ninguém será mantido em escravatura ou em "
             "servidão."),
    "pt_b": ("O vento norte e o sol discutiam qual dos dois era o mais forte, "
             "quando passou um viajante envolto numa capa. Ao vê-lo, põem-se de "
             "acordo em como aquele que primeiro conseguisse obrigar o viajante "
             "a tirar a capa seria considerado o mais forte. O vento norte "
             "começou a soprar com muita fúria, mas quanto mais soprava, mais o "
             "viajante se aconchegava à sua capa, até que o vento norte desistiu. "
             "O sol brilhou então com todo o esplendor, e imediatamente o "
             "viajante tirou a capa. E o vento norte teve assim de reconhecer a "
             "superioridade do sol."),
    "pl_a": ("Wszyscy ludzie rodzą się wolni i równi pod względem swej godności "
             "i swych praw. Są oni obdarzeni rozumem i sumieniem i powinni "
             "postępować wobec innych w duchu braterstwa. Każdy człowiek posiada "
             "wszystkie prawa i wolności zawarte w niniejszej Deklaracji bez "
             "względu na jakiekolwiek różnice rasy, koloru skóry, płci, języka, "
             "wyznania, poglądów politycznych i innych, narodowości, pochodzenia "
             "społecznego, majątku, urodzenia lub jakiegokolwiek innego stanu. "
             "Każdy człowiek ma prawo do życia, wolności i bezpieczeństwa swej "
             "osoby. Nikt nie może być trzymany w niewoli lub poddaństwie."),
    "pl_b": ("Północny wiatr i słońce sprzeczali się, kto z nich jest "
             "silniejszy, gdy zobaczyli wędrowca otulonego w ciepły płaszcz. "
             "Uzgodnili, że ten, kto pierwszy zmusi wędrowca do zdjęcia płaszcza, "
             "zostanie uznany za silniejszego. Wtedy północny wiatr zaczął dąć z "
             "całej siły, ale im mocniej dął, tym szczelniej wędrowiec otulał się "
             "płaszczem. W końcu północny wiatr zaniechał swych wysiłków. Wtedy "
             "słońce zaczęło przygrzewać i po chwili wędrowiec zdjął płaszcz. Tak "
             "więc północny wiatr musiał przyznać, że słońce jest silniejsze od "
             "niego."),
    "es_b": ("El viento del norte y el sol discutían sobre cuál de ellos era el "
             "más fuerte, cuando pasó un viajero envuelto en una capa. "
             "Convinieron en que quien antes lograra obligar al viajero a "
             "quitarse la capa sería considerado más poderoso. El viento del "
             "norte sopló con gran furia, pero cuanto más soplaba, más se "
             "arrebujaba en su capa el viajero; por fin el viento del norte "
             "abandonó la empresa. Entonces brilló el sol con ardor, e "
             "inmediatamente se despojó de su capa el viajero; por lo que el "
             "viento del norte hubo de reconocer la superioridad del sol."),
    "it_b": ("Si bisticciavano un giorno il vento di tramontana e il sole, l'uno "
             "pretendendo d'esser più forte dell'altro, quando videro un "
             "viaggiatore che veniva innanzi, avvolto nel mantello. I due "
             "litiganti convennero allora che si sarebbe ritenuto più forte chi "
             "fosse riuscito a far sì che il viaggiatore si togliesse il mantello "
             "di dosso. Il vento di tramontana cominciò a soffiare con violenza; "
             "ma più soffiava, più il viaggiatore si stringeva nel mantello; tanto "
             "che alla fine il povero vento dovette desistere dal suo proposito. "
             "Il sole allora si mostrò nel cielo, e poco dopo il viaggiatore, che "
             "sentiva caldo, si tolse il mantello."),
}


def render_speech_full(voice, text_key, tmpdir, tag, speed=160):
    """The whole text read by the voice, at SR."""
    wav = os.path.join(tmpdir, tag + ".wav")
    cmd = ["espeak-ng", "-v", voice, "-s", str(speed), "-w", wav, TEXTS[text_key]]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sr, x = read_wav(wav, return_rate=True)
    if sr != SR:
        g = np.gcd(sr, SR)
        x = scipy.signal.resample_poly(x, SR // g, sr // g).astype(np.float64)
    return x


def render_speech(voice, text_key, seconds, tmpdir, tag, speed=160):
    x = render_speech_full(voice, text_key, tmpdir, tag, speed)
    n = int(round(seconds * SR))
    if len(x) < n:
        raise RuntimeError("speech %s/%s too short: %.1f s < %.1f s"
                           % (voice, text_key, len(x) / SR, seconds))
    return x[:n]


# --------------------------------------------------------------------------
# Entries: when each source sounds (corpus version 2)
# --------------------------------------------------------------------------
# A source's entries are the spans (start, end) in seconds where it plays;
# the mixtures of version 1 have one span, the whole file, for every source.
# Instruments play a melody of their own in each span, from its first beat;
# speech continues its text in each span from the next phrase, starting at
# the span's first sample with its first sounding 10 ms frame.

QUIET_RUN = 10        # frames (100 ms) of quiet that make a pause in speech


def frame_db(x):
    """RMS of every 10 ms frame, in dB relative to the loudest frame."""
    n = len(x) // FRAME
    r = np.sqrt(np.mean(np.square(x[:n * FRAME].reshape(n, FRAME)), axis=1))
    return 20 * np.log10(np.maximum(r, 1e-12) / max(float(r.max()), 1e-12))


def first_sounding_frame(db, start):
    for i in range(start, len(db)):
        if db[i] > ONSET_DB:
            return i
    return None


def next_pause(db, start):
    """First frame at or after `start` that ends QUIET_RUN quiet frames."""
    run = 0
    for i in range(start, len(db)):
        run = run + 1 if db[i] <= ONSET_DB else 0
        if run >= QUIET_RUN:
            return i
    return None


def speech_in_spans(x, spans, who):
    """Place the speech x (read from the start) in the spans: each span
    starts with the next phrase's first sounding frame (after a pause, from
    the second span on) and ends at its last pause within 1.5 s of the
    span's end (or is faded out over 20 ms when it has none); a span that
    ends with the file is not cut."""
    out = np.zeros(int(round(DUR * SR)))
    db = frame_db(x)
    cursor = 0                         # frame index in x
    at_pause = True                    # the text's start counts as one
    for a, b in spans:
        if not at_pause:
            p = next_pause(db, cursor)
            if p is None:
                raise RuntimeError("speech %s: no pause after %.1f s" % (who, cursor * FRAME / SR))
            cursor = p
        f0 = first_sounding_frame(db, cursor)
        if f0 is None:
            raise RuntimeError("speech %s: text ends at %.1f s" % (who, cursor * FRAME / SR))
        i0, n = int(round(a * SR)), int(round((b - a) * SR))
        piece = x[f0 * FRAME:f0 * FRAME + n].copy()
        if len(piece) < n:
            raise RuntimeError("speech %s too short for span %.1f-%.1f s" % (who, a, b))
        used, at_pause = n, False
        if b < DUR:
            pdb = db[f0:f0 + n // FRAME]       # same reference as the whole text
            cut, run = None, 0
            for i in range(len(pdb)):
                run = run + 1 if pdb[i] <= ONSET_DB else 0
                if run >= QUIET_RUN and i * FRAME >= n - int(1.5 * SR):
                    cut = (i - run + 3) * FRAME    # the last such pause wins
            if cut is not None and cut < n:
                piece[cut:] = 0.0
                used, at_pause = cut, True
            else:
                fade = int(0.02 * SR)
                piece[n - fade:] *= np.linspace(1.0, 0.0, fade)
        out[i0:i0 + n] += piece
        cursor = f0 + used // FRAME
    return out


def melody_in_spans(rng, inst, spec, spans):
    """Notes of a melody played in every span (beats from the file start)."""
    bpm = spec["bpm"]
    notes = []
    for a, b in spans:
        beats = ((b - a) - (0.3 if b >= DUR else 0.0)) * bpm / 60.0
        off = a * bpm / 60.0
        notes += [(t + off, d, p, v) for t, d, p, v in
                  melody(rng, inst, spec["key"], spec["mode"], beats)]
    return notes


def onsets(x):
    """Where the source starts to sound after at least 0.5 s of quiet (and at
    its first sounding frame), in seconds, from 10 ms frames."""
    db = frame_db(x)
    out, quiet = [], 10 ** 9
    for i, v in enumerate(db):
        if v > ONSET_DB:
            if quiet >= 50:
                out.append(round(i * FRAME / SR, 2))
            quiet = 0
        else:
            quiet += 1
    return out


# --------------------------------------------------------------------------
# WAV helpers
# --------------------------------------------------------------------------

def read_wav(path, expect_sr=None, return_rate=False):
    with warnings.catch_warnings():
        # fluidsynth (libsndfile) writes a PEAK chunk scipy does not parse
        warnings.simplefilter("ignore", scipy.io.wavfile.WavFileWarning)
        sr, x = scipy.io.wavfile.read(path)
    if expect_sr is not None and sr != expect_sr:
        raise RuntimeError("%s: rate %d, expected %d" % (path, sr, expect_sr))
    if x.dtype == np.int16:
        x = x / 32768.0
    elif x.dtype == np.int32:
        x = x / 2147483648.0
    elif x.dtype == np.uint8:
        x = (x - 128.0) / 128.0
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        x = x.mean(axis=1)
    return (sr, x) if return_rate else x


def fit_length(x, n):
    if len(x) >= n:
        return x[:n]
    return np.concatenate([x, np.zeros(n - len(x))])


def write_wav(path, x):
    scipy.io.wavfile.write(path, SR, np.asarray(x, dtype=np.float32))


def rms(x):
    return float(np.sqrt(np.mean(np.square(x))))


# --------------------------------------------------------------------------
# Corpus definition
# --------------------------------------------------------------------------
# Each source: ("inst", name) or ("speech", voice, mix_text, train_text).
# Music in one mixture shares key and tempo (as in real ensembles); the
# training clip of an instrument uses another seed, key, mode and tempo.

MIXTURES = [
    dict(name="m1_piano_violin", key=62, mode="major", bpm=104, seed=11,
         sources=[("inst", "piano"), ("inst", "violin")]),
    dict(name="m2_flute_bass", key=57, mode="dorian", bpm=112, seed=12,
         sources=[("inst", "flute"), ("inst", "bass")]),
    dict(name="m3_trumpet_clarinet_marimba", key=65, mode="mixolydian", bpm=96, seed=13,
         sources=[("inst", "trumpet"), ("inst", "clarinet"), ("inst", "marimba")]),
    dict(name="m4_speech_en_piano", key=60, mode="minor", bpm=90, seed=14,
         sources=[("speech", "en-us", "en_a", "en_b"), ("inst", "piano")]),
    dict(name="m5_speech_en_male_female", key=None, mode=None, bpm=None, seed=15,
         sources=[("speech", "en-us", "en_c", "en_b"),
                  ("speech", "en+f3", "en_d", "en_a")]),
    dict(name="m6_speech_de_cello_flute", key=67, mode="major", bpm=100, seed=16,
         sources=[("speech", "de", "de_a", "de_b"), ("inst", "cello"), ("inst", "flute")]),
    dict(name="m7_speech_fr_speech_en_f_violin", key=64, mode="minor", bpm=84, seed=17,
         sources=[("speech", "fr", "fr_a", "fr_b"), ("speech", "en+f3", "en_b", "en_c"),
                  ("inst", "violin")]),
]

# A second set, for choosing settings on material they were not tuned on:
# other instruments, voices and pairings, same construction.  Built with
# make_corpus.py --set heldout (tests/bench/quality/run.sh --set heldout).
MIXTURES_HELDOUT = [
    dict(name="h1_guitar_clarinet", key=64, mode="minor", bpm=98, seed=21,
         sources=[("inst", "guitar"), ("inst", "clarinet")]),
    dict(name="h2_oboe_cello", key=62, mode="dorian", bpm=88, seed=22,
         sources=[("inst", "oboe"), ("inst", "cello")]),
    dict(name="h3_alto_sax_piano_bass", key=58, mode="mixolydian", bpm=108, seed=23,
         sources=[("inst", "alto_sax"), ("inst", "piano"), ("inst", "bass")]),
    dict(name="h4_speech_en_gb_guitar", key=67, mode="major", bpm=92, seed=24,
         sources=[("speech", "en-gb+m3", "en_d", "en_c"), ("inst", "guitar")]),
    dict(name="h5_speech_en_f_de_m", key=None, mode=None, bpm=None, seed=25,
         sources=[("speech", "en-us+f2", "en_a", "en_d"),
                  ("speech", "de+m1", "de_b", "de_a")]),
    dict(name="h6_speech_es_vibraphone_bassoon", key=60, mode="major", bpm=102, seed=26,
         sources=[("speech", "es", "es_a", "en_a"), ("inst", "vibraphone"),
                  ("inst", "bassoon")]),
    dict(name="h7_trombone_flute", key=65, mode="major", bpm=116, seed=27,
         sources=[("inst", "trombone"), ("inst", "flute")]),
    dict(name="h8_speech_it_violin_marimba", key=69, mode="minor", bpm=94, seed=28,
         sources=[("speech", "it+f4", "it_a", "fr_a"), ("inst", "violin"),
                  ("inst", "marimba")]),
]

# Corpus version 2 (issue 24): more mixtures in both sets, so that a choice
# can be made on one set and checked on the other.  Every new mixture has
# sources that start together (all at 0 s, a common pause, all again at
# 11 s: "together") or one after the other ("apart": entries at least 3.5 s
# apart, some sources leave before the end).  The held-out additions use
# only instruments, voices and texts the main set does not.
TOGETHER = [(0.0, 9.0), (11.0, DUR)]

MIXTURES += [
    dict(name="m8_marimba_cello", key=62, mode="minor", bpm=100, seed=31, onset="apart",
         sources=[("inst", "marimba"), ("inst", "cello")],
         entries=[[(0.0, DUR)], [(5.0, DUR)]]),
    dict(name="m9_harpsichord_horn_bass", key=67, mode="mixolydian", bpm=108, seed=32,
         onset="together",
         sources=[("inst", "harpsichord"), ("inst", "horn"), ("inst", "bass")],
         entries=[TOGETHER] * 3),
    dict(name="m10_speech_en_sc_trumpet", key=58, mode="major", bpm=96, seed=33, onset="apart",
         sources=[("speech", "en-gb-scotland", "en_e", "en_f"), ("inst", "trumpet")],
         entries=[[(4.0, DUR)], [(0.0, 15.0)]]),
    dict(name="m11_speech_nl_clarinet", key=65, mode="dorian", bpm=88, seed=34,
         onset="together",
         sources=[("speech", "nl", "nl_a", "nl_b"), ("inst", "clarinet")],
         entries=[TOGETHER] * 2),
    dict(name="m12_speech_de_speech_en_f", key=None, mode=None, bpm=None, seed=35,
         onset="apart",
         sources=[("speech", "de", "de_b", "de_a"), ("speech", "en+f3", "en_g", "en_e")],
         entries=[[(0.0, 16.0)], [(6.0, DUR)]]),
    dict(name="m13_speech_fr_speech_en_sc", key=None, mode=None, bpm=None, seed=36,
         onset="together",
         sources=[("speech", "fr", "fr_b", "fr_a"),
                  ("speech", "en-gb-scotland", "en_h", "en_g")],
         entries=[TOGETHER] * 2),
    dict(name="m14_speech_en_viola_piano", key=60, mode="major", bpm=104, seed=37,
         onset="apart",
         sources=[("speech", "en-us", "en_f", "en_h"), ("inst", "viola"), ("inst", "piano")],
         entries=[[(8.0, DUR)], [(3.5, 18.0)], [(0.0, DUR)]]),
    dict(name="m15_flute_horn_cello", key=63, mode="major", bpm=92, seed=38, onset="apart",
         sources=[("inst", "flute"), ("inst", "horn"), ("inst", "cello")],
         entries=[[(9.0, DUR)], [(4.0, DUR)], [(0.0, DUR)]]),
    dict(name="m16_violin_bass", key=69, mode="dorian", bpm=112, seed=39, onset="apart",
         sources=[("inst", "violin"), ("inst", "bass")],
         entries=[[(6.0, DUR)], [(0.0, 17.0)]]),
]

MIXTURES_HELDOUT += [
    dict(name="h9_harp_bassoon", key=64, mode="major", bpm=96, seed=41, onset="apart",
         sources=[("inst", "harp"), ("inst", "bassoon")],
         entries=[[(0.0, DUR)], [(5.0, DUR)]]),
    dict(name="h10_accordion_tuba_xylophone", key=62, mode="major", bpm=110, seed=42,
         onset="together",
         sources=[("inst", "accordion"), ("inst", "tuba"), ("inst", "xylophone")],
         entries=[TOGETHER] * 3),
    dict(name="h11_speech_pt_trombone", key=60, mode="mixolydian", bpm=90, seed=43,
         onset="apart",
         sources=[("speech", "pt", "pt_a", "pt_b"), ("inst", "trombone")],
         entries=[[(4.0, DUR)], [(0.0, 15.0)]]),
    dict(name="h12_speech_pl_f_oboe", key=67, mode="minor", bpm=84, seed=44, onset="together",
         sources=[("speech", "pl+f2", "pl_a", "pl_b"), ("inst", "oboe")],
         entries=[TOGETHER] * 2),
    dict(name="h13_speech_es_speech_en_029", key=None, mode=None, bpm=None, seed=45,
         onset="apart",
         sources=[("speech", "es", "es_b", "es_a"), ("speech", "en-029", "en_i", "en_j")],
         entries=[[(0.0, 16.0)], [(6.0, DUR)]]),
    dict(name="h14_speech_it_f_speech_pt_f", key=None, mode=None, bpm=None, seed=46,
         onset="together",
         sources=[("speech", "it+f4", "it_b", "it_a"), ("speech", "pt+f3", "pt_b", "pt_a")],
         entries=[TOGETHER] * 2),
    dict(name="h15_speech_pl_alto_sax_guitar", key=57, mode="dorian", bpm=100, seed=47,
         onset="apart",
         sources=[("speech", "pl", "pl_b", "pl_a"), ("inst", "alto_sax"), ("inst", "guitar")],
         entries=[[(8.0, DUR)], [(3.5, 18.0)], [(0.0, DUR)]]),
    dict(name="h16_english_horn_vibraphone", key=65, mode="minor", bpm=106, seed=48,
         onset="apart",
         sources=[("inst", "english_horn"), ("inst", "vibraphone")],
         entries=[[(6.0, DUR)], [(0.0, 17.0)]]),
    dict(name="h17_oboe_harp_tuba", key=58, mode="major", bpm=94, seed=49, onset="apart",
         sources=[("inst", "oboe"), ("inst", "harp"), ("inst", "tuba")],
         entries=[[(9.0, DUR)], [(4.0, DUR)], [(0.0, DUR)]]),
]

SETS = {"main": MIXTURES, "heldout": MIXTURES_HELDOUT}


def mixture_tags(n_sources, kinds, onset):
    """The tags the evaluation breaks its means down by."""
    kind = ("speech" if all(k == "speech" for k in kinds) else
            "music" if all(k == "instrument" for k in kinds) else "speech+music")
    return dict(kind=kind, n_sources=n_sources, onset=onset)


def build_mixture(spec, outdir, tmpdir, log):
    d = os.path.join(outdir, spec["name"])
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(spec["seed"])
    n = int(round(DUR * SR))
    srcs, trains, meta = [], [], []
    # version 1 mixtures: every source over the whole file, built as then
    spanned = "entries" in spec
    entries = spec.get("entries", [[(0.0, DUR)]] * len(spec["sources"]))
    for k, s in enumerate(spec["sources"]):
        tag = "%s_%d" % (spec["name"], k)
        if s[0] == "inst":
            inst = s[1]
            prog = INSTRUMENTS[inst]["program"]
            if spanned:
                notes = melody_in_spans(rng, inst, spec, entries[k])
            else:
                beats = (DUR - 0.3) * spec["bpm"] / 60.0
                notes = melody(rng, inst, spec["key"], spec["mode"], beats)
            x = render_midi(notes, prog, spec["bpm"], DUR, tmpdir, tag + "_mix")
            # training clip: different seed, key (+5 semitones), mode, tempo
            trng = np.random.default_rng(1000 + spec["seed"] * 10 + k)
            tkey = (spec["key"] + 5 - 60) % 12 + 60
            tmode = "minor" if spec["mode"] == "major" else "major"
            tbpm = spec["bpm"] + 14
            tnotes = melody(trng, inst, tkey, tmode, (TRAIN_DUR - 0.3) * tbpm / 60.0)
            t = render_midi(tnotes, prog, tbpm, TRAIN_DUR, tmpdir, tag + "_train")
            pitches = sorted(set(p for _, _, p, _ in notes))
            meta.append(dict(kind="instrument", instrument=inst, gm_program=prog,
                             n_notes=len(notes), distinct_pitches=len(pitches),
                             pitch_range=[pitches[0], pitches[-1]], bpm=spec["bpm"],
                             train=dict(n_notes=len(tnotes), bpm=tbpm, key=tkey, mode=tmode)))
        else:
            _, voice, mtext, ttext = s
            if spanned:
                x = speech_in_spans(render_speech_full(voice, mtext, tmpdir, tag + "_mix"),
                                    entries[k], "%s/%s" % (voice, mtext))
            else:
                x = render_speech(voice, mtext, DUR, tmpdir, tag + "_mix")
            t = render_speech(voice, ttext, TRAIN_DUR, tmpdir, tag + "_train")
            meta.append(dict(kind="speech", voice=voice, text=mtext,
                             train=dict(text=ttext)))
        # equal RMS over the spans where each source plays (for version 1,
        # the whole clip)
        active = np.zeros(len(x), dtype=bool)
        for a, b in entries[k]:
            active[int(round(a * SR)):int(round(b * SR))] = True
        if rms(x[active]) <= 0 or rms(t) <= 0:
            raise RuntimeError("silent source in " + tag)
        srcs.append(x / rms(x[active]) * 0.1)
        trains.append(t / rms(t) * 0.1)
    mix = np.sum(srcs, axis=0)
    g = PEAK / np.max(np.abs(mix))
    srcs = [s * g for s in srcs]
    mix = mix * g
    write_wav(os.path.join(d, "mix.wav"), mix)
    for k, (s, t) in enumerate(zip(srcs, trains)):
        write_wav(os.path.join(d, "source_%d.wav" % k), s)
        tp = PEAK / max(np.max(np.abs(t)), 1e-9)
        write_wav(os.path.join(d, "train_%d.wav" % k), t * min(1.0, tp))
    for m, s, e in zip(meta, srcs, entries):
        m["entries"] = [list(span) for span in e]
        m["onsets_s"] = onsets(s)
    # version 1 mixtures: every source starts within the first ~0.1 s
    tags = mixture_tags(len(srcs), [m["kind"] for m in meta], spec.get("onset", "together"))
    info = dict(name=spec["name"], n_sources=len(srcs), sample_rate=SR,
                seconds=DUR, mix_peak=float(np.max(np.abs(mix))),
                source_rms=[rms(s) for s in srcs], tags=tags, sources=meta)
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(info, f, indent=1)
    log("  %-34s %d sources  %-12s %-8s %s" % (
        spec["name"], len(srcs), tags["kind"], tags["onset"],
        ", ".join("%s %s" % (m.get("instrument", m.get("voice", "")), m["onsets_s"])
                  for m in meta)))
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--only", help="comma-separated mixture names")
    ap.add_argument("--set", choices=sorted(SETS), default="main",
                    help="main: the quality table's corpus; heldout: other "
                    "instruments, voices and pairings, for checking settings")
    args = ap.parse_args()
    for tool in ("fluidsynth", "espeak-ng"):
        if shutil.which(tool) is None:
            sys.exit("make_corpus: %s not found (apt-get install %s)" % (tool, tool))
    if not os.path.exists(SF2):
        sys.exit("make_corpus: %s missing (apt-get install fluid-soundfont-gm)" % SF2)
    os.makedirs(args.outdir, exist_ok=True)
    specs = SETS[args.set]
    if args.only:
        want = set(args.only.split(","))
        specs = [m for m in specs if m["name"] in want]
    infos = []
    with tempfile.TemporaryDirectory(prefix="gstnmf-corpus-") as tmp:
        for spec in specs:
            infos.append(build_mixture(spec, args.outdir, tmp, print))
    with open(os.path.join(args.outdir, "corpus.json"), "w") as f:
        json.dump(dict(version=CORPUS_VERSION, set=args.set, sample_rate=SR, seconds=DUR,
                       mixtures=[i["name"] for i in infos],
                       tags={i["name"]: i["tags"] for i in infos}), f, indent=1)


if __name__ == "__main__":
    main()
