"""MkDocs hooks (mkdocs.yml `hooks:`): the figures of benchmarks/results on the site.

The results pages show figures that live outside `docs/`, in
`benchmarks/results/*.png`, linked as `../benchmarks/results/NAME.png` so that
they also show on GitHub. A strict build refuses links that leave `docs/`, so
these hooks add each figure to the site as `benchmarks/results/NAME.png` and
point the pages' links there. Nothing else is rewritten.
"""

from __future__ import annotations

import glob
import os
import posixpath
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = "benchmarks/results"
FIGURE = re.compile(r"(\]\()((?:\.\./)+)(" + re.escape(RESULTS) + r"/[^)\s]+\.png)(\))")


def on_files(files, config):
    """Adds benchmarks/results/*.png to the site under the same path."""
    from mkdocs.structure.files import File

    for path in sorted(glob.glob(os.path.join(ROOT, RESULTS, "*.png"))):
        src_uri = f"{RESULTS}/{os.path.basename(path)}"
        if files.get_file_from_path(src_uri) is None:
            files.append(File.generated(config, src_uri, abs_src_path=path))
    return files


def on_page_markdown(markdown, page, config, files):
    """`../benchmarks/results/X.png` (relative to the page in the repository) ->
    the copy added by `on_files` (relative to the page on the site)."""
    docs = os.path.relpath(config["docs_dir"], ROOT).replace(os.sep, "/")
    page_dir = posixpath.dirname(page.file.src_uri)

    def fix(m):
        in_repo = posixpath.normpath(posixpath.join(docs, page_dir, m.group(2) + m.group(3)))
        if in_repo != m.group(3):  # the link does not reach the repository's file
            return m.group(0)
        site = posixpath.relpath(m.group(3), page_dir or ".")
        return m.group(1) + site + m.group(4)

    return FIGURE.sub(fix, markdown)
