"""benchmarks/quality_mlm.py --smoke: selection on the validation carve, then the
test books (masked tokens and probes), a tiny model; nothing written."""

import numpy as np
import quality_mlm


def test_smoke_selects_on_validation_measures_and_writes_nothing(refuse_writes, capsys):
    refuse_writes()
    quality_mlm.main(["--smoke", "--allow-dirty"])
    out = capsys.readouterr().out
    assert "selection on the validation carve train[90%:]" in out
    assert "(32, 1) epoch 1: validation masked-token accuracy" in out
    assert "chosen: 32x1, 1 epochs" in out
    assert "seed 0: masked-token accuracy" in out and "probes testament" in out
    assert "smoke run: nothing written" in out


def test_probe_verses_split_every_book_by_disjoint_chapters():
    verses = quality_mlm.probe_verses(smoke=False)
    side, book = verses["test_side"], verses["book"]
    assert set(book.tolist()) == set(range(11))
    for b in range(11):  # every book on both sides
        assert side[book == b].any() and (~side[book == b]).any()
    assert set(verses["testament"].tolist()) == {0, 1}
    assert 0.25 < side.mean() < 0.4
    assert np.all(side == verses["test_side"])
