"""Adversarially blind representations: an encoder and a task head trained on the
labels, while an adversary tries to predict a sensitive attribute from the
encoder's features through a gradient reversal layer, so the features keep what
the task needs and lose what reveals the attribute.

Edwards & Storkey, "Censoring Representations with an Adversary", ICLR 2016;
Zhang, Lemoine & Mitchell, "Mitigating Unwanted Biases with Adversarial
Learning", AIES 2018 (the adversary on the representation; their projection
term on the predictor's gradient is not built here).

    features x -> encoder -> z -> head -> task logits         (labels y)
                             z -> R_lambda -> adversary -> logit (binary attribute s)

    L = mean CE(y, head(z)) + mean BCE(s, adversary(R_lambda(z)))

One optimizer minimises L over all weights; `tfxlearn.nets.GradientReversal`
(the layer of DANN) makes the adversary minimise its loss while the encoder
maximises it with weight `adversary_weight` (lambda). `adversary_weight=0`
trains the same network without censoring (the baseline: the adversary still
learns to read the attribute, no gradient of it reaches the encoder).

Batches are `(features, (labels, sensitive))`: float features [b, d], integer
class ids [b], the binary attribute [b] in {0, 1} (`tfxlearn.data.adult`:
features without sex, `label` income > 50K, `sex`). Both means are over the
global batch (`BatchMean`), so one device and N replicas give the same loss.

Serving signature: `features` -> `logits` (task logits), `embedding` (z).
Pipeline: `pipelines/blind_representation_adult.py`; benchmark:
`benchmarks/quality_blind.py` (docs/adaptation.md).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.losses import BatchMean
from tfxlearn.nets import GradientReversal, classifier_head, domain_classifier
from tfxlearn.paradigms.base import Paradigm, check_num_classes
from tfxlearn.registry import PARADIGMS

BATCH_HINT = "(features, (labels, sensitive)) batches"


def check_features(features, width: int, argument: str = "features") -> None:
    """A clear error unless `features` is a batch [batch, width]."""
    shape = tuple(features.shape)
    if len(shape) != 2:
        raise ValueError(f"{argument} must be a batch of rank 2 [batch, {width}], got {shape}")
    if shape[1] is not None and shape[1] != width:
        raise ValueError(
            f"{argument} width does not match the encoder: got {shape[1]} features per "
            f"example, the encoder takes {width}"
        )


def _ids(values, argument: str, high: int) -> tf.Tensor:
    values = tf.convert_to_tensor(values)
    if not values.dtype.is_integer or values.shape.rank != 1:
        raise ValueError(
            f"{argument} must be integer ids [batch], got {values.dtype.name} {values.shape}"
        )
    values = tf.cast(values, tf.int32)
    message = f"{argument} must be ids in 0..{high - 1}"
    with tf.control_dependencies(
        [
            tf.debugging.assert_non_negative(values, message=message),
            tf.debugging.assert_less(values, high, message=message),
        ]
    ):
        return tf.identity(values)


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("blind_representation")
class BlindRepresentation(Paradigm):
    """A representation blind to a binary sensitive attribute (Edwards & Storkey,
    ICLR 2016; Zhang et al., AIES 2018).

    Args:
        encoder: features [batch, d] -> z [batch, k] (e.g. `tfxlearn.nets.mlp_encoder`).
        num_classes: K, the number of task classes.
        adversary_weight: lambda >= 0, the reversal weight on the adversary's
            gradient reaching the encoder; 0 is the uncensored baseline.
        head: z -> K logits; a linear head if omitted.
        adversary: z -> one logit of the attribute;
            `tfxlearn.nets.domain_classifier(adversary_hidden)` if omitted.
        adversary_hidden: hidden widths of the default adversary.
    """

    sub_models = ("encoder", "head", "adversary")

    def __init__(
        self,
        encoder: keras.Model,
        num_classes: int = 2,
        adversary_weight: float = 1.0,
        head: keras.Model | None = None,
        adversary: keras.Model | None = None,
        adversary_hidden: tuple = (32,),
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(encoder, keras.Model):
            raise TypeError(f"encoder must be a keras.Model, got {type(encoder).__name__}")
        self.num_classes = check_num_classes(num_classes)
        in_shape, out_shape = tuple(encoder.input_shape), tuple(encoder.output_shape)
        if len(in_shape) != 2 or in_shape[1] is None:
            raise ValueError(f"encoder must take feature vectors [batch, d], got {in_shape}")
        if len(out_shape) != 2 or out_shape[1] is None:
            raise ValueError(f"encoder must give vectors [batch, k], got {out_shape}")
        self.encoder = encoder
        # The reversal layer checks the weight (a number >= 0) and names it.
        self.reversal = GradientReversal(adversary_weight, name="gradient_reversal")
        self.adversary_weight = self.reversal.lambda_
        self.adversary_hidden = tuple(int(h) for h in adversary_hidden)
        self.head = head if head is not None else classifier_head(self.num_classes)
        self.adversary = (
            adversary
            if adversary is not None
            else domain_classifier(self.adversary_hidden, name="adversary")
        )
        width = int(out_shape[1])
        for net, want, what in (
            (self.head, self.num_classes, "num_classes logits"),
            (self.adversary, 1, "one logit of the attribute"),
        ):
            if not net.built:
                net.build((None, width))
            shape = tuple(net.compute_output_shape((None, width)))
            if shape[-1] != want:
                raise ValueError(f"{net.name} must give {what} ({want}), got output {shape}")
        self.batch_mean = BatchMean()
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.task_tracker = keras.metrics.Mean(name="task_loss")
        self.adversary_tracker = keras.metrics.Mean(name="adversary_loss")
        self.accuracy_tracker = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
        self.adversary_accuracy_tracker = keras.metrics.BinaryAccuracy(
            name="adversary_accuracy", threshold=0.0
        )
        # Built above; fit must not call the model on a batch's x to build it.
        self.built = True

    @property
    def feature_width(self) -> int:
        return int(self.encoder.input_shape[1])

    def call(self, features, training=False):
        """Task logits [batch, K] of feature vectors [batch, d]."""
        check_features(features, self.feature_width)
        return self.head(self.encoder(features, training=training), training=training)

    def classify(self, features, batch_size: int = 1024) -> np.ndarray:
        """Task logits [n, K] (NumPy)."""
        return self._batched(lambda x: self(x, training=False), features, batch_size)

    def encode(self, features, batch_size: int = 1024) -> np.ndarray:
        """Representations z [n, k] (NumPy)."""
        return self._batched(lambda x: self.encoder(x, training=False), features, batch_size)

    def attribute_logits(self, features, batch_size: int = 1024) -> np.ndarray:
        """The adversary's logit of the attribute (> 0: predicts 1) [n] (NumPy)."""
        return self._batched(
            lambda x: self.adversary(self.encoder(x, training=False), training=False)[:, 0],
            features,
            batch_size,
        )

    def _batched(self, fn, features, batch_size):
        features = np.asarray(features, np.float32)
        check_features(features, self.feature_width)
        return np.concatenate(
            [
                np.asarray(fn(features[i : i + batch_size]))
                for i in range(0, len(features), batch_size)
            ]
        )

    # ------------------------------------------------------------------ steps

    def _unpack(self, data):
        if not (isinstance(data, tuple | list) and len(data) == 2):
            raise ValueError(f"blind_representation trains on {BATCH_HINT}; got {type(data)}")
        features, targets = data
        if not (isinstance(targets, tuple | list) and len(targets) == 2):
            raise ValueError(
                f"blind_representation trains on {BATCH_HINT}; the second element is not a "
                "(labels, sensitive) pair"
            )
        features = tf.cast(tf.convert_to_tensor(features), tf.float32)
        check_features(features, self.feature_width)
        labels = _ids(targets[0], "labels", self.num_classes)
        sensitive = _ids(targets[1], "sensitive", 2)
        return features, labels, sensitive

    def loss_terms(self, features, labels, sensitive, training: bool) -> dict:
        """Per-example task CE and adversary BCE, the task and adversary logits."""
        z = self.encoder(features, training=training)
        logits = self.head(z, training=training)
        adversary_logits = self.adversary(self.reversal(z), training=training)[:, 0]
        return {
            "task": tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits),
            "adversary": tf.nn.sigmoid_cross_entropy_with_logits(
                labels=tf.cast(sensitive, tf.float32), logits=adversary_logits
            ),
            "logits": logits,
            "adversary_logits": adversary_logits,
        }

    def train_step(self, data):
        features, labels, sensitive = self._unpack(data)
        variables = self.trainable_weights
        with tf.GradientTape() as tape:
            terms = self.loss_terms(features, labels, sensitive, training=True)
            loss = self.batch_mean(terms["task"]) + self.batch_mean(terms["adversary"])
            scaled = self.optimizer.scale_loss(loss)
        self.optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return self._track(terms, labels, sensitive)

    def test_step(self, data):
        features, labels, sensitive = self._unpack(data)
        return self._track(self.loss_terms(features, labels, sensitive, False), labels, sensitive)

    def _track(self, terms, labels, sensitive):
        self.loss_tracker.update_state(terms["task"] + terms["adversary"])
        self.task_tracker.update_state(terms["task"])
        self.adversary_tracker.update_state(terms["adversary"])
        self.accuracy_tracker.update_state(labels, terms["logits"])
        self.adversary_accuracy_tracker.update_state(
            tf.cast(sensitive, tf.float32), terms["adversary_logits"]
        )
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return [
            self.loss_tracker,
            self.task_tracker,
            self.adversary_tracker,
            self.accuracy_tracker,
            self.adversary_accuracy_tracker,
        ]

    # ------------------------------------------------------------------ contract

    def serving_input_specs(self):
        return {"features": tf.TensorSpec((None, self.feature_width), tf.float32, name="features")}

    def serving_outputs(self, features):
        check_features(features, self.feature_width)
        embedding = self.encoder(features, training=False)
        return {"logits": self.head(embedding, training=False), "embedding": embedding}

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "adversary_weight": self.adversary_weight,
            "adversary_hidden": list(self.adversary_hidden),
        }
