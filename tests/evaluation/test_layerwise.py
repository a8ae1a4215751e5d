"""Layer-wise linear probe: grid pooling, layer choice on the validation split, bad input."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn import evaluation as ev


@pytest.fixture(scope="module")
def digits(tfds_dir) -> ev.EvalData:
    return ev.EvalData("digits", data_dir=tfds_dir)


def adaptive_average_reference(x: np.ndarray, grid: int) -> np.ndarray:
    """Per-example loop: cell (i, j) averages rows floor(iH/g)..ceil((i+1)H/g)."""
    n, h, w, c = x.shape
    out = np.zeros((n, grid, grid, c))
    for i in range(grid):
        r0, r1 = (i * h) // grid, -(-((i + 1) * h) // grid)
        for j in range(grid):
            c0, c1 = (j * w) // grid, -(-((j + 1) * w) // grid)
            out[:, i, j] = x[:, r0:r1, c0:c1].mean(axis=(1, 2))
    return out.reshape(n, grid * grid * c)


@pytest.mark.parametrize("shape,grid", [((7, 7), 2), ((5, 3), 2), ((6, 6), 3), ((4, 5), 1)])
def test_grid_average_pooling_matches_adaptive_pooling(shape, grid):
    x = np.random.default_rng(0).normal(size=(3, *shape, 4)).astype(np.float32)
    got = ev.GridAveragePooling(grid)(tf.constant(x)).numpy()
    np.testing.assert_allclose(got, adaptive_average_reference(x, grid), rtol=1e-5, atol=1e-6)
    if grid == 1:
        np.testing.assert_allclose(got, x.mean(axis=(1, 2)), rtol=1e-5, atol=1e-6)


def test_grid_average_pooling_on_maps_of_unknown_size():
    encoder = tfxlearn.nets.conv_encoder(input_shape=(None, None, 1), widths=(4, 8))
    cut = ev.layer_encoder(encoder, "block1_relu0", grid=2)
    assert cut.output_shape == (None, 2 * 2 * 8)
    assert cut(np.zeros((2, 12, 10, 1), np.float32)).shape == (2, 32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="larger than the feature map"):
        cut(np.zeros((1, 2, 2, 1), np.float32))  # a 1x1 map after one pooling block
    with pytest.raises(ValueError, match="grid must be >= 1"):
        ev.GridAveragePooling(0)


def test_default_probe_layers_are_the_last_activation_of_each_block():
    encoder = tfxlearn.nets.conv_encoder(input_shape=(8, 8, 1), widths=(4, 8), convs_per_block=2)
    assert ev.default_probe_layers(encoder) == ["block0_relu1", "block1_relu1"]
    pixels = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten()], name="pixels")
    with pytest.raises(ValueError, match="pass layers="):
        ev.default_probe_layers(pixels)


def test_layer_encoder_shares_weights_and_pools_the_map():
    encoder = tfxlearn.nets.conv_encoder(input_shape=(8, 8, 1), widths=(4, 8))
    images = np.random.default_rng(1).uniform(size=(5, 8, 8, 1)).astype(np.float32)
    block0 = keras.Model(encoder.input, encoder.get_layer("block0_relu0").output)
    cut = ev.layer_encoder(encoder, "block0_relu0", grid=2)
    np.testing.assert_allclose(
        cut(images).numpy(), adaptive_average_reference(block0(images).numpy(), 2), rtol=1e-5
    )
    assert ev.layer_encoder(encoder, "features").output_shape == (None, 8)  # a vector layer


def dead_top_encoder() -> keras.Model:
    """Two probe-able maps: the raw pixels, and the same map multiplied by zero."""
    images = keras.Input((8, 8, 1))
    raw = keras.layers.Identity(name="raw")(images)
    dead = keras.layers.Rescaling(0.0, name="dead")(raw)
    return keras.Model(images, keras.layers.GlobalAveragePooling2D()(dead), name="dead_top")


def test_layerwise_probe_chooses_the_informative_layer_on_validation(digits):
    encoder = dead_top_encoder()
    result = ev.layerwise_probe(encoder, digits, layers=["dead", "raw"], grid=4)
    assert result["layer"] == "raw" and result["grid"] == 4
    raw, dead = result["layers"]["raw"], result["layers"]["dead"]
    assert raw["dims"] == dead["dims"] == 16
    assert raw["validation_accuracy"] > dead["validation_accuracy"]
    assert dead["accuracy"] < 0.2 < 0.8 < raw["accuracy"]  # zero features: about chance
    assert result["accuracy"] == raw["accuracy"] and result["l2"] == raw["l2"]
    # The same as probing the chosen layer alone, and deterministic.
    alone = ev.linear_probe(ev.layer_encoder(encoder, "raw", grid=4), digits)
    assert alone["accuracy"] == raw["accuracy"]
    assert ev.layerwise_probe(encoder, digits, layers=["dead", "raw"], grid=4) == result


def test_layerwise_probe_is_a_compare_protocol(digits):
    encoder = tfxlearn.nets.conv_encoder(input_shape=(8, 8, 1), widths=(4, 8))
    results = ev.compare({"random": encoder}, digits, {"layerwise_probe/2x2": {"grid": 2}})
    metrics = results["random"]["layerwise_probe/2x2"]
    assert set(metrics["layers"]) == {"block0_relu0", "block1_relu0"}
    assert metrics["layer"] in metrics["layers"] and 0.5 < metrics["accuracy"] <= 1.0


def test_layerwise_probe_bad_input(digits):
    encoder = tfxlearn.nets.conv_encoder(input_shape=(8, 8, 1), widths=(4, 8))
    with pytest.raises(ValueError, match="at least two penalties"):
        ev.layerwise_probe(encoder, digits, l2=1e-3)
    with pytest.raises(ValueError, match="no layer 'block7_relu0'.*block0_relu0"):
        ev.layerwise_probe(encoder, digits, layers=["block0_relu0", "block7_relu0"])
    with pytest.raises(ValueError, match="grid 5 is larger than layer 'block1_relu0'"):
        ev.layerwise_probe(encoder, digits, grid=5)
    with pytest.raises(ValueError, match="duplicates"):
        ev.layerwise_probe(encoder, digits, layers=["block0_relu0", "block0_relu0"])
    with pytest.raises(ValueError, match="at least one layer"):
        ev.layerwise_probe(encoder, digits, layers=[])
    with pytest.raises(ValueError, match="use grid=1"):
        ev.layer_encoder(encoder, "features", grid=2)
    with pytest.raises(ValueError, match="grid must be >= 1"):
        ev.layer_encoder(encoder, "block0_relu0", grid=0)
