"""Drawn widgets of the desk: the picture's axes and key, level meters, the
stereo field, and the placeholder shown before an input is open.

The axes are drawn around the element's picture (not on it), so they cost
nothing per video frame: they are redrawn only when the stream's rate, the
picture's size or the names change.
"""
import math

from gi.repository import Gtk

from . import picture

AXIS_BG = (27, 27, 27)
TICK = (208, 208, 208)
TEXT = (208, 208, 208)
FREQ_AXIS_WIDTH = 58
TIME_AXIS_HEIGHT = 24
KEY_HEIGHT = 26
SWATCH = 14
MAJOR_TICK = 8
MINOR_TICK = 4


def rgb(cr, c):
    cr.set_source_rgb(c[0] / 255.0, c[1] / 255.0, c[2] / 255.0)


def fill_background(widget, cr, colour):
    """Fill the widget's own area (not a cairo paint: drawn into one surface
    with the whole window, a paint would cover its neighbours)."""
    rgb(cr, colour)
    cr.rectangle(0, 0, widget.get_allocated_width(),
                 widget.get_allocated_height())
    cr.fill()


def window_background(widget, cr):
    """The window's background (its theme's) under a widget that has an X
    window of its own: nothing else paints there (a "draw" handler; the
    widget's own drawing follows)."""
    Gtk.render_background(widget.get_toplevel().get_style_context(), cr, 0, 0,
                          widget.get_allocated_width(),
                          widget.get_allocated_height())
    return False


def text(cr, x, y, s, align=0.0, size=10.0, colour=TEXT):
    """s with its left (align 0), centre (0.5) or right (1) at x, its
    vertical middle at y."""
    cr.set_font_size(size)
    ext = cr.text_extents(s)
    rgb(cr, colour)
    cr.move_to(x - align * ext.x_advance, y + size * 0.35)
    cr.show_text(s)


class StreamGeometry:
    """What the axes need to know about the picture."""

    def __init__(self, width, height):
        self.width = width
        self.height = height
        self.rate = 0           # 0: not known yet (no labels)
        self.hop = 512


class FreqAxis(Gtk.DrawingArea):
    """Frequency in Hz on the picture's log scale, ticks at its right edge
    (next to the picture's left edge), row for row."""

    def __init__(self, geom):
        super().__init__()
        self.geom = geom
        self.set_size_request(FREQ_AXIS_WIDTH, geom.height)
        self.set_valign(Gtk.Align.START)
        self.connect("draw", self._draw)

    def tick_rows(self):
        g = self.geom
        if not g.rate:
            return []
        return [(int(round(picture.row_of_hz(hz, g.rate, g.height))), label,
                 major) for hz, label, major in picture.frequency_ticks(g.rate)]

    def _draw(self, widget, cr):
        w = self.get_allocated_width()
        h = self.get_allocated_height()
        fill_background(self, cr, AXIS_BG)
        cr.set_line_width(1.0)
        last_label = -100
        for row, label, major in self.tick_rows():
            length = MAJOR_TICK if major else MINOR_TICK
            rgb(cr, TICK)
            cr.move_to(w - length, row + 0.5)
            cr.line_to(w, row + 0.5)
            cr.stroke()
            if label and abs(row - last_label) >= 12 and 5 <= row <= h - 5:
                text(cr, w - MAJOR_TICK - 3, row + 0.5, label, align=1.0)
                last_label = row
        if self.geom.rate:
            text(cr, 4, 8, "Hz", size=10.0)
        return True


class TimeAxis(Gtk.DrawingArea):
    """Seconds before the newest column (the right edge), ticks at the top
    (next to the picture's bottom edge)."""

    def __init__(self, geom):
        super().__init__()
        self.geom = geom
        self.set_size_request(geom.width, TIME_AXIS_HEIGHT)
        self.set_halign(Gtk.Align.START)
        self.connect("draw", self._draw)

    def tick_columns(self):
        g = self.geom
        if not g.rate or g.hop <= 0:
            return []
        return [(int(round(picture.column_of_age(age, g.rate, g.hop, g.width))),
                 label) for age, label in picture.time_ticks(g.rate, g.hop,
                                                              g.width)]

    def _draw(self, widget, cr):
        w = self.get_allocated_width()
        fill_background(self, cr, AXIS_BG)
        cr.set_line_width(1.0)
        for col, label in self.tick_columns():
            if col < 0:
                continue
            rgb(cr, TICK)
            cr.move_to(col + 0.5, 0)
            cr.line_to(col + 0.5, MAJOR_TICK)
            cr.stroke()
            align = 1.0 if col > w - 20 else (0.0 if col < 20 else 0.5)
            text(cr, col + 0.5, 15, label, align=align)
        return True


class Key(Gtk.DrawingArea):
    """Each source's colour (the element's palette) and name, in rows of
    the picture's width."""

    STEP_MIN = 120      # an entry's width when all fit in one row
    STEP_ROW = 90       # else: "source 15" still fits

    def __init__(self, width):
        super().__init__()
        self.names = []
        self.width = width
        self.set_size_request(width, KEY_HEIGHT)
        self.set_halign(Gtk.Align.START)
        self.connect("draw", self._draw)

    def set_names(self, names):
        self.names = list(names)
        rows = len(set(y for _, y, _, _ in self.swatches())) or 1
        self.set_size_request(self.width, rows * KEY_HEIGHT)
        self.queue_draw()

    def _step(self):
        """(width of an entry, entries a row)"""
        n = max(1, len(self.names))
        if (self.width - 8) // n >= self.STEP_ROW:
            return min(self.STEP_MIN, (self.width - 8) // n), n
        # more than one row (with 16 sources the last ones fell off the
        # picture's width, and 'source 1' was 'source 10' cut short)
        step = min(self.STEP_ROW, self.width - 8)
        return step, max(1, (self.width - 8) // step)

    def swatches(self):
        """(x, y, w, h) of each source's swatch, in this widget."""
        step, per_row = self._step()
        y = (KEY_HEIGHT - SWATCH) // 2
        return [(6 + (i % per_row) * step, y + (i // per_row) * KEY_HEIGHT,
                 SWATCH, SWATCH) for i in range(len(self.names))]

    def _draw(self, widget, cr):
        fill_background(self, cr, AXIS_BG)
        step, _ = self._step()
        for i, (x, y, w, h) in enumerate(self.swatches()):
            rgb(cr, picture.source_colour(i))
            cr.rectangle(x, y, w, h)
            cr.fill()
            # the name within its entry
            cr.save()
            cr.rectangle(x, y - 4, step - 6, h + 8)
            cr.clip()
            text(cr, x + w + 5, y + h / 2.0, self.names[i][:16])
            cr.restore()
        return True


class Swatch(Gtk.DrawingArea):
    def __init__(self, source):
        super().__init__()
        self.source = source
        self.set_size_request(SWATCH, SWATCH)
        self.set_valign(Gtk.Align.CENTER)
        self.connect("draw", self._draw)

    def _draw(self, widget, cr):
        fill_background(self, cr, picture.source_colour(self.source))
        return True


class Meter(Gtk.DrawingArea):
    """A level meter in dB (what is heard: after gain and mute), with a
    slowly falling peak."""

    FLOOR = -60.0

    def __init__(self, source, height=150):
        super().__init__()
        self.source = source
        self.level = self.FLOOR
        self.peak = self.FLOOR
        self.raw = self.FLOOR
        self.set_size_request(12, height)
        self.connect("draw", self._draw)

    def set_level(self, db, raw_db):
        db = max(self.FLOOR, db)
        # fast attack, 20 dB/s release at 25 updates a second
        old = (self.level, self.peak, self.raw)
        self.level = db if db > self.level else max(db, self.level - 0.8)
        self.peak = db if db > self.peak else max(self.FLOOR, self.peak - 0.4)
        self.raw = max(self.FLOOR, raw_db)
        if max(abs(a - b) for a, b in zip(old, (self.level, self.peak,
                                                self.raw))) >= 0.2:
            self.queue_draw()

    def decay(self):
        self.set_level(self.FLOOR, self.FLOOR)

    def _y(self, db, h):
        return h * (1.0 - (max(self.FLOOR, min(0.0, db)) - self.FLOOR)
                    / -self.FLOOR)

    def _draw(self, widget, cr):
        w = self.get_allocated_width()
        h = self.get_allocated_height()
        fill_background(self, cr, (20, 20, 20))
        y = self._y(self.level, h)
        for lo, hi, colour in ((-60, -12, (60, 200, 90)), (-12, -3, (230, 200, 40)),
                               (-3, 0, (230, 60, 40))):
            top = max(y, self._y(hi, h))
            bottom = self._y(lo, h)
            if top < bottom:
                rgb(cr, colour)
                cr.rectangle(1, top, w - 2, bottom - top)
                cr.fill()
        # the source's own level before the gain: a thin mark
        rgb(cr, picture.source_colour(self.source))
        cr.rectangle(0, self._y(self.raw, h) - 1, w, 2)
        cr.fill()
        rgb(cr, (255, 255, 255))
        cr.rectangle(1, self._y(self.peak, h), w - 2, 1)
        cr.fill()
        return True


class StereoField(Gtk.DrawingArea):
    """Where each source sits between the first (left) and the second
    (right) channel, from the element's `position` field."""

    def __init__(self):
        super().__init__()
        self.positions = []
        self.set_size_request(360, 44)
        self.connect("draw", self._draw)

    def set_positions(self, positions):
        self.positions = list(positions)
        self.queue_draw()

    def _draw(self, widget, cr):
        w = self.get_allocated_width()
        h = self.get_allocated_height()
        fill_background(self, cr, AXIS_BG)
        x0, x1, y = 24, w - 24, h / 2.0 + 4
        rgb(cr, TICK)
        cr.set_line_width(1.0)
        cr.move_to(x0, y + 0.5)
        cr.line_to(x1, y + 0.5)
        cr.stroke()
        for x in (x0, (x0 + x1) / 2.0, x1):
            cr.move_to(int(x) + 0.5, y - 4)
            cr.line_to(int(x) + 0.5, y + 5)
            cr.stroke()
        text(cr, 6, y, "L", colour=TICK)
        text(cr, w - 6, y, "R", align=1.0, colour=TICK)
        text(cr, w / 2.0, 8, "stereo field", align=0.5, size=9.0)
        for s, pan in enumerate(self.positions):
            if pan is None or math.isnan(pan):
                continue
            x = x0 + (max(-1.0, min(1.0, pan)) + 1.0) / 2.0 * (x1 - x0)
            rgb(cr, picture.source_colour(s))
            cr.arc(x, y + 0.5 - 6 * ((s % 3) - 1), 5.5, 0, 2 * math.pi)
            cr.fill()
        return True


class TextArea(Gtk.DrawingArea):
    """One line of text in a fixed size (changing it redraws only itself)."""

    def __init__(self, text, width):
        super().__init__()
        self.text = text
        self.set_size_request(width, 20)
        self.set_valign(Gtk.Align.CENTER)
        self.connect("draw", self._draw)

    def get_text(self):
        return self.text

    def set_text(self, text):
        self.text = text
        self.queue_draw()

    def _draw(self, widget, cr):
        window_background(self, cr)
        colour = self.get_style_context().get_color(self.get_state_flags())
        cr.set_source_rgba(colour.red, colour.green, colour.blue, colour.alpha)
        cr.set_font_size(12.0)
        cr.move_to(4, 14)
        cr.show_text(self.text)
        return True


class Placeholder(Gtk.DrawingArea):
    """Where the picture goes, before there is one."""

    def __init__(self, width, height):
        super().__init__()
        self.message = "Drop an audio file here, or open one, or pick a microphone"
        self.set_size_request(width, height)
        self.connect("draw", self._draw)

    def set_message(self, message):
        self.message = message
        self.queue_draw()

    def _draw(self, widget, cr):
        w = self.get_allocated_width()
        h = self.get_allocated_height()
        fill_background(self, cr, (12, 12, 12))
        text(cr, w / 2.0, h / 2.0, self.message, align=0.5, size=13.0,
             colour=(160, 160, 160))
        return True
