"""benchmarks/quality_word2vec.py --smoke: both modes side by side with gensim on
2,000 verses, one epoch; nothing written."""

import pytest
import quality_word2vec


@pytest.mark.parametrize("mode", ["skip_gram", "cbow"])
def test_smoke_compares_with_gensim_and_writes_nothing(refuse_writes, capsys, mode):
    refuse_writes()
    quality_word2vec.main(["--smoke", "--allow-dirty", "--mode", mode])
    out = capsys.readouterr().out
    assert "seed 0:" in out and "smoke run: nothing written" in out
    for side in ("tfxlearn", "gensim"):
        line = next(x for x in out.splitlines() if x.strip().startswith(side))
        assert "WS353" in line and "SimLex" in line and "words/s" in line


def test_a_bad_mode_is_refused():
    with pytest.raises(SystemExit, match="--mode must be one of"):
        quality_word2vec.main(["--smoke", "--allow-dirty", "--mode", "glove"])
