#!/usr/bin/python3
"""docs/element.md's property tables against the elements of this build.

    properties.py ELEMENT_MD

For nmfseparate (the table under "## Properties") and nmfextract (the table
under "## nmfextract"), every property the element defines itself is checked
against its row, and every row against a property:

- the type (enum, boolean, string, int, uint, uint64, double);
- the range: the first and last numbers of the range column are the
  GParamSpec's minimum and maximum (enums: the same nicks, in any order:
  element.md puts the default first);
- the default: the first word of the default column (a number, an enum
  nick, true/false, "none" for a NULL string; "100 ms" in nanoseconds);
- when it may change: "NULL/READY" is GST_PARAM_MUTABLE_READY, "PLAYING"
  GST_PARAM_MUTABLE_PLAYING, "controllable" GST_PARAM_CONTROLLABLE;
- the blurb (gst-inspect-1.0's text) says the same: "Changeable in NULL and
  READY only" or "Changeable in any state", "controllable" exactly for the
  controllable ones, its range (both bounds, numbers or enum nicks) and
  its default (the word "default" and the default value).

Also: the element's action signals are the ones element.md names, and the
paragraph above the table counts the controllable properties right.

Exit status 0 when everything agrees, 1 with a line per disagreement,
77 when PyGObject or GStreamer's introspection data is missing.  Run with
GST_PLUGIN_PATH(_1_0) pointing at the build's plugin.
"""
import re
import sys

try:
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import GObject, Gst
except (ImportError, ValueError) as e:
    print(f"SKIP: PyGObject / Gst introspection missing: {e}", file=sys.stderr)
    sys.exit(77)

U64_MAX = 2**64 - 1
errors = []


def err(msg):
    errors.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


def table_after(text, heading):
    """The rows (lists of cells) of the first table after HEADING."""
    start = text.index(heading)
    rows = []
    in_table = False
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            in_table = True
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows.append(cells)
        elif in_table:
            break
    header, rows = rows[0], rows[2:]      # header, ---, rows
    return header, rows


def number(tok):
    """A number of the docs: 2^64-1, −1 (a minus sign), 1e-4, 100 ms, 1 ms."""
    tok = tok.strip().replace("−", "-")
    if tok == "2^64-1":
        return U64_MAX
    m = re.fullmatch(r"(-?[0-9.e+-]+)\s*(ms|ns)?", tok)
    if not m:
        return None
    v = float(m.group(1))
    if m.group(2) == "ms":
        v *= 1e6
    return int(v) if v == int(v) else v


def range_bounds(cell):
    """The first and last numbers of a range cell ("0, 6 – 96",
    "32 – 32768, even", "1 ms – 2^64-1 ns")."""
    toks = re.findall(r"(?<![/0-9.])(?:2\^64-1|−?-?[0-9][0-9.e+-]*(?:\s*ms)?)", cell)
    nums = [number(t) for t in toks]
    nums = [n for n in nums if n is not None]
    return (nums[0], nums[-1]) if nums else None


def fmt(v):
    return str(v)


def blurb_has_number(blurb, v):
    if v == U64_MAX:
        return "2^64-1" in blurb or str(U64_MAX) in blurb
    if isinstance(v, float):
        return re.search(r"(?<![0-9.])%s(?![0-9])" % re.escape(
            ("%g" % v)), blurb) is not None
    if v >= 10**6 and v % 10**6 == 0:         # nanoseconds: "1 ms", "100 ms"
        if re.search(r"(?<![0-9])%d ms" % (v // 10**6), blurb):
            return True
    return re.search(r"(?<![0-9.])%d(?![0-9])" % v, blurb) is not None


# bounds the blurb states as what they depend on, as gst-inspect-1.0 prints
# the number beside it (hop-size's 16384 is half the largest fft-size)
SYMBOLIC_MAXIMUM = {
    "hop-size": "fft-size / 2",
    "enrol-source": "n-sources - 1",
    "source": "separator::n-sources - 1",
}

TYPES = {
    "uint": GObject.TYPE_UINT, "int": GObject.TYPE_INT,
    "uint64": GObject.TYPE_UINT64, "double": GObject.TYPE_DOUBLE,
    "boolean": GObject.TYPE_BOOLEAN, "string": GObject.TYPE_STRING,
    "guint": GObject.TYPE_UINT,
}


def check(element_name, header, rows, own_type):
    el = Gst.ElementFactory.make(element_name, None)
    if el is None:
        err(f"{element_name}: no such element (GST_PLUGIN_PATH?)")
        return
    specs = {p.name: p for p in el.list_properties()
             if p.owner_type == own_type}
    col = {h.lower(): i for i, h in enumerate(header)}
    documented = {}
    for r in rows:
        name = r[0].strip("`")
        documented[name] = r
    for name in sorted(set(specs) - set(documented)):
        err(f"{element_name}: property {name} is not in element.md's table")
    for name in sorted(set(documented) - set(specs)):
        err(f"{element_name}: element.md's table has {name}, the element does not")
    n_controllable = 0
    for name in sorted(set(specs) & set(documented)):
        p, r = specs[name], documented[name]
        what = f"{element_name}.{name}"
        typ = r[col["type"]].split()[0]
        rng = r[col["range"]]
        dflt = r[col["default"]]
        change = r[col["changeable"]]
        blurb = p.blurb
        is_enum = GObject.type_is_a(p.value_type, GObject.TYPE_ENUM)
        # the type
        if typ == "enum":
            if not is_enum:
                err(f"{what}: element.md says enum, the element has {p.value_type.name}")
        elif TYPES.get(typ) != p.value_type:
            err(f"{what}: element.md says {typ}, the element has {p.value_type.name}")
        # range and default
        if is_enum:
            nicks = [v.value_nick for v in
                     sorted(p.enum_class.__enum_values__.values(), key=int)]
            doc_nicks = re.findall(r"`([a-z0-9-]+)`", rng)
            if sorted(doc_nicks) != sorted(nicks):
                err(f"{what}: element.md lists {doc_nicks}, the element {nicks}")
            default = p.default_value.value_nick
            doc_default = re.findall(r"`([a-z0-9-]+)`", dflt)
            if not doc_default or doc_default[0] != default:
                err(f"{what}: element.md's default {dflt!r}, the element's {default}")
            for nick in nicks:
                if not re.search(r"(?<![a-z-])%s(?![a-z-])" % re.escape(nick), blurb):
                    err(f"{what}: the blurb does not name the value {nick}")
            if not re.search(r"%s \(default\)|default[^.;]*%s" % (default, default), blurb):
                err(f"{what}: the blurb does not say the default ({default})")
        elif p.value_type == GObject.TYPE_BOOLEAN:
            default = "true" if p.default_value else "false"
            if dflt.split()[0] != default:
                err(f"{what}: element.md's default {dflt!r}, the element's {default}")
            if "default " + default not in blurb:
                err(f"{what}: the blurb does not say the default ({default})")
        elif p.value_type == GObject.TYPE_STRING:
            default = p.default_value
            if default is None and dflt.split()[0] != "none":
                err(f"{what}: element.md's default {dflt!r}, the element's NULL")
            if default is None and not re.search(r"[Dd]efault none", blurb):
                err(f"{what}: the blurb does not say the default (none)")
        else:
            bounds = range_bounds(rng)
            if bounds is None:
                err(f"{what}: no range in element.md ({rng!r})")
            elif bounds != (p.minimum, p.maximum):
                err(f"{what}: element.md's range {rng!r} is {bounds}, "
                    f"the element's {p.minimum} - {p.maximum}")
            default = p.default_value
            doc_default = number(re.match(r"\S+(?:\s+ms)?", dflt.replace("−", "-")).group(0))
            if doc_default != default:
                err(f"{what}: element.md's default {dflt!r}, the element's {default}")
            for bound in (p.minimum, p.maximum):
                if not blurb_has_number(blurb, bound) and not (
                        bound == p.maximum and name in SYMBOLIC_MAXIMUM
                        and SYMBOLIC_MAXIMUM[name] in blurb):
                    err(f"{what}: the blurb does not state the bound {bound}")
            if "default" not in blurb.lower() or not blurb_has_number(blurb, default):
                err(f"{what}: the blurb does not state the default {default}")
        # when it may change
        flags = int(p.flags)
        ready = bool(flags & Gst.PARAM_MUTABLE_READY)
        playing = bool(flags & Gst.PARAM_MUTABLE_PLAYING)
        controllable = bool(flags & Gst.PARAM_CONTROLLABLE)
        n_controllable += controllable
        if change.startswith("NULL/READY"):
            if not ready or playing:
                err(f"{what}: element.md says NULL/READY, the flags say otherwise")
            if "Changeable in NULL and READY only" not in blurb:
                err(f"{what}: the blurb does not say 'Changeable in NULL and READY only'")
        elif change.startswith("PLAYING"):
            if not playing:
                err(f"{what}: element.md says PLAYING, the flags say otherwise")
            if "Changeable in any state" not in blurb:
                err(f"{what}: the blurb does not say 'Changeable in any state'")
        else:
            err(f"{what}: element.md's changeable column {change!r} is neither")
        if controllable != ("controllable" in change):
            err(f"{what}: controllable is {controllable}, element.md says {change!r}")
        if controllable != ("controllable" in blurb):
            err(f"{what}: controllable is {controllable}, the blurb says otherwise")
        print(f"ok: {what}")
    return el, n_controllable


def check_pads(text, sep):
    """The caps of the table under "## Pads and caps" are the templates'."""
    _, rows = table_after(text, "\n## Pads and caps\n")
    doc = {r[0].split()[0].strip("`"): r for r in rows}
    templates = {t.name_template: t for t in sep.get_pad_template_list()}
    if sorted(doc) != sorted(templates):
        err(f"pads: element.md has {sorted(doc)}, the element {sorted(templates)}")
        return
    for name, t in templates.items():
        avail = doc[name][1]
        want = {Gst.PadPresence.ALWAYS: "always",
                Gst.PadPresence.REQUEST: "on request"}[t.presence]
        if not avail.startswith(want) and want not in avail:
            err(f"pad {name}: element.md says {avail!r}, the template {want}")
        caps = t.get_caps()
        cell = doc[name][2]
        # the audio (and video) caps, written out in full in backquotes
        for structure in re.findall(r"`((?:audio|video)/x-raw[^`]*)`", cell):
            want_caps = Gst.Caps.from_string(structure)
            if want_caps is None or not any(
                    caps.get_structure(i).is_equal(want_caps.get_structure(0))
                    for i in range(caps.get_size())):
                err(f"pad {name}: element.md's caps {structure!r} are not "
                    f"the template's {caps.to_string()!r}")
        if name == "src_%u":
            if "the input's caps" not in cell:
                err("pad src_%u: element.md does not say audio mode takes the input's caps")
            mask = [caps.get_structure(i) for i in range(caps.get_size())
                    if caps.get_structure(i).get_name() == "application/x-nmf-mask"]
            if not mask:
                err("pad src_%u: no application/x-nmf-mask in the template")
                continue
            for field in ("bins", "hop-size", "rate"):
                m = re.search(r"%s \[(\d+), (\d+)\]" % field, cell)
                # (PyGObject's IntRange holds [lo, hi] as range(lo, hi))
                value = mask[0].get_value(field).range
                lo, hi = value.start, value.stop
                if not m or (int(m.group(1)), int(m.group(2))) != (lo, hi):
                    err(f"pad src_%u: element.md's mask {field} range "
                        f"{m.group(0) if m else 'missing'}, the template's [{lo}, {hi}]")
    print("ok: pads and caps")


def main():
    if len(sys.argv) != 2:
        print("usage: properties.py ELEMENT_MD", file=sys.stderr)
        return 2
    Gst.init(None)
    text = open(sys.argv[1], encoding="utf-8").read()
    header, rows = table_after(text, "\n## Properties\n")
    sep = Gst.ElementFactory.make("nmfseparate", None)
    if sep is None:
        print("FAIL: no nmfseparate (GST_PLUGIN_PATH?)", file=sys.stderr)
        return 1
    _, n_ctrl = check("nmfseparate", header, rows, type(sep).__gtype__)
    words = {"Two": 2, "Three": 3, "Four": 4, "Five": 5, "Six": 6}
    m = re.search(r"(\w+) properties are\s+\*controllable\*", text)
    if not m or words.get(m.group(1)) != n_ctrl:
        err(f"element.md's count of controllable properties "
            f"({m.group(1) if m else 'none'}) is not {n_ctrl}")
    ext = Gst.ElementFactory.make("nmfextract", None)
    header, rows = table_after(text, "\n## nmfextract")
    check("nmfextract", header, rows, type(ext).__gtype__)
    check_pads(text, sep)
    # action signals: those element.md names
    signals = sorted(GObject.signal_list_names(type(sep).__gtype__))
    for s in signals:
        if f"`{s} (" not in text and f"`{s}`" not in text:
            err(f"nmfseparate: signal {s} is not in element.md")
    if errors:
        print(f"{len(errors)} disagreements", file=sys.stderr)
        return 1
    print("element.md and the elements agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
