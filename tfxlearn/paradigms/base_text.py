"""Shared parts of the text paradigms (docs/architecture.md section 3): the
checks of a word vocabulary and of integer hyperparameters, the token-id batch
checks, raw-string tokenization inside the graph (`tfxlearn.data.text`), the
truncation warning and the `text` serving input.

`TokenPredictor` is the base of the paradigms that predict tokens of a
Transformer's states with a linear head applied to the scored positions only
(next-token language model, masked language model): it holds their
hyperparameters, their {"inputs", "targets"} batches, their step and metrics;
a subclass builds its network and says how it reads ids (`hidden_states`).
"""

from __future__ import annotations

import warnings

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.data.subword import is_subword
from tfxlearn.data.text import Vocabulary, resolve_vocabulary, token_sequences, word_lookup
from tfxlearn.losses import TokenCrossEntropy
from tfxlearn.paradigms.base import Paradigm


def vocabulary_words(vocabulary, argument: str = "vocabulary") -> tuple[str, ...]:
    """The entries of `vocabulary` (words, or WordPiece pieces: `is_subword`):
    a list of them, a `tfxlearn.data.text.Vocabulary`, or a dict of
    `corpus_vocabulary` arguments."""
    if isinstance(vocabulary, Vocabulary | dict):
        return resolve_vocabulary(vocabulary).words
    if isinstance(vocabulary, str) or not all(isinstance(w, str) for w in vocabulary):
        raise ValueError(
            f"{argument} must be a list of words, a tfxlearn.data.text.Vocabulary or a dict "
            f"of corpus_vocabulary arguments, got {type(vocabulary).__name__}"
        )
    words = tuple(vocabulary)
    if not words or len(set(words)) != len(words):
        raise ValueError(f"{argument} must hold at least one word, each once")
    return words


def int_at_least(name: str, value, low: int) -> int:
    """`value` as an int, refused unless it is an int >= `low`."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)


def dropout_rate(dropout) -> float:
    """`dropout` as a float, refused unless it is in [0, 1)."""
    if not 0.0 <= float(dropout) < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    return float(dropout)


def token_ids(inputs, owner: str, max_length: int, hint: str, argument: str = "inputs"):
    """Integer token ids [batch, length <= max_length] as int32, refused clearly
    otherwise (`owner`: the class named in the error, `hint`: how to shorten)."""
    ids = tf.convert_to_tensor(inputs)
    if ids.shape.rank != 2 or not ids.dtype.is_integer:
        raise ValueError(
            f"{owner}: {argument} must be integer token ids [batch, length], got "
            f"{ids.dtype.name} of shape {ids.shape}"
        )
    if ids.shape[1] is not None and ids.shape[1] > max_length:
        raise ValueError(
            f"{owner}: {argument} has {ids.shape[1]} positions, more than "
            f"max_length={max_length}; {hint}"
        )
    return tf.cast(ids, tf.int32)


def warn_truncated(truncated, max_length: int, verb: str, stacklevel: int = 3) -> None:
    """A `UserWarning` when any of `truncated` (bool NumPy [batch]) is True: those
    texts were cut to their first `max_length` tokens (`verb`: "scored", "read")."""
    if np.asarray(truncated).any():
        warnings.warn(
            f"{int(np.sum(truncated))} text(s) longer than max_length={max_length} tokens: "
            f"only their first {max_length} tokens were {verb} (see `tokens`)",
            UserWarning,
            stacklevel=stacklevel,
        )


def text_input_specs() -> dict[str, tf.TensorSpec]:
    """The `text` serving input: raw strings [batch], tokenized inside the graph."""
    return {"text": tf.TensorSpec((None,), tf.string, name="text")}


class TokenPredictor(Paradigm):
    """Base of the Transformer paradigms that predict tokens with a linear head
    applied at the scored positions (target >= 0) of {"inputs", "targets"} batches.

    Args:
        vocabulary: the words: a list, a `tfxlearn.data.text.Vocabulary`, or a
            dict of `corpus_vocabulary` arguments; the config keeps the list.
        max_length: the longest sequence of positions read (each subclass has
            its default).
        dim: model width (128).
        depth: Transformer blocks (2).
        heads: attention heads (4).
        mlp_dim: MLP hidden size (None: 4 * dim).
        dropout: dropout in the blocks (embeddings, attention, residual
            branches; 0.1).

    A subclass builds its network and `self.head` after calling this
    constructor, sets `self.built = True`, and defines `hidden_states(ids,
    training)`; `pretext_op` and `length_hint` name its batches' op and how to
    shorten too long sequences in error messages.
    """

    #: The pretext op whose batches the paradigm trains on (error messages).
    pretext_op: str = ""
    #: How to shorten sequences longer than max_length (error messages).
    length_hint: str = ""

    def __init__(
        self,
        vocabulary,
        max_length: int,
        dim: int = 128,
        depth: int = 2,
        heads: int = 4,
        mlp_dim: int | None = None,
        dropout: float = 0.1,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocabulary = vocabulary_words(vocabulary)
        self.max_length = int_at_least("max_length", max_length, 2)
        self.dim = int_at_least("dim", dim, 1)
        self.depth = int_at_least("depth", depth, 1)
        self.heads = int_at_least("heads", heads, 1)
        self.mlp_dim = None if mlp_dim is None else int_at_least("mlp_dim", mlp_dim, 1)
        self.dropout = dropout_rate(dropout)
        self.subwords = is_subword(self.vocabulary)
        self.lookup = word_lookup(self.vocabulary)
        self.lookup.build((None,))
        self.token_loss = TokenCrossEntropy()
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy_tracker = keras.metrics.Mean(name="accuracy")

    # ------------------------------------------------------------------ batches

    def _ids(self, inputs, argument: str = "inputs") -> tf.Tensor:
        return token_ids(inputs, type(self).__name__, self.max_length, self.length_hint, argument)

    def _unpack(self, data) -> tuple[tf.Tensor, tf.Tensor]:
        name = type(self).__name__
        if not isinstance(data, dict) or not {"inputs", "targets"} <= set(data):
            got = sorted(data) if isinstance(data, dict) else type(data).__name__
            raise ValueError(
                f"{name} trains on the {self.pretext_op} op's batches {{'inputs', 'targets'}} "
                f"(token ids), got {got}"
            )
        inputs, targets = self._ids(data["inputs"]), self._ids(data["targets"], "targets")
        if inputs.shape[1] is not None and targets.shape[1] not in (None, inputs.shape[1]):
            raise ValueError(
                f"{name}: inputs and targets differ in length ({inputs.shape[1]} vs "
                f"{targets.shape[1]})"
            )
        return inputs, targets

    def hidden_states(self, ids, training=False) -> tf.Tensor:
        """The network's final states float [batch, length, dim] of token ids."""
        raise NotImplementedError

    # ------------------------------------------------------------------ steps

    def train_step(self, data):
        inputs, targets = self._unpack(data)
        scored = targets >= 0
        with tf.GradientTape() as tape:
            states = self.hidden_states(inputs, training=True)
            # The head (the largest matrix product) only where a target is scored:
            # padding (or unselected tokens) is most of a batch.
            logits = self.head(tf.boolean_mask(states, scored))
            # This replica's share of the global token mean (TokenCrossEntropy):
            # the shares sum to the one-device loss, the optimizer sums gradients.
            loss = self.token_loss(tf.boolean_mask(targets, scored), logits)
            scaled = self.optimizer.scale_loss(loss)
        variables = self.trainable_weights
        self.optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return self._track(tf.boolean_mask(targets, scored), logits)

    def test_step(self, data):
        inputs, targets = self._unpack(data)
        scored = targets >= 0
        logits = self.head(tf.boolean_mask(self.hidden_states(inputs, training=False), scored))
        return self._track(tf.boolean_mask(targets, scored), logits)

    def _track(self, targets, logits):
        """Metrics of the scored tokens' targets [tokens] and logits [tokens, classes]."""
        values = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
        correct = tf.cast(
            tf.equal(tf.argmax(logits, -1, output_type=tf.int32), targets), tf.float32
        )
        # Weighted by the scored tokens: the metrics are means over tokens, summed
        # over replicas before dividing (the global token mean).
        weights = tf.ones_like(values)
        self.loss_tracker.update_state(values, sample_weight=weights)
        self.accuracy_tracker.update_state(correct, sample_weight=weights)
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy_tracker]

    # ------------------------------------------------------------------ text in

    def text_tokens(self, texts) -> tf.RaggedTensor:
        """Token ids of raw strings [batch] (words or their pieces, then the
        end-of-text id), ragged int32 [batch, (tokens + 1)], tokenized in TF ops."""
        return token_sequences(texts, self.lookup, len(self.vocabulary), self.subwords)

    def serving_input_specs(self) -> dict[str, tf.TensorSpec]:
        return text_input_specs()

    def get_config(self):
        return {
            **super().get_config(),
            "vocabulary": list(self.vocabulary),
            "max_length": self.max_length,
            "dim": self.dim,
            "depth": self.depth,
            "heads": self.heads,
            "mlp_dim": self.mlp_dim,
            "dropout": self.dropout,
        }
