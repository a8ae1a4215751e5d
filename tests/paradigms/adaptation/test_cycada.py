"""CyCADA's stages: the semantic-consistency term (0 when the translation keeps a
decisive source classifier's labels), the frozen source classifier (unchanged by
the pixel, translated and feature stages), the feature stage on translated source
features, the stages under MirroredStrategy and as a pipeline's first stage, the
clear errors, and the SavedModel (classifier and translators) loaded in a fresh
process without tfxlearn."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import fresh_process_outputs

import tfxlearn
from tfxlearn.data import domains
from tfxlearn.export import export_saved_model
from tfxlearn.losses import discriminator_loss_values
from tfxlearn.training import FirstStage

SHAPE = (8, 8, 1)


def _pairs(batch_size=4, steps=2):
    return domains.load_pair(
        "font_digits/tiny", "digits", batch_size=batch_size, image_size=SHAPE
    ).take(steps)


def _generator(name, shape=SHAPE, out_channels=None):
    return tfxlearn.nets.resnet_generator(
        shape,
        filters=2,
        downsamples=1,
        residual_blocks=1,
        name=name,
        **({} if out_channels is None else {"output_channels": out_channels}),
    )


def _discriminator(name, shape=SHAPE):
    return tfxlearn.nets.patchgan_discriminator(shape, widths=(2, 4), name=name)


def _identity(name):
    images = keras.Input(SHAPE)
    return keras.Model(images, keras.layers.Identity()(images), name=name)


def _negative(name):
    images = keras.Input(SHAPE)
    return keras.Model(images, keras.layers.Lambda(lambda x: 1.0 - x)(images), name=name)


def _cycada(**kwargs):
    args = {
        "source_encoder": tfxlearn.nets.conv_encoder(SHAPE, widths=(4, 8), norm="none"),
        "generator_st": _generator("generator_st"),
        "generator_ts": _generator("generator_ts"),
        "discriminator_s": _discriminator("discriminator_s"),
        "discriminator_t": _discriminator("discriminator_t"),
        "num_classes": 10,
        "discriminator_hidden": (8,),
        "history_size": 4,
    }
    args.update(kwargs)
    return tfxlearn.paradigms.get("cycada")(**args)


def _values(weights):
    return [w.numpy().copy() for w in weights]


def _unchanged(before, weights):
    return all(np.array_equal(b, w.numpy()) for b, w in zip(before, weights))


def _decisive_classifier():
    """f_S = a linear map of the pixels scaled by 50: its softmax is all but one-hot."""
    images = keras.Input(SHAPE)
    encoder = keras.Model(images, keras.layers.Flatten()(images), name="semantic_encoder")
    head = keras.Sequential([keras.layers.Dense(10)], name="semantic_head")
    head.build((None, int(np.prod(SHAPE))))
    kernel = np.random.default_rng(0).normal(size=(int(np.prod(SHAPE)), 10)) * 50.0
    head.layers[0].set_weights([kernel.astype(np.float32), np.zeros(10, np.float32)])
    return encoder, head


def test_semantic_term_is_zero_when_the_translation_keeps_the_classifiers_labels():
    encoder, head = _decisive_classifier()
    (source, target), _ = next(iter(_pairs(batch_size=8)))
    kept = _cycada(
        generator_st=_identity("generator_st"),
        generator_ts=_identity("generator_ts"),
        semantic_encoder=encoder,
        semantic_head=head,
    )
    terms = kept.pixel_stage.generator_terms(source, target)
    np.testing.assert_allclose(terms["semantic"], 0.0, atol=1e-4)
    # The same classifier's labels changed by the translation: a large loss, in L_G.
    changed = _cycada(
        generator_st=_negative("generator_st"),
        generator_ts=_negative("generator_ts"),
        semantic_encoder=encoder,
        semantic_head=head,
        semantic_weight=2.0,
    )
    terms = changed.pixel_stage.generator_terms(source, target)
    assert float(np.mean(terms["semantic"])) > 10.0
    without = terms["adversarial"] + 10.0 * terms["cycle"]
    np.testing.assert_allclose(terms["total"], without + 2.0 * terms["semantic"], rtol=1e-5)


def test_stages_train_their_own_parts_and_leave_the_source_classifier_frozen():
    model = _cycada()
    semantic = model.semantic_encoder.weights + model.semantic_head.weights
    initial = _values(semantic)
    model.pretrain_source(_pairs(steps=3), epochs=2, optimizer="adam")
    assert not _unchanged(initial, semantic)
    for a, b in zip(model.target_encoder.weights, model.semantic_encoder.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())  # f_T and M_t start from f_S
    frozen = _values(semantic)
    generators = model.pixel_stage.player_variables("generator")
    before = _values(generators)
    logs = model.adapt_pixels(_pairs(), epochs=1).history
    assert {"semantic_loss", "cycle_l1", "d_loss", "g_loss"} <= set(logs)
    assert np.isfinite(logs["semantic_loss"][0])
    assert _unchanged(frozen, semantic)  # f_S: frozen by the pixel stage
    assert not _unchanged(before, generators)
    translators = _values(model.generator_st.weights + model.generator_ts.weights)
    task = _values(model.source_encoder.weights)
    model.train_on_translated(_pairs(), epochs=1, optimizer="adam")
    assert model.generator_st.trainable  # frozen for the stage only
    assert _unchanged(translators, model.generator_st.weights + model.generator_ts.weights)
    assert _unchanged(frozen, semantic)
    assert not _unchanged(task, model.source_encoder.weights)
    for a, b in zip(model.target_encoder.weights, model.source_encoder.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # Stage 4: only the target encoder and the feature discriminator move.
    kept = model.source_encoder.weights + model.head.weights + model.generator_st.weights
    kept_values = _values(kept)
    target = _values(model.target_encoder.weights)
    model.compile()
    history = model.fit(_pairs(), epochs=1, verbose=0).history
    assert set(history) == {"loss", "d_loss", "mapping_loss", "domain_accuracy"}
    assert _unchanged(kept_values, kept) and _unchanged(frozen, semantic)
    assert not _unchanged(target, model.target_encoder.weights)
    images = next(iter(_pairs()))[0][1]
    np.testing.assert_allclose(
        model(images), model.head(model.target_encoder(images)), rtol=1e-6, atol=1e-6
    )


def test_the_feature_discriminator_sees_translated_source_features():
    model = _cycada()
    model.compile()
    (source, target), labels = next(iter(_pairs()))
    logs = model.test_step(((source, target), labels))
    source_logits = model.discriminator(model.source_encoder(model.generator_st(source)))[:, 0]
    target_logits = model.discriminator(model.target_encoder(target))[:, 0]
    want = np.mean(discriminator_loss_values(source_logits, target_logits))
    assert float(logs["d_loss"]) == pytest.approx(want, rel=1e-5)


def test_pixel_stages_under_mirrored_strategy_and_as_a_first_stage(two_replica_strategy):
    with two_replica_strategy.scope():
        model = _cycada()
        model.compile()
    stage = FirstStage(
        _pairs(steps=1),
        "pixel_stages",
        source={"epochs": 1},
        pixel={"epochs": 1, "generator_optimizer": {"class_name": "SGD", "config": {}}},
        translated={"epochs": 1},
    )
    history = model.fit(_pairs(steps=1), epochs=1, verbose=0, callbacks=[stage]).history
    assert stage.ran
    assert all(np.all(np.isfinite(v)) for v in history.values())


def test_pixel_stages_hand_the_callbacks_to_each_stage():
    """A pipeline's `EpochOrder` reaches every stage's `fit` (each epoch its own
    data order), before a stage's own callbacks."""
    model = _cycada()
    model.compile()
    seen = []
    common = keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs=None: seen.append("c"))
    own = keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs=None: seen.append("own"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.pixel_stages(
            _pairs(steps=1),
            source={"epochs": 2},
            pixel={"epochs": 1, "callbacks": [own]},
            translated={"epochs": 1},
            callbacks=[common],
        )
    assert seen == ["c", "c", "c", "own", "c"]
    # no stage's fit(dataset) is told shuffle=True (Keras warned)
    assert not [w for w in caught if "shuffle" in str(w.message)]


def test_bad_arguments_and_batches_are_refused():
    for argument in ("semantic_weight", "cycle_weight", "identity_weight"):
        with pytest.raises(ValueError, match=argument):
            _cycada(**{argument: -1.0})
    with pytest.raises(ValueError, match="generator_st output shape .* one image size"):
        _cycada(generator_st=_generator("generator_st", out_channels=3))
    with pytest.raises(ValueError, match="discriminator_t input shape"):
        _cycada(discriminator_t=_discriminator("discriminator_t", (16, 16, 1)))
    with pytest.raises(TypeError, match="generator_ts must be a keras.Model"):
        _cycada(generator_ts="resnet")
    small = tfxlearn.nets.conv_encoder((6, 6, 1), widths=(4, 8), norm="none")
    with pytest.raises(ValueError, match="semantic_encoder must take"):
        _cycada(semantic_encoder=small)
    model = _cycada()
    model.compile()
    images = np.zeros([4, *SHAPE], np.float32)
    labels = np.zeros([4], np.int32)
    with pytest.raises(ValueError, match="differ in size or channel count"):
        model.train_step(((images, np.zeros([4, 8, 8, 3], np.float32)), labels))
    with pytest.raises(ValueError, match="differ in size or channel count"):
        model.train_step(((images, np.zeros([4, 9, 9, 1], np.float32)), labels))
    with pytest.raises(ValueError, match="images_b"):
        model.pixel_stage.train_step((images, np.zeros([4, 8, 8, 3], np.float32)))
    with pytest.raises(TypeError, match="adapt_pixels: data must be a tf.data.Dataset"):
        model.adapt_pixels(images)
    with pytest.raises(ValueError, match="train_on_translated: source images must be"):
        model.train_on_translated(
            tf.data.Dataset.from_tensors((np.zeros([4, 9, 9, 1], np.float32), labels))
        )


def test_saved_model_loads_in_a_fresh_process_without_tfxlearn(tmp_path, subprocess_env):
    model = _cycada()
    (source, target), _ = next(iter(_pairs()))
    path = export_saved_model(model, str(tmp_path), model_name="cycada")
    calls = {
        "serving_default": {"images": target.numpy()},
        "translate": {"images": source.numpy()},
        "translate_back": {"images": target.numpy()},
    }
    got = fresh_process_outputs(path, calls, subprocess_env, tmp_path)
    got["default"] = got.pop("serving_default")
    assert set(got["default"]) == {"logits", "embedding"}
    np.testing.assert_allclose(got["default"]["logits"], model(target), atol=1e-5)
    np.testing.assert_allclose(got["translate"]["translated"], model.translate(source), atol=1e-5)
    np.testing.assert_allclose(
        got["translate_back"]["translated"], model.translate(target, "b_to_a"), atol=1e-5
    )
