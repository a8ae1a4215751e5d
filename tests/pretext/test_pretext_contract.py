"""The pretext-op contract (docs/architecture.md section 6), checked for every op registered
in `tfxlearn.registry.PRETEXT_OPS`:

- eager = graph: the op's output with its `Dataset.map` functions run eagerly (tf.data
  debug mode + `run_functions_eagerly`) equals its output from the traced pipeline;
- eager = inside `Dataset.map`: for an op with a batch function (`rotate_random`,
  `jigsaw_tiles`, ...), batch i of the op with seed s equals the batch function called
  eagerly on batch i with the seed [s, i] (`pretext.common.batch_seeds`);
- seeded: the same seed gives the same labels and inputs; ops whose output depends on
  the seed give different output for another seed;
- a batch of 1 works (or, for an op that needs two examples in a batch, is refused with
  its clear error);
- a wrong-rank input (single examples instead of batches; batches for an op that batches
  itself) is refused when the op is called, with an error naming the op.

The per-op test files keep the checks that need knowledge of the op (its batch functions,
inverses, label balance, shortcuts).

Adding a case (a registered op without one fails every test here): one entry in CASES,

    "my_op": Case(lambda n: {"image": uint8_images(n, 16)}, {"tile": 4}),

- `examples(n)`: a dict of NumPy arrays holding `n` valid examples (the unbatched
  elements; the test batches them itself, by 4 and by 1);
- `args`: the op's keyword arguments, without `seed`;
- `batch_fn(batch, seed)`: the op's batch function called on one batch (a dict of
  tensors) and a seed [2], returning what the op yields for that batch (None: the op
  has no batch function of its own);
- `seeded=False` if the op's output does not depend on the seed;
- `one_refused="regex"` if a batch of 1 cannot work (the error it must raise);
- ops with `batches_itself` (e.g. semi_supervised) get `batch_size` in their arguments.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable

import numpy as np
import pytest
import tensorflow as tf
from _helpers import uint8_images
from contract_examples.av_sync import FPS, RATE, clips_and_audio
from contract_examples.temporal_order import _clips as temporal_clips
from contract_examples.video_dynamics import moving_squares
from tensorflow.python.data.ops import debug_mode  # no public switch-off for debug mode

from tfxlearn import pretext
from tfxlearn.data.text import Vocabulary
from tfxlearn.pretext.arrow_of_time import arrow_of_time_windows
from tfxlearn.pretext.av_sync import samples_per_frame
from tfxlearn.pretext.masked_autoencoder import mask_images
from tfxlearn.registry import PRETEXT_OPS

BATCH, EXAMPLES, TAKE = 4, 8, 4


@dataclasses.dataclass(frozen=True)
class Case:
    examples: Callable[[int], dict[str, np.ndarray]]
    args: dict = dataclasses.field(default_factory=dict)
    batch_fn: Callable | None = None
    seeded: bool = True
    one_refused: str | None = None


def _images(size=8, channels=1, **extra):
    """`examples(n)` for image ops: uint8 images, plus the named per-example arrays."""

    def examples(n):
        out = {"image": uint8_images(n, size, channels)}
        out.update({key: make(n) for key, make in extra.items()})
        return out

    return examples


def _clips(make):
    return lambda n: {"image": make(n), "index": np.arange(n, dtype=np.int64)}


def _audio_visual(n):
    rng = np.random.default_rng(0)
    audio = rng.uniform(-1, 1, (n, 1_600)).astype(np.float32)
    return {"image": uint8_images(n, 8), "audio": audio, "index": np.arange(n, dtype=np.int64)}


def _clips_and_audio(n):
    clips, audio = clips_and_audio(n)
    return {"image": clips, "audio": audio}


def _unit(images):
    return tf.cast(images, tf.float32) / 255.0


def _rotation_batch(batch, seed):
    rotated, labels = pretext.rotate_random(batch["image"], seed)
    return _unit(rotated), labels


def _correspondence_batch(batch, seed):
    pairs = pretext.correspondence_pairs(batch["image"], batch["audio"], seed)
    return {"images": _unit(pairs["images"]), "audio": pairs["audio"]}, pairs["labels"]


def _arrow_batch(batch, seed):
    windows = arrow_of_time_windows(batch["image"], seed, window=4)
    return windows["inputs"], windows["labels"]


def _sync_batch(batch, seed):
    spf = samples_per_frame(FPS, RATE)
    options = {"window": 2, "max_offset": 1, "samples_per_frame": spf}
    return pretext.sync_pairs(batch["image"], batch["audio"], seed, **options)


def _index(n):
    return np.arange(n, dtype=np.int64)


def _labels(n):
    return (np.arange(n) % 4).astype(np.int64)


def _rows(n):
    """`examples(n)` for tabular ops: float feature rows, labels, a binary attribute."""
    features = np.random.default_rng(0).normal(size=(n, 5)).astype(np.float32)
    return {"features": features, "label": _labels(n), "sensitive": np.arange(n) % 2}


WORDS = tuple(f"w{i}" for i in range(9))


def _verses(n):
    """`examples(n)` for text ops: n lines of six words from WORDS."""
    lines = [" ".join(WORDS[(3 * i + j) % len(WORDS)] for j in range(6)) for i in range(n)]
    return {"text": np.array(lines)}


def _aligned(n):
    """`examples(n)` for dual_corpus: 5 n aligned pairs (A words, B in upper case)."""
    a = _verses(5 * n)["text"]
    return {"text": a, "es": np.char.upper(a), "index": np.arange(5 * n, dtype=np.int64)}


CASES = {
    "dual_corpus": Case(_aligned, {"parallel_fraction": 0.25}),
    "class_pairs": Case(_images(label=_labels)),
    "class_triplets": Case(_images(label=_labels)),
    "domain_adaptation": Case(
        _images(index=_index), {"source": "font_digits/tiny", "image_size": (8, 8, 1)}
    ),
    "unpaired_domains": Case(
        _images(index=_index), {"domain_a": "font_digits/tiny", "image_size": (8, 8, 1)}
    ),
    "skip_gram": Case(
        _verses,
        {
            "vocabulary": Vocabulary(WORDS, (5,) * len(WORDS)),
            "window": 2,
            "negatives": 2,
            "subsample": None,
            "batch_pairs": 4,
        },
    ),
    "cbow": Case(
        _verses,
        {
            "vocabulary": Vocabulary(WORDS, (5,) * len(WORDS)),
            "window": 2,
            "negatives": 2,
            "subsample": None,
            "batch_examples": 4,
        },
    ),
    "next_token": Case(
        _verses,
        {"vocabulary": Vocabulary(WORDS[:6], (5,) * 6), "length": 4, "batch_windows": 2},
        seeded=False,
    ),
    "masked_tokens": Case(
        _verses, {"vocabulary": Vocabulary(WORDS[:6], (5,) * 6), "length": 8, "rate": 0.5}
    ),
    "arrow_of_time": Case(_clips(moving_squares), {"window": 4}, _arrow_batch),
    "audio_visual_correspondence": Case(
        _audio_visual, batch_fn=_correspondence_batch, one_refused=">= 2 examples"
    ),
    "av_sync": Case(
        _clips_and_audio,
        {"window": 2, "max_offset": 1, "fps": FPS, "sample_rate": RATE},
        _sync_batch,
    ),
    "class_labels": Case(_images(label=_labels), seeded=False),
    "colorization": Case(_images(channels=3), seeded=False),
    "edge_pairs": Case(
        _images(),
        batch_fn=lambda b, s: (pretext.canny_edges(b["image"]), _unit(b["image"])),
        seeded=False,
    ),
    "exemplar": Case(
        _images(16, index=_index),
        {"num_classes": EXAMPLES, "views": 2},
        lambda b, s: pretext.exemplar_views(b["image"], b["index"], s, views=2),
    ),
    "frame_prediction": Case(
        _clips(moving_squares), {"context": 3, "future": 2, "random_start": True}
    ),
    "images": Case(_images(), seeded=False),
    "jigsaw": Case(
        _images(28),
        {"num_permutations": 10},
        lambda b, s: pretext.jigsaw_tiles(b["image"], s, pretext.permutation_set(10)),
    ),
    "masked_autoencoder": Case(
        _images(), {"patch_size": 2}, lambda b, s: mask_images(b["image"], s, patch_size=2)
    ),
    "moco_views": Case(_images(12), batch_fn=lambda b, s: pretext.two_views(b["image"], s)),
    "odd_one_out": Case(
        _clips(temporal_clips),
        {"num_subsequences": 4, "subsequence_length": 3},
        lambda b, s: pretext.odd_one_out_frames(
            b["image"], s, num_subsequences=4, subsequence_length=3
        ),
    ),
    "relative_patch_location": Case(
        _images(28),
        {"mode": "random"},
        lambda b, s: pretext.relative_patch_pairs(b["image"], s, mode="random"),
    ),
    "rotation": Case(_images(), {"mode": "random"}, _rotation_batch),
    "semi_supervised": Case(
        lambda n: _images(index=_index, label=_labels)(5 * n),
        {"num_classes": 4, "labelled_per_class": 1},
        one_refused="batch_size=1",
    ),
    "sensitive_attribute": Case(_rows, seeded=False),
    "sequence_sorting": Case(
        _clips(temporal_clips),
        {"window": 6},
        lambda b, s: pretext.sequence_sorting_frames(b["image"], s, window=6),
    ),
    "shuffle_and_learn": Case(
        _clips(temporal_clips),
        {"window": 6},
        lambda b, s: pretext.shuffle_and_learn_tuples(b["image"], s, window=6),
    ),
    "slow_steady": Case(
        _clips(moving_squares),
        {"min_gap": 2},
        lambda b, s: pretext.slow_steady_tuples(b["image"], s, min_gap=2)["frames"],
    ),
}

OPS = PRETEXT_OPS.names()


def test_every_registered_op_has_a_case_and_every_case_an_op():
    missing = sorted(set(OPS) - set(CASES))
    stale = sorted(set(CASES) - set(OPS))
    assert not missing, f"pretext ops without a case: {missing}; add them to CASES in {__file__}"
    assert not stale, f"cases of ops that are not registered: {stale}"


def _case(name: str) -> Case:
    if name not in CASES:
        pytest.fail(f"pretext op {name!r} has no case: add one to CASES in {__file__}")
    return CASES[name]


def _dataset(name: str, batch: int, count: int = EXAMPLES) -> tf.data.Dataset:
    ds = tf.data.Dataset.from_tensor_slices(_case(name).examples(count))
    return ds if _batches_itself(name) else ds.batch(batch)


def _batches_itself(name: str) -> bool:
    return getattr(PRETEXT_OPS.get(name), "batches_itself", False)


def _run(name: str, *, seed: int = 3, batch: int = BATCH, count: int = EXAMPLES) -> list:
    """The op's first TAKE output elements as lists of NumPy leaves."""
    args = dict(_case(name).args, seed=seed)
    if _batches_itself(name):
        args["batch_size"] = batch
    out = PRETEXT_OPS.get(name)(_dataset(name, batch, count), **args)
    return [[np.asarray(leaf) for leaf in tf.nest.flatten(e)] for e in out.take(TAKE)]


@contextlib.contextmanager
def _eager_dataset_functions():
    """tf.data debug mode: the functions given to `Dataset.map` (and filter, ...) run
    eagerly as Python; `run_functions_eagerly` makes tf.functions inside them eager too."""
    tf.data.experimental.enable_debug_mode()
    tf.config.run_functions_eagerly(True)
    try:
        yield
    finally:
        tf.config.run_functions_eagerly(False)
        debug_mode.toggle_debug_mode(False)


def _assert_same(a: list, b: list, exact: bool = True):
    assert len(a) == len(b) > 0
    for element_a, element_b in zip(a, b):
        assert len(element_a) == len(element_b)
        for x, y in zip(element_a, element_b):
            assert x.dtype == y.dtype and x.shape == y.shape
            if exact or not np.issubdtype(x.dtype, np.floating):
                np.testing.assert_array_equal(x, y)
            else:
                np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_the_eager_run_runs_dataset_functions_eagerly():
    seen = []

    def record(x):
        seen.append(tf.executing_eagerly())
        return x

    list(tf.data.Dataset.range(2).map(record))
    assert seen == [False]  # traced once, then run as a graph
    with _eager_dataset_functions():
        list(tf.data.Dataset.range(2).map(record))
    assert seen == [False, False, True, True]  # traced once, then run as Python per element
    assert not debug_mode.DEBUG_MODE and not tf.config.functions_run_eagerly()


@pytest.mark.parametrize("name", OPS)
def test_eager_equals_dataset_map(name):
    graph = _run(name)
    with _eager_dataset_functions():
        eager = _run(name)
    assert not debug_mode.DEBUG_MODE and not tf.config.functions_run_eagerly()
    _assert_same(eager, graph, exact=False)


@pytest.mark.parametrize("name", OPS)
def test_each_batch_is_the_batch_function_called_eagerly_with_seed_and_index(name):
    case = _case(name)
    if case.batch_fn is None:
        pytest.skip(f"{name} has no batch function of its own")
    got = _run(name, seed=7)
    batches = _dataset(name, BATCH).take(TAKE)
    want = [
        [np.asarray(leaf) for leaf in tf.nest.flatten(case.batch_fn(batch, tf.constant([7, i])))]
        for i, batch in enumerate(batches)
    ]
    _assert_same(got, want, exact=False)


@pytest.mark.parametrize("name", OPS)
def test_same_seed_same_output(name):
    first = _run(name, seed=5)
    tf.random.set_seed(1234)  # stateless: TensorFlow's global seed plays no part
    _assert_same(first, _run(name, seed=5))
    other = _run(name, seed=6)
    differs = len(other) != len(first) or any(
        x.shape != y.shape or not np.array_equal(x, y)
        for a, b in zip(first, other)
        for x, y in zip(a, b)
    )
    assert differs == _case(name).seeded, (
        "another seed changes nothing" if _case(name).seeded else "output depends on the seed"
    )


@pytest.mark.parametrize("name", OPS)
def test_batch_of_one(name):
    case = _case(name)
    if case.one_refused is not None:
        with pytest.raises((ValueError, tf.errors.InvalidArgumentError), match=case.one_refused):
            _run(name, batch=1, count=2)
        return
    ones, fours = _run(name, batch=1, count=2), _run(name)
    assert ones, f"{name} yields nothing for batches of 1"
    for one, four in zip(ones[0], fours[0]):  # same structure, ranks and dtypes
        assert one.dtype == four.dtype and one.ndim == four.ndim
        if np.issubdtype(one.dtype, np.floating):
            assert np.all(np.isfinite(one))


@pytest.mark.parametrize("name", OPS)
def test_wrong_rank_is_refused_when_the_op_is_called(name):
    ds = tf.data.Dataset.from_tensor_slices(_case(name).examples(EXAMPLES))
    # Single examples for a vectorized op; batches for an op that batches itself.
    wrong = ds.batch(BATCH) if _batches_itself(name) else ds
    args = dict(_case(name).args)
    if _batches_itself(name):
        args["batch_size"] = BATCH
    with pytest.raises(ValueError, match=rf"{name}\b[^\n]*batch"):  # with a hint to batch
        PRETEXT_OPS.get(name)(wrong, **args)
