"""benchmarks/quality_generative.py: the SGAN is compared with the stronger baseline."""

import quality_generative

from tfxlearn import pipeline


def test_the_sgan_baseline_without_weight_norm_is_evaluated_by_the_same_protocol(
    tfds_dir, monkeypatch
):
    config = pipeline.load_config("sgan_fashion_mnist", smoke=True)
    config["evaluation"]["protocols"] = {"low_shot/1": {"labels_per_class": 1}}
    built = []
    build = pipeline.build_model

    def spy(variant, *args, **kwargs):
        built.append(variant)
        return build(variant, *args, **kwargs)

    monkeypatch.setattr(pipeline, "build_model", spy)
    rows = quality_generative.variant_baselines(
        config, quality_generative.BASELINE_VARIANTS["sgan"]
    )
    (row,) = rows
    assert row == "random-init, no weight norm"
    assert 0.0 <= rows[row]["low_shot/1"]["accuracy"] <= 1.0
    (variant,) = built
    assert variant["nets"]["discriminator"]["args"]["weight_norm"] is False
    assert variant["nets"]["head"]["args"]["weight_norm"] is False
    assert config["nets"]["discriminator"]["args"]["weight_norm"] is True  # a copy changed
