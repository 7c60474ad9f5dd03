#!/usr/bin/python3
"""Every figure of the README's tables is one of docs/benchmarks.md's.

    figures.py SOURCE_ROOT

The README shows the headline rows of benchmarks.md's tables (SDR in dB,
CPU ratios); a figure measured again goes into benchmarks.md with its
command and date, and the README is to follow it.  Each decimal number of
a table row in README.md ("2.12", "-1.12", "1.61×") must appear in
benchmarks.md as a number of its own.  Exit status 0 when every one does,
1 with a line per figure that benchmarks.md does not hold.
"""
import os
import re
import sys

NUMBER = r"(?<![\w.])[-−]?\d+\.\d+(?![\d.])"


def main():
    if len(sys.argv) != 2:
        print("usage: figures.py SOURCE_ROOT", file=sys.stderr)
        return 2
    root = sys.argv[1]
    readme = open(os.path.join(root, "README.md"), encoding="utf-8").read()
    bench = open(os.path.join(root, "docs", "benchmarks.md"), encoding="utf-8").read()
    held = {n.replace("−", "-") for n in re.findall(NUMBER, bench)}
    missing = checked = 0
    for line in readme.splitlines():
        if not line.startswith("|"):
            continue
        for n in re.findall(NUMBER, line):
            checked += 1
            if n.replace("−", "-") not in held:
                print(f"FAIL: README.md: {n} ({line.strip()[:70]}...) is in no "
                      "table or text of docs/benchmarks.md")
                missing += 1
    print(f"{checked} figures of the README's tables checked, {missing} not in benchmarks.md")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
