"""Generated-label classifiers, the common shape of many pretext tasks: an
encoder and a head trained with cross-entropy to predict a label that the
tf.data pipeline generated (rotation, exemplar, the patch and frame-order tasks,
audio-visual correspondence).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfxlearn.nets import classifier_head
from tfxlearn.paradigms.base import Paradigm, check_images


class GeneratedLabelClassifier(Paradigm):
    """Encoder + head trained with cross-entropy on pipeline-generated labels.

    Args:
        encoder: a Keras model mapping images to a feature vector.
        num_classes: number of generated label values.
        head: a Keras model mapping features to `num_classes` logits; a linear
            head if omitted.
    """

    sub_models = ("encoder", "head")

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
        return {**super().get_config(), **self.own_arguments(num_classes=self.num_classes)}


class EncoderFeaturesServing:
    """Serving for a classifier whose head does not take single images (it takes
    patch sets, frame tuples, ...): `serving_outputs(images)` gives the shared
    encoder's `embedding` of each image only."""

    def serving_outputs(self, images):
        check_images(images, self.image_shape)
        return {"embedding": self.encoder(images, training=False)}


class PatchSetClassifier(EncoderFeaturesServing, GeneratedLabelClassifier):
    """N patches of an image -> one shared encoder each -> fused head -> label.

    The common shape of the patch-based pretext tasks (relative patch location,
    jigsaw puzzles): a *siamese* encoder (the same weights) embeds each of the
    `num_patches` patches of an example, the features are concatenated in slot
    order and an MLP head predicts the generated label. Because the encoder is
    shared and position-agnostic (e.g. `conv_encoder(input_shape=(None, None, C))`
    with global pooling), the same weights encode whole images at evaluation:
    `serving_outputs(images)` returns their `embedding` only (the head takes
    patch sets, not images).

    Args:
        encoder: a Keras model mapping a batch of patches [n, h, w, C] to features.
        num_patches: patches per example (inputs are [batch, num_patches, h, w, C]).
        num_classes: number of generated label values.
        hidden: width of the head's hidden layer (0: a linear head).
        head: a model mapping the concatenated features [batch, num_patches *
            features] to `num_classes` logits; built from `hidden` if omitted.
    """

    def __init__(
        self,
        encoder: keras.Model,
        num_patches: int,
        num_classes: int,
        hidden: int = 0,
        head: keras.Model | None = None,
        **kwargs,
    ):
        if int(num_patches) < 1:
            raise ValueError(f"num_patches must be >= 1, got {num_patches}")
        if int(hidden) < 0:
            raise ValueError(f"hidden must be >= 0, got {hidden}")
        if head is None:
            head = classifier_head(int(num_classes), hidden=int(hidden))
        super().__init__(encoder=encoder, num_classes=num_classes, head=head, **kwargs)
        self.num_patches = int(num_patches)
        self.hidden = int(hidden)

    def check_patches(self, patches: tf.Tensor, argument: str = "patches") -> None:
        """Clear errors for inputs that are not [batch, num_patches, h, w, C]."""
        shape = tuple(patches.shape)
        channels = self.image_shape[-1]
        if len(shape) != 5:
            raise ValueError(
                f"{type(self).__name__} takes {argument} of rank 5 [batch, {self.num_patches} "
                f"(patch count), height, width, {channels}], got shape {shape}"
            )
        if shape[1] is not None and shape[1] != self.num_patches:
            raise ValueError(
                f"{type(self).__name__}: {argument} patch count must be {self.num_patches} "
                f"(axis 1), got shape {shape}"
            )
        if shape[-1] is not None and channels is not None and shape[-1] != channels:
            raise ValueError(
                f"{argument} channel count does not match the encoder: got {shape[-1]} "
                f"channels (shape {shape}), the encoder takes {channels}"
            )
        check_images(patches[:, 0], self.image_shape, argument)

    def encode_patches(self, patches: tf.Tensor, training=False) -> tf.Tensor:
        """[batch, N, h, w, C] -> concatenated features [batch, N * features].

        All N * batch patches go through the encoder as one batch, so batch
        norm sees every slot's patches together (no per-slot statistics that
        could tell slots apart)."""
        shape = tf.shape(patches)
        flat = tf.reshape(patches, tf.concat([[-1], shape[2:]], axis=0))
        features = self.encoder(flat, training=training)
        return tf.reshape(features, [shape[0], self.num_patches * features.shape[-1]])

    def call(self, patches, training=False):
        self.check_patches(patches)
        return self.head(self.encode_patches(patches, training=training), training=training)

    def get_config(self):
        return {
            **super().get_config(),
            **self.own_arguments(num_patches=self.num_patches),
            "hidden": self.hidden,
        }
