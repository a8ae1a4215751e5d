import math

import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn.pretext import odd_one_out, odd_one_out_frames, odd_one_out_indices
from tfxlearn.pretext.odd_one_out import shuffles


def _coordinate_clips(batch=6, frames=16, size=4):
    """uint8 clips whose frame t holds the value 10 * t everywhere."""
    values = (10 * np.arange(frames)).astype(np.uint8)
    return np.ascontiguousarray(
        np.broadcast_to(values[None, :, None, None, None], (batch, frames, size, size, 1))
    )


def _frame_index(frames):
    return np.rint(np.asarray(frames)[..., 0, 0, 0] * 255 / 10).astype(int)


def test_shuffle_table_has_every_non_identity_permutation():
    for m in (2, 3, 4):
        table = shuffles(m)
        assert table.shape == (math.factorial(m) - 1, m)
        assert len({tuple(p) for p in table}) == len(table)
        assert not (table == np.arange(m)).all(axis=1).any()


@pytest.mark.parametrize("n, m, frames", [(6, 4, 16), (3, 2, 2), (4, 7, 8)])
def test_unshuffling_finds_exactly_one_odd_subsequence_at_the_label(n, m, frames):
    clips = _coordinate_clips(batch=200, frames=frames)
    options = dict(num_subsequences=n, subsequence_length=m)
    got, labels = odd_one_out_frames(clips, tf.constant([2, 7]), **options)
    indices, labels_again = odd_one_out_indices(clips, tf.constant([2, 7]), **options)
    indices, labels = indices.numpy(), labels.numpy()
    np.testing.assert_array_equal(labels_again, labels)
    assert got.shape == (200, n, m, 4, 4, 1) and got.dtype == tf.float32
    np.testing.assert_array_equal(_frame_index(got), indices)  # frames = named clip frames
    assert ((indices >= 0) & (indices < frames)).all()
    # Every subsequence holds M distinct frames; sorting them puts them in time order.
    restored = np.sort(indices, axis=-1)
    assert (np.diff(restored, axis=-1) > 0).all()
    # Property: exactly one subsequence is out of order, and it is at the label.
    out_of_order = (restored != indices).any(axis=-1)  # [B, N]
    np.testing.assert_array_equal(out_of_order.sum(-1), np.ones(200))
    np.testing.assert_array_equal(out_of_order.argmax(-1), labels)
    # The odd position is uniform-ish over 0..N-1 (every position occurs).
    assert set(labels) == set(range(n))


def test_odd_subsequences_use_many_permutations_and_the_same_frames_distribution():
    clips = _coordinate_clips(batch=512, frames=16)
    indices, labels = odd_one_out_indices(clips, tf.constant([0, 3]))
    indices, labels = indices.numpy(), labels.numpy()
    odd = indices[np.arange(512), labels]
    order = np.argsort(np.argsort(odd, axis=-1), axis=-1)  # the shuffle applied
    assert len({tuple(p) for p in order}) == 23  # all 4! - 1 non-identity shuffles
    # The odd subsequences' frame sets look like the others' (only the order differs).
    even = indices[np.arange(6)[None, :] != labels[:, None]]  # [512 * 5, 4]
    assert even.shape == (512 * 5, 4)
    for statistic in (np.ptp, np.mean):  # spread in time, position in the clip
        assert abs(statistic(odd, axis=-1).mean() - statistic(even, axis=-1).mean()) < 0.5


def test_bad_inputs_have_clear_errors():
    ds = tf.data.Dataset.from_tensor_slices(np.zeros((4, 3, 8, 8, 1), np.uint8)).batch(2)
    with pytest.raises(ValueError, match="fewer than the 4"):
        odd_one_out(ds)  # 3-frame clips, subsequences of 4
    with pytest.raises(ValueError, match="num_subsequences must be an int >= 2"):
        odd_one_out(ds, num_subsequences=1, subsequence_length=2)
    with pytest.raises(ValueError, match="subsequence_length must be an int >= 2"):
        odd_one_out(ds, subsequence_length=1)
    with pytest.raises(ValueError, match="subsequence_length must be <= 7"):
        odd_one_out(ds, subsequence_length=8)
    with pytest.raises(ValueError, match="num_subsequences must be an int"):
        odd_one_out(ds, num_subsequences=True, subsequence_length=2)
    with pytest.raises(ValueError, match="fewer than subsequence_length 4"):
        odd_one_out_indices(np.zeros((2, 3, 4, 4, 1)), tf.constant([0, 0]))
    images = tf.data.Dataset.from_tensor_slices(np.zeros((4, 8, 8, 1), np.uint8)).batch(2)
    with pytest.raises(ValueError, match="single clips"):
        odd_one_out(images)
    with pytest.raises(TypeError, match="tf.data.Dataset"):
        odd_one_out(np.zeros((2, 8, 8, 8, 1)))


def test_paradigm_checks_its_sizes_and_evaluates_clips(tmp_path):
    encoder = tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4,))
    build = tfxlearn.paradigms.get("odd_one_out")
    model = build(encoder=encoder, num_subsequences=3, subsequence_length=2, hidden=4)
    clips = np.random.default_rng(1).integers(0, 256, (2, 6, 8, 8, 1), np.uint8)
    batch = odd_one_out_frames(clips, tf.constant([0, 0]), num_subsequences=3, subsequence_length=2)
    assert model(batch[0]).shape == (2, 3)
    config = model.get_config()
    assert (config["num_subsequences"], config["subsequence_length"]) == (3, 2)
    with pytest.raises(ValueError, match="subsequence count must be 3"):
        model(
            odd_one_out_frames(
                clips, tf.constant([0, 0]), num_subsequences=4, subsequence_length=2
            )[0]
        )
    with pytest.raises(ValueError, match="num_subsequences must be an int >= 2"):
        build(encoder=encoder, num_subsequences=1)
    clip_model = model.evaluation_encoder((6, 8, 8, 1))
    assert clip_model(tf.cast(clips, tf.float32)).shape == (2, 4 * 4)
    plot = tfxlearn.pretext.get_plot("odd_one_out")
    path = plot(batch, str(tmp_path / "o3n.png"), title="t", model=model)
    assert (tmp_path / "o3n.png").stat().st_size > 0 and path.endswith("o3n.png")
