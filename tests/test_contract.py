"""The paradigm contract (DESIGN.md section 3), checked for every registered paradigm:
one fit step, get_config round trip (and .keras save/load), SavedModel export and
reload with equal outputs, and equal loss and gradients for the same global batch
on one device and on a 2-replica MirroredStrategy."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.export import export_saved_model, load_serving_fn


def _digits_batches(pretext: str, images: int = 4):
    ds = tfxlearn.data.load("digits", "train").take(images).batch(images)
    return tfxlearn.pretext.get(pretext)(ds)


# How to make a tiny instance of each paradigm and a batch it trains on. Every
# registered paradigm must have an entry, so none can skip the contract.
EXAMPLES = {
    "rotation": {
        "build": lambda norm: tfxlearn.paradigms.get("rotation")(
            encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8), norm=norm)
        ),
        "data": lambda: _digits_batches("rotation"),
    },
}


def _compile(model):
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1))
    return model


def _build(name, norm="batch"):
    keras.utils.set_random_seed(1)
    model = EXAMPLES[name]["build"](norm)
    batch = next(iter(EXAMPLES[name]["data"]()))
    model(batch[0])
    return model, batch


def test_every_registered_paradigm_has_a_contract_example():
    assert set(tfxlearn.paradigms.names()) == set(EXAMPLES)


def test_unknown_paradigm_lists_known_ones():
    with pytest.raises(KeyError, match="unknown paradigm 'rotate'; known: .*rotation"):
        tfxlearn.paradigms.get("rotate")


@pytest.fixture(params=sorted(EXAMPLES))
def name(request):
    return request.param


def test_one_fit_step(name):
    model, _ = _build(name)
    _compile(model)
    history = model.fit(EXAMPLES[name]["data"](), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert all(m in [x.name for x in model.metrics] for m in history.history)
    logs = model.evaluate(EXAMPLES[name]["data"](), verbose=0, return_dict=True)
    assert np.isfinite(logs["loss"])


def test_config_round_trip(name, tmp_path):
    model, batch = _build(name)
    config = model.get_config()
    clone = type(model).from_config(config)
    clone(batch[0])
    assert clone.get_config() == config
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone(batch[0]), model(batch[0]), atol=1e-6)
    path = str(tmp_path / f"{name}.keras")
    _compile(model).save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_allclose(loaded(batch[0]), model(batch[0]), atol=1e-6)


def test_saved_model_round_trip(name, tmp_path):
    model, batch = _build(name)
    path = export_saved_model(model, str(tmp_path), model_name=name)
    serve = load_serving_fn(path)
    got = serve(images=tf.constant(batch[0]))
    want = model.serving_outputs(batch[0])
    assert set(got) == set(want)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], atol=1e-5)


def test_loss_and_gradients_match_on_two_replicas(name, two_replica_strategy):
    """One SGD step on the same global batch: identical loss and updates (hence
    gradients) on one device and on 2 replicas; batch norm synchronized."""
    single, batch = _build(name, norm="sync_batch")
    start = [w.numpy() for w in single.trainable_weights]
    _compile(single)
    loss_single = single.fit(EXAMPLES[name]["data"](), epochs=1, verbose=0).history["loss"][0]
    with two_replica_strategy.scope():
        mirrored = EXAMPLES[name]["build"]("sync_batch")
        mirrored(batch[0])
        mirrored.set_weights([w.numpy() for w in _build(name, "sync_batch")[0].weights])
        _compile(mirrored)
    assert batch[0].shape[0] % 2 == 0  # both replicas get half of the global batch
    loss_mirrored = mirrored.fit(EXAMPLES[name]["data"](), epochs=1, verbose=0).history["loss"][0]
    np.testing.assert_allclose(loss_mirrored, loss_single, rtol=1e-5)
    for w0, a, b in zip(start, single.trainable_weights, mirrored.trainable_weights):
        grad_single = (w0 - a.numpy()) / 0.1
        grad_mirrored = (w0 - b.numpy()) / 0.1
        np.testing.assert_allclose(grad_mirrored, grad_single, rtol=1e-4, atol=1e-5)
    assert any(np.abs(w0 - a.numpy()).max() > 0 for w0, a in zip(start, single.trainable_weights))


def test_bad_images_are_refused_clearly(name):
    model, batch = _build(name)
    images = batch[0]
    with pytest.raises(ValueError, match="channel count"):
        model(tf.concat([images, images], axis=-1))
    with pytest.raises(ValueError, match="rank 4"):
        model(images[0])
    with pytest.raises(ValueError, match="computes its own loss"):
        model.compile(optimizer="sgd", loss="mse")
