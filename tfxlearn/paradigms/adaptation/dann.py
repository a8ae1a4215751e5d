"""Domain-adversarial neural network (DANN): a classifier trained on a labelled
source domain whose features are made indistinguishable between the source and an
unlabelled target domain, by a domain classifier behind a gradient reversal layer.

Ganin & Lempitsky, "Unsupervised Domain Adaptation by Backpropagation", ICML 2015
(also Ganin et al., "Domain-Adversarial Training of Neural Networks", JMLR 2016).

    images -> encoder G_f -> features f -> head G_y -> class logits (source labels)
                                      f -> R_lambda -> domain head G_d -> logit (source 0, target 1)

    L = mean_source CE(y, G_y(f)) + mean_source+target BCE(d, G_d(R_lambda(f)))

One optimizer minimises L over all weights; the reversal layer R_lambda
(`tfxlearn.nets.GradientReversal`) is the identity forward and multiplies the
gradient by -lambda backward, so G_d learns to tell the domains apart while G_f
learns to defeat it (the saddle point of the paper's eq. (1)). lambda follows the
paper's schedule lambda_p = max_lambda * (2 / (1 + exp(-gamma p)) - 1), p =
step / schedule_steps clipped to 1 (`tfxlearn.nets.reversal_schedule`,
gamma = 10); the paper's annealed learning rate is
`tfxlearn.training.AnnealedLearningRate` (give it to the optimizer).
`max_lambda = 0` trains the same network on the source alone (the source-only
baseline: the domain head still learns, but no gradient reaches the encoder).

Batches are `((source_images, target_images), source_labels)`
(`tfxlearn.data.domains.domain_pairs`; in a pipeline the `domain_adaptation`
pretext op), equally many of each domain. Source and target go through the
encoder as one concatenated batch, so batch norm normalises both domains
together, as in the paper's joint batches. Both means are means over the global
batch through `BatchMean` (every replica holds the same number of source and of
target examples), so one device and N replicas compute the same loss.

Serving signature: `images` -> `logits` (class logits), `embedding` (encoder
features).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfxlearn.losses import BatchMean
from tfxlearn.nets import GradientReversal, classifier_head, domain_classifier, reversal_schedule
from tfxlearn.paradigms.base import Paradigm, check_num_classes
from tfxlearn.paradigms.base_adaptation import AdaptedClassifier, unpack_domain_batch
from tfxlearn.registry import PARADIGMS


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("dann")
class DANN(AdaptedClassifier, Paradigm):
    """Domain-adversarial training (Ganin & Lempitsky, ICML 2015).

    Args:
        encoder: images -> features [batch, d] (e.g. `tfxlearn.nets.conv_encoder()`).
        num_classes: K, the number of classes of the source labels.
        max_lambda: the reversal weight lambda reaches (>= 0; the paper: 1); 0 is
            the source-only baseline with the same network.
        gamma: steepness of the lambda schedule (the paper: 10).
        schedule_steps: steps over which the schedule's progress p goes from 0 to
            1 (the run's total steps, as in the paper).
        head: features -> K logits; a linear head if omitted.
        domain_head: features -> one domain logit;
            `tfxlearn.nets.domain_classifier(domain_hidden)` if omitted.
        domain_hidden: hidden widths of the default domain head.
    """

    sub_models = ("encoder", "head", "domain_head")

    def __init__(
        self,
        encoder: keras.Model,
        num_classes: int = 10,
        max_lambda: float = 1.0,
        gamma: float = 10.0,
        schedule_steps: int = 1000,
        head: keras.Model | None = None,
        domain_head: keras.Model | None = None,
        domain_hidden: tuple = (100,),
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(encoder, keras.Model):
            raise TypeError(f"encoder must be a keras.Model, got {type(encoder).__name__}")
        self.num_classes = check_num_classes(num_classes)
        if isinstance(max_lambda, bool) or not isinstance(max_lambda, int | float):
            raise ValueError(f"max_lambda must be a number >= 0, got {max_lambda!r}")
        if not float(max_lambda) >= 0.0:
            raise ValueError(f"max_lambda must be >= 0 (a reversal weight), got {max_lambda}")
        if not float(gamma) > 0.0:
            raise ValueError(f"gamma must be > 0, got {gamma}")
        if isinstance(schedule_steps, bool) or int(schedule_steps) != schedule_steps:
            raise ValueError(f"schedule_steps must be an int >= 1, got {schedule_steps!r}")
        if int(schedule_steps) < 1:
            raise ValueError(f"schedule_steps must be an int >= 1, got {schedule_steps!r}")
        feature_shape = tuple(encoder.output_shape)
        if len(feature_shape) != 2 or feature_shape[-1] is None:
            raise ValueError(
                f"encoder must map images to feature vectors [batch, d], got {feature_shape}"
            )
        features = int(feature_shape[-1])
        self.encoder = encoder
        self.max_lambda = float(max_lambda)
        self.gamma = float(gamma)
        self.schedule_steps = int(schedule_steps)
        self.domain_hidden = tuple(int(h) for h in domain_hidden)
        self.head = head if head is not None else classifier_head(self.num_classes)
        self.domain_head = (
            domain_head if domain_head is not None else domain_classifier(self.domain_hidden)
        )
        for net, want, what in (
            (self.head, self.num_classes, "num_classes logits"),
            (self.domain_head, 1, "one domain logit"),
        ):
            if not net.built:
                net.build((None, features))
            shape = tuple(net.compute_output_shape((None, features)))
            if shape[-1] != want:
                raise ValueError(f"{net.name} must give {what} ({want}), got output {shape}")
        self.reversal = GradientReversal(self.max_lambda, name="gradient_reversal")
        self.batch_mean = BatchMean()
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.label_tracker = keras.metrics.Mean(name="label_loss")
        self.domain_tracker = keras.metrics.Mean(name="domain_loss")
        self.accuracy_tracker = keras.metrics.SparseCategoricalAccuracy(name="source_accuracy")
        self.domain_accuracy_tracker = keras.metrics.BinaryAccuracy(
            name="domain_accuracy", threshold=0.0
        )
        self.lambda_tracker = keras.metrics.Mean(name="lambda")
        # Every part is built above; Keras's fit would otherwise try to build the model
        # by calling it on a batch's x, here a (source, target) pair.
        self.built = True

    # ------------------------------------------------------------------ forward

    def current_lambda(self) -> tf.Tensor:
        """This step's reversal weight: max_lambda * lambda_p, p = step / schedule_steps."""
        step = tf.cast(tf.convert_to_tensor(self.optimizer.iterations), tf.float32)
        return self.max_lambda * reversal_schedule(step / float(self.schedule_steps), self.gamma)

    # ------------------------------------------------------------------ steps

    def _unpack(self, data):
        return unpack_domain_batch(data, self.image_shape, self.num_classes, "DANN")

    def loss_terms(self, source, target, labels, lambda_, training: bool) -> dict:
        """Per-example terms: label CE [n_source], domain BCE [n_source + n_target],
        the logits and domain logits."""
        n_source = tf.shape(source)[0]
        features = self.encoder(tf.concat([source, target], axis=0), training=training)
        logits = self.head(features[:n_source], training=training)
        reversed_features = self.reversal(features, lambda_=lambda_)
        domain_logits = self.domain_head(reversed_features, training=training)[:, 0]
        domains = tf.concat(
            [tf.zeros([n_source], tf.float32), tf.ones([tf.shape(target)[0]], tf.float32)], 0
        )
        return {
            "label": tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits),
            "domain": tf.nn.sigmoid_cross_entropy_with_logits(labels=domains, logits=domain_logits),
            "logits": logits,
            "domain_logits": domain_logits,
            "domains": domains,
        }

    def train_step(self, data):
        source, target, labels = self._unpack(data)
        lambda_ = self.current_lambda()
        variables = self.trainable_weights
        with tf.GradientTape() as tape:
            terms = self.loss_terms(source, target, labels, lambda_, training=True)
            # Global-batch means (Keras scales BatchMean for the strategy).
            loss = self.batch_mean(terms["label"]) + self.batch_mean(terms["domain"])
            if self.losses:  # regularization losses, scaled by Keras
                loss = loss + super().compute_loss(x=source, training=True)
            scaled = self.optimizer.scale_loss(loss)
        gradients = tape.gradient(scaled, variables)
        self.optimizer.apply_gradients(zip(gradients, variables))
        return self._track(terms, labels, lambda_)

    def test_step(self, data):
        source, target, labels = self._unpack(data)
        lambda_ = self.current_lambda()
        return self._track(self.loss_terms(source, target, labels, lambda_, False), labels, lambda_)

    def _track(self, terms, labels, lambda_):
        label_loss, domain_loss = terms["label"], terms["domain"]
        # Per-example values: the Mean metrics average them over the global batch.
        self.loss_tracker.update_state(tf.reduce_mean(label_loss) + tf.reduce_mean(domain_loss))
        self.label_tracker.update_state(label_loss)
        self.domain_tracker.update_state(domain_loss)
        self.accuracy_tracker.update_state(labels, terms["logits"])
        self.domain_accuracy_tracker.update_state(terms["domains"], terms["domain_logits"])
        self.lambda_tracker.update_state(lambda_)
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return [
            self.loss_tracker,
            self.label_tracker,
            self.domain_tracker,
            self.accuracy_tracker,
            self.domain_accuracy_tracker,
            self.lambda_tracker,
        ]

    # ------------------------------------------------------------------ contract

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "max_lambda": self.max_lambda,
            "gamma": self.gamma,
            "schedule_steps": self.schedule_steps,
            "domain_hidden": list(self.domain_hidden),
        }
