"""benchmarks/quality_lm.py --smoke: selection on the validation carve, then the
test books, a tiny model; nothing written."""

import os
import sys

sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "benchmarks")
)

import common  # noqa: E402
import quality_lm  # noqa: E402


def test_smoke_selects_on_validation_measures_and_writes_nothing(monkeypatch, capsys):
    def no_write(*args, **kwargs):
        raise AssertionError("the smoke run must not write a result")

    monkeypatch.setattr(common, "write_result", no_write)
    quality_lm.main(["--smoke", "--allow-dirty"])
    out = capsys.readouterr().out
    assert "selection on the validation carve train[90%:]" in out
    assert "Kneser-Ney order 2: validation perplexity" in out
    assert "chosen: 32x1, 1 epochs, Kneser-Ney order" in out
    assert "seed 0: Transformer" in out and "smoke run: nothing written" in out
