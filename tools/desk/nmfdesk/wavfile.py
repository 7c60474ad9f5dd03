"""32-bit float WAV files, as the desk writes them (the monitor capture of
the test mode, the stretch an enrolment from a file learns from, a take
that got no sample, a take cut to what was heard, a take whose writing
failed)."""
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


def _data_chunk(f, path):
    """(where the data chunk's header is, its declared size, the file's
    size), reading only the chunk headers of the open WAV file f"""
    head = f.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise ValueError("%s: not a WAV file" % path)
    size = os.fstat(f.fileno()).st_size
    pos = 12
    while pos + 8 <= size:
        f.seek(pos)
        cid, clen = struct.unpack("<4sI", f.read(8))
        if cid == b"data":
            return pos, clen, size
        pos += 8 + clen + (clen & 1)
    raise ValueError("%s: no data chunk" % path)


def has_odd_data_chunk(path):
    """Whether path is a WAV file whose data chunk has an odd size (8- or
    24-bit mono of an odd frame count); False for anything else."""
    try:
        with open(path, "rb") as f:
            return bool(_data_chunk(f, path)[1] & 1)
    except (OSError, ValueError, struct.error):
        return False


def _set_data_size(f, pos, nbytes):
    """The file ends after nbytes of data; the RIFF and data sizes say so."""
    f.truncate(pos + 8 + nbytes)
    f.seek(pos + 4)
    f.write(struct.pack("<I", nbytes))
    f.seek(4)
    f.write(struct.pack("<I", pos + nbytes))


def trim_wav(path, keep_bytes):
    """Cuts the data of the WAV file at path (wavenc's, or ours) to its
    first keep_bytes, in place: the file is truncated after them and its
    RIFF and data sizes set, reading only the chunk headers (a long take is
    cut in the main loop; chunks after the data go with the cut). Returns
    the data's size after (the file untouched when it holds no more)."""
    keep_bytes = max(0, keep_bytes)
    with open(path, "r+b") as f:
        pos, clen, size = _data_chunk(f, path)
        have = min(clen, size - pos - 8)
        if have <= keep_bytes:
            return have
        _set_data_size(f, pos, keep_bytes)
        return keep_bytes


def fit_wav(path, frame_bytes):
    """A complete WAV file whose header may count more data than the file
    holds (wavenc writes the bytes it sent at EOS: a write that failed
    after, as on a full disk, is counted): the sizes are set to the whole
    frames there are when they say more, or none while there is data (a
    header never written again). Returns the data's size."""
    with open(path, "r+b") as f:
        pos, clen, size = _data_chunk(f, path)
        have = size - pos - 8
        if clen <= have and (clen > 0 or have <= 0):
            return clen
        have = have // frame_bytes * frame_bytes
        _set_data_size(f, pos, have)
        return have


def seal_wav(path, frame_bytes):
    """A WAV file whose writing stopped part-way (wavenc's sizes still its
    placeholders): its data chunk is taken to run to the end of the file,
    cut to whole frames, and the RIFF and data sizes are set to that.
    Returns the data's size."""
    with open(path, "r+b") as f:
        pos, _, size = _data_chunk(f, path)
        have = (size - pos - 8) // frame_bytes * frame_bytes
        _set_data_size(f, pos, have)
        return have
