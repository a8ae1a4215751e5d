"""The adversarial_training pipeline end to end on the digits: training, the
robust_accuracy model protocol at several radii, blessing, export, the picture
of clean and adversarial examples; and the protocol's clear errors."""

import json
import os

import pytest

from tfxlearn import evaluation, pipeline


def _tiny_config():
    config = pipeline.load_config("adversarial_training_fashion_mnist", smoke=True)
    config["name"] = config["export"]["model_name"] = "adversarial_training_digits_test"
    config["dataset"].update(name="digits", max_train=256, max_test=100)
    config["encoder"]["args"] = {"input_shape": [8, 8, 1], "widths": [8, 16]}
    config["train"].update(batch_size=32, shuffle_buffer=256)
    config["evaluation"]["model_protocols"]["robust_accuracy"].update(eps=[0.05, 0.2], steps=3)
    return config


def test_pipeline_trains_attacks_and_exports(tmp_path):
    result = pipeline.run(
        _tiny_config(),
        run_dir=str(tmp_path / "run"),
        export_root=str(tmp_path / "saved_models"),
        verbose=0,
    )
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    robust = metrics["model_results"]["robust_accuracy"]
    assert set(robust) == {
        "clean_accuracy",
        "fgsm@0.05",
        "fgsm@0.2",
        "pgd@0.05",
        "pgd@0.2",
        "examples",
    }
    assert robust["examples"] == 100
    for key in ("fgsm@0.05", "fgsm@0.2", "pgd@0.05", "pgd@0.2"):
        assert 0.0 <= robust[key] <= robust["clean_accuracy"]
    assert set(metrics["history"]) == {"loss", "accuracy", "adversarial_accuracy"}
    assert metrics["blessed"] and os.path.isfile(os.path.join(result.export_path, "saved_model.pb"))
    assert os.path.getsize(result.plots["adversarial_examples"]) > 1000


def test_robust_accuracy_protocol_refuses_unknown_attacks_and_bad_radii():
    config = _tiny_config()
    data = pipeline.eval_data(config)
    protocol = evaluation.model_protocol("robust_accuracy")
    with pytest.raises(ValueError, match="attacks must be among"):
        protocol(object(), data, attacks=["cw"])
    model = pipeline.build_model(config)
    with pytest.raises(ValueError, match="eps must be"):
        protocol(model, data, eps=[0.0])
