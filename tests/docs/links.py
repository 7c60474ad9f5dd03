#!/usr/bin/python3
"""Every relative link of the project's markdown files resolves.

    links.py SOURCE_ROOT

In README.md, CHANGELOG.md and docs/*.md: each [text](target) and
<img src="target"> that is not a URL names a file or directory of the tree,
and its #anchor (or a bare #anchor, in the same file) is a heading of that
markdown file, as GitHub makes anchors of headings: lower case, punctuation
but '-' and '_' dropped, each space a '-', a repeated heading given -1, -2.
Code (fenced blocks and `spans`) is skipped.  Exit status 0 when every
link resolves, 1 with a line per dead link.
"""
import os
import re
import sys


def strip_code(text):
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def anchors(path):
    """GitHub's anchors of the headings of the markdown file PATH."""
    seen = {}
    out = set()
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    for m in re.finditer(r"^#{1,6}\s+(.*?)\s*#*\s*$", text, flags=re.M):
        title = m.group(1)
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)   # links: their text
        slug = title.strip().lower()
        slug = re.sub(r"[^\w\- ]", "", slug)                  # \w: Unicode letters too
        slug = slug.replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def main():
    if len(sys.argv) != 2:
        print("usage: links.py SOURCE_ROOT", file=sys.stderr)
        return 2
    root = sys.argv[1]
    files = ["README.md", "CHANGELOG.md"] + sorted(
        os.path.join("docs", f) for f in os.listdir(os.path.join(root, "docs"))
        if f.endswith(".md"))
    dead = 0
    checked = 0
    cache = {}
    for rel in files:
        path = os.path.join(root, rel)
        with open(path, encoding="utf-8") as f:
            text = strip_code(f.read())
        targets = re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", text)
        targets += re.findall(r"<img[^>]*\ssrc=\"([^\"]+)\"", text)
        for target in targets:
            if re.match(r"[a-z][a-z0-9+.-]*:", target):        # a URL
                continue
            checked += 1
            file_part, _, anchor = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) \
                if file_part else path
            if not os.path.exists(dest):
                print(f"FAIL: {rel}: ({target}): no {os.path.relpath(dest, root)}")
                dead += 1
                continue
            if anchor:
                if not dest.endswith(".md"):
                    print(f"FAIL: {rel}: ({target}): an anchor in a file that is not markdown")
                    dead += 1
                    continue
                if dest not in cache:
                    cache[dest] = anchors(dest)
                if anchor not in cache[dest]:
                    print(f"FAIL: {rel}: ({target}): no heading "
                          f"#{anchor} in {os.path.relpath(dest, root)}")
                    dead += 1
    print(f"{checked} links checked, {dead} dead")
    return 1 if dead else 0


if __name__ == "__main__":
    sys.exit(main())
