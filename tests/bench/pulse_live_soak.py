#!/usr/bin/python3
"""pulse_live_soak.py SECONDS: nmfseparate under a live capture clock.

    pulsesrc ! channels=2 ! audioconvert ! audioresample ! tee
      tee. ! queue ! fakesink                         (the input, counted)
      tee. ! queue ! nmfseparate n-sources=2 ! src_0, src_1 ! fakesink sync=true

(tests/bench/pulse-live.sh runs it against a private PulseAudio daemon;
any default capture device does.) Every pad: samples counted, each
buffer's timestamp against the first's plus its sample count (a "gap" is
one that differs by more than 1 ns; a DISCONT buffer starts the count
again, its jump noted), and the delay from its
timestamp to when it reaches the sink pad on the pipeline clock (pulsesrc's);
a buffer is late when that delay exceeds the pipeline latency. Every TICK s
(default 30): counts, delays, latency queries (pipeline, nmfseparate's
src_0 and its upstream), process CPU and RSS. After SECONDS: EOS, totals.
STALL=S: block the capture thread S seconds once, 5 s in (a stalled
desk): the source drops samples and marks DISCONT; the output should
follow (its delay back to the same after the jump).
"""
import collections
import os
import sys
import time

import gi
gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

Gst.init(None)
seconds = float(sys.argv[1])
TICK = int(os.environ.get("TICK", "30"))
STALL = float(os.environ.get("STALL", "0"))
pipe = Gst.parse_launch(
    "pulsesrc name=src ! audio/x-raw,channels=2 ! audioconvert ! audioresample "
    "! tee name=t t. ! queue ! fakesink name=in sync=false "
    "t. ! queue ! nmfseparate name=s n-sources=2 post-messages=true "
    "s.src_0 ! fakesink name=out0 sync=true s.src_1 ! fakesink name=out1 sync=true")
PADS = ("in", "out0", "out1")
latency = [0]
stats = {}
HZ = os.sysconf("SC_CLK_TCK")


def watch(name):
    st = stats[name] = dict(samples=0, counted=0, jumps=[], first=None, rate=None, chans=None,
                            buffers=0, gaps=0, maxgap=0, disconts=0, late=0,
                            maxdelay=0.0, delays=collections.deque(maxlen=3000))

    def probe(pad, info):
        buf = info.get_buffer()
        if st["rate"] is None:
            s = pad.get_current_caps().get_structure(0)
            st["rate"], st["chans"] = s.get_value("rate"), s.get_value("channels")
        if buf.has_flags(Gst.BufferFlags.DISCONT) or st["first"] is None:
            # a new stream (the source dropped samples and said so): its
            # timestamps count from here
            if st["first"] is not None:
                expect = st["first"] + Gst.util_uint64_scale(st["counted"], Gst.SECOND, st["rate"])
                st["jumps"].append(round((buf.pts - expect) / 1e6, 3))
            st["first"], st["counted"] = buf.pts, 0
            st["disconts"] += 1
        expect = st["first"] + Gst.util_uint64_scale(st["counted"], Gst.SECOND, st["rate"])
        gap = abs(buf.pts - expect)
        st["gaps"] += gap > 1
        st["maxgap"] = max(st["maxgap"], gap)
        n = buf.get_size() // (4 * st["chans"])
        st["samples"] += n
        st["counted"] += n
        st["buffers"] += 1
        clock = pipe.get_clock()
        if clock is not None and buf.pts > Gst.SECOND:
            # (the first second: the latency not yet known)
            delay = (clock.get_time() - pipe.get_base_time() - buf.pts) / 1e6
            st["delays"].append(delay)
            st["maxdelay"] = max(st["maxdelay"], delay)
            st["late"] += latency[0] > 0 and delay > latency[0] / 1e6
        return Gst.PadProbeReturn.OK
    pipe.get_by_name(name).get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, probe)


for n in PADS:
    watch(n)
if STALL:
    stalled = [False]

    def stall(pad, info):
        if not stalled[0] and info.get_buffer().pts > 5 * Gst.SECOND:
            stalled[0] = True
            print("capture thread blocked %.1f s" % STALL, flush=True)
            time.sleep(STALL)
        return Gst.PadProbeReturn.OK
    pipe.get_by_name("src").get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, stall)


def query_latency():
    q = Gst.Query.new_latency()
    pipe.query(q)
    latency[0] = q.parse_latency()[1]
    own = Gst.Query.new_latency()
    pipe.get_by_name("out0").get_static_pad("sink").peer_query(own)
    up = Gst.Query.new_latency()
    pipe.get_by_name("s").get_static_pad("sink").peer_query(up)
    return latency[0] / 1e6, own.parse_latency()[1] / 1e6, up.parse_latency()[1] / 1e6


def proc_stat():
    with open("/proc/self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    with open("/proc/self/status") as f:
        rss = int([line for line in f if line.startswith("VmRSS")][0].split()[1])
    return (int(fields[11]) + int(fields[12])) / HZ, rss


loop = GLib.MainLoop()
errors, positions, messages = [], [None], [0]


def on_message(bus, msg):
    if msg.type == Gst.MessageType.ERROR:
        errors.append(msg.parse_error()[0].message)
        loop.quit()
    elif msg.type == Gst.MessageType.WARNING:
        print("WARNING %s: %s" % (msg.src.get_name(), msg.parse_warning()[0].message), flush=True)
    elif msg.type == Gst.MessageType.EOS:
        loop.quit()
    elif msg.type == Gst.MessageType.LATENCY:
        pipe.recalculate_latency()
    elif msg.type == Gst.MessageType.ELEMENT and msg.get_structure().get_name() == "nmfseparate":
        messages[0] += 1
        if msg.get_structure().has_field("position"):
            positions[0] = msg.get_structure().get_value("position")
    return True


bus = pipe.get_bus()
bus.add_signal_watch()
bus.connect("message", on_message)
t0 = time.monotonic()
log = []


def tick():
    elapsed = time.monotonic() - t0
    cpu, rss = proc_stat()
    lat = query_latency()
    log.append((elapsed, cpu, rss))
    mean = {n: sum(stats[n]["delays"]) / max(1, len(stats[n]["delays"])) for n in PADS}
    print("t=%5.0f s cpu=%.2f s rss=%d kB samples in/out0/out1 %d/%d/%d msgs=%d "
          "delay ms mean %.1f/%.1f/%.1f max %.1f/%.1f/%.1f late %d/%d/%d "
          "position %s latency ms pipeline %.3f nmfseparate %.3f upstream %.3f" % (
              elapsed, cpu, rss, *(stats[n]["samples"] for n in PADS), messages[0],
              *(mean[n] for n in PADS), *(stats[n]["maxdelay"] for n in PADS),
              *(stats[n]["late"] for n in PADS), positions[0], *lat), flush=True)
    if elapsed >= seconds:
        pipe.send_event(Gst.Event.new_eos())
        return False
    return True


pipe.set_state(Gst.State.PLAYING)
GLib.timeout_add(300, lambda: query_latency() and False)
GLib.timeout_add_seconds(5, lambda: tick() and False)
GLib.timeout_add_seconds(TICK, tick)
loop.run()
pipe.set_state(Gst.State.NULL)
print("errors: %s" % errors)
for n in PADS:
    st = stats[n]
    print("%s: rate %s buffers %d samples %d (%.3f s) gaps %d max gap %d ns "
          "disconts %d (jumps ms %s) late %d max delay %.1f ms" % (
              n, st["rate"], st["buffers"], st["samples"], st["samples"] / (st["rate"] or 1),
              st["gaps"], st["maxgap"], st["disconts"], st["jumps"], st["late"], st["maxdelay"]))
print("in == out0 == out1: %s" % (stats["in"]["samples"] == stats["out0"]["samples"]
                                  == stats["out1"]["samples"] > 0))
if len(log) > 2:
    (e1, c1, r1), (e2, c2, r2) = log[1], log[-1]
    print("CPU %.1f %% of a core from t=%.0f to %.0f s; RSS %d -> %d kB" % (
        100 * (c2 - c1) / (e2 - e1), e1, e2, r1, r2))
sys.exit(1 if errors else 0)
