#!/usr/bin/python3
"""The Debian package lists of the documentation are the scripts'.

    packages.py SOURCE_ROOT

scripts/setup.sh's NMF_PACKAGES (what pipelines/demo.sh and tests/run.sh
install) and the extra packages tests/run.sh passes to nmf_ensure_packages
are the lists a user copies from the docs.  In README.md, the backquoted
list after "Build dependencies" is NMF_PACKAGES and the one after
"`tests/run.sh` adds" is tests/run.sh's extras, each exactly; every other
backquoted list of packages in README.md and docs/desk.md (the desk's
packages, said to be installed by tests/run.sh) is a subset of the two.
Exit status 0 when they agree, 1 with a line per difference.
"""
import os
import re
import sys

PACKAGE = r"[a-z0-9][a-z0-9.+-]+"


def setup_packages(root):
    text = open(os.path.join(root, "scripts", "setup.sh"), encoding="utf-8").read()
    m = re.search(r'^NMF_PACKAGES="([^"]*)"', text, flags=re.M)
    return set(m.group(1).replace("\\\n", " ").split())


def run_sh_extras(root):
    text = open(os.path.join(root, "tests", "run.sh"), encoding="utf-8").read()
    m = re.search(r"nmf_ensure_packages ([^;\n]*)", text)
    return set(m.group(1).split())


def package_lists(text):
    """(offset, packages) of each backquoted span of three or more words
    that all look like Debian package names, half of them at least with a
    '-' (so that a command such as `meson setup build` is not one)."""
    out = []
    # fenced blocks blanked out first (their ``` would pair the spans
    # wrongly), keeping the offsets
    text = re.sub(r"^```.*?^```", lambda f: " " * len(f.group(0)), text,
                  flags=re.M | re.S)
    for m in re.finditer(r"`([^`]+)`", text):
        words = m.group(1).split()
        if len(words) >= 3 and all(re.fullmatch(PACKAGE, w) for w in words) \
                and 2 * sum("-" in w for w in words) >= len(words):
            out.append((m.start(), set(words)))
    return out


def main():
    if len(sys.argv) != 2:
        print("usage: packages.py SOURCE_ROOT", file=sys.stderr)
        return 2
    root = sys.argv[1]
    base, extras = setup_packages(root), run_sh_extras(root)
    errors = 0

    def differ(where, doc, want):
        nonlocal errors
        for p in sorted(want - doc):
            print(f"FAIL: {where}: {p} is missing (the script installs it)")
            errors += 1
        for p in sorted(doc - want):
            print(f"FAIL: {where}: {p} is not installed by the script")
            errors += 1

    readme = open(os.path.join(root, "README.md"), encoding="utf-8").read()
    lists = package_lists(readme)
    exact = {"Build dependencies": base, "`tests/run.sh` adds": extras}
    matched = set()
    for phrase, want in exact.items():
        at = readme.find(phrase)
        after = [(pos, pkgs) for pos, pkgs in lists if pos > at >= 0]
        if not after:
            print(f"FAIL: README.md: no package list after {phrase!r}")
            errors += 1
            continue
        pos, pkgs = after[0]
        matched.add(pos)
        differ(f"README.md, the list after {phrase!r}", pkgs, want)
    others = [("README.md", pkgs) for pos, pkgs in lists if pos not in matched]
    desk = open(os.path.join(root, "docs", "desk.md"), encoding="utf-8").read()
    others += [("docs/desk.md", pkgs) for _, pkgs in package_lists(desk)]
    for where, pkgs in others:
        for p in sorted(pkgs - base - extras):
            print(f"FAIL: {where}: {p} (in {' '.join(sorted(pkgs))}) "
                  "is installed by neither scripts/setup.sh nor tests/run.sh")
            errors += 1
    print(f"{len(lists)} lists in README.md checked, {errors} differences")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
