"""benchmarks/render_readme.py (the marker engine) and benchmarks/renderers/ (one
renderer module per benchmark family)."""

import os

import pytest
import render_readme
import renderers
from renderers import common


def test_every_marker_in_the_pages_has_one_renderer_and_the_other_way_round():
    texts = {}
    for path in render_readme._marker_files():
        with open(path) as f:
            texts[path] = f.read()
    where = render_readme.find_markers(texts)  # exits on any marker problem
    assert set(where) == set(render_readme.SECTIONS) == set(renderers.sections())
    assert where["paradigms"] == render_readme.README


def test_without_result_files_each_section_names_the_command_to_run(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "RESULTS", str(tmp_path))
    for marker, section in renderers.sections().items():
        body = section()
        if marker == "paradigms":  # the README table: one row per paradigm, none measured
            rows = [line for line in body.splitlines() if line.startswith("| ")][1:]
            assert rows and all("| not measured |" in row for row in rows), body
            continue
        assert body.startswith("_") and body.endswith("_"), (marker, body)
        assert "`python benchmarks/" in body or "`make " in body, (marker, body)


def test_marker_problems_are_named():
    body = "<!-- quality:start -->\nold\n<!-- quality:end -->\n"
    with pytest.raises(SystemExit, match=r"quality:start --> x2"):
        render_readme.find_markers({"/r/docs/a.md": body + body})
    with pytest.raises(SystemExit, match="names no section"):
        render_readme.find_markers({"/r/docs/a.md": "<!-- nosuch:start -->\n<!-- nosuch:end -->"})
    with pytest.raises(SystemExit, match="no <!-- video:start -->"):
        render_readme.find_markers({"/r/docs/a.md": body})


def test_render_replaces_only_the_body_and_links_become_relative_to_the_page():
    text = "a\n<!-- speed:start -->\nold\n<!-- speed:end -->\nb\n"
    assert render_readme.render(text, "speed", "new") == (
        "a\n<!-- speed:start -->\nnew\n<!-- speed:end -->\nb\n"
    )
    page = os.path.join(render_readme.ROOT, "docs", "image.md")
    body = "![x](benchmarks/results/x.png) [v](docs/video.md#top) [w](https://e.org/a)"
    assert render_readme.relative_links(body, page) == (
        "![x](../benchmarks/results/x.png) [v](video.md#top) [w](https://e.org/a)"
    )


def test_table_writes_empty_cells_as_the_tables_always_did():
    assert common.table(["a", "b", "c"], [["1", "", ""]]) == [
        "| a | b | c |",
        "|---|---|---|",
        "| 1 | | |",
    ]
    assert common.gain_cell(80.0, 75.0, 3.0) == "+5.0 ✓"
    assert common.gain_cell(76.0, 75.0, 3.0) == "+1.0 ✗"
    assert common.gain_cell(74.0, 75.0) == "-1.0"
    assert common.gain_cell(None, 75.0, 3.0) == "—"


def test_every_image_in_the_pages_points_at_a_file_of_the_repository():
    # sections write targets relative to the repository root and the engine makes
    # them relative to their page: a renderer that wrote "../benchmarks/..."
    # put "../../benchmarks/..." into docs/*.md, a broken picture
    import re

    for path in render_readme._marker_files():
        with open(path) as f:
            text = f.read()
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text):
            resolved = os.path.normpath(os.path.join(os.path.dirname(path), target))
            assert os.path.exists(resolved), (path, target)
