import keras
import numpy as np
import pytest
import tensorflow as tf

from tfxlearn.nets import TokenAndPositionEmbedding, TransformerBlock, transformer_decoder


def test_decoder_is_causal_a_later_token_changes_no_earlier_prediction():
    model = transformer_decoder(20, 12, dim=16, depth=2, heads=2, dropout=0.0)
    ids = np.random.default_rng(0).integers(0, 20, (3, 10)).astype(np.int32)
    changed = ids.copy()
    changed[:, 6:] = (changed[:, 6:] + 1) % 20
    a, b = model(ids).numpy(), model(changed).numpy()
    assert a.shape == (3, 10, 20)
    np.testing.assert_allclose(a[:, :6], b[:, :6], atol=1e-5)
    assert np.abs(a[:, 6:] - b[:, 6:]).max() > 1e-3


def test_encoder_block_attends_both_ways_and_ignores_padded_keys():
    block = TransformerBlock(8, 2, causal=False)
    x = tf.random.stateless_normal((2, 5, 8), seed=[0, 1])
    mask = tf.constant([[True] * 5, [True] * 3 + [False] * 2])
    y = block(x, padding_mask=mask)
    # A new last position (not a constant shift, which the pre-LN normalization removes).
    later = tf.concat([x[:, :4], tf.random.stateless_normal((2, 1, 8), seed=[5, 5])], axis=1)
    y2 = block(later, padding_mask=mask)
    # Row 0: position 0 attends to position 4, so it changes; row 1: position 4 is
    # padding, so positions 0..2 do not change.
    assert np.abs(y[0, 0] - y2[0, 0]).max() > 1e-4
    np.testing.assert_allclose(y[1, :3], y2[1, :3], atol=1e-5)


def test_cross_attention_block_reads_the_context_and_checks_its_arguments():
    block = TransformerBlock(8, 2, causal=True, cross_attention=True)
    x = tf.random.stateless_normal((2, 4, 8), seed=[0, 2])
    context = tf.random.stateless_normal((2, 6, 8), seed=[0, 3])
    y = block(x, context=context)
    assert y.shape == (2, 4, 8)
    assert np.abs(block(x, context=context * 2.0) - y).max() > 1e-4
    with pytest.raises(ValueError, match="needs a context"):
        block(x)
    with pytest.raises(ValueError, match="without cross_attention"):
        TransformerBlock(8, 2)(x, context=context)


def test_longer_than_max_length_is_refused_and_bad_sizes_too():
    with pytest.raises(ValueError, match="longer than the embedding's max_length 4"):
        TokenAndPositionEmbedding(10, 4, 8)(np.zeros((1, 5), np.int32))
    with pytest.raises(ValueError, match="divisible by heads"):
        TransformerBlock(10, 3)
    with pytest.raises(ValueError, match="dropout"):
        TransformerBlock(8, 2, dropout=1.0)
    with pytest.raises(ValueError, match="depth"):
        transformer_decoder(10, 4, depth=0)


def test_layers_round_trip_through_their_config():
    block = TransformerBlock(8, 2, mlp_dim=16, dropout=0.1, causal=False, cross_attention=True)
    clone = TransformerBlock.from_config(block.get_config())
    assert clone.get_config() == block.get_config()
    model = transformer_decoder(11, 6, dim=8, depth=1, heads=2)
    loaded = keras.Model.from_config(model.get_config())
    loaded.set_weights(model.get_weights())
    ids = np.arange(12, dtype=np.int32).reshape(2, 6) % 11
    np.testing.assert_allclose(loaded(ids), model(ids), atol=1e-6)
