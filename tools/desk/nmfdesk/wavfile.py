"""32-bit float WAV files, as the desk writes them (the monitor capture of
the test mode, the stretch an enrolment from a file learns from, a take
that got no sample)."""
import os
import struct


def write_float_wav(path, data, rate, channels):
    """Interleaved float32 samples (bytes) to path, written beside it first
    and put in place whole."""
    fmt = struct.pack("<HHIIHH", 3, channels, rate, rate * 4 * channels,
                      4 * channels, 32)
    with open(path + ".part", "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data))
                + b"WAVE")
        f.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt)
        f.write(b"data" + struct.pack("<I", len(data)) + data)
    os.replace(path + ".part", path)

