"""32-bit float WAV files, as the desk writes them (the monitor capture of
the test mode, the stretch an enrolment from a file learns from)."""
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


def mend_sizes(path):
    """A WAV file whose RIFF and data sizes do not match its length gets
    the right ones: wavenc ending a file that got no sample leaves the
    placeholder (a data chunk of 2147418112 bytes in a 44-byte file).
    Files that are not RIFF WAV, or whose data chunk is not where wavenc
    puts it, are left alone."""
    try:
        with open(path, "r+b") as f:
            head = f.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return
            size = os.fstat(f.fileno()).st_size
            pos = 12
            while pos + 8 <= size:
                f.seek(pos)
                cid, clen = struct.unpack("<4sI", f.read(8))
                if cid == b"data":
                    have = size - pos - 8
                    if clen != have:
                        f.seek(pos + 4)
                        f.write(struct.pack("<I", have))
                        f.seek(4)
                        f.write(struct.pack("<I", size - 8))
                    return
                pos += 8 + clen + (clen & 1)
    except OSError:
        pass
