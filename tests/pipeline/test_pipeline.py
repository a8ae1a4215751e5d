import json
import os
import subprocess
import sys

import keras
import pytest
import tensorflow as tf
from _helpers import tiny_rotation_config

from tfxlearn import pipeline


def test_pipeline_runs_every_stage_and_writes_the_run_directory(tmp_path):
    result = pipeline.run(
        tiny_rotation_config(),
        run_dir=str(tmp_path / "run"),
        export_root=str(tmp_path / "saved_models"),
        verbose=0,
    )
    run_dir = tmp_path / "run"
    config = json.loads((run_dir / "config.json").read_text())
    assert config["dataset"]["name"] == "digits"
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert set(metrics["results"]) == {"random-init", "rotation", "all labels"}
    for row in metrics["results"].values():
        assert 0.0 <= row["linear_probe"]["accuracy"] <= 1.0 and "knn" in row
    assert len(metrics["history"]["loss"]) == 2
    assert metrics["blessed"] is True
    assert result.export_path == str(tmp_path / "saved_models" / "rotation_digits_test" / "1")
    assert os.path.isfile(os.path.join(result.export_path, "saved_model.pb"))
    for path in result.plots.values():
        assert os.path.getsize(path) > 1000
    assert os.listdir(run_dir / "tensorboard")
    assert "random-init" in result.metrics["table"]


def test_unblessed_model_is_not_pushed(tmp_path):
    result = pipeline.run(
        tiny_rotation_config(min_gain=1.0),
        run_dir=str(tmp_path / "run"),
        export_root=str(tmp_path / "saved_models"),
        verbose=0,
    )
    assert result.metrics["blessed"] is False and result.export_path is None
    assert not os.path.exists(tmp_path / "saved_models")


def test_bad_configs_are_refused_early():
    config = tiny_rotation_config()
    config["paradigm"]["name"] = "rotaton"
    with pytest.raises(KeyError, match="unknown paradigm 'rotaton'"):
        pipeline.validate_config(config)
    config = tiny_rotation_config()
    config["train"]["batch_size"] = 0
    with pytest.raises(ValueError, match="train.batch_size"):
        pipeline.validate_config(config)
    config = tiny_rotation_config()
    config["evaluation"]["protocols"] = {"linear_prob": {}}
    with pytest.raises(ValueError, match="linear_prob"):
        pipeline.validate_config(config)
    with pytest.raises(
        ValueError, match="unknown pipeline 'nope'; known: .*rotation_fashion_mnist"
    ):
        pipeline.load_config("nope")


def test_cosine_schedule_decays_to_zero_over_the_run():
    config = tiny_rotation_config()
    config["train"].update(learning_rate=0.01, learning_rate_schedule="cosine")
    pipeline.validate_config(config)
    order = pipeline.EpochOrder(seed=0)
    ds = pipeline.transform(config, pipeline.example_gen(config), order)
    steps = pipeline.steps_per_epoch(ds)
    assert steps == 256 // 32
    model = pipeline.build_model(config, steps)
    schedule = model.optimizer._learning_rate
    assert schedule.decay_steps == 2 * steps
    assert float(model.optimizer.learning_rate) == pytest.approx(0.01)
    model.fit(ds, epochs=2, callbacks=[order], verbose=0)
    assert int(model.optimizer.iterations) == 2 * steps
    assert float(model.optimizer.learning_rate) == pytest.approx(0.0, abs=1e-9)
    # Constant (the default) stays at the configured rate.
    del config["train"]["learning_rate_schedule"]
    assert float(pipeline.build_model(config).optimizer.learning_rate) == pytest.approx(0.01)


def test_bad_schedules_are_refused():
    config = tiny_rotation_config()
    config["train"]["learning_rate_schedule"] = "cosin"
    with pytest.raises(ValueError, match="learning_rate_schedule must be one of"):
        pipeline.validate_config(config)
    config["train"].update(learning_rate_schedule="cosine", optimizer={"class_name": "SGD"})
    with pytest.raises(ValueError, match="put the schedule in the optimizer config"):
        pipeline.validate_config(config)
    del config["train"]["optimizer"]
    with pytest.raises(ValueError, match="needs the number of steps per epoch"):
        pipeline.compile_args(config["train"])


def test_cli_lists_the_registries(subprocess_env):
    proc = subprocess.run(
        [sys.executable, "-m", "tfxlearn.cli", "list"],
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name in ("rotation", "fashion_mnist", "digits", "rotation_fashion_mnist"):
        assert f"  {name}\n" in proc.stdout


def test_shared_baselines_are_reused_and_checked(tmp_path):
    config = tiny_rotation_config()
    config["evaluation"]["supervised_epochs"] = 0
    shared = {"random-init": {"linear_probe": {"accuracy": 0.125}, "knn": {"accuracy": 0.25}}}
    result = pipeline.run(
        config,
        run_dir=str(tmp_path / "run"),
        export_root=str(tmp_path / "saved_models"),
        verbose=0,
        baselines=shared,
    )
    results = result.metrics["results"]
    assert list(results) == ["random-init", "rotation"]
    assert results["random-init"] == shared["random-init"]  # reused, not recomputed
    assert 0.0 <= results["rotation"]["knn"]["accuracy"] <= 1.0
    incomplete = {"random-init": {"linear_probe": {"accuracy": 0.1}}}
    data = pipeline.eval_data(config)
    with pytest.raises(ValueError, match="random-init/knn"):
        pipeline.evaluator(config, pipeline.build_encoder(config), data, baselines=incomplete)


def test_example_gen_indexes_and_limits_the_pretext_set():
    config = tiny_rotation_config()
    config["dataset"]["pretext_max_train"] = 10
    batch = next(iter(pipeline.example_gen(config).batch(100)))
    assert batch["index"].numpy().tolist() == list(range(10))
    assert batch["image"].shape == (10, 8, 8, 1)
    assert pipeline.eval_data(config).max_train == 256  # evaluation keeps max_train


def test_a_pipeline_runs_on_your_own_arrays(tmp_path, tfds_dir):
    import numpy as np

    from tfxlearn import evaluation

    rng = np.random.default_rng(0)

    def arrays(n):
        labels = np.arange(n) % 2
        images = rng.normal(80 + 100 * labels[:, None, None, None], 20, (n, 8, 8, 1))
        return images.clip(0, 255).astype(np.uint8), labels

    mine = evaluation.EvalData.from_arrays(arrays(128), arrays(64), name="my_arrays")
    config = tiny_rotation_config()
    config["evaluation"]["supervised_epochs"] = 0
    result = pipeline.run(
        config,
        run_dir=str(tmp_path / "run"),
        export_root=str(tmp_path / "models"),
        verbose=0,
        data=mine,
    )
    written = json.loads((tmp_path / "run" / "config.json").read_text())
    assert written["dataset"]["name"] == "my_arrays"
    assert result.metrics["results"]["rotation"]["linear_probe"]["accuracy"] > 0.9
    with pytest.raises(TypeError, match="EvalData"):
        pipeline.run(config, run_dir=str(tmp_path / "r2"), data=arrays(4))


def test_precision_mixed_bfloat16_trains_evaluates_and_serves_float32(tmp_path):
    """`train.precision`: the paradigm trains in bfloat16 (float32 variables); the
    baselines stay float32, the served outputs are float32, and the global dtype
    policy is float32 again after the run."""
    config = tiny_rotation_config()
    config["train"]["precision"] = "mixed_bfloat16"
    model = pipeline.build_model(config)
    assert model.encoder.compute_dtype == "bfloat16"
    assert all(v.dtype == "float32" for v in model.trainable_variables)
    assert keras.config.dtype_policy().name == "float32"
    result = pipeline.run(
        config,
        run_dir=str(tmp_path / "run"),
        export_root=str(tmp_path / "saved_models"),
        verbose=0,
    )
    assert keras.config.dtype_policy().name == "float32"
    for row in result.metrics["results"].values():
        assert 0.0 <= row["linear_probe"]["accuracy"] <= 1.0
    served = tf.saved_model.load(result.export_path).signatures["serving_default"](
        images=tf.zeros((2, 8, 8, 1))
    )
    assert {v.dtype for v in served.values()} == {tf.float32}


def test_precision_is_checked_against_the_paradigms_tested_under_it():
    config = tiny_rotation_config()
    config["train"]["precision"] = "bfloat16"
    with pytest.raises(ValueError, match="train.precision must be one of"):
        pipeline.validate_config(config)
    config = pipeline.load_config("vae_fashion_mnist", smoke=True)
    config["train"]["precision"] = "mixed_bfloat16"
    with pytest.raises(ValueError, match="paradigm 'vae' is not tested under it; .*rotation"):
        pipeline.validate_config(config)


def test_the_evaluator_stage_line_names_what_is_measured():
    from tfxlearn.pipeline.run import evaluation_plan

    encoder = {"evaluation": {"protocols": {"linear_probe": {}, "knn": {}}}}
    assert evaluation_plan(encoder) == (
        "the trained encoder, random-init and all-labels baselines (linear_probe, knn)"
    )
    model = {"evaluation": {"model_protocols": {"perplexity": {}}}}
    assert evaluation_plan(model) == "the trained model (perplexity)"  # no encoder words
    both = {"evaluation": {**encoder["evaluation"], **model["evaluation"]}}
    assert evaluation_plan(both).endswith("(linear_probe, knn); the trained model (perplexity)")
