#!/usr/bin/python3
"""plain3_wav.py OUT FRAMES: a plain 16-bit PCM WAV of 3 channels at
44.1 kHz (what most tools write for a microphone array: no channel
positions), two tones in the outer channels and silence between."""
import math
import struct
import sys
import wave

out, frames = sys.argv[1], int(sys.argv[2])
w = wave.open(out, "wb")
w.setnchannels(3)
w.setsampwidth(2)
w.setframerate(44100)
w.writeframes(b"".join(struct.pack("<3h", int(8000 * math.sin(i * 0.06)), 0,
                                   int(4000 * math.sin(i * 0.09)))
                       for i in range(frames)))
w.close()
