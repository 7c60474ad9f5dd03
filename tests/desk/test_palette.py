#!/usr/bin/python3
"""The desk draws its key in the element's colours: the table
source_colours of plugin/gstnmfviz.c, tools/desk/nmfdesk/picture.py's
SOURCE_COLOURS and test_desk.py's PALETTE (which the desk's screenshot is
checked against) hold the same 16 colours, in the same order.

    test_palette.py SOURCE_DIR
"""
import importlib.util
import os
import re
import sys


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def element_colours(path):
    with open(path) as f:
        text = f.read()
    table = re.search(r"source_colours\[16\]\[3\] = \{(.*?)\};", text, re.S)
    if not table:
        sys.exit("no table source_colours[16][3] in %s" % path)
    return [tuple(int(v, 16) for v in entry)
            for entry in re.findall(r"\{(0x\w+), (0x\w+), (0x\w+)\}",
                                    table.group(1))]


def main():
    root = sys.argv[1]
    element = element_colours(os.path.join(root, "plugin", "gstnmfviz.c"))
    picture = load("picture", os.path.join(root, "tools", "desk", "nmfdesk",
                                           "picture.py"))
    # (test_desk.py runs nothing when imported)
    test_desk = load("test_desk", os.path.join(root, "tests", "desk",
                                               "test_desk.py"))
    desk = [picture.source_colour(s) for s in range(16)]
    checked = [test_desk.palette(s) for s in range(16)]
    failed = False
    for name, colours in (("the desk (picture.py)", desk),
                          ("test_desk.py", checked)):
        if colours != element:
            failed = True
            print("FAIL: %s has colours %s, the element %s"
                  % (name, colours, element))
    if len(element) != 16 or picture.source_colour(16) != element[0]:
        failed = True
        print("FAIL: 16 colours, source 16 in source 0's: %d, %s"
              % (len(element), picture.source_colour(16)))
    if failed:
        sys.exit(1)
    print("the element, the desk and test_desk.py: the same 16 colours")


if __name__ == "__main__":
    main()
