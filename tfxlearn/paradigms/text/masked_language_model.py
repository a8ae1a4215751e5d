"""Masked language model (Devlin, Chang, Lee & Toutanova, "BERT: Pre-training
of Deep Bidirectional Transformers for Language Understanding", NAACL 2019):
a Transformer encoder (bidirectional pre-LN blocks, `tfxlearn.nets.transformer`)
predicts the tokens hidden by the `masked_tokens` pretext op from the whole
sequence around them. The next-sentence task of BERT is not used (a later
study, Liu et al., "RoBERTa", 2019, found it does not help).

Tokens (`tfxlearn.pretext.masked_tokens`): 0 the unknown word, 1..V the words
of the vocabulary, E = V + 1 the end of the text, M = V + 2 the mask, P = V + 3
padding (not attended to). The head predicts V + 1 classes (unknown and the
words) and is applied to the selected positions only; the loss is the mean
cross-entropy over the selected tokens of the global batch
(`tfxlearn.losses.TokenCrossEntropy`).

The features of a text are the mean of the encoder's final (normalized) states
over its tokens, end included, padding excluded.

Serving signatures (text in: tf.string [batch] tokenized inside the graph, so
a TF Serving client sends raw strings):

- `serving_default`: `text` -> `embedding` (float32 [batch, dim], the mean-pooled
  features), `tokens` (int32 [batch], the tokens read) and `truncated` (bool
  [batch]). A text of more than `max_length` tokens (its end included) is
  TRUNCATED to its first `max_length` tokens and flagged; the Python method
  `embed_texts` also warns (`UserWarning`). An empty string is read as the end
  token alone (a valid, constant embedding).
- `fill_mask`: `text` and `position` (int32 [batch], a word index) ->
  `log_probs` (float32 [batch, V + 1], log P(word at `position` | the other
  words), the word replaced by the mask) and `valid` (bool [batch], False when
  `position` is not one of the first `max_length` - 1 words of the text: its
  row of log_probs is then meaningless).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfxlearn.nets.transformer import TokenAndPositionEmbedding, TransformerBlock
from tfxlearn.paradigms.base_text import TokenPredictor, warn_truncated
from tfxlearn.pretext.masked_tokens import mask_id, padding_id
from tfxlearn.registry import PARADIGMS


@PARADIGMS.register("masked_language_model")
@keras.saving.register_keras_serializable(package="tfxlearn")
class MaskedLanguageModel(TokenPredictor):
    """A bidirectional Transformer encoder trained to predict masked words.

    Args:
        vocabulary: the words: a list, a `tfxlearn.data.text.Vocabulary`, or a
            dict of `corpus_vocabulary` arguments; the config keeps the list.
        max_length: the longest sequence of tokens read (the op's `length`).
        dim, depth, heads, mlp_dim, dropout: the Transformer's sizes, as
            `tfxlearn.paradigms.base_text.TokenPredictor` (defaults 128, 2, 4,
            4 * dim, 0.1).
    """

    pretext_op = "masked_tokens"
    length_hint = "truncate the texts (masked_tokens op's length)"

    def __init__(
        self,
        vocabulary,
        max_length: int = 64,
        **kwargs,
    ):
        super().__init__(vocabulary, max_length, **kwargs)
        size = len(self.vocabulary)
        self.mask_id, self.padding_id = mask_id(size), padding_id(size)
        self.classes = size + 1  # unknown and the words
        self.embedding = TokenAndPositionEmbedding(
            size + 4, self.max_length, self.dim, name="embedding"
        )
        self.embedding.build((None, None))
        self.embedding_dropout = keras.layers.Dropout(self.dropout)
        self.blocks = [
            TransformerBlock(
                self.dim, self.heads, self.mlp_dim, self.dropout, causal=False, name=f"block_{i}"
            )
            for i in range(self.depth)
        ]
        for block in self.blocks:
            block.build((None, None, self.dim))
        self.final_norm = keras.layers.LayerNormalization(epsilon=1e-5, name="final_norm")
        self.final_norm.build((None, None, self.dim))
        self.head = keras.layers.Dense(self.classes, name="logits")
        self.head.build((None, self.dim))
        # Built here: no input shape to wait for (the SavedModel's input is text).
        self.built = True

    # ------------------------------------------------------------------ forward

    def encode(self, ids, training=False) -> tf.Tensor:
        """The final normalized states float [batch, length, dim] of token ids."""
        ids = self._ids(ids)
        real = tf.not_equal(ids, self.padding_id)
        x = self.embedding_dropout(self.embedding(ids), training=training)
        for block in self.blocks:
            x = block(x, padding_mask=real, training=training)
        return self.final_norm(x)

    def call(self, inputs, training=False):
        """Logits [batch, length, V + 1] at every position of token ids [batch,
        length] (or of a {"inputs", "targets"} batch)."""
        if isinstance(inputs, dict):
            inputs = self._unpack(inputs)[0]
        return self.head(self.encode(inputs, training=training))

    def pooled(self, ids, training=False) -> tf.Tensor:
        """Mean of the final states over the non-padding tokens, [batch, dim]."""
        ids = self._ids(ids)
        states = self.encode(ids, training=training)
        real = tf.cast(tf.not_equal(ids, self.padding_id), states.dtype)[..., None]
        return tf.reduce_sum(states * real, axis=1) / tf.maximum(tf.reduce_sum(real, axis=1), 1.0)

    def hidden_states(self, ids, training=False) -> tf.Tensor:
        return self.encode(ids, training=training)

    # ------------------------------------------------------------------ text in

    def _embed(self, texts) -> dict:
        sequences = self.text_tokens(tf.convert_to_tensor(texts, tf.string))
        truncated = sequences.row_lengths() > self.max_length
        sequences = sequences[:, : self.max_length]
        ids = sequences.to_tensor(default_value=self.padding_id)
        return {
            "embedding": self.pooled(ids),
            "tokens": tf.cast(sequences.row_lengths(), tf.int32),
            "truncated": truncated,
        }

    def embed_texts(self, texts) -> dict:
        """`serving_default`'s outputs for raw strings (NumPy), warning when a
        text is truncated to `max_length` tokens."""
        out = {k: v.numpy() for k, v in self._embed(tf.constant(texts, tf.string)).items()}
        warn_truncated(out["truncated"], self.max_length, "read")
        return out

    def fill_mask(self, texts, position) -> dict:
        """log P(word at `position` | the rest) [batch, V + 1] and `valid`
        [batch] (see the module doc)."""
        sequences = self.text_tokens(tf.convert_to_tensor(texts, tf.string))
        sequences = sequences[:, : self.max_length]
        ids = sequences.to_tensor(default_value=self.padding_id)
        position = tf.cast(tf.convert_to_tensor(position), tf.int32)
        words = tf.cast(sequences.row_lengths(), tf.int32) - 1  # the end is not a word
        valid = (position >= 0) & (position < words)
        safe = tf.where(valid, position, 0)
        hide = tf.one_hot(safe, tf.shape(ids)[1], on_value=True, off_value=False)
        hide = hide & valid[:, None]
        ids = tf.where(hide, tf.constant(self.mask_id, tf.int32), ids)
        states = self.encode(ids, training=False)
        rows = tf.range(tf.shape(ids)[0])
        chosen = tf.gather_nd(states, tf.stack([rows, safe], axis=1))
        return {"log_probs": tf.nn.log_softmax(self.head(chosen), axis=-1), "valid": valid}

    def serving_outputs(self, text: tf.Tensor) -> dict:
        return self._embed(text)

    def serving_signatures(self) -> dict:
        return {
            "fill_mask": (
                {
                    "text": tf.TensorSpec((None,), tf.string),
                    "position": tf.TensorSpec((None,), tf.int32),
                },
                lambda text, position: self.fill_mask(text, position),
            )
        }
