#!/usr/bin/python3
"""pulse_live_desk.py NMF_DESK WORKDIR PULSE_PIDFILE: nmf-desk on a
PulseAudio capture device (tests/bench/pulse-live.sh sets the server up:
the source "Monitor of VirtualMix" plays a sine at pan -0.5 and a square
at +0.5). Through the control socket, as a person would: the device is
listed once and chosen in the list; it plays, with nothing said; the
stereo field shows the
two positions; a 5 s take holds exactly the samples of its span in every
file; then the daemon is killed: one error, about the capture device, in
5 s, and the window closes with status 0. Exit status: failed checks."""
import json
import os
import socket
import struct
import subprocess
import sys
import time

desk, work, pidfile = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
fails = 0


def check(cond, what):
    global fails
    print(("ok    " if cond else "FAIL  ") + what, flush=True)
    fails += not cond


def wav_frames(path):
    """frames in the data chunk, None when the header does not match the
    file's size"""
    data = open(path, "rb").read()
    if data[:4] != b"RIFF" or struct.unpack("<I", data[4:8])[0] != len(data) - 8:
        return None
    i, block = 12, None
    while i + 8 <= len(data):
        cid, size = data[i:i + 4], struct.unpack("<I", data[i + 4:i + 8])[0]
        if cid == b"fmt ":
            block = struct.unpack("<H", data[i + 20:i + 22])[0]
        elif cid == b"data":
            return size // block if i + 8 + size == len(data) else None
        i += 8 + size + (size & 1)
    return None


sock_path = os.path.join(work, "desk.sock")
log = open(os.path.join(work, "desk.log"), "w")
proc = subprocess.Popen(["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", desk,
                         "--control", sock_path, "--record-dir", os.path.join(work, "rec")],
                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
deadline = time.monotonic() + 30
while True:
    try:
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(sock_path)
        break
    except OSError:
        sock.close()
        if proc.poll() is not None or time.monotonic() > deadline:
            sys.exit("the desk did not start (see %s)" % log.name)
        time.sleep(0.1)
sock.settimeout(60)
f = sock.makefile("rwb")


def d(cmd, **kw):
    kw["cmd"] = cmd
    f.write((json.dumps(kw) + "\n").encode())
    f.flush()
    return json.loads(f.readline())


try:
    time.sleep(2)   # the device monitor's start (an idle of the window)
    st = d("state")
    mix = [i for i, t in enumerate(st["inputs"]) if t.startswith("Monitor of VirtualMix")]
    check(len(mix) == 1, "the capture device listed once: %s" % st["inputs"])
    d("input", index=mix[0])
    r = d("wait", **{"for": "playing", "timeout": 20})
    check(r.get("state") == "playing", "chosen in the list, it plays: %s" % r)
    time.sleep(6)
    st = d("state")
    pos = sorted(st["stereo_positions"] or [])
    check(st["stereo_visible"] and len(pos) == 2 and abs(pos[0] + 0.5) < 0.02
          and abs(pos[1] - 0.5) < 0.02, "the stereo field: %s (mixed at -0.5, +0.5)" % pos)
    said = [(n["kind"], n["text"]) for n in st["notices"]]
    check(not said, "nothing said while playing (a capture that drops samples "
          "says \"Can't record audio fast enough\"): %s" % said)
    d("record", on=True)
    time.sleep(5)
    d("record", on=False)
    d("wait", **{"for": "recorded", "timeout": 20})
    rec = d("state")["last_record"]
    span = [round((rec["end"] - s) * st["rate"] / 1e9) for s in rec["start"]]
    frames = [wav_frames(p) for p in rec["files"]]
    check(len(frames) == 2 and frames == span,
          "the take: %s frames in its files, its span %s" % (frames, span))

    with open(pidfile) as pf:
        os.kill(int(pf.read()), 15)
    t0 = time.monotonic()
    r = d("wait", **{"for": "error", "timeout": 30})
    took = time.monotonic() - t0
    time.sleep(2)   # later errors, a reopen
    st = d("state")
    said = [n["text"] for n in st["notices"] if n["kind"] == "error"]
    check(r.get("ok") and took < 5 and st["status"] == "error",
          "the daemon killed: an error in %.1f s, status %s" % (took, st["status"]))
    # ("Disconnected: Connection terminated"; or, when the output's error
    # came first and the desk reopened without sound before the
    # microphone's came, the reopened one's "Failed to connect:
    # Connection refused")
    check(len(said) == 1 and "capture device" in said[0]
          and "Connection" in said[0],
          "one error, the capture device's: %s" % said)
    print("the message bar: %s" % st["bar"])
    print("said since the take: %s" % [(n["kind"], n["text"]) for n in st["notices"]][1:])
finally:
    try:
        d("quit")
    except (OSError, ValueError):
        pass
    try:
        code = proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        code = "hung, killed"
    log.close()
check(code == 0, "the window closed: exit %s" % code)
sys.exit(fails)
