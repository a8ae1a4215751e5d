"""The paradigm contract (docs/architecture.md section 5), checked for every registered paradigm:
one fit step, get_config round trip (and .keras save/load), SavedModel export and
reload with equal outputs, and equal loss and gradients for the same global batch
on one device and on a 2-replica MirroredStrategy."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from contract_examples import EXAMPLES

import tfxlearn
from tfxlearn.export import export_saved_model, load_serving_fn


def _inputs(name, batch):
    return EXAMPLES[name].get("inputs", lambda b: b[0])(batch)


def _assert_close(got, want, atol=1e-6, rtol=1e-7):
    keras.tree.assert_same_structure(got, want)
    for g, w in zip(keras.tree.flatten(got), keras.tree.flatten(want)):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), atol=atol, rtol=rtol)


def _compile(model, name=None):
    if name is not None and "compile" in EXAMPLES[name]:
        return EXAMPLES[name]["compile"](model)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1))
    return model


def _build(name, norm="batch"):
    keras.utils.set_random_seed(1)
    model = EXAMPLES[name]["build"](norm)
    batch = next(iter(EXAMPLES[name]["data"]()))
    model(_inputs(name, batch))
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
    _compile(model, name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(EXAMPLES[name]["data"](), epochs=1, verbose=0)
    # `model.fit(dataset)` as a user writes it: no Keras warning about `shuffle`
    # or about the data running out (a dataset of unknown size ends its epoch)
    noise = ("shuffle", "ran out of data")
    assert not [w for w in caught if any(n in str(w.message) for n in noise)], [
        str(w.message) for w in caught
    ]
    assert np.isfinite(history.history["loss"][0])
    assert all(m in [x.name for x in model.metrics] for m in history.history)
    logs = model.evaluate(EXAMPLES[name]["data"](), verbose=0, return_dict=True)
    assert np.isfinite(logs["loss"])


def test_config_round_trip(name, tmp_path):
    model, batch = _build(name)
    inputs = _inputs(name, batch)
    config = model.get_config()
    clone = type(model).from_config(config)
    clone(inputs)
    assert clone.get_config() == config
    clone.set_weights(model.get_weights())
    _assert_close(clone(inputs), model(inputs))
    path = str(tmp_path / f"{name}.keras")
    _compile(model, name).save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    _assert_close(loaded(inputs), model(inputs))


def test_saved_model_round_trip(name, tmp_path):
    model, batch = _build(name)
    inputs = EXAMPLES[name].get("serving_inputs", lambda b: _inputs(name, b))(batch)
    if not isinstance(inputs, dict):
        inputs = {"images": inputs}
    path = export_saved_model(model, str(tmp_path), model_name=name)
    serve = load_serving_fn(path)
    got = serve(**{k: tf.constant(v) for k, v in inputs.items()})
    want = model.serving_outputs(**inputs)
    assert set(got) == set(want)
    for key in want:
        value = np.asarray(want[key])
        if value.dtype.kind in "OSU":  # strings (e.g. translations): equal
            np.testing.assert_array_equal(np.asarray(got[key]), value)
        else:
            np.testing.assert_allclose(got[key], want[key], atol=1e-5)


def test_loss_and_gradients_match_on_two_replicas(name, two_replica_strategy):
    """One SGD step on the same global batch: identical loss and updates (hence
    gradients) on one device and on 2 replicas; batch norm synchronized."""
    rtol = EXAMPLES[name].get("parity_rtol", 1e-5)
    single, batch = _build(name, norm="sync_batch")
    start = [w.numpy() for w in single.trainable_weights]
    _compile(single, name)
    loss_single = single.fit(EXAMPLES[name]["data"](), epochs=1, verbose=0).history["loss"][0]
    with two_replica_strategy.scope():
        mirrored = EXAMPLES[name]["build"]("sync_batch")
        mirrored(_inputs(name, batch))
        mirrored.set_weights([w.numpy() for w in _build(name, "sync_batch")[0].weights])
        _compile(mirrored, name)
    sizes = {int(t.shape[0]) for t in keras.tree.flatten(batch)}
    assert all(n % 2 == 0 for n in sizes)  # both replicas get half of the global batch
    loss_mirrored = mirrored.fit(EXAMPLES[name]["data"](), epochs=1, verbose=0).history["loss"][0]
    np.testing.assert_allclose(loss_mirrored, loss_single, rtol=rtol)
    for w0, a, b in zip(start, single.trainable_weights, mirrored.trainable_weights):
        grad_single = (w0 - a.numpy()) / 0.1
        grad_mirrored = (w0 - b.numpy()) / 0.1
        np.testing.assert_allclose(grad_mirrored, grad_single, rtol=100 * rtol, atol=1e-5)
    assert any(np.abs(w0 - a.numpy()).max() > 0 for w0, a in zip(start, single.trainable_weights))


def _default_bad_inputs(batch):
    images = batch[0]
    return [
        (tf.concat([images, images], axis=-1), "channel count"),
        (images[0], "rank 4"),
    ]


def test_bad_inputs_are_refused_clearly(name):
    model, batch = _build(name)
    for bad, match in EXAMPLES[name].get("bad_inputs", _default_bad_inputs)(batch):
        with pytest.raises(ValueError, match=match):
            model(bad)
    with pytest.raises(ValueError, match="computes its own loss"):
        model.compile(optimizer="sgd", loss="mse")
