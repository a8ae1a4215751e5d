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


def test_selection_config_uses_the_carve_for_training_vocabulary_and_scoring():
    config = quality_lm.config_for(False, (256, 2), 3, seed=1, selection=True)
    assert config["dataset"]["train_split"] == "train[:90%]"
    assert config["dataset"]["test_split"] == "train[90%:]"
    for args in (config["paradigm"]["args"], config["pretext"]["args"]):
        assert args["vocabulary"]["split"] == "train[:90%]"
    assert config["paradigm"]["args"]["dim"] == 256 and config["train"]["epochs"] == 3
    final = quality_lm.config_for(False, (128, 2), 5, seed=2, selection=False)
    assert final["dataset"]["test_split"] == "test" and final["seed"] == 2
    assert final["paradigm"]["args"]["vocabulary"]["split"] == "train"
