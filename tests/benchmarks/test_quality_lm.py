"""benchmarks/quality_lm.py --smoke: selection on the validation carve, then the
test books, a tiny model; nothing written."""

import quality_lm


def test_smoke_selects_on_validation_measures_and_writes_nothing(refuse_writes, capsys):
    refuse_writes()
    quality_lm.main(["--smoke", "--allow-dirty"])
    out = capsys.readouterr().out
    assert "selection on the validation carve train[90%:]" in out
    assert "Kneser-Ney order 2: validation perplexity" in out
    assert "chosen: 32x1, 1 epochs, Kneser-Ney order" in out
    assert "seed 0: Transformer" in out and "smoke run: nothing written" in out
