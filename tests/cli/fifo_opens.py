#!/usr/bin/python3
"""fifo_opens.py FIFO CMD...: runs CMD and prints, after it, how many
times the FIFO was opened for reading and closed again meanwhile (inotify
IN_CLOSE_NOWRITE events), then exits with CMD's status.  A reader that opens a
FIFO and closes it before reading leaves a writer blocked on a full pipe
with SIGPIPE; a writer that writes while no one has it open, the same."""
import ctypes
import os
import struct
import subprocess
import sys

IN_CLOSE_NOWRITE = 0x10
IN_OPEN = 0x20      # watched too: inotify merges an event into a like one
                    # just before it, and opens keep the closes apart
IN_NONBLOCK = os.O_NONBLOCK

libc = ctypes.CDLL(None, use_errno=True)
fifo, cmd = sys.argv[1], sys.argv[2:]
fd = libc.inotify_init1(IN_NONBLOCK)
if fd < 0 or libc.inotify_add_watch(fd, os.fsencode(fifo),
                                    IN_OPEN | IN_CLOSE_NOWRITE) < 0:
    sys.exit("inotify: %s" % os.strerror(ctypes.get_errno()))
rc = subprocess.call(cmd)
closes = 0
try:
    while True:
        buf = os.read(fd, 65536)
        off = 0
        while off < len(buf):
            _, mask, _, length = struct.unpack_from("iIII", buf, off)
            closes += bool(mask & IN_CLOSE_NOWRITE)
            off += 16 + length
except BlockingIOError:
    pass
print(closes)
sys.exit(rc if rc >= 0 else 128 - rc)
