"""What the element's picture pad `viz` shows, in numbers.

A mirror of plugin/gstnmfviz.c, so that the desk's axes and key are true to
the pixels the element draws (keep the two in step):

- colour of source s: hues a golden angle apart (make_palette);
- row y of a picture of height h (0 at the top) shows the frequency
  low * (nyquist / low) ** (1 - y / (h - 1)), low = min(40 Hz, nyquist / 4),
  as the STFT bin nearest to it (gst_nmf_viz_new);
- scrolling: one column per STFT frame (hop-size samples), the newest at the
  right edge (gst_nmf_viz_render), so column x is (w - 1 - x) hops old.
"""
import math

LOWEST_HZ = 40.0


def source_colour(s):
    """(r, g, b) in 0..255 of source s, as make_palette computes it."""
    s = s % 16
    h = math.fmod(s * 0.381966, 1.0) * 6.0
    x = 1.0 - abs(math.fmod(h, 2.0) - 1.0)
    r = g = b = 0.0
    sector = int(h)
    if sector == 0:
        r, g = 1, x
    elif sector == 1:
        r, g = x, 1
    elif sector == 2:
        g, b = 1, x
    elif sector == 3:
        g, b = x, 1
    elif sector == 4:
        r, b = x, 1
    else:
        r, b = 1, x
    return (int(255 * r), int(255 * g), int(255 * b))


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
