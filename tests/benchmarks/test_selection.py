"""benchmarks/selection.py: choices are made on the validation carve, never on test."""

import os

import common
import pytest
import selection as select

from tfxlearn import data as tfx_data
from tfxlearn import pipeline


def _tiny_config():
    config = pipeline.load_config("rotation_fashion_mnist", smoke=True)
    config["dataset"].update(name="digits", max_train=256, max_test=100)
    config["encoder"]["args"] = {"input_shape": [8, 8, 1], "widths": [8, 16]}
    config["train"].update(epochs=1, batch_size=32, shuffle_buffer=256)
    config["evaluation"].update(
        protocols={"linear_probe": {}},
        supervised_epochs=1,
        blessing={"protocol": "linear_probe", "min_gain_over_random": -1.0},
    )
    return config


def test_a_selection_run_reads_only_the_training_split(tfds_dir, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    read = []
    load = tfx_data.load

    def spy(name, split, **kwargs):
        read.append(split)
        return load(name, split, **kwargs)

    monkeypatch.setattr(tfx_data, "load", spy)
    metrics = select.run_candidate(_tiny_config())
    assert read and all(tfx_data.splits.base_names(s) == {"train"} for s in read), read
    assert {"train[:90%]", "train[90%:]"} <= set(read)
    assert metrics["config"]["selection"]["test_split"] == "test"
    assert set(metrics["results"]) == {"random-init", "rotation"}  # no all-labels run
    value = select.metric_value(metrics, "rotation", "linear_probe")
    assert value == metrics["results"]["rotation"]["linear_probe"]["accuracy"]


def test_a_selection_that_would_read_test_fails(tfds_dir, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)

    # A selection helper that forgot the carve: its evaluation reads `test`.
    def no_carve(config):
        config = dict(config, selection={"test_split": "test"})
        return config

    monkeypatch.setattr(pipeline, "selection_config", no_carve)
    with pytest.raises(tfx_data.ForbiddenSplitError, match="test"):
        select.run_candidate(_tiny_config())


def test_select_keeps_the_best_validation_candidate_and_records_all(monkeypatch, tmp_path):
    monkeypatch.setattr(common, "RESULTS", str(tmp_path))
    monkeypatch.setattr(common, "code_state", lambda: dict(common.START))
    scores = {0.003: 0.7, 0.001: 0.8, 0.01: 0.8}

    def fake_run(config):
        lr = config["train"]["learning_rate"]
        return {"results": {"rotation": {"linear_probe": {"accuracy": scores[lr]}}}}

    selection = select.Selection(
        pipeline="rotation_fashion_mnist",
        options={"smoke": True},
        candidates={"3e-3": {}, "1e-3": {}, "1e-2": {}},
        metric="linear_probe",
    )
    rates = iter([0.003, 0.001, 0.01])
    real_load = pipeline.load_config

    def load_config(name, **options):
        config = real_load(name, **options)
        config["train"]["learning_rate"] = next(rates)
        return config

    monkeypatch.setattr(pipeline, "load_config", load_config)
    payload = select.select("toy", selection, run=fake_run)
    assert payload["chosen"] == "1e-3"  # ties go to the first listed
    assert [c["validation"] for c in payload["candidates"].values()] == [0.7, 0.8, 0.8]
    assert os.path.isfile(tmp_path / "select_toy.json")


def test_model_protocol_metrics_are_read():
    metrics = {"model_results": {"correspondence": {"accuracy": 0.9}}}
    assert select.metric_value(metrics, "l3_net", "model:correspondence.accuracy") == 0.9


def test_every_selection_names_a_pipeline_and_its_options():
    known = set(pipeline.available_pipelines())
    for name, s in select.SELECTIONS.items():
        assert s.pipeline in known, name
        for candidate in s.candidates.values():
            config = pipeline.load_config(s.pipeline, smoke=True, **candidate)
            assert config["name"] == s.pipeline
