"""Language model: next-word prediction with a small Transformer decoder
(Bengio, Ducharme, Vincent & Jauvin, "A Neural Probabilistic Language Model",
JMLR 2003; the decoder-only Transformer of Radford, Narasimhan, Salimans &
Sutskever, "Improving Language Understanding by Generative Pre-Training",
2018, with pre-LN blocks, `tfxlearn.nets.transformer`).

Tokens: the words of a fixed vocabulary (`tfxlearn.data.text`: id i + 1 for
word i, 0 for any other word, kept as the "unknown" token), plus the
end-of-text id E = V + 1, which also starts every text as the first input. The
model predicts V + 2 classes: unknown, the V words, end of text. Trained on the
`next_token` pretext op's windows with the mean cross-entropy over target
tokens (padding ignored, `tfxlearn.losses.TokenCrossEntropy`).

Serving signatures (text in: tf.string [batch] tokenized inside the graph, so
a TF Serving client sends raw strings):

- `serving_default`: `text` -> `log_likelihood` (float32 [batch], the natural
  log-probability of the text's tokens and of its end, log P(w_1 .. w_n, E)),
  `tokens` (int32 [batch], the tokens scored: n + 1) and `truncated` (bool
  [batch]). A text of more than `max_length` tokens (its end included) is
  TRUNCATED: only its first `max_length` tokens are scored (the end is then
  not scored), `tokens` says how many, and `truncated` is True. The Python
  method `log_likelihood(texts)` also warns (`UserWarning`) when it truncates.
  (The perplexity evaluation instead scores long texts in overlapping windows,
  `tfxlearn.evaluation.perplexity`.)
- `next_token`: `text` -> `log_probs` (float32 [batch, V + 2], log P(next token
  | the text's words), the text read as an unfinished prefix: no end appended)
  and `context_tokens` (int32 [batch]); a prefix longer than `max_length` - 1
  words keeps its last `max_length` - 1 words as context. An empty string gives
  the distribution of a text's first word.
"""

from __future__ import annotations

import warnings

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.data.text import (
    Vocabulary,
    end_id,
    resolve_vocabulary,
    token_sequences,
    tokenize,
    word_lookup,
)
from tfxlearn.losses import TokenCrossEntropy, token_cross_entropy
from tfxlearn.nets.transformer import transformer_decoder
from tfxlearn.paradigms.base import Paradigm
from tfxlearn.registry import PARADIGMS


def _vocabulary_words(vocabulary) -> tuple[str, ...]:
    if isinstance(vocabulary, Vocabulary | dict):
        return resolve_vocabulary(vocabulary).words
    if isinstance(vocabulary, str) or not all(isinstance(w, str) for w in vocabulary):
        raise ValueError(
            "vocabulary must be a list of words, a tfxlearn.data.text.Vocabulary or a dict "
            f"of corpus_vocabulary arguments, got {type(vocabulary).__name__}"
        )
    words = tuple(vocabulary)
    if not words or len(set(words)) != len(words):
        raise ValueError("vocabulary must hold at least one word, each once")
    return words


def _int_at_least(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)


@PARADIGMS.register("language_model")
@keras.saving.register_keras_serializable(package="tfxlearn")
class LanguageModel(Paradigm):
    """A causal Transformer language model over a word vocabulary.

    Args:
        vocabulary: the words: a list, a `tfxlearn.data.text.Vocabulary`, or a
            dict of `corpus_vocabulary` arguments; the config keeps the list.
        max_length: the longest window of positions (inputs and targets).
        dim: model width.
        depth: Transformer blocks.
        heads: attention heads.
        mlp_dim: MLP hidden size (None: 4 * dim).
        dropout: dropout in the blocks (embeddings, attention, residual branches).
    """

    def __init__(
        self,
        vocabulary,
        max_length: int = 128,
        dim: int = 128,
        depth: int = 2,
        heads: int = 4,
        mlp_dim: int | None = None,
        dropout: float = 0.1,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocabulary = _vocabulary_words(vocabulary)
        self.max_length = _int_at_least("max_length", max_length, 2)
        self.dim = _int_at_least("dim", dim, 1)
        self.depth = _int_at_least("depth", depth, 1)
        self.heads = _int_at_least("heads", heads, 1)
        self.mlp_dim = None if mlp_dim is None else _int_at_least("mlp_dim", mlp_dim, 1)
        self.dropout = float(dropout)
        self.end_id = end_id(len(self.vocabulary))
        self.classes = len(self.vocabulary) + 2  # unknown, words, end of text
        self.lookup = word_lookup(self.vocabulary)
        self.lookup.build((None,))
        self.decoder = transformer_decoder(
            self.classes,
            self.max_length,
            dim=self.dim,
            depth=self.depth,
            heads=self.heads,
            mlp_dim=self.mlp_dim,
            dropout=self.dropout,
            logits=False,
        )
        self.decoder.build((None, None))
        self.head = keras.layers.Dense(self.classes, name="logits")
        self.head.build((None, self.dim))
        self.token_loss = TokenCrossEntropy()
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy_tracker = keras.metrics.Mean(name="accuracy")
        # Built here: no input shape to wait for (the SavedModel's input is text).
        self.built = True

    # ------------------------------------------------------------------ forward

    def _ids(self, inputs, argument: str = "inputs") -> tf.Tensor:
        ids = tf.convert_to_tensor(inputs)
        if ids.shape.rank != 2 or not ids.dtype.is_integer:
            raise ValueError(
                f"LanguageModel: {argument} must be integer token ids [batch, length], got "
                f"{ids.dtype.name} of shape {ids.shape}"
            )
        if ids.shape[1] is not None and ids.shape[1] > self.max_length:
            raise ValueError(
                f"LanguageModel: {argument} has {ids.shape[1]} positions, more than "
                f"max_length={self.max_length}; cut sequences into windows (next_token op)"
            )
        return tf.cast(ids, tf.int32)

    def _unpack(self, data) -> tuple[tf.Tensor, tf.Tensor]:
        if not isinstance(data, dict) or not {"inputs", "targets"} <= set(data):
            got = sorted(data) if isinstance(data, dict) else type(data).__name__
            raise ValueError(
                "LanguageModel trains on the next_token op's batches {'inputs', 'targets'} "
                f"(token ids), got {got}"
            )
        inputs, targets = self._ids(data["inputs"]), self._ids(data["targets"], "targets")
        if inputs.shape[1] is not None and targets.shape[1] not in (None, inputs.shape[1]):
            raise ValueError(
                f"LanguageModel: inputs and targets differ in length ({inputs.shape[1]} vs "
                f"{targets.shape[1]})"
            )
        return inputs, targets

    def call(self, inputs, training=False):
        """Next-token logits [batch, length, V + 2] of token ids [batch, length]
        (or of a {"inputs", "targets"} batch)."""
        if isinstance(inputs, dict):
            inputs = self._unpack(inputs)[0]
        return self.head(self.decoder(self._ids(inputs), training=training))

    def token_log_probs(self, inputs, targets) -> tf.Tensor:
        """log P(target | inputs up to its position) [batch, length]; 0 where the
        target is < 0 (padding)."""
        logits = self(self._ids(inputs), training=False)
        return -token_cross_entropy(self._ids(targets, "targets"), logits)

    # ------------------------------------------------------------------ steps

    def train_step(self, data):
        inputs, targets = self._unpack(data)
        scored = targets >= 0
        with tf.GradientTape() as tape:
            states = self.decoder(inputs, training=True)
            # The head (the largest matrix product: V + 2 classes) only where a
            # target is scored; padding is most of a batch of short verses.
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
        logits = self.head(tf.boolean_mask(self.decoder(inputs, training=False), scored))
        return self._track(tf.boolean_mask(targets, scored), logits)

    def _track(self, targets, logits):
        """Metrics of the scored tokens' targets [tokens] and logits [tokens, classes]."""
        scored = tf.cast(targets >= 0, tf.float32)
        values = token_cross_entropy(targets, logits)
        correct = tf.cast(
            tf.equal(tf.argmax(logits, -1, output_type=tf.int32), targets), tf.float32
        )
        # Weighted by the target tokens: the metrics are means over tokens, summed
        # over replicas before dividing (the global token mean).
        self.loss_tracker.update_state(values, sample_weight=scored)
        self.accuracy_tracker.update_state(correct, sample_weight=scored)
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy_tracker]

    # ------------------------------------------------------------------ text in

    def text_tokens(self, texts) -> tf.RaggedTensor:
        """Token ids of raw strings [batch] (words, then the end-of-text id),
        ragged int32 [batch, (words + 1)], tokenized in TF ops."""
        return token_sequences(texts, self.lookup, len(self.vocabulary))

    def _score_texts(self, texts) -> dict:
        sequences = self.text_tokens(texts)
        lengths = sequences.row_lengths()
        truncated = lengths > self.max_length
        targets = sequences[:, : self.max_length]
        starts = tf.fill([targets.nrows(), 1], tf.constant(self.end_id, tf.int32))
        inputs = tf.concat([tf.RaggedTensor.from_tensor(starts), targets[:, :-1]], axis=1)
        inputs = inputs.to_tensor(default_value=self.end_id)
        targets = targets.to_tensor(default_value=-1)
        log_probs = self.token_log_probs(inputs, targets)
        return {
            "log_likelihood": tf.reduce_sum(log_probs, axis=1),
            "tokens": tf.cast(tf.reduce_sum(tf.cast(targets >= 0, tf.int32), axis=1), tf.int32),
            "truncated": truncated,
        }

    def log_likelihood(self, texts) -> dict:
        """`serving_default`'s outputs for raw strings (NumPy), warning when a
        text is truncated to `max_length` tokens."""
        out = {k: v.numpy() for k, v in self._score_texts(tf.constant(texts, tf.string)).items()}
        if out["truncated"].any():
            warnings.warn(
                f"{int(out['truncated'].sum())} text(s) longer than max_length="
                f"{self.max_length} tokens: only their first {self.max_length} tokens were "
                "scored (see `tokens`)",
                UserWarning,
                stacklevel=2,
            )
        return out

    def next_token_log_probs(self, texts) -> dict:
        """log P(next token | each text read as a prefix) [batch, V + 2] and the
        number of context tokens used [batch] (see the module doc)."""
        words = tokenize(texts)
        ids = tf.ragged.map_flat_values(lambda w: tf.cast(self.lookup(w), tf.int32), words)
        ids = ids[:, -(self.max_length - 1) :]
        starts = tf.fill([ids.nrows(), 1], tf.constant(self.end_id, tf.int32))
        inputs = tf.concat([tf.RaggedTensor.from_tensor(starts), ids], axis=1)
        last = inputs.row_lengths() - 1
        logits = self(inputs.to_tensor(default_value=self.end_id), training=False)
        rows = tf.range(tf.shape(logits)[0], dtype=last.dtype)
        final = tf.gather_nd(logits, tf.stack([rows, last], axis=1))
        return {
            "log_probs": tf.nn.log_softmax(final, axis=-1),
            "context_tokens": tf.cast(last + 1, tf.int32),
        }

    def serving_input_specs(self) -> dict[str, tf.TensorSpec]:
        return {"text": tf.TensorSpec((None,), tf.string, name="text")}

    def serving_outputs(self, text: tf.Tensor) -> dict:
        return self._score_texts(tf.convert_to_tensor(text, tf.string))

    def serving_signatures(self) -> dict:
        return {
            "next_token": (
                {"text": tf.TensorSpec((None,), tf.string)},
                lambda text: self.next_token_log_probs(tf.convert_to_tensor(text, tf.string)),
            )
        }

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
