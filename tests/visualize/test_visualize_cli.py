"""`tfxlearn visualize` in-process: a PNG grid from a .keras file or a SavedModel
export, and one-line errors (exit status 2) for bad objectives and sources."""

import os
import re

import keras
import numpy as np
import pytest
from absl.testing import flagsaver

from tfxlearn import cli, nets, visualize


def _main(*args, **flag_values):
    """`tfxlearn visualize ...` in this process (absl flags saved and restored)."""
    if not cli.FLAGS.is_parsed():
        cli.FLAGS.mark_as_parsed()
    with flagsaver.flagsaver(**flag_values):
        return cli.main(["tfxlearn", "visualize", *args])


def test_cli_on_a_keras_file_and_its_errors(tmp_path, capsys):
    keras.utils.set_random_seed(0)
    encoder = nets.conv_encoder(input_shape=(8, 8, 1), widths=[4, 8])
    model = keras.Sequential([encoder, keras.layers.Dense(3, name="logits")])
    model.build((None, 8, 8, 1))
    file = str(tmp_path / "tiny.keras")
    model.save(file)
    assert visualize.layer_names(visualize.load_model(file))[:2] == ["encoder", "images"]

    out = str(tmp_path / "grids" / "classes.png")
    assert _main(file, objective="prob:0,prob:1,prob:2", out=out, steps=5) == 0
    assert f"visualization (PNG grid): {out}" in capsys.readouterr().out
    assert os.path.getsize(out) > 1000

    for objective, words in [
        ("channel:nope/1", "layer 'nope' is not in model .*block1_relu0"),
        ("channel:block1_relu0/8", "channel 8 is out of range: layer 'block1_relu0' has 8"),
        ("logit:2-0.1*l2", "weight 'logit:2-0.1' is not a number"),
    ]:
        assert _main(file, objective=objective, steps=2) == cli.USAGE_ERROR
        (line,) = [x for x in capsys.readouterr().err.splitlines() if x.startswith("tfxlearn:")]
        assert re.search(words, line), line
    assert _main(str(tmp_path / "missing"), objective="logit:0") == cli.USAGE_ERROR
    assert "does not exist" in capsys.readouterr().err


def test_a_saved_model_export_is_visualized_through_its_outputs(tmp_path, capsys):
    from tfxlearn.export import export_saved_model

    keras.utils.set_random_seed(0)
    encoder = nets.conv_encoder(input_shape=(8, 8, 1), widths=[4, 8])
    version = export_saved_model(encoder, str(tmp_path), "tiny_encoder")
    model = visualize.load_model(str(tmp_path / "tiny_encoder"))  # the highest version
    assert "output" in visualize.layer_names(model)
    x = np.random.default_rng(0).random((2, 8, 8, 1)).astype("float32")
    np.testing.assert_allclose(
        visualize.objective_scores(model, visualize.channel("output", 5), x),
        encoder(x, training=False).numpy()[:, 5],
        rtol=1e-5,
        atol=1e-6,
    )
    out = str(tmp_path / "embedding.png")
    assert _main(version, objective="channel:output/5", out=out, steps=3) == 0
    assert os.path.getsize(out) > 1000
    with pytest.raises(ValueError, match="a directory without saved_model.pb"):
        visualize.load_model(str(tmp_path))
