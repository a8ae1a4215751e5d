"""CompositeLstm (Srivastava et al., ICML 2015): targets, learning, evaluation encoder."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from contract_examples.frame_prediction import moving_squares

import tfxlearn
from tfxlearn.evaluation.frame_prediction import copy_last_frame, prediction_errors


def _model(context=4, future=4, units=32, **kwargs):
    encoder = tfxlearn.nets.conv_encoder((16, 16, 1), widths=(8, 16), pooling="flatten")
    return tfxlearn.paradigms.get("composite_lstm")(
        encoder=encoder,
        context=context,
        future=future,
        units=units,
        decoder_widths=(16, 8),
        **kwargs,
    )


def _binary_logits(frames):
    return 30.0 * (2.0 * frames - 1.0)


def test_reconstruction_target_is_the_input_in_reverse_order():
    model = _model(context=3, future=2)
    clips = (moving_squares(clips=2, frames=5) > 0).astype(np.float32)
    x, y = tf.constant(clips[:, :3]), tf.constant(clips[:, 3:])
    reverse = model.loss_terms(
        x, y, {"reconstruction": _binary_logits(x[:, ::-1]), "prediction": _binary_logits(y)}
    )
    forward = model.loss_terms(
        x, y, {"reconstruction": _binary_logits(x), "prediction": _binary_logits(y)}
    )
    assert reverse["reconstruction_bce"].shape == (2,)
    np.testing.assert_allclose(reverse["reconstruction_bce"], 0.0, atol=1e-10)
    np.testing.assert_allclose(reverse["prediction_bce"], 0.0, atol=1e-10)
    # Forward order: the first and last frames differ where the square moved.
    assert np.all(forward["reconstruction_bce"].numpy() > 0.1)
    with pytest.raises(ValueError, match="future=2 frames"):
        model.loss_terms(x, x, {"reconstruction": x, "prediction": x})
    with pytest.raises(ValueError, match="tfxlearn.pretext.frame_prediction"):
        model.loss_terms(x, None, {})


def test_learns_to_predict_better_than_copying_the_last_frame():
    keras.utils.set_random_seed(0)
    clips = moving_squares(clips=64, frames=8)
    ds = tf.data.Dataset.from_tensor_slices(clips).shuffle(64, seed=0).batch(16)
    pairs = tfxlearn.pretext.frame_prediction(ds, context=4, future=4)
    model = _model()
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = model.fit(pairs, epochs=40, verbose=0).history
    assert history["prediction_bce"][-1] < 0.5 * history["prediction_bce"][0]
    assert history["reconstruction_bce"][-1] < 0.5 * history["reconstruction_bce"][0]
    floats = clips.astype(np.float32) / 255.0
    predicted = model.predict_frames(floats[:, :4], 4)
    ours = prediction_errors(floats[:, 4:], predicted)
    copy = prediction_errors(floats[:, 4:], copy_last_frame(floats[:, :4], 4))
    assert ours["mse"] < copy["mse"] and ours["bce"] < copy["bce"]


def test_predict_frames_any_horizon_and_batching():
    model = _model(context=4, future=4)
    clips = moving_squares(clips=5, frames=8)
    frames = model.predict_frames(clips[:, :4], 7)  # uint8 accepted
    assert frames.shape == (5, 7, 16, 16, 1) and frames.dtype == np.float32
    assert frames.min() >= 0.0 and frames.max() <= 1.0
    # The first steps do not depend on how far the decoder is rolled out.
    np.testing.assert_allclose(model.predict_frames(clips[:, :4], 2), frames[:, :2], atol=1e-6)
    np.testing.assert_allclose(
        model.predict_frames(clips[:, :4], 7, batch_size=2), frames, atol=1e-6
    )
    with pytest.raises(ValueError, match="future must be a positive int"):
        model.predict_frames(clips[:, :4], 0)
    with pytest.raises(ValueError, match="rank 5"):
        model.predict_frames(clips[:, 0], 2)


def test_evaluation_encoder_reads_only_the_context_and_clones():
    model = _model(context=4, units=12)
    clips = moving_squares(clips=4, frames=8).astype(np.float32) / 255.0
    encoder = model.evaluation_encoder((8, 16, 16, 1))
    features = encoder(clips).numpy()
    assert features.shape == (4, 24)  # h and c
    # Frames after the context do not matter; the state is the model's own.
    changed = clips.copy()
    changed[:, 4:] = 0.0
    np.testing.assert_allclose(encoder(changed), features, atol=1e-6)
    h, c = model.encode(tf.constant(clips[:, :4]))
    np.testing.assert_allclose(features, np.concatenate([h, c], -1), atol=1e-5)
    assert model.evaluation_encoder((8, 16, 16, 1), features="hidden").output_shape == (None, 12)
    both = model.evaluation_encoder((8, 16, 16, 1), features="frames_and_state", sample_frames=2)
    assert both.output_shape == (None, 2 * 4 * 4 * 16 + 24)
    # The random-init baseline clones it: same architecture, fresh weights.
    clone = keras.models.clone_model(encoder)
    assert clone(clips).shape == features.shape
    assert not np.allclose(clone(clips), features)
    with pytest.raises(ValueError, match="fewer than context=4"):
        model.evaluation_encoder((3, 16, 16, 1))
    with pytest.raises(ValueError, match="input_shape must be clips"):
        model.evaluation_encoder((8, 16, 16, 3))
    with pytest.raises(ValueError, match="features must be one of"):
        model.evaluation_encoder((8, 16, 16, 1), features="mean")


def test_constructor_errors():
    with pytest.raises(ValueError, match="fixed input shape"):
        tfxlearn.paradigms.get("composite_lstm")(
            encoder=tfxlearn.nets.conv_encoder((None, None, 1), widths=(4,))
        )
    with pytest.raises(ValueError, match="context must be a positive int"):
        _model(context=0)
    with pytest.raises(ValueError, match="reconstruction_weight"):
        _model(reconstruction_weight=-1)
    with pytest.raises(TypeError, match="keras.Model"):
        tfxlearn.paradigms.get("composite_lstm")(encoder="conv")
