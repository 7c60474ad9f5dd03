"""What the element's picture pad `viz` shows, in numbers.

A mirror of plugin/gstnmfviz.c, so that the desk's axes and key are true to
the pixels the element draws (keep the two in step):

- colour of source s: the table source_colours;
- row y of a picture of height h (0 at the top) shows the frequency
  low * (nyquist / low) ** (1 - y / (h - 1)), low = min(40 Hz, nyquist / 4),
  as the STFT bin nearest to it (gst_nmf_viz_new);
- scrolling: one column per STFT frame (hop-size samples), the newest at the
  right edge (gst_nmf_viz_render), so column x is (w - 1 - x) hops old.
"""
import math

LOWEST_HZ = 40.0


# plugin/gstnmfviz.c's source_colours, entry for entry (tests/desk/
# test_palette.py compares them)
SOURCE_COLOURS = (
    (0xff, 0x00, 0x00), (0x00, 0xff, 0x4a), (0x94, 0x00, 0xff),
    (0xff, 0xdf, 0x00), (0x00, 0xd4, 0xff), (0xff, 0x00, 0x89),
    (0x00, 0x77, 0xcc), (0xdd, 0x88, 0x11), (0xcc, 0x88, 0xff),
    (0x00, 0xcc, 0xaa), (0xff, 0x99, 0x88), (0x88, 0xaa, 0xff),
    (0x00, 0x44, 0xcc), (0xaa, 0xcc, 0x44), (0xff, 0xcc, 0x88),
    (0xcc, 0x22, 0x44),
)


def source_colour(s):
    """(r, g, b) in 0..255 of source s, as the element draws it."""
    return SOURCE_COLOURS[s % 16]


def lowest_hz(rate):
    return min(LOWEST_HZ, rate / 2.0 / 4)


def row_of_hz(hz, rate, height):
    """The (fractional) picture row that shows frequency hz; 0 is the top."""
    nyquist, low = rate / 2.0, lowest_hz(rate)
    frac = math.log(hz / low) / math.log(nyquist / low)
    return (1.0 - frac) * (height - 1)


def hz_of_row(y, rate, height):
    nyquist, low = rate / 2.0, lowest_hz(rate)
    frac = 1.0 - y / (height - 1) if height > 1 else 0.0
    return low * (nyquist / low) ** frac


def frequency_ticks(rate):
    """(hz, label, major) for the frequency axis, inside the picture."""
    nyquist, low = rate / 2.0, lowest_hz(rate)
    ticks = []
    decade = 10.0
    while decade < nyquist * 10:
        for m in (1, 2, 5):
            hz = m * decade
            if low <= hz <= nyquist:
                label = ("%gk" % (hz / 1000)) if hz >= 1000 else ("%g" % hz)
                ticks.append((hz, label, True))
        for m in (3, 4, 6, 7, 8, 9):
            hz = m * decade
            if low <= hz <= nyquist:
                ticks.append((hz, None, False))
        decade *= 10
    return sorted(ticks)


def column_of_age(seconds, rate, hop, width):
    """The (fractional) column showing the frame `seconds` before the newest."""
    return (width - 1) - seconds * rate / hop


def span_seconds(rate, hop, width):
    return width * hop / float(rate)


def time_ticks(rate, hop, width):
    """(seconds ago, label) for the time axis: a tick every 1, 2 or 5 s."""
    span = span_seconds(rate, hop, width)
    step = 1.0
    for candidate in (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0):
        step = candidate
        if span / candidate <= 10:
            break
    ticks = []
    k = 0
    while k * step <= span:
        age = k * step
        ticks.append((age, "now" if k == 0 else "-%g s" % age))
        k += 1
    return ticks
