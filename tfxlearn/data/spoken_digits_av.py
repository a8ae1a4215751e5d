"""Spoken digits AV: digit images paired with synthesized spoken digit names, as a TFDS builder.

Each example pairs a handwritten digit image (scikit-learn's bundled 8x8 digits,
upscaled bilinearly to `image_size`, default 28 = Fashion-MNIST's size so the same
image encoders apply) with the spoken name of the same digit ("zero" ... "nine")
synthesized offline by `espeak-ng` (Debian package `espeak-ng`) in several
voices, speeds and pitches. It is the small, honest stand-in for the
image/sound pairs of audio-visual correspondence and cross-modal retrieval
(Arandjelovic & Zisserman, "Look, Listen and Learn", ICCV 2017; "Objects that
Sound", ECCV 2018).

Held-out voices. The test split's voices never occur in train: each test voice
combines an accent never used in train with a voice variant never used in train
(train: accents en, en-us, en-gb-scotland, en-029 x variants default, +f3, +m3;
test: en-gb-x-rp, en-gb-x-gbclan, en-gb-x-gbcwmd x +f4, +m5), so retrieval and
correspondence are measured on unseen speakers, not memorised waveforms. Images
are split like the `digits` dataset (scikit-learn index % 5 == 4 -> test), so
the test images are unseen handwriting too.

Audio. One `espeak-ng -v VOICE -s SPEED -p PITCH -w FILE WORD` run per
(digit, voice, speed, pitch), cached for the preparation (several images share
it when `images_per_utterance > 1`); espeak-ng's 22,050 Hz 16-bit mono WAV is
scaled to [-1, 1] and resampled to `sample_rate` (16 kHz) with
`scipy.signal.resample_poly` (polyphase FIR, Kaiser window; deterministic).
Leading near-silence (samples below 1% of the utterance's peak) is cut, then
the waveform is cut or zero-padded at the end to exactly `seconds` (1 s =
16,000 samples); at the default speeds (>= 130 words/min) the digit names last
0.20-0.90 s from their first loud sample (peaks 0.29-0.95; measured on the
default config), so nothing is cut (a cut is logged). Amplitude is left as
synthesized. Preparation checks the voices are what their names claim: no
test waveform equals a train waveform, and no two voices sound identical for
every digit, speed and pitch; espeak-ng silently ignores an unknown variant
(and the variants of `en-gb`, which is why the default voices say `en`), which
would otherwise leak a train voice into test under another name.

Features: `image` uint8 [size, size, 1], `audio` float32 [seconds * rate] (16 kHz,
zlib-compressed), `label` the digit, `voice` (ClassLabel over train + test
voices: its id and its espeak-ng name), `speed` (words per minute), `pitch`
(espeak-ng 0..99), `image_index` (scikit-learn index of the image).

Configs: `default` (12 train / 6 test voices x 3 speeds x 3 pitches x 10 digits:
1,080 / 540 examples) and `tiny`; any other: `SpokenDigitsAVConfig.make(...)`.
Paired images are drawn with `numpy.random.default_rng([seed, split])`; the
audio itself is the same for every seed.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import json
import math
import os
import shutil
import subprocess
import tempfile
import wave

import numpy as np
import tensorflow_datasets as tfds
from absl import logging

from tfxlearn.data.audio import CompressedAudio
from tfxlearn.data.moving_digits import digit_pool, upscale_digits
from tfxlearn.progress import progress
from tfxlearn.registry import DATASETS

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TRAIN_VOICES = tuple(
    accent + variant
    for accent in ("en", "en-us", "en-gb-scotland", "en-029")
    for variant in ("", "+f3", "+m3")
)
TEST_VOICES = tuple(
    accent + variant
    for accent in ("en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd")
    for variant in ("+f4", "+m5")
)
ESPEAK = "espeak-ng"
APT_HINT = "apt-get update && apt-get install -y espeak-ng"
SILENCE_FRACTION = 0.01


@dataclasses.dataclass(eq=False)
class SpokenDigitsAVConfig(tfds.core.BuilderConfig):
    """Voices, prosody grid, sizes and seed of a `spoken_digits_av` variant."""

    train_voices: tuple[str, ...] = TRAIN_VOICES
    test_voices: tuple[str, ...] = TEST_VOICES
    speeds: tuple[int, ...] = (130, 165, 200)
    pitches: tuple[int, ...] = (30, 50, 70)
    images_per_utterance: int = 1
    image_size: int = 28
    sample_rate: int = 16_000
    seconds: float = 1.0
    seed: int = 0

    def __post_init__(self):
        for field in ("train_voices", "test_voices", "speeds", "pitches"):
            value = tuple(getattr(self, field))
            if not value or len(set(value)) != len(value):
                raise ValueError(f"{field} must be a non-empty tuple without repeats, got {value}")
            setattr(self, field, value)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        for voice in self.train_voices + self.test_voices:
            if not isinstance(voice, str) or not voice or voice.startswith("-"):
                raise ValueError(f"voices must be espeak-ng voice names, got {voice!r}")
        shared = sorted(set(self.train_voices) & set(self.test_voices))
        if shared:
            raise ValueError(f"train_voices and test_voices must be disjoint; both have {shared}")
        if not all(isinstance(s, int) and 80 <= s <= 450 for s in self.speeds):
            raise ValueError(f"speeds must be integers in [80, 450] words/min, got {self.speeds}")
        if not all(isinstance(p, int) and 0 <= p <= 99 for p in self.pitches):
            raise ValueError(f"pitches must be integers in [0, 99], got {self.pitches}")
        if not isinstance(self.images_per_utterance, int) or self.images_per_utterance < 1:
            raise ValueError(
                "images_per_utterance must be a positive integer, got "
                f"{self.images_per_utterance!r}"
            )
        if not isinstance(self.image_size, int) or self.image_size < 8:
            raise ValueError(f"image_size must be an integer >= 8, got {self.image_size!r}")
        if not isinstance(self.sample_rate, int) or self.sample_rate < 8000:
            raise ValueError(f"sample_rate must be an integer >= 8000, got {self.sample_rate!r}")
        samples = self.seconds * self.sample_rate
        if self.seconds <= 0 or samples != int(samples):
            raise ValueError(
                f"seconds * sample_rate must be a positive whole number of samples, got "
                f"{self.seconds} * {self.sample_rate}"
            )

    @property
    def num_samples(self) -> int:
        return int(self.seconds * self.sample_rate)

    @property
    def voices(self) -> tuple[str, ...]:
        """All voices, train first: the `voice` ClassLabel's names."""
        return self.train_voices + self.test_voices

    def split_voices(self, split: str) -> tuple[str, ...]:
        if split == "train":
            return self.train_voices
        if split == "test":
            return self.test_voices
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")

    def fields(self) -> dict:
        base = {f.name for f in dataclasses.fields(tfds.core.BuilderConfig)}
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(SpokenDigitsAVConfig)
            if f.name not in base
        }

    @classmethod
    def make(cls, **overrides) -> SpokenDigitsAVConfig:
        """A custom config named after a hash of all its fields (unknown fields raise)."""
        base = {f.name for f in dataclasses.fields(tfds.core.BuilderConfig)}
        known = {f.name for f in dataclasses.fields(cls)} - base
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(
                f"unknown SpokenDigitsAVConfig fields {unknown}; known: {sorted(known)}"
            )
        probe = cls(name="probe", **overrides)  # validates
        digest = hashlib.sha1(
            json.dumps(probe.fields(), sort_keys=True).encode(), usedforsecurity=False
        ).hexdigest()[:12]
        return cls(name=f"custom_{digest}", description=_describe(probe), **overrides)


def espeak_path() -> str:
    """Path of the `espeak-ng` executable; `FileNotFoundError` with the apt command if absent."""
    path = shutil.which(ESPEAK)
    if path is None:
        raise FileNotFoundError(
            "the spoken_digits_av dataset synthesizes speech with espeak-ng, which is not "
            f"on PATH. Install the Debian package as root: `{APT_HINT}`"
        )
    return path


def check_voices(voices, executable: str | None = None) -> None:
    """Raises `ValueError` for a voice variant (`+name`) espeak-ng does not have.

    espeak-ng falls back to its default silently for an unknown variant, so the
    variant files are looked up in its data directory (`espeak-ng --version`).
    Unknown base voices make espeak-ng fail, which `synthesize` reports.
    """
    executable = executable or espeak_path()
    out = subprocess.run(
        [executable, "--version"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    data_dir = out.split("Data at:")[-1].strip() if "Data at:" in out else None
    if not data_dir or not os.path.isdir(os.path.join(data_dir, "voices", "!v")):
        return  # unusual install: rely on the duplicate-waveform check instead
    variants = set(os.listdir(os.path.join(data_dir, "voices", "!v")))
    for voice in voices:
        if "+" in voice and voice.split("+", 1)[1] not in variants:
            raise ValueError(
                f"espeak-ng has no voice variant {voice.split('+', 1)[1]!r} (voice {voice!r}); "
                f"variants: {', '.join(sorted(variants))}"
            )


def synthesize(
    word: str,
    voice: str,
    speed: int,
    pitch: int,
    *,
    sample_rate: int = 16_000,
    executable: str | None = None,
    workdir: str | None = None,
) -> np.ndarray:
    """float32 waveform of `word` spoken by espeak-ng, resampled to `sample_rate` (untrimmed)."""
    from scipy.signal import resample_poly

    executable = executable or espeak_path()
    with tempfile.NamedTemporaryFile(suffix=".wav", dir=workdir) as wav_file:
        command = [executable, "-v", voice, "-s", str(speed), "-p", str(pitch)]
        proc = subprocess.run(
            [*command, "-w", wav_file.name, word], capture_output=True, text=True, timeout=120
        )
        if proc.returncode != 0:
            raise ValueError(
                f"espeak-ng failed for voice {voice!r} (speed {speed}, pitch {pitch}): "
                f"{proc.stderr.strip() or proc.stdout.strip()} "
                "(list the voices: `espeak-ng --voices=en`)"
            )
        with wave.open(wav_file.name, "rb") as wav:
            if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
                raise ValueError(
                    f"espeak-ng wrote {wav.getnchannels()} channel(s) of "
                    f"{8 * wav.getsampwidth()} bit; expected 16-bit mono"
                )
            rate = wav.getframerate()
            pcm = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
    if pcm.size == 0 or not np.any(pcm):
        raise ValueError(f"espeak-ng produced silence for {word!r} with voice {voice!r}")
    waveform = pcm.astype(np.float64) / 32768.0
    gcd = math.gcd(sample_rate, rate)
    if sample_rate != rate:
        waveform = resample_poly(waveform, sample_rate // gcd, rate // gcd)
    return waveform.astype(np.float32)


def fit_length(waveform: np.ndarray, num_samples: int) -> tuple[np.ndarray, bool]:
    """Cuts leading near-silence, then cuts / zero-pads the end to `num_samples`.

    Returns (waveform float32 [num_samples], whether speech was cut off).
    """
    loud = np.flatnonzero(np.abs(waveform) > SILENCE_FRACTION * np.abs(waveform).max())
    speech = waveform[loud[0] : loud[-1] + 1]
    out = np.zeros(num_samples, np.float32)
    out[: min(num_samples, speech.size)] = speech[:num_samples]
    return out, speech.size > num_samples


def utterances(config: SpokenDigitsAVConfig, split: str) -> list[tuple[int, str, int, int]]:
    """(digit, voice, speed, pitch) of every utterance of `split`, in a fixed order."""
    return [
        (digit, voice, speed, pitch)
        for digit in range(10)
        for voice in config.split_voices(split)
        for speed in config.speeds
        for pitch in config.pitches
    ]


def synthesize_all(config: SpokenDigitsAVConfig) -> dict:
    """{(digit, voice, speed, pitch): float32 [num_samples]} for both splits, one run each.

    Runs espeak-ng in a small thread pool (the work is in the subprocesses), then
    checks the voices are really distinct (`_check_distinct`).
    """
    executable = espeak_path()
    check_voices(config.voices, executable)
    keys = utterances(config, "train") + utterances(config, "test")
    with tempfile.TemporaryDirectory(prefix="tfxlearn-espeak-") as workdir:

        def run(key):
            digit, voice, speed, pitch = key
            return synthesize(
                WORDS[digit],
                voice,
                speed,
                pitch,
                sample_rate=config.sample_rate,
                executable=executable,
                workdir=workdir,
            )

        workers = max(1, min(4, os.cpu_count() or 1))
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            waveforms = progress(
                pool.map(run, keys),
                total=len(keys),
                desc=f"spoken_digits_av/{config.name}: espeak-ng utterances",
                unit="utterance",
            )
            raw = dict(zip(keys, waveforms))
    _check_distinct(config, raw)
    fitted, cut = {}, 0
    for key, waveform in raw.items():
        fitted[key], was_cut = fit_length(waveform, config.num_samples)
        cut += was_cut
    if cut:
        logging.warning(
            "spoken_digits_av: %d of %d utterances were longer than %s s and were cut",
            cut,
            len(fitted),
            config.seconds,
        )
    return fitted


def _check_distinct(config: SpokenDigitsAVConfig, raw: dict) -> None:
    """Raises `ValueError` when voices are not what their names promise.

    (1) No test waveform may equal a train waveform (a test utterance would be
    memorisable). (2) No two voices may give identical audio for every digit,
    speed and pitch: espeak-ng silently ignores unknown variants and the variants
    of `en-gb`, so two names could be one voice. Two accents MAY say one word
    identically (en-gb-x-rp and en-gb-x-gbclan both say "three" alike), so (2)
    compares whole voices, not single words.
    """

    def digest(waveform):
        return hashlib.sha1(waveform.tobytes(), usedforsecurity=False).digest()

    train = {(key[0], digest(w)): key for key, w in raw.items() if key[1] in config.train_voices}
    for key, waveform in raw.items():
        twin = train.get((key[0], digest(waveform)))
        if key[1] in config.test_voices and twin is not None:
            raise ValueError(
                f"test utterance {key} is identical to train utterance {twin}; "
                "choose test voices that differ from the train voices"
            )
    by_voice: dict[str, list] = {}
    for key in sorted(raw, key=lambda k: (k[1], k[0], k[2], k[3])):
        by_voice.setdefault(key[1], []).append(digest(raw[key]))
    seen: dict[bytes, str] = {}
    for voice, digests in by_voice.items():
        fingerprint = hashlib.sha1(b"".join(digests), usedforsecurity=False).digest()
        if fingerprint in seen:
            raise ValueError(
                f"espeak-ng voices {seen[fingerprint]!r} and {voice!r} give identical audio "
                "for every digit, speed and pitch (an ignored variant?); choose other "
                "voices (`espeak-ng --voices=en`, `espeak-ng --voices=variant`)"
            )
        seen[fingerprint] = voice


def generate_split(config: SpokenDigitsAVConfig, split: str, audio: dict | None = None):
    """Yields `(key, example)` for every (utterance, paired image) of `split`.

    `audio` is `synthesize_all(config)` (computed here when not given).
    """
    if audio is None:
        audio = synthesize_all(config)
    images, labels, sklearn_index = digit_pool(split)
    images = np.clip(np.round(upscale_digits(images, config.image_size)), 0, 255).astype(np.uint8)
    by_digit = [np.flatnonzero(labels == digit) for digit in range(10)]
    rng = np.random.default_rng([config.seed, 0 if split == "train" else 1])
    voice_ids = {voice: i for i, voice in enumerate(config.voices)}
    for digit, voice, speed, pitch in utterances(config, split):
        pool = by_digit[digit]
        take = min(config.images_per_utterance, pool.size)
        for k, row in enumerate(rng.choice(pool, size=take, replace=False)):
            yield (
                f"{digit}_{voice}_{speed}_{pitch}_{k}",
                {
                    "image": images[row][..., np.newaxis],
                    "audio": audio[(digit, voice, speed, pitch)],
                    "label": digit,
                    "voice": voice_ids[voice],
                    "speed": speed,
                    "pitch": pitch,
                    "image_index": int(sklearn_index[row]),
                },
            )


def _describe(config: SpokenDigitsAVConfig) -> str:
    per_voice = len(config.speeds) * len(config.pitches) * 10 * config.images_per_utterance
    return (
        f"{len(config.train_voices)} train / {len(config.test_voices)} test voices, speeds "
        f"{list(config.speeds)} wpm, pitches {list(config.pitches)}, "
        f"{len(config.train_voices) * per_voice} / {len(config.test_voices) * per_voice} "
        f"examples, {config.image_size}x{config.image_size} images, "
        f"{config.seconds} s at {config.sample_rate} Hz, seed={config.seed}"
    )


_DEFAULT = SpokenDigitsAVConfig(name="default")
_TINY = SpokenDigitsAVConfig(
    name="tiny",
    train_voices=("en-us", "en+f3"),
    test_voices=("en-gb-x-rp+f4",),
    speeds=(165,),
    pitches=(50,),
)
for _config in (_DEFAULT, _TINY):
    _config.description = _describe(_config)


@DATASETS.register("spoken_digits_av")
class SpokenDigitsAV(tfds.core.GeneratorBasedBuilder):
    """TFDS builder `spoken_digits_av`: digit images with espeak-ng spoken digit names."""

    name = "spoken_digits_av"
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    BUILDER_CONFIGS = [_DEFAULT, _TINY]
    DEFAULT_CONFIG_NAME = "default"

    def _info(self) -> tfds.core.DatasetInfo:
        config: SpokenDigitsAVConfig = self.builder_config
        size = config.image_size
        return self.dataset_info_from_configs(
            description=(
                "scikit-learn digit images paired with their spoken names synthesized by "
                "espeak-ng; test voices never occur in train. " + _describe(config)
            ),
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(size, size, 1)),
                    "audio": CompressedAudio(
                        shape=(config.num_samples,), sample_rate=config.sample_rate
                    ),
                    "label": tfds.features.ClassLabel(num_classes=10),
                    "voice": tfds.features.ClassLabel(names=list(config.voices)),
                    "speed": tfds.features.Scalar(dtype=np.int32),
                    "pitch": tfds.features.Scalar(dtype=np.int32),
                    "image_index": tfds.features.Scalar(dtype=np.int64),
                }
            ),
            supervised_keys=("audio", "label"),
            homepage="https://github.com/espeak-ng/espeak-ng",
            metadata=tfds.core.MetadataDict(
                sample_rate=config.sample_rate,
                train_voices=list(config.train_voices),
                test_voices=list(config.test_voices),
            ),
        )

    def _split_generators(self, dl_manager):
        del dl_manager
        # Fails early, with the apt command, if espeak-ng is missing; one synthesis
        # run per utterance, shared by both splits.
        audio = synthesize_all(self.builder_config)
        return {split: self._generate_examples(split, audio) for split in ("train", "test")}

    def _generate_examples(self, split, audio):
        yield from generate_split(self.builder_config, split, audio)
