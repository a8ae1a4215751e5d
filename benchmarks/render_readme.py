"""Renders benchmarks/results/*.json into README.md and docs/*.md between result markers.

The sections come from `benchmarks/renderers/`: each module there (one per
benchmark family) maps marker names to the functions rendering them; this script
is the marker engine. Each section is rendered between its `<!-- NAME:start -->`
and `<!-- NAME:end -->` markers, which must appear exactly once across README.md and
docs/*.md (the script names any missing, repeated or unknown marker and writes
nothing). Sections write links and image paths relative to the repository root;
they are made relative to the file they land in. Nothing between markers is
typed by hand: `make bench` reruns the benchmarks, then this script.

    python benchmarks/render_readme.py           # render every section in place
    python benchmarks/render_readme.py --check   # list dirty or stale result files
"""

from __future__ import annotations

import glob
import os
import re

from renderers import sections

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
README = os.path.join(ROOT, "README.md")
SECTIONS = sections()  # marker name -> the function rendering what goes between its markers


def _marker_files() -> list[str]:
    """The files result markers may live in: README.md and every docs/*.md."""
    docs = os.path.join(ROOT, "docs")
    pages = sorted(glob.glob(os.path.join(docs, "*.md"))) if os.path.isdir(docs) else []
    return [README, *pages]


MARKER = re.compile(r"<!-- ([\w-]+):(start|end) -->")


def find_markers(texts: dict[str, str]) -> dict[str, str]:
    """Section name -> the file holding its markers. Exits with a message when a
    section's markers are missing, when a section's markers appear more than once
    (in one file or across files), when a start has no end, or when a marker names
    no section."""
    where: dict[str, list[str]] = {}
    problems = []
    for path, text in texts.items():
        found = MARKER.findall(text)
        names = {name for name, _ in found}
        for name in sorted(names):
            starts = found.count((name, "start"))
            ends = found.count((name, "end"))
            pair = re.search(rf"<!-- {name}:start -->\n.*?<!-- {name}:end -->", text, re.S)
            if starts != 1 or ends != 1 or pair is None:
                problems.append(
                    f"{_rel(path)}: <!-- {name}:start --> x{starts}, <!-- {name}:end --> x{ends} "
                    "(each exactly once, start on a line of its own before end)"
                )
            where.setdefault(name, []).append(path)
    for name, paths in sorted(where.items()):
        if name not in SECTIONS:
            problems.append(f"<!-- {name}:start/end --> in {_rel(paths[0])} names no section")
        elif len(paths) > 1:
            problems.append(
                f"<!-- {name}:start/end --> in more than one file: "
                + ", ".join(_rel(p) for p in paths)
            )
    for name in SECTIONS:
        if name not in where:
            problems.append(
                f"no <!-- {name}:start --> / <!-- {name}:end --> markers in README.md or docs/*.md"
            )
    if problems:
        raise SystemExit("render_readme: " + "\n  ".join(["marker problems:", *problems]))
    return {name: paths[0] for name, paths in where.items()}


def _rel(path: str) -> str:
    return os.path.relpath(path, ROOT)


LINK = re.compile(r"(\]\()([^)\s#:]+)((?:#[^)\s]*)?\))")


def relative_links(body: str, path: str) -> str:
    """Sections write link and image targets relative to the repository root
    (`benchmarks/results/x.png`, `docs/image.md`); this makes them relative to
    the file `path` they are rendered into."""
    here = os.path.dirname(path)

    def fix(m):
        target = os.path.relpath(os.path.join(ROOT, m.group(2)), here).replace(os.sep, "/")
        return m.group(1) + target + m.group(3)

    return LINK.sub(fix, body)


def render(text: str, marker: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {marker}:start -->\n).*?(<!-- {marker}:end -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"no <!-- {marker}:start/end --> markers")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def check() -> int:
    """`--check`: lists result files that are dirty, stale or of an unknown commit
    (`stale.py`); the exit status is the number of them (0: every row is clean)."""
    import journal
    import stale

    found = stale.report()
    for name, why in found.items():
        print(f"{name}: {'; '.join(why)}")
        command = stale.command(name)
        if command:
            print(f"  rerun: python {command}")
    print(f"{len(found)} result file(s) dirty, stale or of an unknown commit")
    waiting = journal.status()
    if waiting:
        print("journaled runs waiting to be resumed (rerun the command at that commit):")
        print("\n".join(f"  {line}" for line in waiting))
    carried = journal.carried_status()
    if carried:
        print("journals carried from another machine (benchmarks/carried/):")
        print("\n".join(f"  {line}" for line in carried))
    return min(len(found), 100)


def main():
    import sys

    if "--check" in sys.argv[1:]:
        raise SystemExit(check())
    texts = {}
    for path in _marker_files():
        with open(path) as f:
            texts[path] = f.read()
    where = find_markers(texts)
    rendered = dict(texts)
    for name, section in SECTIONS.items():
        path = where[name]
        rendered[path] = render(rendered[path], name, relative_links(section(), path))
    for path, text in rendered.items():
        if text == texts[path]:
            continue
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
    for path in rendered:
        names = [name for name in SECTIONS if where[name] == path]
        if names:
            changed = "updated" if rendered[path] != texts[path] else "unchanged"
            print(f"{_rel(path)} ({changed}): {', '.join(names)}")


if __name__ == "__main__":
    main()
