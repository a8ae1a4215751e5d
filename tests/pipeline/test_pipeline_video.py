"""Video and audio-visual pipelines end to end (their smoke configs on the tiny
dataset configs): extra label keys evaluated as `protocol@key` with their own
baselines, clip features from the frame encoder, pretext features beside the
clips, and model protocols in the metrics."""

from _helpers import run_pipeline

from tfxlearn import pipeline


def _run(name, tmp_path):
    config = pipeline.load_config(name, smoke=True)
    result, metrics = run_pipeline(config, tmp_path)
    return config, result, metrics


def test_video_pipeline_probes_every_label_key_against_its_baselines(tmp_path):
    config, result, metrics = _run("odd_one_out_moving_digits", tmp_path)
    assert pipeline.label_keys(config) == ["label", "direction"]
    expected = {"linear_probe", "knn", "linear_probe@direction", "knn@direction"}
    assert set(pipeline.evaluated_protocols(config)) == expected
    assert set(metrics["results"]) == {"random-init", "odd_one_out", "all labels"}
    for row in metrics["results"].values():
        assert set(row) == expected
        for protocol in expected:
            assert 0.0 <= row[protocol]["accuracy"] <= 1.0
    assert "direction" in result.metrics["table"]


def test_audio_visual_pipeline_feeds_audio_and_reports_model_protocols(tmp_path):
    config, result, metrics = _run("l3_net_spoken_digits_av", tmp_path)
    assert config["dataset"]["pretext_features"]
    model_results = metrics["model_results"]
    assert set(config["evaluation"]["model_protocols"]) <= set(model_results)
    accuracy = model_results["correspondence"]["accuracy"]
    assert 0.0 <= accuracy <= 1.0
