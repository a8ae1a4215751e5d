"""Small shared bases of the paradigms.

`Paradigm` holds the contract every paradigm keeps (DESIGN.md section 3): the
part worth keeping is exposed as `encoder`, and `serving_outputs(images)` names
what the exported `serving_default` signature returns. `GeneratedLabelClassifier`
is the common shape of many pretext tasks: an encoder and a head trained to
predict a label that the tf.data pipeline generated.
"""

from __future__ import annotations

import copy

import keras
import tensorflow as tf

from tfxlearn.nets import classifier_head


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


class Paradigm(keras.Model):
    """Base of every tfxlearn paradigm (a Keras subclassed model)."""

    def compile(self, optimizer="rmsprop", loss=None, **kwargs):
        if loss is not None:
            raise ValueError(
                f"{type(self).__name__} computes its own loss; do not pass `loss` to compile()"
            )
        super().compile(optimizer=optimizer, **kwargs)

    @property
    def image_shape(self) -> tuple:
        """Per-example input shape (height, width, channels) of the encoder."""
        return tuple(self.encoder.input_shape[1:])

    def serving_outputs(self, images: tf.Tensor) -> dict:
        """Named outputs of the exported `serving_default` signature."""
        return {"embedding": self.encoder(images, training=False)}


class GeneratedLabelClassifier(Paradigm):
    """Encoder + head trained with cross-entropy on pipeline-generated labels.

    Args:
        encoder: a Keras model mapping images to a feature vector.
        num_classes: number of generated label values.
        head: a Keras model mapping features to `num_classes` logits; a linear
            head if omitted.
    """

    def __init__(
        self, encoder: keras.Model, num_classes: int, head: keras.Model | None = None, **kwargs
    ):
        super().__init__(**kwargs)
        if not isinstance(encoder, keras.Model):
            raise TypeError(f"encoder must be a keras.Model, got {type(encoder).__name__}")
        if int(num_classes) < 2:
            raise ValueError(f"num_classes must be >= 2, got {num_classes}")
        self.encoder = encoder
        self.num_classes = int(num_classes)
        self.head = head if head is not None else classifier_head(self.num_classes)
        self.loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        self.accuracy_tracker = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    def call(self, images, training=False):
        check_images(images, self.image_shape)
        return self.head(self.encoder(images, training=training), training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} needs (images, labels) batches; wrap the dataset "
                "with its pretext op (e.g. tfxlearn.pretext.rotation)"
            )
        loss = self.loss_fn(y, y_pred, sample_weight)
        if self.losses:  # regularization losses, scaled for the strategy by Keras
            loss = loss + super().compute_loss(x, y, y_pred, sample_weight, training)
        return loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        self.accuracy_tracker.update_state(y, y_pred, sample_weight)
        return super().compute_metrics(x, y, y_pred, sample_weight)

    def serving_outputs(self, images):
        embedding = self.encoder(images, training=False)
        return {"embedding": embedding, "logits": self.head(embedding, training=False)}

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "head": keras.saving.serialize_keras_object(self.head),
            "num_classes": self.num_classes,
        }

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserialization consumes the nested dicts
        for key in ("encoder", "head"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
