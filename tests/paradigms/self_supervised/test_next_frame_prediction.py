"""NextFramePrediction (Mathieu et al., ICLR 2016): stacking, losses, adversarial steps."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from contract_examples.frame_prediction import moving_squares

import tfxlearn
from tfxlearn.evaluation.frame_prediction import copy_last_frame, prediction_errors
from tfxlearn.nets.video import StackFrames, unstack_frames


def _model(context=3, future=1, adversarial=False, norm="batch", **kwargs):
    encoder = tfxlearn.nets.conv_encoder((16, 16, context), widths=(8, 16), norm=norm)
    discriminator = (
        tfxlearn.nets.conv_encoder(
            (16, 16, context + future), widths=(4, 8), norm="none", name="discriminator"
        )
        if adversarial
        else None
    )
    return tfxlearn.paradigms.get("next_frame_prediction")(
        encoder=encoder,
        context=context,
        future=future,
        decoder_widths=(16, 8),
        discriminator=discriminator,
        **kwargs,
    )


def _pairs(clips=32, frames=6, context=3, future=1, batch=8):
    ds = tf.data.Dataset.from_tensor_slices(moving_squares(clips=clips, frames=frames))
    return tfxlearn.pretext.frame_prediction(
        ds.batch(batch), context=context, future=future, random_start=True
    )


def test_stack_and_unstack_frames_are_inverse():
    clips = np.random.default_rng(0).uniform(size=(2, 3, 4, 5, 2)).astype(np.float32)
    stacked = StackFrames()(clips).numpy()
    assert stacked.shape == (2, 4, 5, 6)
    np.testing.assert_array_equal(stacked[..., 2:4], clips[:, 1])  # frame t -> channels 2t, 2t+1
    np.testing.assert_array_equal(unstack_frames(tf.constant(stacked), 3), clips)


def test_loss_is_pixel_loss_plus_weighted_gdl():
    x, y = next(iter(_pairs()))
    for pixel, weight in (("l2", 0.0), ("l2", 1.0), ("l1", 2.5)):
        model = _model(pixel_loss=pixel, gdl_weight=weight)
        predicted = model(x)
        terms = model.generator_terms(x, y, predicted)
        error = predicted.numpy() - y.numpy()
        want = np.square(error) if pixel == "l2" else np.abs(error)
        np.testing.assert_allclose(terms[pixel], want.reshape(8, -1).mean(1), rtol=1e-5)
        gdl = tfxlearn.losses.gradient_difference(y, predicted, alpha=2.0)
        np.testing.assert_allclose(terms["gdl"], gdl, rtol=1e-6)
        np.testing.assert_allclose(terms["loss"], terms[pixel] + weight * gdl, rtol=1e-6)
        logs = model.compile() or model.evaluate(_pairs(), verbose=0, return_dict=True)
        assert set(logs) == {"loss", pixel, "gdl"}


def test_learns_to_beat_copying_the_last_frame():
    keras.utils.set_random_seed(0)
    model = _model(context=3, future=1, norm="none")  # no batch-norm lag after 240 steps
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = model.fit(_pairs(clips=64), epochs=30, verbose=0).history
    assert history["l2"][-1] < 0.5 * history["l2"][0]
    floats = moving_squares(clips=64, frames=6).astype(np.float32) / 255.0
    predicted = model.predict_frames(floats[:, :3], 1)
    ours = prediction_errors(floats[:, 3:4], predicted)
    copy = prediction_errors(floats[:, 3:4], copy_last_frame(floats[:, :3], 1))
    assert ours["mse"] < copy["mse"] and ours["bce"] < copy["bce"]


def test_predict_frames_feeds_predictions_back():
    model = _model(context=3, future=1)
    clips = moving_squares(clips=4, frames=6).astype(np.float32) / 255.0
    frames = model.predict_frames(clips, 3)  # the last 3 frames are the context
    assert frames.shape == (4, 3, 16, 16, 1)
    first = np.clip(model(clips[:, 3:]).numpy(), 0, 1)  # predictions are clipped to [0, 1]
    np.testing.assert_allclose(frames[:, :1], first, atol=1e-6)
    second = np.clip(model(np.concatenate([clips[:, 4:], first], 1)).numpy(), 0, 1)
    np.testing.assert_allclose(frames[:, 1:2], second, atol=1e-5)
    with pytest.raises(ValueError, match="fewer than context=3"):
        model.predict_frames(clips[:, :2], 1)


def test_adversarial_steps_update_both_players_with_their_own_optimizers():
    model = _model(adversarial=True, norm="none")
    x, _ = next(iter(_pairs()))
    model(x)
    model.compile(optimizer=keras.optimizers.SGD(0.05))
    assert model.discriminator_optimizer is not model.generator_optimizer
    assert isinstance(model.discriminator_optimizer, keras.optimizers.SGD)
    before = {r: [w.numpy() for w in model.player_variables(r)] for r in model.roles}
    history = model.fit(_pairs().take(2), epochs=1, verbose=0).history
    assert set(history) == {"loss", "l2", "gdl", "d_loss", "adversarial"}
    for role in ("generator", "discriminator"):
        after = model.player_variables(role)
        assert any(not np.allclose(a, b.numpy()) for a, b in zip(before[role], after))
        assert int(getattr(model, f"{role}_optimizer").iterations) == 2
    clone = type(model).from_config(model.get_config())
    clone(x)
    clone.set_weights(model.get_weights())
    y = tf.zeros([8, 1, 16, 16, 1])
    np.testing.assert_allclose(clone.discriminate(x, y), model.discriminate(x, y), atol=1e-6)


def test_compile_and_constructor_errors():
    plain = _model()
    with pytest.raises(ValueError, match="no discriminator"):
        plain.compile(optimizer="adam", discriminator_optimizer="adam")
    with pytest.raises(ValueError, match="not both"):
        plain.compile(optimizer="adam", generator_optimizer="adam")
    with pytest.raises(ValueError, match="computes its own loss"):
        plain.compile(loss="mse")
    with pytest.raises(ValueError, match="context \\* channels"):
        tfxlearn.paradigms.get("next_frame_prediction")(
            encoder=tfxlearn.nets.conv_encoder((16, 16, 4), widths=(4,)), context=3
        )
    with pytest.raises(ValueError, match="discriminator must take"):
        tfxlearn.paradigms.get("next_frame_prediction")(
            encoder=tfxlearn.nets.conv_encoder((16, 16, 3), widths=(4,)),
            context=3,
            discriminator=tfxlearn.nets.conv_encoder((16, 16, 3), widths=(4,), name="d"),
        )
    with pytest.raises(ValueError, match="pixel_loss"):
        _model(pixel_loss="l3")
    with pytest.raises(ValueError, match="gdl_alpha"):
        _model(gdl_alpha=0)
    with pytest.raises(ValueError, match="future frames must hold future=1"):
        plain.test_step((tf.zeros([2, 3, 16, 16, 1]), tf.zeros([2, 2, 16, 16, 1])))


def test_evaluation_encoder_reads_only_the_context_and_clones():
    model = _model(context=3)
    clips = moving_squares(clips=4, frames=6).astype(np.float32) / 255.0
    encoder = model.evaluation_encoder((6, 16, 16, 1))
    features = encoder(clips).numpy()
    np.testing.assert_allclose(
        features, model.serving_outputs(clips[:, :3])["embedding"], atol=1e-5
    )
    changed = clips.copy()
    changed[:, 3:] = 1.0
    np.testing.assert_allclose(encoder(changed), features, atol=1e-6)
    clone = keras.models.clone_model(encoder)
    assert clone(clips).shape == features.shape and not np.allclose(clone(clips), features)
    with pytest.raises(ValueError, match="fewer than context=3"):
        model.evaluation_encoder((2, 16, 16, 1))
