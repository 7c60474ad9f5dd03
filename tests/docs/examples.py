#!/usr/bin/python3
"""The documentation's pipelines and property settings parse against this
build's elements.

    examples.py SOURCE_ROOT NMFTOOL

- Every gst-launch-1.0 command of README.md, docs/element.md,
  docs/nmftool.md and docs/desk.md (fenced blocks, their continuation lines
  joined, and `spans`), and the example lines the element's metadata gives
  gst-inspect-1.0 (Example-*, their "..." an audiotestsrc), is parsed by
  gst_parse_launch with fatal errors: each element exists, each property
  exists and takes its value, each link (request pads src_N, viz) is made.
  Devices become test elements (autoaudiosrc an audiotestsrc,
  autoaudiosink / autovideosink a fakesink): nothing is run.
- Every `span` of those files that is a list of PROP=VALUE settings
  (`profile=live components=2`, `--set window-frames=200`,
  `separator::n-sources=3`), one of them at least naming a property of
  nmfseparate, sets them all on an nmfseparate (nmfextract for
  source= and separator::): a renamed property or enum value in the prose
  fails here, as the table's does in properties.py.
- Every nmftool command line of those files' fenced blocks (and the
  README's `spans`) uses options that `nmftool COMMAND --help` names.

Exit status 0 when everything parses, 1 with a line per failure, 77 when
PyGObject or GStreamer's introspection data is missing.  Run with
GST_PLUGIN_PATH(_1_0) pointing at the build's plugin.
"""
import os
import re
import subprocess
import sys

try:
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import GLib, Gst
except (ImportError, ValueError) as e:
    print(f"SKIP: PyGObject / Gst introspection missing: {e}", file=sys.stderr)
    sys.exit(77)

FILES = ["README.md", "docs/element.md", "docs/nmftool.md", "docs/desk.md"]
DEVICES = [(r"\bautoaudiosrc\b", "audiotestsrc"),
           (r"\bautoaudiosink\b", "fakesink"),
           (r"\bautovideosink\b", "fakesink")]
SETTING = r"(?:separator::)?[a-z][a-z0-9-]*=\S+"


def parse(description):
    """None when DESCRIPTION parses with fatal errors, else the error."""
    for pattern, replacement in DEVICES:
        description = re.sub(pattern, replacement, description)
    try:
        pipeline = Gst.parse_launch_full(description, None,
                                         Gst.ParseFlags.FATAL_ERRORS)
    except GLib.Error as e:
        return e.message
    pipeline.set_state(Gst.State.NULL)
    return None


def commands(text):
    """The gst-launch-1.0 commands of TEXT, without the program's name and
    its options, continuation lines joined, comments dropped."""
    out = []
    for block in re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.M | re.S):
        block = re.sub(r"\\\n", " ", block)
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line)
            m = re.match(r"\s*gst-launch-1.0((?:\s+-[a-z]+)*)\s+(.*)", line)
            if m:
                out.append(m.group(2))
    spans = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    for span in re.findall(r"`([^`]+)`", spans):
        span = span.replace("\n", " ")
        m = re.match(r"gst-launch-1.0((?:\s+-[a-z]+)*)\s+(.*)", span)
        if m:
            out.append(m.group(2))
    return out


def placeholder(value):
    """A value the reader fills in: `enrol-source=s`, `source=K`,
    `dictionaries=SRC=FILE,...`."""
    return re.fullmatch(r"[A-Za-z]", value) is not None or "..." in value \
        or re.search(r"[A-Z]{3,}", value) is not None


def setting_lists(text, properties):
    """(element, settings) of the `spans` of TEXT that are lists of
    PROP=VALUE (each perhaps after --set; perhaps after the element's
    name), one at least naming a property of nmfseparate, none a
    placeholder."""
    spans = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    out = []
    for span in re.findall(r"`([^`]+)`", spans):
        words = [w for w in span.split() if w != "--set"]
        element = None
        if words and words[0] in ("nmfseparate", "nmfextract"):
            element, words = words[0], words[1:]
        if words and all(re.fullmatch(SETTING, w) for w in words) and any(
                w.split("=", 1)[0].split("::")[-1] in properties for w in words) \
                and not any(placeholder(w.split("=", 1)[1]) for w in words):
            if element is None:
                element = "nmfextract" if any(
                    w.startswith(("separator::", "source=")) for w in words) \
                    else "nmfseparate"
            out.append((element, words))
    return out


def nmftool_lines(text):
    """(command, options) of each nmftool command line of TEXT's fenced
    blocks and `spans`, continuation lines joined, comments dropped."""
    out = []
    lines = []
    for block in re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.M | re.S):
        # (a synopsis goes on in indented lines)
        lines += re.sub(r"\\\n|\n(?=[ \t]+\[)", " ", block).splitlines()
    spans = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    lines += [s.replace("\n", " ") for s in re.findall(r"`([^`]+)`", spans)]
    for line in lines:
        line = re.sub(r"\s+#.*$", "", line)
        m = re.match(r"\s*nmftool (separate|learn|factorize)\b(.*)", line)
        if m:
            out.append((m.group(1), re.findall(r"(?<![\w-])--[a-z][a-z-]*", m.group(2))))
    return out


def main():
    if len(sys.argv) != 3:
        print("usage: examples.py SOURCE_ROOT NMFTOOL", file=sys.stderr)
        return 2
    root, nmftool = sys.argv[1], sys.argv[2]
    Gst.init(None)
    factory = Gst.ElementFactory.find("nmfseparate")
    if factory is None:
        print("FAIL: no nmfseparate (GST_PLUGIN_PATH?)", file=sys.stderr)
        return 1
    sep = factory.create(None)
    properties = {p.name for p in sep.list_properties()}
    failures = checked = 0
    helps = {}

    def check(where, description):
        nonlocal failures, checked
        checked += 1
        error = parse(description)
        if error:
            print(f"FAIL: {where}: {description!r}: {error}")
            failures += 1

    for rel in FILES:
        text = open(os.path.join(root, rel), encoding="utf-8").read()
        for description in commands(text):
            check(rel, description)
        for element, words in setting_lists(text, properties):
            # (quoted values as gst-launch takes them)
            check(rel + " (settings)", element + " " + " ".join(words))
        for command, options in nmftool_lines(text):
            if command not in helps:
                helps[command] = subprocess.run(
                    [nmftool, command, "--help"], capture_output=True,
                    text=True).stdout
            for option in options:
                checked += 1
                if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(option),
                                 helps[command]):
                    print(f"FAIL: {rel}: nmftool {command} {option}: not in "
                          f"'nmftool {command} --help'")
                    failures += 1
    for key in factory.get_metadata_keys():
        if key.startswith("Example"):
            line = factory.get_metadata(key)
            line = re.sub(r"\s+\(.*\)$", "", line)      # its explanation
            line = re.sub(r"^gst-launch-1.0\s+", "", line)
            check(f"gst-inspect {key}", line.replace("...", "audiotestsrc"))
    print(f"{checked} pipelines and settings parsed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
