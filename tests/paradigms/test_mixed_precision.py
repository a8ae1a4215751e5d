"""Paradigms flagged `mixed_precision` (a pipeline's `train.precision:
"mixed_bfloat16"`, the speed lever measured by benchmarks/peers_speed.py) train
in bfloat16 with float32 variables, and their first loss matches float32 within
bfloat16's precision (an 8-bit mantissa: ~0.4% per rounding; 2% over a step).
A paradigm gets the flag only with a builder here."""

import keras
import numpy as np
import pytest

import tfxlearn
from tfxlearn.pipeline.components import dtype_policy


def _rotation():
    model = tfxlearn.paradigms.get("rotation")(
        encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8))
    )
    ds = tfxlearn.data.load("digits", "train").take(32).batch(8)
    return model, tfxlearn.pretext.rotation(ds)


def _moco():
    model = tfxlearn.paradigms.get("moco")(
        encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8), norm="batch"),
        projection_dim=6,
        queue_size=24,
        bn_groups=1,
    )
    ds = tfxlearn.data.load("digits", "train").take(32).batch(8)
    return model, tfxlearn.pretext.moco_views(ds, seed=1, crop_scale=(0.5, 1.0))


BUILDERS = {"rotation": _rotation, "moco": _moco}


def test_every_flagged_paradigm_has_a_builder_here():
    flagged = {n for n in tfxlearn.paradigms.names() if tfxlearn.paradigms.get(n).mixed_precision}
    assert flagged == set(BUILDERS)


def _first_loss(name, policy):
    with dtype_policy(policy):  # the pipeline's own scope for train.precision
        keras.utils.set_random_seed(3)
        model, ds = BUILDERS[name]()
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    loss = model.fit(ds, epochs=1, verbose=0).history["loss"][0]
    return model, loss


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_first_loss_matches_float32(name):
    model, loss = _first_loss(name, "mixed_bfloat16")
    assert model.encoder.compute_dtype == "bfloat16"
    assert all(v.dtype == "float32" for v in model.trainable_variables)
    _, loss32 = _first_loss(name, "float32")
    assert np.isfinite(loss)
    assert loss == pytest.approx(loss32, rel=0.02)
