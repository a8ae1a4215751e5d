"""`fit`: a classifier for a new labelled dataset from a pretrained encoder.

Five modes, one budget: every mode runs `epochs x steps_per_epoch` optimizer
steps (`steps_per_epoch = max(ceil(n / batch_size), ceil(min_steps / epochs))`)
of Adam on cross-entropy, over the examples reshuffled with `seed` each pass.

- `"linear"`: a linear head on the frozen encoder (a linear probe trained by SGD).
- `"finetune"`: head and encoder trained together at `learning_rate`.
- `"lp_ft"`: `head_steps` head-only steps on the frozen encoder, then fine-tune
  everything (Kumar et al., "Fine-Tuning can Distort Pretrained Features and
  Underperform Out-of-Distribution", ICLR 2022). The same code as
  `tfxlearn.evaluation.fine_tune(head_steps=...)`: this mode calls it.
- `"gradual"`: gradual unfreezing (Howard & Ruder, "Universal Language Model
  Fine-tuning for Text Classification", ACL 2018): the steps are split into
  stages; stage 0 trains the head on the frozen encoder, stage k also the top k
  blocks (`encoder_blocks`), so the top block is unfrozen first. Each stage
  recompiles with a fresh Adam (the set of trained variables changed).
- `"discriminative"`: discriminative learning rates (Howard & Ruder, 2018):
  the head at `learning_rate`, the top block at `learning_rate * lr_decay`,
  the one below at `learning_rate * lr_decay**2`, ... One Adam per block
  (scaling gradients would not do: Adam's step does not depend on the
  gradient's scale), applied by `BlockwiseTrainer`'s `train_step`.

Frozen batch normalization: a frozen layer (`trainable = False`) runs in
inference mode in Keras 3 - it normalizes with its moving statistics and
does not update them - so in `"linear"`, in LP-FT's head phase and in the
frozen stages of `"gradual"` the pretrained statistics stay as they are.
`batch_norm="frozen"` keeps every BatchNormalization layer of the encoder
frozen in all modes (Keras's transfer-learning guide's advice for small
datasets); `"train"` (default) lets unfrozen ones adapt, with the momentum
lowered for short runs as in `tfxlearn.evaluation.fine_tune`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from tfxlearn import data as tfx_data
from tfxlearn.evaluation.eval_data import EvalData
from tfxlearn.evaluation.features import check_encoder, check_images
from tfxlearn.evaluation.finetuning import (
    batch_norm_layers,
    build_classifier,
    check_training_args,
    compile_classifier,
    frozen,
    labelled_dataset,
    short_run_batch_norm,
    train_classifier,
)
from tfxlearn.transfer.blocks import Block, encoder_blocks
from tfxlearn.transfer.loading import copy_encoder

MODES = ("linear", "finetune", "gradual", "discriminative", "lp_ft")
BATCH_NORM = ("train", "frozen")


def fit(
    encoder: keras.Model,
    data,
    mode: str = "linear",
    *,
    num_classes: int | None = None,
    head: keras.Model | None = None,
    epochs: int = 10,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    min_steps: int = 0,
    head_steps: int = 100,
    head_learning_rate: float = 1e-2,
    blocks: Sequence[str] | Callable | None = None,
    stages: int | None = None,
    lr_decay: float = 1 / 2.6,
    batch_norm: str = "train",
    copy: bool = True,
    seed: int = 0,
) -> keras.Model:
    """Trains a classifier `images -> head(encoder(images))` on `data` in `mode`.

    Args:
        encoder: a Keras model from images to features (`load_encoder` makes
            one from a paradigm, a file, an export or a keras.applications name).
        data: the labelled training examples, held in memory: an `(images,
            labels)` pair of arrays (images [n, H, W, C] uint8 in [0, 255] or
            float in [0, 1]), an `EvalData` (its training split), or an
            unbatched `tf.data.Dataset` of `(image, label)` or
            `{"image", "label"}` elements.
        mode: one of `MODES` (see the module docstring).
        num_classes: logits of the new head; default: the head's outputs when
            `head` is given, else the largest label + 1.
        head: a model from features to logits to train instead of a fresh
            linear head (e.g. a pretrained classifier's head).
        epochs: passes over `data` (see the step budget above).
        batch_size: examples per step.
        learning_rate: Adam learning rate (of the head in "discriminative").
        min_steps: at least this many steps in total (tiny labelled sets).
        head_steps: "lp_ft" only: head-only steps before fine-tuning.
        head_learning_rate: "lp_ft" only: their Adam learning rate.
        blocks: how the encoder's blocks are found ("gradual",
            "discriminative"; see `tfxlearn.transfer.blocks`).
        stages: "gradual" only: number of stages, 1 (head only) to
            1 + number of blocks (default: all, the bottom block last).
        lr_decay: "discriminative" only: each block's learning rate is the one
            above it times this factor (Howard & Ruder's 1 / 2.6).
        batch_norm: "train" or "frozen" (see the module docstring).
        copy: train a copy of `encoder` (`keras.models.clone_model` + its
            weights), leaving the argument untouched; False trains it in place.
        seed: seed of the head's initialisation and the shuffling (calls
            `keras.utils.set_random_seed`).

    Returns:
        The trained functional classifier (float images in [0, 1] -> logits),
        with the encoder (or its copy) inside; every layer's `trainable` flag
        is as it was before.

    Raises:
        ValueError: an unknown `mode` or `batch_norm`, an argument out of
            range, images of the wrong shape, or labels beyond `num_classes`
            (or beyond the head's outputs when `num_classes` is not given).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if batch_norm not in BATCH_NORM:
        raise ValueError(f"batch_norm must be one of {BATCH_NORM}, got {batch_norm!r}")
    check_training_args(
        epochs, batch_size, learning_rate, min_steps, head_steps, head_learning_rate
    )
    if not 0 < lr_decay <= 1:
        raise ValueError(f"lr_decay must be in (0, 1], got {lr_decay!r}")
    input_shape = check_encoder(encoder)
    images, labels = read_examples(data)
    check_images(images, input_shape, "data images")
    num_classes = _num_classes(encoder, labels, num_classes, head)

    keras.utils.set_random_seed(int(seed))
    if copy:
        encoder = copy_encoder(encoder)
    n = len(labels)
    steps_per_epoch = max(math.ceil(n / batch_size), math.ceil(min_steps / epochs))
    steps = int(epochs) * steps_per_epoch
    options = {"batch_size": int(batch_size), "seed": int(seed)}
    with _batch_norm_frozen(encoder, batch_norm == "frozen"):
        if mode in ("finetune", "lp_ft"):
            classifier, _ = train_classifier(
                encoder,
                images,
                labels,
                num_classes,
                epochs=int(epochs),
                learning_rate=float(learning_rate),
                min_steps=int(min_steps),
                head_steps=int(head_steps) if mode == "lp_ft" else 0,
                head_learning_rate=float(head_learning_rate),
                head=head,
                **options,
            )
            return classifier
        classifier = build_classifier(encoder, num_classes, head)
        dataset = labelled_dataset(images, labels, int(batch_size), int(seed))
        if mode == "linear":
            with frozen(encoder):
                compile_classifier(classifier, keras.optimizers.Adam(float(learning_rate)))
                classifier.fit(dataset, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0)
        elif mode == "gradual":
            found = encoder_blocks(encoder, blocks)
            schedule = unfreezing_schedule([b.name for b in found], stages)
            _fit_gradually(classifier, encoder, found, schedule, dataset, steps, learning_rate)
        else:
            found = encoder_blocks(encoder, blocks)
            trainer = BlockwiseTrainer(
                classifier, discriminative_rates(found, learning_rate, lr_decay), found
            )
            trainer.compile(optimizer=keras.optimizers.Adam(float(learning_rate)))
            with short_run_batch_norm(encoder, steps):
                trainer.fit(dataset, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0)
    return classifier


def read_examples(data) -> tuple[np.ndarray, np.ndarray]:
    """`(images, labels)` arrays of `fit`'s `data` argument, checked."""
    if isinstance(data, EvalData):
        images, labels = data.train
    elif isinstance(data, tf.data.Dataset):
        spec = data.element_spec
        if isinstance(spec, tuple) and len(spec) == 2:
            data = data.map(lambda image, label: {"image": image, "label": label})
        elif not (isinstance(spec, dict) and {"image", "label"} <= set(spec)):
            raise ValueError(
                "data: a tf.data.Dataset must hold unbatched (image, label) or "
                f'{{"image", "label"}} elements, got {spec}'
            )
        try:
            images, labels = tfx_data.as_arrays(data)
        except ValueError:
            raise ValueError("data: the dataset is empty") from None
    elif isinstance(data, tuple | list) and len(data) == 2:
        images, labels = np.asarray(data[0]), np.asarray(data[1])
    else:
        raise ValueError(
            "data must be an (images, labels) pair of arrays, an EvalData or a "
            f"tf.data.Dataset, got {type(data).__name__}"
        )
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"data labels must be one integer class per example, got dtype {labels.dtype} "
            f"shape {labels.shape}"
        )
    if len(labels) == 0 or len(images) != len(labels):
        raise ValueError(
            f"data must hold as many images as labels (at least one), got {len(images)} "
            f"images and {len(labels)} labels"
        )
    if labels.min() < 0:
        raise ValueError(f"data labels must be >= 0, got {labels.min()}")
    return images, labels.astype(np.int64)


def _num_classes(encoder, labels, num_classes, head) -> int:
    needed = int(labels.max()) + 1
    outputs = None
    if head is not None:
        if not isinstance(head, keras.Model | keras.layers.Layer):
            raise ValueError(f"head must be a Keras model or layer, got {type(head).__name__}")
        features = encoder.output_shape
        outputs = int(head.compute_output_shape((None, math.prod(features[1:])))[-1])
    if num_classes is None:
        if outputs is None:
            return needed
        if needed > outputs:
            raise ValueError(
                f"the data has {needed} classes (labels up to {needed - 1}) but the head "
                f"outputs {outputs} logits: pass num_classes={needed} (and no head) to "
                "train a new head of that size"
            )
        return outputs
    if isinstance(num_classes, bool) or int(num_classes) != num_classes or num_classes < 2:
        raise ValueError(f"num_classes must be an int >= 2, got {num_classes!r}")
    if outputs is not None and outputs != num_classes:
        raise ValueError(
            f"num_classes={num_classes} but the head outputs {outputs} logits: "
            "pass a head of that size or no head"
        )
    if needed > num_classes:
        raise ValueError(
            f"the data has labels up to {needed - 1}, beyond num_classes={num_classes}: "
            f"pass num_classes={needed} or more"
        )
    return int(num_classes)


@contextlib.contextmanager
def _batch_norm_frozen(encoder: keras.Model, freeze: bool):
    """With `freeze`, every BatchNormalization layer of `encoder` is frozen
    (inference mode) inside the block; flags restored on exit."""
    layers = batch_norm_layers(encoder) if freeze else []
    flags = [layer.trainable for layer in layers]
    for layer in layers:
        layer.trainable = False
    try:
        yield
    finally:
        for layer, flag in zip(layers, flags, strict=True):
            layer.trainable = flag


def unfreezing_schedule(block_names: Sequence[str], stages: int | None = None) -> list[list[str]]:
    """The encoder blocks trained at each stage of gradual unfreezing, top block
    first: `[[], [top], [top, next], ...]` (`stages` entries; default all,
    `len(block_names) + 1`). The head trains at every stage."""
    names = list(block_names)
    if stages is None:
        stages = len(names) + 1
    if isinstance(stages, bool) or int(stages) != stages or not 1 <= stages <= len(names) + 1:
        raise ValueError(
            f"stages must be an int from 1 (head only) to {len(names) + 1} (one per block "
            f"plus the head's), got {stages!r}"
        )
    return [names[len(names) - k :] if k else [] for k in range(int(stages))][: int(stages)]


def _fit_gradually(
    classifier: keras.Model,
    encoder: keras.Model,
    blocks: list[Block],
    schedule: list[list[str]],
    dataset: tf.data.Dataset,
    steps: int,
    learning_rate: float,
) -> None:
    """Trains `classifier` stage by stage: the `steps` split as evenly as possible,
    a fresh Adam per stage, the blocks of `schedule[stage]` unfrozen (with the head)."""
    by_name = {b.name: b for b in blocks}
    # A layer frozen before the run (on purpose) stays frozen at every stage.
    own_flag = {id(layer): layer.trainable for block in blocks for layer in block.layers}
    with frozen(encoder):
        encoder.trainable = True  # the container; its layers are set per stage
        for stage, names in enumerate(schedule):
            stage_steps = steps // len(schedule) + (stage < steps % len(schedule))
            if stage_steps == 0:
                continue
            open_layers = {id(layer) for name in names for layer in by_name[name].layers}
            for block in blocks:
                for layer in block.layers:
                    layer.trainable = id(layer) in open_layers and own_flag[id(layer)]
            compile_classifier(classifier, keras.optimizers.Adam(float(learning_rate)))
            with short_run_batch_norm(encoder, stage_steps):
                classifier.fit(
                    dataset, epochs=1, steps_per_epoch=stage_steps, shuffle=False, verbose=0
                )


def discriminative_rates(
    blocks: Sequence[Block], learning_rate: float, lr_decay: float
) -> list[float]:
    """Each block's learning rate, bottom to top: the top block's is
    `learning_rate * lr_decay`, each block below it `lr_decay` times the one above."""
    count = len(blocks)
    return [float(learning_rate) * float(lr_decay) ** (count - i) for i in range(count)]


class BlockwiseTrainer(keras.Model):
    """Trains `classifier` with one Adam per encoder block (discriminative rates).

    Compile it with the head's optimizer (`compile(optimizer=...)`): that one
    updates every variable outside the blocks (the head); block i's variables
    are updated by an Adam at `rates[i]`. Cross-entropy on logits; trackers
    `loss` and `accuracy`. Only `classifier` is kept after training; this
    wrapper is not saved.
    """

    def __init__(self, classifier: keras.Model, rates: Sequence[float], blocks: Sequence[Block]):
        super().__init__(name=f"{classifier.name}_blockwise")
        if len(rates) != len(blocks):
            raise ValueError(f"one rate per block: {len(rates)} rates for {len(blocks)} blocks")
        self.classifier = classifier
        self.loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy_tracker = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
        self.block_optimizers = [keras.optimizers.Adam(float(rate)) for rate in rates]
        self._block_variables = [list(block.trainable_weights) for block in blocks]
        for optimizer, variables in zip(self.block_optimizers, self._block_variables):
            if variables:
                optimizer.build(variables)

    @property
    def metrics(self) -> list:
        return [self.loss_tracker, self.accuracy_tracker]

    def call(self, images, training=False):
        return self.classifier(images, training=training)

    def train_step(self, data):
        images, labels = data[0], data[1]
        with tf.GradientTape() as tape:
            logits = self(images, training=True)
            loss = self.loss_fn(labels, logits)
        variables = self.trainable_variables
        gradients = dict(zip((id(v) for v in variables), tape.gradient(loss, variables)))
        in_blocks = set()
        for optimizer, group in zip(self.block_optimizers, self._block_variables):
            pairs = [(gradients[id(v)], v) for v in group if id(v) in gradients]
            in_blocks.update(id(v) for v in group)
            if pairs:
                optimizer.apply_gradients(pairs)
        rest = [(gradients[id(v)], v) for v in variables if id(v) not in in_blocks]
        if rest:
            self.optimizer.apply_gradients(rest)
        self.loss_tracker.update_state(loss)
        self.accuracy_tracker.update_state(labels, logits)
        return {m.name: m.result() for m in self.metrics}
