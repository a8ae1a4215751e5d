"""`tfxlearn style CONTENT STYLE` in-process: a PNG and one-line errors."""

import os

from absl.testing import flagsaver

from tfxlearn import cli


def _main(*args, **flag_values):
    if not cli.FLAGS.is_parsed():
        cli.FLAGS.mark_as_parsed()
    with flagsaver.flagsaver(**flag_values):
        return cli.main(["tfxlearn", "style", *args])


def test_style_cli_writes_a_png_and_refuses_unknown_images(tmp_path, capsys):
    out = str(tmp_path / "out" / "astronaut_brick.png")
    assert _main("astronaut", "brick", out=out, smoke=True, extractor="random") == 0
    printed = capsys.readouterr().out
    assert f"stylized image (PNG): {out}" in printed and "before: loss" in printed
    assert os.path.getsize(out) > 1000
    assert _main("astronaut", "no_such_texture", out=out, smoke=True) == 2
    assert "neither a file nor a scikit-image image" in capsys.readouterr().err
