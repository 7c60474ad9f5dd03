#!/usr/bin/python3
"""wav_formats.py OUT RATE CHANNELS FORMAT FRAMES: a WAV file of FORMAT
(u8, s16, s24, s32: PCM; f32, f64: IEEE float) holding a tone and a
gated noise per channel, written as the RIFF specification says: a data
chunk of an odd number of bytes (8-bit or 24-bit audio of an odd frame
count and channel count) is followed by a pad byte, counted in the RIFF
size but not in the data chunk's (sox, ffmpeg and Audacity write them
so)."""
import math
import random
import struct
import sys

out, rate, channels, fmt, frames = (sys.argv[1], int(sys.argv[2]),
                                    int(sys.argv[3]), sys.argv[4],
                                    int(sys.argv[5]))
bits = {"u8": 8, "s16": 16, "s24": 24, "s32": 32, "f32": 32, "f64": 64}[fmt]
rng = random.Random(1)
data = bytearray()
for n in range(frames):
    for c in range(channels):
        gate = 1.0 if (n * 4 // rate) % 2 else 0.2
        v = 0.3 * math.sin(2 * math.pi * 440 * (1 + 0.1 * c) * n / rate) \
            + 0.2 * gate * (rng.random() * 2 - 1)
        if fmt == "u8":
            data += struct.pack("<B", 128 + round(v * 127))
        elif fmt == "s16":
            data += struct.pack("<h", round(v * 32767))
        elif fmt == "s24":
            data += struct.pack("<i", round(v * 8388607))[:3]
        elif fmt == "s32":
            data += struct.pack("<i", round(v * 2147483647))
        else:
            data += struct.pack("<f" if bits == 32 else "<d", v)
block = channels * bits // 8
fmt_chunk = struct.pack("<HHIIHH", 3 if fmt[0] == "f" else 1, channels, rate,
                        rate * block, block, bits)
body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk
        + b"data" + struct.pack("<I", len(data)) + bytes(data)
        + (b"\0" if len(data) % 2 else b""))
with open(out, "wb") as f:
    f.write(b"RIFF" + struct.pack("<I", len(body)) + body)
