"""moving_digits: real TFDS preparation of tiny configs into the session's TFDS dir."""

import hashlib

import numpy as np
import pytest
import tensorflow_datasets as tfds
from sklearn.datasets import load_digits

import tfxlearn
from tfxlearn.data.audio import check_audio_video_lengths
from tfxlearn.data.moving_digits import (
    DIRECTIONS,
    MovingDigits,
    MovingDigitsConfig,
    direction_class,
    generate_split,
    simulate,
    tone_hz,
    upscale_digits,
)

TINY = dict(
    train_clips=24,
    test_clips=12,
    frames=8,
    frame_size=32,
    sprite_size=14,
    speed_range=(3.0, 6.0),
)


def _prepare(data_dir, **overrides):
    config = MovingDigitsConfig.make(**{**TINY, **overrides})
    builder = tfds.builder("moving_digits", config=config, data_dir=str(data_dir))
    return tfxlearn.data.prepare(builder)


def _arrays(builder, split):
    batches = list(builder.as_dataset(split=split).batch(1000).as_numpy_iterator())
    assert len(batches) == 1
    return batches[0]


@pytest.fixture(scope="module")
def tiny(tfds_dir):
    return _prepare(tfds_dir, seed=0)


def test_shapes_dtypes_splits_and_metadata(tiny):
    info = tiny.info
    config = tiny.builder_config
    assert info.splits["train"].num_examples == 24 and info.splits["test"].num_examples == 12
    assert MovingDigits.fps(info) == 10 and info.metadata["sample_rate"] == 16_000
    assert info.features["audio"].sample_rate == 16_000
    assert info.features["direction"].names == list(DIRECTIONS)
    test = _arrays(tiny, "test")
    assert test["video"].shape == (12, 8, 32, 32, 1) and test["video"].dtype == np.uint8
    # 8 frames at 10 fps = 0.8 s = 12,800 samples at 16 kHz, exactly.
    assert test["audio"].shape == (12, 12_800) and test["audio"].dtype == np.float32
    assert config.num_samples == 8 * 16_000 // 10 == 12_800
    check_audio_video_lengths(
        test["audio"].shape[-1],
        test["video"].shape[1],
        fps=MovingDigits.fps(info),
        sample_rate=16_000,
    )
    assert test["bounces"].shape == (12, 8) and test["bounces"].dtype == bool
    assert test["positions"].shape == (12, 8, 1, 2)
    assert test["digits"].shape == (12, 1) and test["sprite_index"].shape == (12, 1)
    np.testing.assert_array_equal(test["label"], test["digits"][:, 0])
    assert np.abs(test["audio"]).max() <= 1.0


def test_same_seed_same_arrays_other_seed_differs(tiny, tmp_path):
    again = _prepare(tmp_path / "again", seed=0)
    other = _prepare(tmp_path / "other", seed=1)
    assert again.builder_config.name == tiny.builder_config.name
    assert other.builder_config.name != tiny.builder_config.name  # separate directories
    for split in ("train", "test"):
        first, second, third = (_arrays(b, split) for b in (tiny, again, other))
        for key in first:
            np.testing.assert_array_equal(first[key], second[key], err_msg=key)
        assert not np.array_equal(first["video"], third["video"])
        assert not np.array_equal(first["positions"], third["positions"])


def test_tone_onsets_coincide_with_bounce_flags(tiny):
    train = _arrays(tiny, "train")
    samples_per_frame = 16_000 // 10
    windows = train["audio"].reshape(24, 8, samples_per_frame)
    energy = (windows.astype(np.float64) ** 2).sum(-1)
    flags = train["bounces"]
    assert flags.sum() >= 10, "the tiny config should bounce often"
    assert not flags[:, 0].any()  # no step before the first frame
    assert energy[flags].min() > 10.0  # a 50 ms tone of amplitude 0.5: ~100
    assert energy[~flags].max() == 0.0  # the tone never spills into the next frame
    # Each tone starts at the first sample of its frame's window and has the digit's pitch.
    for clip, frame in zip(*np.nonzero(flags)):
        window = windows[clip, frame]
        assert window[0] == 0.0 and np.abs(window[:80]).max() > 0  # Hann onset
        spectrum = np.abs(np.fft.rfft(window))
        peak_hz = np.argmax(spectrum) * 16_000 / samples_per_frame
        assert abs(peak_hz - tone_hz(train["label"][clip])) <= 10.0


def test_sprites_stay_inside_and_move_like_a_billiard_ball(tiny):
    train = _arrays(tiny, "train")
    room = 32 - 14
    positions = train["positions"][:, :, 0]  # [clips, frames, (row, col)]
    assert positions.min() >= 0.0 and positions.max() <= room
    mass = train["video"].reshape(24, 8, -1).astype(np.int64).sum(-1)
    # The whole sprite is drawn in every frame: nothing is clipped at the border.
    np.testing.assert_array_equal(mass, np.repeat(mass[:, :1], 8, axis=1))
    # Each frame is exactly the upscaled scikit-learn image at the rounded position.
    images = np.round(load_digits().images * (255.0 / 16.0))
    for clip in range(4):
        sprite = upscale_digits(images[train["sprite_index"][clip]], 14)[0]
        sprite = np.clip(np.round(sprite), 0, 255).astype(np.uint8)
        for t in (0, 5):
            r, c = np.rint(positions[clip, t]).astype(int)
            expected = np.zeros((32, 32), np.uint8)
            expected[r : r + 14, c : c + 14] = sprite
            np.testing.assert_array_equal(train["video"][clip, t, ..., 0], expected)
    # Billiard motion: a reference written here from the first step reproduces the
    # whole trajectory and its bounce flags (reflection at 0 and at `room`).
    checked = 0
    for clip in np.flatnonzero(~train["bounces"][:, 1]):
        position, velocity = (
            positions[clip, 0].astype(np.float64),
            np.diff(positions[clip, :2], axis=0)[0],
        )
        for t in range(1, 8):
            position = position + velocity
            hit = (position < 0) | (position > room)
            position = np.where(position < 0, -position, position)
            position = np.where(position > room, 2 * room - position, position)
            velocity = np.where(hit, -velocity, velocity)
            np.testing.assert_allclose(positions[clip, t], position, atol=1e-3)
            assert train["bounces"][clip, t] == hit.any()
        checked += 1
    assert checked >= 10
    # The direction label is the compass sector of the first step (when it does not bounce).
    first = np.diff(positions[:, :2], axis=1)[:, 0]
    theta = np.arctan2(-first[:, 0], first[:, 1])
    clean = ~train["bounces"][:, 1]
    np.testing.assert_array_equal(direction_class(theta)[clean], train["direction"][clean])


def test_splits_use_disjoint_sprite_images(tiny):
    target = load_digits().target
    train, test = _arrays(tiny, "train"), _arrays(tiny, "test")
    assert set(train["sprite_index"].ravel()).isdisjoint(test["sprite_index"].ravel())
    assert np.all(test["sprite_index"] % 5 == 4) and np.all(train["sprite_index"] % 5 != 4)
    np.testing.assert_array_equal(target[train["sprite_index"][:, 0]], train["label"])


def test_two_digits_and_named_tiny_config_through_load(tfds_dir, tmp_path):
    two = _prepare(tmp_path, digits_per_clip=2, train_clips=8, test_clips=4)
    test = _arrays(two, "test")
    assert test["digits"].shape == (4, 2) and test["positions"].shape == (4, 8, 2, 2)
    np.testing.assert_array_equal(test["label"], test["digits"][:, 0])
    assert "moving_digits" in tfxlearn.data.DATASETS.names()
    ds = tfxlearn.data.load("moving_digits/tiny", "test", data_dir=tfds_dir)
    clip = next(iter(ds))
    assert clip["video"].shape == (8, 32, 32, 1) and clip["audio"].shape == (12_800,)


def test_prepared_dataset_reloads_from_its_directory(tiny):
    # The features (including the zlib-compressed audio) are rebuilt from the
    # JSON written next to the data, as tfds.builder_from_directory does.
    reloaded = tfds.builder_from_directory(tiny.data_dir)
    np.testing.assert_array_equal(
        _arrays(reloaded, "test")["audio"], _arrays(tiny, "test")["audio"]
    )
    assert reloaded.info.features["audio"].sample_rate == 16_000


def test_bad_configs_raise_early():
    with pytest.raises(ValueError, match="digits_per_clip must be 1 or 2"):
        MovingDigitsConfig.make(digits_per_clip=3)
    with pytest.raises(ValueError, match="speed_range"):
        MovingDigitsConfig.make(speed_range=(1.0, 40.0))
    with pytest.raises(ValueError, match="not a whole number"):
        MovingDigitsConfig.make(fps=7)
    with pytest.raises(ValueError, match="sprite_size"):
        MovingDigitsConfig.make(sprite_size=64)
    with pytest.raises(ValueError, match="unknown MovingDigitsConfig fields.*frame_count"):
        MovingDigitsConfig.make(frame_count=4)
    with pytest.raises(ValueError, match="tone_seconds"):
        MovingDigitsConfig.make(tone_seconds=0.5)


def _generated(config):
    """{split: {key: stacked array}} straight from the generator (no TFDS preparation)."""
    out = {}
    for split in ("train", "test"):
        examples = [example for _, example in generate_split(config, split)]
        out[split] = {key: np.stack([np.asarray(e[key]) for e in examples]) for key in examples[0]}
    return out


def _digest(config) -> str:
    digest = hashlib.sha256()
    for split in ("train", "test"):
        for key, example in generate_split(config, split):
            digest.update(str(key).encode())
            for name in sorted(example):
                array = np.asarray(example[name])
                digest.update(name.encode() + str(array.dtype).encode() + array.tobytes())
    return digest.hexdigest()


def test_default_friction_leaves_existing_variants_unchanged():
    builder_configs = MovingDigits.builder_configs
    tiny, small = builder_configs["tiny"], builder_configs["small"]
    assert tiny.friction == 0.0 and small.friction == 0.0
    # Hash of the named `tiny` variant's examples computed before `friction` existed.
    assert _digest(tiny) == "6844db76f9753273acd053cdf64747330b0204ac047c8193cec285fb0b445139"
    # Passing the default explicitly (as int or float) is the same config and the same data.
    implicit = MovingDigitsConfig.make(**TINY)
    assert implicit.name == "custom_5ffdeb5214d1"  # the name it had before `friction` existed
    for friction in (0, 0.0):
        explicit = MovingDigitsConfig.make(**TINY, friction=friction)
        assert explicit.name == implicit.name and explicit.friction == 0.0
    first, second = _generated(implicit), _generated(MovingDigitsConfig.make(**TINY, friction=0.0))
    for split in first:
        for key in first[split]:
            np.testing.assert_array_equal(first[split][key], second[split][key], err_msg=key)
    # Older variants keep their version, description and metadata (no `friction` key).
    for name in ("one_digit", "two_digits", "small", "tiny"):
        builder = tfds.builder(f"moving_digits/{name}")
        assert str(builder.version) == "1.0.0"
        assert (
            "friction" not in builder.info.metadata and "friction" not in builder.info.description
        )


def test_friction_configs_are_registered_beside_small_and_tiny():
    for name, base in (("small_friction", "small"), ("tiny_friction", "tiny")):
        config, reference = MovingDigits.builder_configs[name], MovingDigits.builder_configs[base]
        builder = tfds.builder(f"moving_digits/{name}")
        assert str(builder.version) == "1.1.0" and "1.1.0" in builder.release_notes
        assert 0 < config.friction < 1 and builder.info.metadata["friction"] == config.friction
        for field in ("train_clips", "test_clips", "frames", "frame_size", "sprite_size", "seed"):
            assert getattr(config, field) == getattr(reference, field), field
        # The sprite still moves in the last frames: a frozen last step (no rounded
        # pixel moves) is as rare as in the constant-speed variant.
        room = config.frame_size - config.sprite_size
        frozen = {}
        for variant in (config, reference):
            positions, _, _ = simulate(
                np.random.default_rng(0),
                2000,
                1,
                variant.frames,
                room,
                variant.speed_range,
                variant.friction,
            )
            steps = np.abs(np.diff(np.rint(positions[:, -2:, 0]), axis=1)).sum(-1)
            frozen[variant.name] = (steps == 0).mean()
        assert frozen[name] < 0.05, frozen


@pytest.fixture(scope="module")
def friction_clips():
    return _generated(MovingDigitsConfig.make(**TINY, friction=0.1))


def test_friction_slows_the_sprite_down_and_keeps_bounces_and_labels_consistent(friction_clips):
    train = friction_clips["train"]
    room = 32 - 14
    positions = train["positions"][:, :, 0].astype(np.float64)  # [clips, frames, (row, col)]
    assert positions.min() >= 0.0 and positions.max() <= room
    steps = np.linalg.norm(np.diff(positions, axis=1), axis=-1)  # [clips, 7]
    clean = ~train["bounces"][:, 1:]  # a step without a wall hit measures the speed exactly
    # Each clean step is 0.9x the one before it: speed * 0.9 ** (t - 1).
    pairs = clean[:, 1:] & clean[:, :-1]
    assert pairs.sum() >= 50
    np.testing.assert_allclose(steps[:, 1:][pairs] / steps[:, :-1][pairs], 0.9, atol=2e-3)
    # The displacement magnitude decreases over time in every clip (when measured cleanly)
    # and on average over clips, frame by frame.
    speed = np.where(clean, steps / 0.9 ** np.arange(7), np.nan)  # the initial speed
    np.testing.assert_allclose(np.nanmax(speed, 1), np.nanmin(speed, 1), atol=2e-3)
    assert np.all((np.nanmin(speed, 1) >= 3.0 - 1e-3) & (np.nanmax(speed, 1) <= 6.0 + 1e-3))
    mean_step = np.nanmean(np.where(clean, steps, np.nan), axis=0)
    assert np.all(np.diff(mean_step) < 0), mean_step
    # Reflections and bounce flags follow the same rule as without friction.
    for clip in np.flatnonzero(~train["bounces"][:, 1]):
        position, velocity = positions[clip, 0], positions[clip, 1] - positions[clip, 0]
        for t in range(1, 8):
            position = position + velocity
            hit = (position < 0) | (position > room)
            position = np.where(position < 0, -position, position)
            position = np.where(position > room, 2 * room - position, position)
            velocity = np.where(hit, -velocity, velocity) * 0.9
            np.testing.assert_allclose(positions[clip, t], position, atol=1e-3)
            assert train["bounces"][clip, t] == hit.any()
    # The tones sit exactly at the bounce frames.
    energy = (train["audio"].reshape(24, 8, -1).astype(np.float64) ** 2).sum(-1)
    assert train["bounces"].sum() >= 5
    assert energy[train["bounces"]].min() > 10.0 and energy[~train["bounces"]].max() == 0.0
    # `direction` is the sector of the initial velocity (the first step's direction).
    first = positions[:, 1] - positions[:, 0]
    theta = np.arctan2(-first[:, 0], first[:, 1])
    unbounced = ~train["bounces"][:, 1]
    np.testing.assert_array_equal(direction_class(theta)[unbounced], train["direction"][unbounced])


def test_friction_clips_are_deterministic_from_the_seed(friction_clips):
    again = _generated(MovingDigitsConfig.make(**TINY, friction=0.1))
    other = _generated(MovingDigitsConfig.make(**TINY, friction=0.1, seed=1))
    still = _generated(MovingDigitsConfig.make(**TINY))
    for split in ("train", "test"):
        for key in friction_clips[split]:
            np.testing.assert_array_equal(
                friction_clips[split][key], again[split][key], err_msg=key
            )
        assert not np.array_equal(friction_clips[split]["positions"], other[split]["positions"])
        # Same seed: same starts, directions and digits; only the motion slows down.
        np.testing.assert_array_equal(
            friction_clips[split]["positions"][:, :2], still[split]["positions"][:, :2]
        )
        for key in ("label", "direction", "sprite_index"):
            np.testing.assert_array_equal(friction_clips[split][key], still[split][key])
        assert not np.array_equal(friction_clips[split]["positions"], still[split]["positions"])


@pytest.mark.parametrize("friction", [-0.1, 1.0, 1.5, float("nan"), True, "0.1", None])
def test_bad_friction_raises(friction):
    with pytest.raises(ValueError, match=r"friction must be a number in \[0, 1\)"):
        MovingDigitsConfig.make(friction=friction)
    with pytest.raises(ValueError, match="friction"):
        MovingDigitsConfig(name="bad", friction=friction)
