"""benchmarks/text_runs.py: the text benchmarks' configs on the validation carve
and on the final splits."""

import pytest
import text_runs


@pytest.mark.parametrize("pipeline", ["lm_bible", "mlm_bible"])
def test_selection_config_uses_the_carve_for_training_vocabulary_and_scoring(pipeline):
    config = text_runs.config_for(pipeline, None, (256, 2), 3, seed=1, selection=True)
    assert config["dataset"]["train_split"] == "train[:90%]"
    assert config["dataset"]["test_split"] == "train[90%:]"
    for args in (config["paradigm"]["args"], config["pretext"]["args"]):
        assert args["vocabulary"]["split"] == "train[:90%]"
    assert config["paradigm"]["args"]["dim"] == 256 and config["train"]["epochs"] == 3
    final = text_runs.config_for(pipeline, None, (128, 2), 5, seed=2, selection=False)
    assert final["dataset"]["test_split"] == "test" and final["seed"] == 2
    assert final["paradigm"]["args"]["vocabulary"]["split"] == "train"


def test_smoke_config_is_the_tiny_model_on_few_examples():
    smoke = {"max_train": 50, "max_test": 10}
    config = text_runs.config_for("lm_bible", smoke, (32, 1), 1, seed=0, selection=False)
    assert config["paradigm"]["args"]["dim"] == 32 and config["paradigm"]["args"]["depth"] == 1
    assert config["dataset"]["max_train"] == 50 and config["dataset"]["max_test"] == 10
    assert config["pretext"]["args"]["vocabulary"]["max_examples"] == 50


def test_command_line_and_summary():
    assert text_runs.parse_args(["--smoke", "--seeds", "1,2"]) == (True, [1, 2])
    assert text_runs.parse_args([]) == (False, [0])
    with pytest.raises(SystemExit, match="unknown arguments"):
        text_runs.parse_args(["--epochs", "3"])
    assert text_runs.summary([1, 3]) == {"mean": 2.0, "sd": pytest.approx(2**0.5)}
    assert text_runs.summary([5]) == {"mean": 5.0, "sd": 0.0}
