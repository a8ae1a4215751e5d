"""tfxlearn.transfer: every mode on a tiny encoder, frozen batch norm and frozen
weights untouched, the unfreezing order, discriminative rates, the encoder
sources (model, .keras file, SavedModel export, keras.applications) and bad input."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfxlearn import evaluation, export, nets, transfer

SHAPE = (8, 8, 1)
CLASSES = 3


def tiny_encoder(name="encoder"):
    return nets.conv_encoder(SHAPE, widths=(4, 8, 8), name=name)


def tiny_data(n=48, seed=0):
    """Three classes of 8x8 images told apart by their brightness (plus noise)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % CLASSES
    images = 40 + 80 * labels[:, None, None, None] + rng.normal(0, 20, (n, *SHAPE))
    return np.clip(images, 0, 255).astype(np.uint8), labels.astype(np.int64)


FAST = {"epochs": 2, "batch_size": 16, "head_steps": 3}


def batch_norm_statistics(model):
    return [
        (layer.name, layer.moving_mean.numpy().copy(), layer.moving_variance.numpy().copy())
        for layer in evaluation.finetuning.batch_norm_layers(model)
    ]


def block_weights(encoder):
    return {b.name: [w.numpy().copy() for w in b.weights] for b in transfer.encoder_blocks(encoder)}


def changed(before, after):
    return any(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))


@pytest.mark.parametrize("mode", transfer.MODES)
def test_every_mode_trains_a_classifier_and_leaves_the_argument_alone(mode):
    encoder = tiny_encoder()
    weights = [w.copy() for w in encoder.get_weights()]
    images, labels = tiny_data()
    classifier = transfer.fit(encoder, (images, labels), mode, **FAST)
    assert classifier.output_shape == (None, CLASSES)
    logits = classifier.predict(images.astype("float32") / 255, verbose=0)
    assert np.all(np.isfinite(logits))
    for a, b in zip(weights, encoder.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # copy=True: the argument is untouched
    assert all(layer.trainable for layer in classifier.layers)  # flags restored
    # The classifier's encoder is a trained copy: the head always learns, and every
    # mode but "linear" moves encoder weights.
    inner = classifier.layers[1]
    moved = any(not np.array_equal(a, b) for a, b in zip(weights, inner.get_weights()))
    assert moved == (mode != "linear")


def test_linear_mode_keeps_frozen_batch_norm_statistics():
    encoder = tiny_encoder()
    images, labels = tiny_data()
    before = batch_norm_statistics(encoder)
    assert before  # the encoder has batch norm
    transfer.fit(encoder, (images, labels), "linear", copy=False, **FAST)
    for (name, mean, var), (_, mean2, var2) in zip(before, batch_norm_statistics(encoder)):
        np.testing.assert_array_equal(mean, mean2, err_msg=name)
        np.testing.assert_array_equal(var, var2, err_msg=name)
    # The same run fine-tuning moves them (the check above can fail).
    transfer.fit(encoder, (images, labels), "finetune", copy=False, **FAST)
    after = batch_norm_statistics(encoder)
    assert any(not np.array_equal(m, m2) for (_, m, _), (_, m2, _) in zip(before, after))


def test_frozen_batch_norm_option_keeps_statistics_while_fine_tuning():
    encoder = tiny_encoder()
    images, labels = tiny_data()
    before, weights = batch_norm_statistics(encoder), block_weights(encoder)
    transfer.fit(encoder, (images, labels), "finetune", batch_norm="frozen", copy=False, **FAST)
    for (_, mean, var), (_, mean2, var2) in zip(before, batch_norm_statistics(encoder)):
        np.testing.assert_array_equal(mean, mean2)
        np.testing.assert_array_equal(var, var2)
    assert changed(weights["block0"], block_weights(encoder)["block0"])
    assert all(layer.trainable for layer in evaluation.finetuning.batch_norm_layers(encoder))


# Property: whatever the mode, a layer frozen before the run keeps its weights
# (and its flag). The frozen layer is drawn with a seed per case.
@pytest.mark.parametrize("seed,mode", list(enumerate(transfer.MODES)))
def test_a_frozen_layer_keeps_its_weights_in_every_mode(seed, mode):
    rng = np.random.default_rng(seed)
    encoder = tiny_encoder()
    layers = transfer.weighted_layers(encoder)
    layer = layers[rng.integers(len(layers))]
    layer.trainable = False
    before = [w.numpy().copy() for w in layer.weights]
    images, labels = tiny_data(seed=seed)
    transfer.fit(encoder, (images, labels), mode, copy=False, seed=seed, **FAST)
    assert layer.trainable is False
    for a, w in zip(before, layer.weights, strict=True):
        np.testing.assert_array_equal(a, w.numpy(), err_msg=f"{mode}: {w.path}")


def test_gradual_unfreezing_opens_the_top_block_first():
    assert transfer.unfreezing_schedule(["b0", "b1", "b2"]) == [
        [],
        ["b2"],
        ["b1", "b2"],
        ["b0", "b1", "b2"],
    ]
    assert transfer.unfreezing_schedule(["b0", "b1", "b2"], stages=2) == [[], ["b2"]]
    # Two stages (head, then the top block): only block2 moves, the frozen blocks
    # keep their weights and batch-norm statistics.
    encoder = tiny_encoder()
    images, labels = tiny_data()
    before = block_weights(encoder)
    transfer.fit(encoder, (images, labels), "gradual", stages=2, copy=False, **FAST)
    after = block_weights(encoder)
    assert changed(before["block2"], after["block2"])
    assert not changed(before["block0"], after["block0"])
    assert not changed(before["block1"], after["block1"])


def trainable_block_weights(encoder):
    return {
        b.name: [w.numpy().copy() for w in b.trainable_weights]
        for b in transfer.encoder_blocks(encoder)
    }


def mean_block_change(before, after):
    return {
        name: np.mean([np.mean(np.abs(a - b)) for a, b in zip(before[name], after[name])])
        for name in before
    }


def test_discriminative_rates_move_lower_blocks_less():
    assert transfer.discriminative_rates([None] * 3, 1.0, 0.5) == [0.125, 0.25, 0.5]
    images, labels = tiny_data()
    ratios = {}
    for mode in ("discriminative", "finetune"):
        encoder = tiny_encoder()
        before = trainable_block_weights(encoder)  # not the moving statistics
        transfer.fit(encoder, (images, labels), mode, lr_decay=0.1, copy=False, **FAST)
        change = mean_block_change(before, trainable_block_weights(encoder))
        assert change["block0"] > 0
        ratios[mode] = change["block0"] / change["block2"]
    # Adam steps scale with the rate: block0's is 1/100 of block2's.
    assert ratios["discriminative"] < 0.05, ratios
    assert ratios["finetune"] > 0.2, ratios


def test_lp_ft_is_evaluations_fine_tune():
    images, labels = tiny_data()
    data = evaluation.EvalData.from_arrays((images, labels), (images, labels))
    encoder = tiny_encoder()
    options = {"epochs": 2, "batch_size": 16, "head_steps": 3, "seed": 3}
    expected = evaluation.fine_tune(encoder, data, **options)["accuracy"]
    classifier = transfer.fit(encoder, (images, labels), "lp_ft", **options)
    logits = classifier.predict(images.astype("float32") / 255, verbose=0)
    assert np.mean(np.argmax(logits, 1) == labels) == expected


def test_data_as_arrays_dataset_or_eval_data_gives_the_same_classifier():
    images, labels = tiny_data()
    encoder = tiny_encoder()
    sources = [
        (images, labels),
        tf.data.Dataset.from_tensor_slices((images, labels)),
        tf.data.Dataset.from_tensor_slices({"image": images, "label": labels}),
        evaluation.EvalData.from_arrays((images, labels), (images[:3], labels[:3])),
    ]
    outputs = [
        transfer.fit(encoder, source, "linear", **FAST).predict(images[:8] / 255, verbose=0)
        for source in sources
    ]
    for output in outputs[1:]:
        np.testing.assert_allclose(output, outputs[0], rtol=1e-5, atol=1e-6)


def test_blocks_of_conv_encoder_and_explicit_prefixes():
    encoder = tiny_encoder()
    blocks = transfer.encoder_blocks(encoder)
    assert [b.name for b in blocks] == ["block0", "block1", "block2"]
    assert [layer.name for layer in blocks[0].layers] == ["block0_conv0", "block0_norm0"]
    two = transfer.encoder_blocks(encoder, ["block0", "block1_conv", "block1_norm", "block2"])
    assert [len(b.layers) for b in two] == [2, 1, 1, 2]
    by_kind = transfer.encoder_blocks(encoder, lambda layer: layer.name.split("_")[1])
    assert [b.name for b in by_kind] == ["conv0", "norm0"] * 3  # consecutive keys
    assert transfer.default_block_key("conv3_block1_1_conv") == "conv3"
    assert transfer.default_block_key("block4a_expand_conv") == "block4a"
    assert transfer.default_block_key("expanded_conv_3_depthwise") == "expanded_conv_3"
    assert transfer.default_block_key("conv_bn") is None


def test_saved_model_export_round_trip(tmp_path):
    encoder = tiny_encoder()
    path = export.export_saved_model(encoder, tmp_path, model_name="enc")
    images, labels = tiny_data()
    floats = images.astype("float32") / 255
    for source in (path, os.path.join(tmp_path, "enc")):  # version dir, model dir
        loaded = transfer.load_encoder(source)
        np.testing.assert_allclose(
            loaded.predict(floats, verbose=0), encoder.predict(floats, verbose=0), atol=1e-5
        )
    assert [b.name for b in transfer.encoder_blocks(loaded)] == ["enc_saved_model"]
    copied = transfer.fit(loaded, (images, labels), "linear", **FAST)  # copy=True: reloads
    assert copied.output_shape == (None, CLASSES)
    np.testing.assert_allclose(
        loaded.predict(floats, verbose=0), encoder.predict(floats, verbose=0), atol=1e-5
    )
    transfer.fit(loaded, (images, labels), "finetune", copy=False, **FAST)
    moved = loaded.predict(floats, verbose=0)
    assert not np.allclose(moved, encoder.predict(floats, verbose=0), atol=1e-5)
    with pytest.raises(ValueError, match="output 'logits' is not an output"):
        transfer.load_encoder(path, output="logits")


def test_keras_file_and_paradigm_like_models(tmp_path):
    encoder = tiny_encoder()
    file = str(tmp_path / "encoder.keras")
    encoder.save(file)
    loaded = transfer.load_encoder(file)
    for a, b in zip(encoder.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    holder = keras.Sequential([keras.Input(SHAPE), keras.layers.Flatten()])
    holder.encoder = encoder  # anything with a Keras `encoder` (a paradigm)
    assert transfer.load_encoder(holder) is encoder
    assert transfer.load_encoder(encoder) is encoder


def test_keras_applications_backbone_and_local_weights_file(tmp_path):
    # Building MobileNetV3Small takes ~5 s here; one fit step ~30 s (tracing), so
    # training is tested on the small encoders above, and here the backbone, its
    # blocks and the local weights file (what replaces weights="imagenet" offline).
    encoder = transfer.load_encoder(
        "MobileNetV3Small", input_shape=(28, 28, 1), weights=None, resize_to=(32, 32)
    )
    assert encoder.output_shape == (None, 576)
    assert [layer.name for layer in encoder.layers[1:4]] == ["resize", "gray_to_rgb", "preprocess"]
    blocks = transfer.encoder_blocks(encoder)
    assert len(blocks) > 5 and blocks[0].name == "conv" and blocks[-1].name == "conv_1"
    backbone = encoder.layers[-1]
    file = str(tmp_path / "backbone.weights.h5")
    backbone.save_weights(file)
    reloaded = transfer.load_encoder(
        "MobileNetV3Small", input_shape=(28, 28, 1), weights=file, resize_to=(32, 32)
    )
    for a, b in zip(backbone.get_weights(), reloaded.layers[-1].get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_application_preprocessing_is_the_familys_and_serializes():
    images = np.random.default_rng(0).random((2, 4, 4, 3)).astype("float32")
    layer = transfer.ApplicationPreprocessing("resnet")
    expected = keras.applications.resnet.preprocess_input(images * 255.0)
    np.testing.assert_allclose(np.asarray(layer(images)), expected, rtol=1e-5, atol=1e-4)
    again = keras.layers.deserialize(keras.layers.serialize(layer))
    assert again.family == "resnet"
    with pytest.raises(ValueError, match="family must name a keras.applications module"):
        transfer.ApplicationPreprocessing("nope")


def test_bad_input_is_refused_with_the_argument_named():
    encoder = tiny_encoder()
    images, labels = tiny_data()
    head = nets.classifier_head(2)
    with pytest.raises(ValueError, match=r"3 classes .* head outputs 2 logits: pass num_classes=3"):
        transfer.fit(encoder, (images, labels), head=head)
    with pytest.raises(ValueError, match="beyond num_classes=2"):
        transfer.fit(encoder, (images, labels), num_classes=2)
    with pytest.raises(ValueError, match="num_classes=4 but the head outputs 2"):
        transfer.fit(encoder, (images, labels), num_classes=4, head=head)
    with pytest.raises(ValueError, match="mode must be one of"):
        transfer.fit(encoder, (images, labels), "probe")
    with pytest.raises(ValueError, match="batch_norm must be one of"):
        transfer.fit(encoder, (images, labels), batch_norm="off")
    with pytest.raises(ValueError, match="per-example shape"):
        transfer.fit(encoder, (np.zeros((4, 9, 9, 1), np.uint8), labels[:4]))
    with pytest.raises(ValueError, match="one integer class per example"):
        transfer.fit(encoder, (images, labels.astype(float)))
    with pytest.raises(ValueError, match="stages must be an int from 1"):
        transfer.fit(encoder, (images, labels), "gradual", stages=5)
    with pytest.raises(ValueError, match="lr_decay"):
        transfer.fit(encoder, (images, labels), "discriminative", lr_decay=2.0)
    with pytest.raises(ValueError, match=r"prefixes \['nope'\] match no weighted layer"):
        transfer.fit(encoder, (images, labels), "gradual", blocks=["block", "nope"])
    with pytest.raises(ValueError, match="match none of the prefixes"):
        transfer.encoder_blocks(encoder, ["block0"])
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        transfer.fit(encoder, (images, labels), epochs=0)
    with pytest.raises(ValueError, match="keras.applications model name"):
        transfer.load_encoder("NoSuchNet")
    with pytest.raises(ValueError, match="input_shape=.*required"):
        transfer.load_encoder("MobileNetV3Small", weights=None)
    with pytest.raises(ValueError, match="weights must be 'imagenet', None or the path"):
        transfer.load_encoder("MobileNetV3Small", input_shape=(32, 32, 3), weights="/no/file")
