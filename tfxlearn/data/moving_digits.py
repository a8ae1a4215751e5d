"""Moving digits: Moving-MNIST-style clips with a synchronized sound track, as a TFDS builder.

Each clip shows one or two handwritten digit sprites moving with constant
velocity (optionally slowed by friction) inside a square frame and bouncing off
its walls, as in Moving MNIST
(Srivastava, Mansimov & Salakhutdinov, "Unsupervised Learning of Video
Representations using LSTMs", ICML 2015). Sprites are scikit-learn's bundled
8x8 digits (`sklearn.datasets.load_digits`), upscaled bilinearly to
`sprite_size` (default 28, the MNIST digit size in a 64x64 frame). Generated
offline with NumPy, deterministic from the config's `seed`.

Splits use DISJOINT sprite images: the same rule as the `digits` dataset
(scikit-learn index % 5 == 4 -> test, else train), so a probe on the test clips
sees handwriting it never saw in training.

Motion. Positions are the sprite's top-left corner `(row, col)` in
`[0, frame_size - sprite_size]`, drawn uniformly; the initial direction is an
angle theta uniform in [0, 2 pi) measured counter-clockwise from "east" as seen
on screen (rows grow downwards, so the row velocity is `-speed * sin(theta)`),
and the speed uniform in `speed_range` pixels per frame. Each frame the position
moves by the velocity; a coordinate that leaves the allowed range is reflected
back into it and that velocity component flips sign (a wall bounce). Frames
are rendered at the rounded positions, composited with `max`, so a sprite is
always entirely inside the frame.

Friction. With the default `friction=0` the speed is constant and bounces are
elastic: the motion is time-reversible (a clip played backwards is an equally
likely clip), so it has no arrow of time. With `0 < friction < 1` the velocity
is multiplied by `1 - friction` after every step (bounces still only flip the
component): the step into frame t has length `speed * (1 - friction) ** (t - 1)`,
so forward clips decelerate and reversed ones accelerate. The direction of
motion is unchanged by friction, only its magnitude.

Labels for evaluation: `label` is the identity (0-9) of the first digit;
`direction` is the compass sector of the first digit's INITIAL velocity,
8 classes of 45 degrees centred on E, NE, N, NW, W, SW, S, SE
(`round(theta / 45 deg) mod 8`, so class 0 "E" covers theta in [-22.5, 22.5)).
With friction it is the same: the direction of the first step (friction scales
the velocity, it never turns it), i.e. of the clip played forward.

Sound. A mono track at `sample_rate` (16 kHz) lasting exactly `frames / fps`
seconds (`fps` = 10 by default, stored in the description and in
`MovingDigits.fps(builder.info)`): silence, plus a tone at every wall bounce.
`bounces[t]` is True when a sprite hit a wall on the step from frame t-1 to
frame t; its tone starts at the first sample of frame t's audio window
(`t * sample_rate / fps`) and lasts `tone_seconds` (<= one frame), a sine of
frequency `220 * 2 ** (digit / 3)` Hz (220 Hz for 0 ... 1760 Hz for 9, a major
third apart: each digit has its own pitch) under a Hann envelope, amplitude 0.5
per sprite (two simultaneous tones sum to at most 1.0). Sound and motion are
thus synchronized frame-exactly: the material for audio-visual synchronization
(Chung & Zisserman, "Out of time", ACCV workshops 2016) and correspondence.

Features: `video` uint8 [frames, size, size, 1] (PNG frames), `audio` float32
[frames / fps * sample_rate] in [-1, 1] (zlib-compressed; it is mostly silence),
`bounces` bool [frames] (any sprite), `label`, `direction`, and for analysis
`digits` int64 [digits_per_clip], `sprite_index` int64 [digits_per_clip] (the
scikit-learn image index), `positions` float32 [frames, digits_per_clip, 2]
(row, col of each sprite's top-left corner, before rounding).

Configs: `one_digit` (default: 4,000 / 1,000 clips of 16 frames 64x64, one digit),
`two_digits` (same with two digits), `small` (4,000 / 1,000 clips of 16 frames
32x32, 14 px sprites at half the speed: the size the video benchmarks train on
with a CPU), `tiny` (smoke runs), and `small_friction` / `tiny_friction`
(version 1.1.0; the others stay 1.0.0): the sizes of `small` / `tiny` with
`friction=0.08` and speeds 3-6 px per frame, so the sprite still moves about
1.4 px per frame at the end of a 16-frame clip (x0.92 ** 14 = 0.31); the
variants for the arrow of time. Any other size:
`MovingDigitsConfig.make(train_clips=..., seed=...)` builds a config whose name
encodes every field, so different settings never share a prepared directory:
`tfds.builder("moving_digits", config=MovingDigitsConfig.make(seed=1))`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

import numpy as np
import tensorflow_datasets as tfds

from tfxlearn.data.audio import CompressedAudio, num_audio_samples
from tfxlearn.progress import progress
from tfxlearn.registry import DATASETS

DIRECTIONS = ("E", "NE", "N", "NW", "W", "SW", "S", "SE")
BASE_TONE_HZ = 220.0
TONE_AMPLITUDE = 0.5


@dataclasses.dataclass(eq=False)
class MovingDigitsConfig(tfds.core.BuilderConfig):
    """Sizes and seed of a `moving_digits` variant (see the module docstring)."""

    train_clips: int = 4000
    test_clips: int = 1000
    frames: int = 16
    frame_size: int = 64
    sprite_size: int = 28
    digits_per_clip: int = 1
    speed_range: tuple[float, float] = (2.0, 5.0)
    fps: int = 10
    sample_rate: int = 16_000
    tone_seconds: float = 0.05
    seed: int = 0
    friction: float = 0.0

    def __post_init__(self):
        for field in ("train_clips", "test_clips", "frames", "frame_size", "sprite_size", "fps"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{field} must be a positive integer, got {value!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.frames < 2:
            raise ValueError(f"frames must be >= 2 (a clip needs motion), got {self.frames}")
        if self.digits_per_clip not in (1, 2):
            raise ValueError(f"digits_per_clip must be 1 or 2, got {self.digits_per_clip!r}")
        if not 4 <= self.sprite_size < self.frame_size:
            raise ValueError(
                f"sprite_size must be in [4, frame_size={self.frame_size}), got {self.sprite_size}"
            )
        low, high = self.speed_range
        room = self.frame_size - self.sprite_size
        if not 0 < low <= high < room:
            raise ValueError(
                f"speed_range must satisfy 0 < low <= high < frame_size - sprite_size = {room} "
                f"pixels per frame (one reflection per step), got {self.speed_range}"
            )
        samples_per_frame = num_audio_samples(1, self.fps, self.sample_rate)  # raises if inexact
        tone = int(round(self.tone_seconds * self.sample_rate))
        if not 1 <= tone <= samples_per_frame:
            raise ValueError(
                f"tone_seconds must be > 0 and at most one frame (1 / fps = {1 / self.fps} s), "
                f"got {self.tone_seconds}"
            )
        friction = self.friction
        if (
            isinstance(friction, bool)
            or not isinstance(friction, (int, float, np.integer, np.floating))
            or not 0.0 <= friction < 1.0
        ):
            raise ValueError(
                "friction must be a number in [0, 1) (the fraction of its speed a sprite "
                f"loses per frame; 0 = constant speed), got {friction!r}"
            )
        self.friction = float(friction)  # ints and NumPy scalars: one JSON-able type
        if tone_hz(9) >= self.sample_rate / 2:
            raise ValueError(
                f"sample_rate must exceed twice the {tone_hz(9)} Hz tone of digit 9, "
                f"got {self.sample_rate}"
            )

    @property
    def samples_per_frame(self) -> int:
        return num_audio_samples(1, self.fps, self.sample_rate)

    @property
    def num_samples(self) -> int:
        """Audio samples per clip: exactly `frames / fps * sample_rate`."""
        return num_audio_samples(self.frames, self.fps, self.sample_rate)

    def fields(self) -> dict:
        """The generation parameters (everything but TFDS's name/version bookkeeping).

        `friction` (added after 1.0.0) is left out at its default 0, so the
        variants that existed before it keep their custom-config names (a hash
        of these fields) and their metadata.
        """
        names = [f.name for f in dataclasses.fields(MovingDigitsConfig)]
        base = {f.name for f in dataclasses.fields(tfds.core.BuilderConfig)}
        fields = {name: getattr(self, name) for name in names if name not in base}
        if fields["friction"] == 0:
            del fields["friction"]
        return fields

    @classmethod
    def make(cls, **overrides) -> MovingDigitsConfig:
        """A custom config named after a hash of all its fields (unknown fields raise)."""
        known = {f.name for f in dataclasses.fields(cls)} - {
            f.name for f in dataclasses.fields(tfds.core.BuilderConfig)
        }
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"unknown MovingDigitsConfig fields {unknown}; known: {sorted(known)}")
        if "speed_range" in overrides:
            overrides["speed_range"] = tuple(float(v) for v in overrides["speed_range"])
        friction = overrides.get("friction")
        if isinstance(friction, (int, np.integer, np.floating)) and not isinstance(friction, bool):
            overrides["friction"] = float(friction)  # 0 and 0.0 name the same config
        probe = cls(name="probe", **overrides)  # validates
        digest = hashlib.sha1(
            json.dumps(probe.fields(), sort_keys=True).encode(), usedforsecurity=False
        ).hexdigest()[:12]
        return cls(name=f"custom_{digest}", description=_describe(probe), **overrides)


def tone_hz(digit) -> np.ndarray:
    """Bounce-tone frequency of `digit`: 220 * 2 ** (digit / 3) Hz (220 ... 1760 Hz)."""
    return BASE_TONE_HZ * 2.0 ** (np.asarray(digit, np.float64) / 3.0)


def upscale_digits(images: np.ndarray, size: int) -> np.ndarray:
    """Bilinear upscaling (half-pixel centres) of [N, h, w] images to [N, size, size].

    Written as two small interpolation matrices (`R @ image @ C.T`), so it is
    exact, deterministic and fast for the 8x8 scikit-learn digits.
    """

    def matrix(out: int, inp: int) -> np.ndarray:
        centres = (np.arange(out) + 0.5) * inp / out - 0.5
        centres = np.clip(centres, 0, inp - 1)
        left = np.floor(centres).astype(int)
        right = np.minimum(left + 1, inp - 1)
        frac = centres - left
        weights = np.zeros((out, inp))
        weights[np.arange(out), left] += 1 - frac
        weights[np.arange(out), right] += frac
        return weights

    images = np.asarray(images, np.float64)
    rows = matrix(size, images.shape[1])
    cols = matrix(size, images.shape[2])
    return np.einsum("ri,nij,cj->nrc", rows, images, cols)


def digit_pool(split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(images uint8 [n, 8, 8] in 0..255, labels int64 [n], sklearn indices [n]) of `split`.

    The `digits` dataset's rule: scikit-learn index % 5 == 4 is test, the rest train.
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    indices = np.arange(len(bunch.target))
    if split == "train":
        chosen = indices[indices % 5 != 4]
    elif split == "test":
        chosen = indices[indices % 5 == 4]
    else:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    images = np.clip(np.round(bunch.images[chosen] * (255.0 / 16.0)), 0, 255).astype(np.uint8)
    return images, bunch.target[chosen].astype(np.int64), chosen.astype(np.int64)


def simulate(
    rng: np.random.Generator,
    num_clips: int,
    num_digits: int,
    frames: int,
    room: int,
    speed_range: tuple[float, float],
    friction: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bouncing trajectories, vectorized over clips.

    After every step the velocity is multiplied by `1 - friction` (so the step
    into frame t has length `speed * (1 - friction) ** (t - 1)`); `friction=0`
    is constant-speed motion, exactly as before the field existed.

    Returns `positions` float [N, T, D, 2] (row, col in [0, room]), `bounces` bool
    [N, T, D] (a wall hit on the step into frame t) and `theta` [N, D], the initial
    direction in radians, counter-clockwise from screen east.
    """
    position = rng.uniform(0, room, size=(num_clips, num_digits, 2))
    theta = rng.uniform(0, 2 * np.pi, size=(num_clips, num_digits))
    speed = rng.uniform(speed_range[0], speed_range[1], size=(num_clips, num_digits))
    velocity = np.stack([-speed * np.sin(theta), speed * np.cos(theta)], axis=-1)
    positions = np.empty((num_clips, frames, num_digits, 2))
    bounces = np.zeros((num_clips, frames, num_digits), bool)
    positions[:, 0] = position
    for t in range(1, frames):
        position = position + velocity
        low, high = position < 0, position > room
        position = np.where(low, -position, np.where(high, 2 * room - position, position))
        velocity = np.where(low | high, -velocity, velocity)
        if friction:  # skipped at 0: the default's trajectories stay bit-identical
            velocity = velocity * (1.0 - friction)
        bounces[:, t] = (low | high).any(-1)
        positions[:, t] = position
    return positions, bounces, theta


def direction_class(theta) -> np.ndarray:
    """8 compass sectors of 45 degrees centred on E, NE, N, ... (see DIRECTIONS)."""
    return np.mod(np.floor(np.asarray(theta) / (np.pi / 4) + 0.5), 8).astype(np.int64)


def render(sprites: np.ndarray, positions: np.ndarray, frame_size: int) -> np.ndarray:
    """uint8 [T, H, W, 1] frames of sprites [D, s, s] at rounded `positions` [T, D, 2]."""
    frames = np.zeros((positions.shape[0], frame_size, frame_size), np.uint8)
    size = sprites.shape[-1]
    corners = np.rint(positions).astype(int)
    for t in range(positions.shape[0]):
        for d in range(sprites.shape[0]):
            r, c = corners[t, d]
            window = frames[t, r : r + size, c : c + size]
            np.maximum(window, sprites[d], out=window)
    return frames[..., np.newaxis]


def bounce_audio(bounces: np.ndarray, digits: np.ndarray, config: MovingDigitsConfig) -> np.ndarray:
    """float32 [num_samples]: a Hann-windowed tone of `tone_hz(digit)` at each bounce onset."""
    audio = np.zeros(config.num_samples, np.float64)
    length = int(round(config.tone_seconds * config.sample_rate))
    envelope = np.hanning(length + 2)[1:-1]  # strictly positive inside the tone
    time = np.arange(length) / config.sample_rate
    spf = config.samples_per_frame
    for d, digit in enumerate(digits):
        tone = TONE_AMPLITUDE * envelope * np.sin(2 * np.pi * tone_hz(digit) * time)
        for t in np.flatnonzero(bounces[:, d]):
            audio[t * spf : t * spf + length] += tone
    return audio.astype(np.float32)


def generate_split(config: MovingDigitsConfig, split: str):
    """Yields `(key, example)` for every clip of `split` (deterministic from config.seed)."""
    count = config.train_clips if split == "train" else config.test_clips
    images, labels, sklearn_index = digit_pool(split)
    sprites = np.clip(np.round(upscale_digits(images, config.sprite_size)), 0, 255).astype(np.uint8)
    rng = np.random.default_rng([config.seed, 0 if split == "train" else 1])
    choice = rng.integers(0, len(labels), size=(count, config.digits_per_clip))
    positions, bounces, theta = simulate(
        rng,
        count,
        config.digits_per_clip,
        config.frames,
        config.frame_size - config.sprite_size,
        config.speed_range,
        config.friction,
    )
    directions = direction_class(theta[:, 0])
    desc = f"moving_digits/{config.name}: {split} clips"
    for i in progress(range(count), total=count, desc=desc, unit="clip"):
        digits = labels[choice[i]]
        yield (
            i,
            {
                "video": render(sprites[choice[i]], positions[i], config.frame_size),
                "audio": bounce_audio(bounces[i], digits, config),
                "bounces": bounces[i].any(-1),
                "label": int(digits[0]),
                "direction": int(directions[i]),
                "digits": digits,
                "sprite_index": sklearn_index[choice[i]],
                "positions": positions[i].astype(np.float32),
            },
        )


def _describe(config: MovingDigitsConfig) -> str:
    # Friction is only mentioned when present: the older variants' descriptions are unchanged.
    friction = f", friction {config.friction} per frame" if config.friction else ""
    return (
        f"{config.train_clips}/{config.test_clips} train/test clips, {config.frames} frames "
        f"{config.frame_size}x{config.frame_size}x1, {config.digits_per_clip} digit(s) of "
        f"{config.sprite_size}px, speed {config.speed_range[0]}-{config.speed_range[1]} px/frame"
        f"{friction}, fps={config.fps}, audio {config.sample_rate} Hz mono "
        f"({config.num_samples} samples), seed={config.seed}"
    )


_ONE = MovingDigitsConfig(name="one_digit")
_TWO = MovingDigitsConfig(name="two_digits", digits_per_clip=2)
# The benchmark size: one_digit at half resolution (same motion in frame units),
# so the video pipelines train in minutes on a CPU.
_SMALL = MovingDigitsConfig(
    name="small",
    frame_size=32,
    sprite_size=14,
    speed_range=(1.0, 2.5),
)
_TINY = MovingDigitsConfig(
    name="tiny",
    train_clips=32,
    test_clips=16,
    frames=8,
    frame_size=32,
    sprite_size=14,
    speed_range=(1.5, 3.5),
)
# The same sizes with friction: an arrow of time (forward clips decelerate,
# reversed ones accelerate) for `arrow_of_time`. Faster starts than `small`, so
# that after 15 steps at x0.92 (x0.61 over an 8-frame window) the sprite still
# moves ~1.4 px per frame on average: the last step is frozen (no rounded pixel
# moves) in 1.5% of the clips, about as often as in `small` (~1.2%).
_FRICTION_VERSION = "1.1.0"
_FRICTION_NOTES = {
    "1.1.0": (
        "Adds the `friction` field and the `small_friction` / `tiny_friction` configs; "
        "the other configs are unchanged (still version 1.0.0, same data)."
    ),
    "1.0.0": "Initial release.",
}
_FRICTION = dict(  # what both friction configs share
    version=_FRICTION_VERSION,
    release_notes=_FRICTION_NOTES,
    frame_size=32,
    sprite_size=14,
    speed_range=(3.0, 6.0),
    friction=0.08,
)
_SMALL_FRICTION = MovingDigitsConfig(name="small_friction", **_FRICTION)
_TINY_FRICTION = MovingDigitsConfig(
    name="tiny_friction", train_clips=32, test_clips=16, frames=8, **_FRICTION
)
for _config in (_ONE, _TWO, _SMALL, _TINY, _SMALL_FRICTION, _TINY_FRICTION):
    _config.description = _describe(_config)


@DATASETS.register("moving_digits")
class MovingDigits(tfds.core.GeneratorBasedBuilder):
    """TFDS builder `moving_digits`: bouncing digit sprites with a bounce-tone sound track."""

    name = "moving_digits"
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    # Configs added later carry their own `version` (TFDS's per-config version), so
    # adding them moved none of the earlier variants' prepared directories.
    BUILDER_CONFIGS = [_ONE, _TWO, _SMALL, _TINY, _SMALL_FRICTION, _TINY_FRICTION]
    DEFAULT_CONFIG_NAME = "one_digit"

    @staticmethod
    def fps(info: tfds.core.DatasetInfo) -> int:
        """Frames per second of a prepared `moving_digits` variant (from its metadata)."""
        return int(info.metadata["fps"])

    def _info(self) -> tfds.core.DatasetInfo:
        config: MovingDigitsConfig = self.builder_config
        size, frames, digits = config.frame_size, config.frames, config.digits_per_clip
        return self.dataset_info_from_configs(
            description=(
                "Moving-MNIST-style clips of scikit-learn digit sprites bouncing off the walls, "
                "with a mono track: a digit-pitched tone at every wall bounce. " + _describe(config)
            ),
            features=tfds.features.FeaturesDict(
                {
                    "video": tfds.features.Video(shape=(frames, size, size, 1)),
                    "audio": CompressedAudio(
                        shape=(config.num_samples,), sample_rate=config.sample_rate
                    ),
                    "bounces": tfds.features.Tensor(shape=(frames,), dtype=np.bool_),
                    "label": tfds.features.ClassLabel(num_classes=10),
                    "direction": tfds.features.ClassLabel(names=list(DIRECTIONS)),
                    "digits": tfds.features.Tensor(shape=(digits,), dtype=np.int64),
                    "sprite_index": tfds.features.Tensor(shape=(digits,), dtype=np.int64),
                    "positions": tfds.features.Tensor(shape=(frames, digits, 2), dtype=np.float32),
                }
            ),
            supervised_keys=("video", "label"),
            homepage="https://www.cs.toronto.edu/~nitish/unsupervised_video/",
            citation=(
                "Srivastava, Mansimov & Salakhutdinov, Unsupervised Learning of Video "
                "Representations using LSTMs, ICML 2015."
            ),
            metadata=tfds.core.MetadataDict(
                fps=config.fps, sample_rate=config.sample_rate, **_json_fields(config)
            ),
        )

    def _split_generators(self, dl_manager):
        del dl_manager
        return {split: self._generate_examples(split) for split in ("train", "test")}

    def _generate_examples(self, split):
        yield from generate_split(self.builder_config, split)


def _json_fields(config: MovingDigitsConfig) -> dict:
    fields = config.fields()
    fields.pop("fps")
    fields.pop("sample_rate")
    fields["speed_range"] = list(fields["speed_range"])
    return fields
