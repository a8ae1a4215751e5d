"""The pipeline with a two-player paradigm: nets built from the config, two
optimizers, per-epoch sample grids, model protocols, model-protocol blessing,
and a SavedModel whose serving input is the latent vector."""

import json
import os

import numpy as np
import pytest

from tfxlearn import pipeline
from tfxlearn.export import load_serving_fn


def _gan_config(tmp_path, fd_max=1e9):
    return {
        "name": "gan_digits_test",
        "seed": 0,
        "dataset": {"name": "digits", "max_train": 256, "max_test": 128},
        "nets": {
            "generator": {
                "factory": "dcgan_generator",
                "args": {"latent_dim": 8, "output_shape": [8, 8, 1], "widths": [16, 8]},
            },
            "discriminator": {
                "factory": "dcgan_discriminator",
                "args": {"input_shape": [8, 8, 1], "widths": [8, 16]},
            },
        },
        "paradigm": {"name": "gan", "args": {"generator_loss": "non_saturating"}},
        "pretext": {"name": "images"},
        "train": {
            "epochs": 2,
            "batch_size": 32,
            "shuffle_buffer": 256,
            "optimizers": {
                "generator_optimizer": {"class_name": "Adam", "config": {"learning_rate": 2e-3}},
                "discriminator_optimizer": {
                    "class_name": "Adam",
                    "config": {"learning_rate": 2e-3},
                },
            },
        },
        "evaluation": {
            "encoder_net": "discriminator",
            "protocols": {"linear_probe": {}},
            "model_protocols": {
                "sample_quality": {
                    "samples": 64,
                    "classifier_epochs": 1,
                    "cache_dir": str(tmp_path / "cache"),
                }
            },
            "blessing": {
                "model_protocol": "sample_quality",
                "metric": "fd_ratio_to_floor",
                "max": fd_max,
            },
        },
        "export": {"root": str(tmp_path / "saved_models"), "model_name": "gan_digits_test"},
    }


def test_gan_pipeline_runs_every_stage(tmp_path):
    result = pipeline.run(_gan_config(tmp_path), run_dir=str(tmp_path / "run"), verbose=0)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    quality = metrics["model_results"]["sample_quality"]
    assert quality["frechet_distance"] > 0 and quality["real_floor"] > 0
    assert quality["samples"] == 64
    assert set(metrics["results"]) == {"random-init", "gan"}
    assert metrics["blessed"] is True and "fd_ratio_to_floor" in metrics["blessing"]
    assert len(metrics["history"]["d_loss"]) == 2
    plots = os.listdir(tmp_path / "run" / "plots")
    assert {"samples_epoch_001.png", "samples_epoch_002.png"} <= set(plots)
    assert os.listdir(tmp_path / "run" / "tensorboard" / "images")
    serve = load_serving_fn(result.export_path)
    images = serve(latent=np.zeros((3, 8), np.float32))["images"].numpy()
    assert images.shape == (3, 8, 8, 1) and 0.0 <= images.min() <= images.max() <= 1.0
    assert "sample_quality" in result.metrics["table"]


def test_model_protocol_blessing_can_refuse(tmp_path):
    config = _gan_config(tmp_path, fd_max=0.0)
    config["evaluation"]["protocols"] = {}
    result = pipeline.run(config, run_dir=str(tmp_path / "run"), verbose=0)
    assert result.metrics["blessed"] is False and result.export_path is None


def test_bad_generative_configs_are_refused(tmp_path):
    config = _gan_config(tmp_path)
    config["nets"]["generator"]["factory"] = "no_such_net"
    with pytest.raises(ValueError, match="generator.factory"):
        pipeline.validate_config(config)
    config = _gan_config(tmp_path)
    config["evaluation"]["model_protocols"] = {"inception_score": {}}
    with pytest.raises(ValueError, match="unknown model protocol 'inception_score'"):
        pipeline.validate_config(config)
    config = _gan_config(tmp_path)
    del config["nets"]
    with pytest.raises(ValueError, match="encoder entry or a nets entry"):
        pipeline.validate_config(config)
