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

import keras
import tensorflow as tf

from tfxlearn.data.text import end_id, prepend_to_rows, tokens
from tfxlearn.losses import token_cross_entropy
from tfxlearn.nets.transformer import transformer_decoder
from tfxlearn.paradigms.base_text import TokenPredictor, warn_truncated
from tfxlearn.registry import PARADIGMS


@PARADIGMS.register("language_model")
@keras.saving.register_keras_serializable(package="tfxlearn")
class LanguageModel(TokenPredictor):
    """A causal Transformer language model over a word vocabulary.

    Args:
        vocabulary: the words: a list, a `tfxlearn.data.text.Vocabulary`, or a
            dict of `corpus_vocabulary` arguments; the config keeps the list.
        max_length: the longest window of positions (inputs and targets).
        dim, depth, heads, mlp_dim, dropout: the Transformer's sizes, as
            `tfxlearn.paradigms.base_text.TokenPredictor` (defaults 128, 2, 4,
            4 * dim, 0.1).
    """

    pretext_op = "next_token"
    length_hint = "cut sequences into windows (next_token op)"

    def __init__(
        self,
        vocabulary,
        max_length: int = 128,
        **kwargs,
    ):
        super().__init__(vocabulary, max_length, **kwargs)
        self.end_id = end_id(len(self.vocabulary))
        self.classes = len(self.vocabulary) + 2  # unknown, words, end of text
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
        # Built here: no input shape to wait for (the SavedModel's input is text).
        self.built = True

    # ------------------------------------------------------------------ forward

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

    def hidden_states(self, ids, training=False) -> tf.Tensor:
        """The decoder's final normalized states [batch, length, dim]."""
        return self.decoder(ids, training=training)

    # ------------------------------------------------------------------ text in

    def _score_texts(self, texts) -> dict:
        sequences = self.text_tokens(texts)
        lengths = sequences.row_lengths()
        truncated = lengths > self.max_length
        targets = sequences[:, : self.max_length]
        inputs = prepend_to_rows(targets[:, :-1], self.end_id)
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
        warn_truncated(out["truncated"], self.max_length, "scored")
        return out

    def next_token_log_probs(self, texts) -> dict:
        """log P(next token | each text read as a prefix) [batch, V + 2] and the
        number of context tokens used [batch] (see the module doc)."""
        words = tokens(texts, self.lookup, self.subwords)
        ids = tf.ragged.map_flat_values(lambda w: tf.cast(self.lookup(w), tf.int32), words)
        ids = ids[:, -(self.max_length - 1) :]
        inputs = prepend_to_rows(ids, self.end_id)
        last = inputs.row_lengths() - 1
        logits = self(inputs.to_tensor(default_value=self.end_id), training=False)
        rows = tf.range(tf.shape(logits)[0], dtype=last.dtype)
        final = tf.gather_nd(logits, tf.stack([rows, last], axis=1))
        return {
            "log_probs": tf.nn.log_softmax(final, axis=-1),
            "context_tokens": tf.cast(last + 1, tf.int32),
        }

    def serving_outputs(self, text: tf.Tensor) -> dict:
        return self._score_texts(tf.convert_to_tensor(text, tf.string))

    def serving_signatures(self) -> dict:
        return {
            "next_token": (
                {"text": tf.TensorSpec((None,), tf.string)},
                lambda text: self.next_token_log_probs(tf.convert_to_tensor(text, tf.string)),
            )
        }
