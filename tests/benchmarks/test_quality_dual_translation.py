"""benchmarks/quality_dual_translation.py --smoke: selection on the validation
carve, then the three arms on the test books, tiny models; nothing written."""

import quality_dual_translation as bench


def test_smoke_selects_on_validation_measures_and_writes_nothing(refuse_writes, capsys):
    refuse_writes()
    bench.main(["--smoke", "--allow-dirty"])
    out = capsys.readouterr().out
    assert "selection on the validation carve train[90%:]" in out
    assert "warm epoch 1: validation BLEU" in out and "full epoch 1: validation BLEU" in out
    assert "chosen: 1 warm epochs" in out
    assert "seed 0: BLEU warm start" in out and "smoke run: nothing written" in out


def test_selection_config_uses_the_carve_for_training_vocabularies_and_scoring():
    config = bench.config_for(False, seed=1, selection=True)
    assert config["dataset"]["train_split"] == "train[:90%]"
    assert config["dataset"]["test_split"] == "train[90%:]"
    for key in ("vocabulary_a", "vocabulary_b"):
        assert config["paradigm"]["args"][key]["split"] == "train[:90%]"
    final = bench.config_for(False, seed=2, selection=False)
    assert final["dataset"]["test_split"] == "test" and final["seed"] == 2
    assert final["paradigm"]["args"]["vocabulary_a"]["split"] == "train"


def test_gap_recovered():
    rows = {"warm start": {"bleu": 4.0}, "warm start + dual": {"bleu": 6.0}}
    assert bench.gap_recovered({**rows, "100% parallel": {"bleu": 12.0}}, "bleu") == 0.25
    assert bench.gap_recovered({**rows, "100% parallel": {"bleu": 4.0}}, "bleu") is None
