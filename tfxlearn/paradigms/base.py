"""The base of every paradigm.

`Paradigm` holds the contract every paradigm keeps (docs/architecture.md section 5): the
part worth keeping is exposed as `encoder`, and `serving_outputs(images)` names
what the exported `serving_default` signature returns. `check_images` gives the
contract's clear errors for bad inputs, `global_batch_noise` its noise drawn for
the whole global batch. The shared shapes of paradigm families are in the
`base_*.py` modules beside this one (generated-label classifiers, two-player
paradigms, ...).
"""

from __future__ import annotations

import copy
import warnings

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.data import to_float_images
from tfxlearn.distribute import MultiWorkerFit


def check_images(images: tf.Tensor, expected_shape: tuple, argument: str = "images") -> None:
    """Raises a clear error when a batch does not match the encoder's input shape."""
    shape = tuple(images.shape)
    if len(shape) != len(expected_shape) + 1:
        raise ValueError(
            f"{argument} must be a batch of rank {len(expected_shape) + 1} "
            f"[batch, {', '.join(map(str, expected_shape))}], got shape {shape}"
        )
    for got, want in zip(shape[1:], expected_shape):
        if got is not None and want is not None and got != want:
            what = "channel count" if want == expected_shape[-1] and got == shape[-1] else "shape"
            raise ValueError(
                f"{argument} {what} does not match the encoder: got per-example shape "
                f"{shape[1:]}, the encoder takes {expected_shape}"
            )


def net_image_shape(net: keras.Model, which: str, argument: str) -> tuple:
    """The per-example image shape of `net`'s "input" or "output" (which), with a clear
    error naming `argument` unless it is one image batch [batch, H, W, C] of known size."""
    shape = getattr(net, f"{which}_shape")
    if not isinstance(shape, tuple) or len(shape) != 4 or None in shape[1:]:
        raise ValueError(
            f"{argument} must have one image {which} [batch, height, width, channels] of known "
            f"size, got {shape}"
        )
    return tuple(int(d) for d in shape[1:])


def non_negative(value, argument: str) -> float:
    """`value` as a float >= 0, else a ValueError naming `argument`."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not float(value) >= 0.0:
        raise ValueError(f"{argument} must be a number >= 0, got {value!r}")
    return float(value)


#: `shuffle`'s and `steps_per_epoch`'s places in `keras.Model.fit`'s positional
#: arguments after x, y (batch_size, epochs, verbose, callbacks, validation_split,
#: validation_data, shuffle, class_weight, sample_weight, initial_epoch, steps_per_epoch).
_FIT_SHUFFLE_POSITION = 7
_FIT_STEPS_POSITION = 11
#: Keras 3.15 warns this at the end of the first epoch of every dataset of unknown
#: cardinality (a `filter`, `flat_map` or `rebatch` in the pipeline) although
#: no `steps_per_epoch` asked for more: the end of the data is the epoch's end.
_RAN_OUT = "Your input ran out of data"


class Paradigm(MultiWorkerFit, keras.Model):
    """Base of every tfxlearn paradigm (a Keras subclassed model).

    `MultiWorkerFit` makes `fit` work under MultiWorkerMirroredStrategy.

    The config holds the constructor's arguments and is written once, here: a
    class lists its arguments that are Keras objects (sub-models, layers) in
    `sub_models`, which `get_config` serializes and `from_config` deserializes
    (None stays None), and its own `get_config` adds only its plain
    hyperparameters. An argument of a base class's constructor that a subclass
    sets itself (rotation's `num_classes`, always 4) is named in
    `derived_arguments`: bases add such arguments through `own_arguments`, which
    leaves them out, and `from_config` drops them from a config that has them.
    """

    #: Constructor arguments that are Keras objects (serialized in the config).
    sub_models: tuple[str, ...] = ()
    #: Base-class constructor arguments this class sets itself (not in its config).
    derived_arguments: tuple[str, ...] = ()
    #: Trains under the `mixed_bfloat16` dtype policy (a pipeline's
    #: `train.precision`): set only where a test shows its first loss matches float32.
    mixed_precision: bool = False

    def compile(self, optimizer="rmsprop", loss=None, **kwargs):
        if loss is not None:
            raise ValueError(
                f"{type(self).__name__} computes its own loss; do not pass `loss` to compile()"
            )
        super().compile(optimizer=optimizer, **kwargs)

    def fit(self, x=None, y=None, *args, **kwargs):
        """`keras.Model.fit`, with `shuffle` False by default when `x` is a
        `tf.data.Dataset`: Keras ignores `shuffle` for datasets (shuffling is the
        input pipeline's job) but warns on its own default `shuffle=True` at every
        `model.fit(ds)`. Array inputs keep Keras's default (shuffled). Without
        `steps_per_epoch`, Keras's "Your input ran out of data" warning, which it
        gives at the end of a dataset of unknown cardinality, is not shown."""
        dataset = isinstance(x, tf.data.Dataset | tf.distribute.DistributedDataset)
        shuffle_given = "shuffle" in kwargs or len(args) >= _FIT_SHUFFLE_POSITION
        if not shuffle_given and dataset:
            kwargs["shuffle"] = False
        steps = args[_FIT_STEPS_POSITION - 1] if len(args) >= _FIT_STEPS_POSITION else None
        if not dataset or kwargs.get("steps_per_epoch", steps) is not None:
            return super().fit(x, y, *args, **kwargs)
        with warnings.catch_warnings():
            # no steps asked for: running out of data is the epoch's end (Keras
            # still warns when a `steps_per_epoch` outruns the data)
            warnings.filterwarnings("ignore", message=_RAN_OUT, category=UserWarning)
            return super().fit(x, y, *args, **kwargs)

    @property
    def image_shape(self) -> tuple:
        """Per-example input shape (height, width, channels) of the encoder."""
        return tuple(self.encoder.input_shape[1:])

    def evaluation_encoder(self, input_shape: tuple, **options) -> keras.Model:
        """The model whose frozen features the evaluation protocols (linear probe,
        kNN, fine-tuning) measure, for evaluation inputs of per-example shape
        `input_shape` (e.g. images (28, 28, 1), clips (16, 32, 32, 1), waveforms
        (16000,)). `options`: the pipeline config's `evaluation.encoder_options`.

        Default: `self.encoder` (None if the paradigm has none). Paradigms whose
        encoder takes something else than the evaluation input (a frame encoder
        evaluated on clips, an image + an audio encoder) return a plain Keras
        model of that input: the baselines clone it (random init) and train a
        clone end to end (all labels).
        """
        if options:
            raise ValueError(
                f"{type(self).__name__}.evaluation_encoder takes no options, got {sorted(options)}"
            )
        return getattr(self, "encoder", None)

    def serving_input_specs(self) -> dict[str, tf.TensorSpec]:
        """Named inputs of the exported `serving_default` signature (batch first);
        `serving_outputs` is called with them as keyword arguments."""
        return {"images": tf.TensorSpec((None, *self.image_shape), tf.float32, name="images")}

    def serving_outputs(self, images: tf.Tensor) -> dict:
        """Named outputs of the exported `serving_default` signature."""
        return {"embedding": self.encoder(images, training=False)}

    def track_terms(self, terms: dict) -> dict:
        """Updates every metric with `terms[metric.name]` (per-example values, averaged
        over the global batch by the Mean metrics); returns the step's logs."""
        for tracker in self.metrics:
            tracker.update_state(terms[tracker.name])
        return {m.name: m.result() for m in self.metrics}

    def step_seed(self, stream: int = 0) -> tf.Tensor:
        """A stateless seed for this step's noise: (seed, step * 16 + stream), the step
        being the optimizer's iteration count, identical on every replica (`seed`:
        the paradigm's `seed` attribute, 0 if it has none)."""
        step = tf.cast(tf.convert_to_tensor(self.optimizer.iterations), tf.int64)
        return tf.stack([tf.constant(getattr(self, "seed", 0), tf.int64), step * 16 + int(stream)])

    def get_config(self):
        config = super().get_config()
        for key in self.sub_models:
            value = getattr(self, key)
            config[key] = None if value is None else keras.saving.serialize_keras_object(value)
        return config

    def own_arguments(self, **arguments) -> dict:
        """`arguments` without this class's `derived_arguments` (for a base class's
        `get_config`)."""
        return {k: v for k, v in arguments.items() if k not in self.derived_arguments}

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserialization consumes the nested dicts
        for key in cls.derived_arguments:
            config.pop(key, None)
        for key in cls.sub_models:
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


def global_batch_noise(
    seed: tf.Tensor, local_batch: tf.Tensor, shape: tuple, distribution: str = "normal"
) -> tf.Tensor:
    """Stateless noise for this replica's share of the global batch.

    The noise of the whole global batch is drawn from `seed` and each replica
    keeps its own rows (replica order = global batch order), so one device and
    N replicas give every global position the same draw - the same latent
    vectors, hence the same losses and updates (the contract's parity test).
    Latent vectors are small; drawing N times as many costs nothing.

    Args:
        seed: a stateless seed, int [2].
        local_batch: examples on this replica.
        shape: per-example shape of the noise.
        distribution: "normal" (standard Gaussian) or "uniform" ([0, 1)).
    """
    context = tf.distribute.get_replica_context()
    replicas = context.num_replicas_in_sync if context is not None else 1
    replica = context.replica_id_in_sync_group if context is not None else 0
    local_batch = tf.cast(local_batch, tf.int32)
    full_shape = tf.concat([[local_batch * replicas], tf.constant(shape, tf.int32)], axis=0)
    if distribution == "normal":
        noise = tf.random.stateless_normal(full_shape, seed)
    elif distribution == "uniform":
        noise = tf.random.stateless_uniform(full_shape, seed)
    else:
        raise ValueError(f"distribution must be 'normal' or 'uniform', got {distribution!r}")
    start = tf.cast(replica, tf.int32) * local_batch
    return noise[start : start + local_batch]


def batched_numpy(fn, images, batch_size: int) -> np.ndarray:
    """`fn(float32 batch)` over `images` (uint8 or float, NumPy or tensor) in batches,
    concatenated as NumPy: the prediction helpers of every paradigm."""
    if isinstance(batch_size, bool) or int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    images = np.asarray(images)
    if images.ndim != 4 or len(images) == 0:
        raise ValueError(
            f"images must be a non-empty batch [n, height, width, channels], got {images.shape}"
        )
    return np.concatenate(
        [
            np.asarray(fn(to_float_images(tf.convert_to_tensor(images[i : i + int(batch_size)]))))
            for i in range(0, len(images), int(batch_size))
        ]
    )


def check_num_classes(num_classes) -> int:
    """`num_classes` as an int >= 2, or a ValueError naming it."""
    if isinstance(num_classes, bool) or not isinstance(num_classes, int | np.integer):
        raise ValueError(f"num_classes must be an int >= 2, got {num_classes!r}")
    if num_classes < 2:
        raise ValueError(f"num_classes must be >= 2, got {num_classes}")
    return int(num_classes)


def feature_dim_of(encoder, argument: str = "encoder") -> int:
    """The feature size of `encoder`, a built Keras model mapping images to
    vectors [batch, dim]; a TypeError / ValueError naming `argument` otherwise."""
    if not isinstance(encoder, keras.Model):
        raise TypeError(f"{argument} must be a keras.Model, got {type(encoder).__name__}")
    try:
        feature_shape = tuple(encoder.output_shape)
    except (AttributeError, ValueError):
        feature_shape = ()
    if len(feature_shape) != 2 or feature_shape[-1] is None:
        raise ValueError(
            f"{argument} must be a built model mapping images to feature vectors [batch, dim] "
            f"(e.g. a functional model); got output shape {feature_shape or 'unknown'}"
        )
    return int(feature_shape[-1])


def built_head(head, feature_dim: int, default) -> keras.Model:
    """`head` (or `default()` when it is None), built on [batch, feature_dim] inputs."""
    head = head if head is not None else default()
    if not head.built:
        head.build((None, int(feature_dim)))
    return head


def unpaired_pair(data, hint: str) -> tuple[tf.Tensor, tf.Tensor]:
    """The two image batches of an unpaired (A, B) batch as tensors, whether `fit`
    passes it as (a, b), ((a, b),) or ((a, b), None); a ValueError with `hint` otherwise."""
    if isinstance(data, tuple | list) and len(data) == 1:
        data = data[0]
    if (
        isinstance(data, tuple | list)
        and len(data) == 2
        and isinstance(data[0], tuple | list)
        and data[1] is None
    ):
        data = data[0]
    if not (isinstance(data, tuple | list) and len(data) == 2):
        raise ValueError(f"{hint}; got {type(data).__name__}")
    a, b = (tf.convert_to_tensor(x) for x in data)
    return a, b
