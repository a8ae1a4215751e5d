"""The blind_representation_adult pipeline (smoke config, `adult/tiny`): tabular
rows reach the paradigm as "features" with the label and the sensitive attribute,
the Evaluator reports task accuracy, the adversary and the fairness gaps, and
probes the representation for both labels; the Pusher exports
`features -> logits, embedding`. Bad tabular configs fail before any step."""

import numpy as np
import pytest
import tensorflow as tf
from _helpers import run_pipeline

from tfxlearn import pipeline
from tfxlearn.data import adult


def test_pipeline_trains_evaluates_the_attribute_and_exports(tmp_path):
    config = pipeline.load_config("blind_representation_adult", smoke=True)
    result, metrics = run_pipeline(config, tmp_path)
    blind = metrics["model_results"]["attribute_blindness"]
    assert blind["examples"] == 256  # adult/tiny's test rows
    for key in ("accuracy", "adversary_balanced_accuracy", "equal_opportunity_gap"):
        assert 0.0 <= blind[key] <= 1.0, key
    assert {"linear_probe", "linear_probe@sex"} <= set(metrics["results"]["blind_representation"])
    assert {"task_loss", "adversary_loss", "adversary_accuracy"} <= set(metrics["history"])
    serve = tf.saved_model.load(result.export_path).signatures["serving_default"]
    rows = np.zeros([3, adult.feature_count()], np.float32)
    out = serve(features=tf.constant(rows))
    assert set(out) == {"logits", "embedding"}
    assert out["logits"].shape == (3, 2) and out["embedding"].shape == (3, 64)


def test_example_gen_gives_tabular_rows_as_features_with_label_and_attribute():
    config = pipeline.load_config("blind_representation_adult", smoke=True)
    element = next(iter(pipeline.example_gen(config)))
    assert set(element) == {"features", "index", "label", "sensitive"}
    assert element["features"].shape == (adult.feature_count(),)
    assert element["features"].dtype == tf.float32


def test_a_feature_width_the_encoder_does_not_take_is_refused_before_training():
    config = pipeline.load_config("blind_representation_adult", smoke=True)
    config["encoder"]["args"]["input_dim"] = 7
    with pytest.raises(ValueError, match=r"feature vectors of width \d+.*input_dim=7"):
        pipeline.check_image_shape(config, pipeline.example_gen(config))


def test_a_missing_sensitive_attribute_is_refused_naming_the_option():
    config = pipeline.load_config("blind_representation_adult", smoke=True)
    del config["dataset"]["pretext_features"]
    examples = pipeline.example_gen(config)
    with pytest.raises(ValueError, match=r"sensitive attribute is missing.*pretext_features"):
        pipeline.transform(config, examples, pipeline.EpochOrder(seed=0))
