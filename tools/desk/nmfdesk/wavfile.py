"""32-bit float WAV files, as the desk writes them (the monitor capture of
the test mode, the stretch an enrolment from a file learns from, a take
that got no sample, a take cut to what was heard)."""
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



def trim_wav(path, keep_bytes):
    """Cuts the data of the WAV file at path (wavenc's, or ours) to its
    first keep_bytes, written beside it and put in place whole; returns the
    data's size after (the file untouched when it holds no more)."""
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:4] != b"RIFF" or blob[8:12] != b"WAVE":
        raise ValueError("%s: not a WAV file" % path)
    pos, fmt, data = 12, None, None
    while pos + 8 <= len(blob):
        cid, size = blob[pos:pos + 4], struct.unpack("<I", blob[pos + 4:pos + 8])[0]
        body = blob[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = body
        elif cid == b"data":
            data = body
            break
        pos += 8 + size + (size & 1)
    if fmt is None or data is None:
        raise ValueError("%s: no fmt or data chunk" % path)
    if len(data) <= keep_bytes:
        return len(data)
    channels, rate = struct.unpack("<HI", fmt[2:8])
    write_float_wav(path, data[:max(0, keep_bytes)], rate, channels)
    return max(0, keep_bytes)
