"""Transformer blocks from Keras core layers (Vaswani, Shazeer, Parmar, Uszkoreit,
Jones, Gomez, Kaiser & Polosukhin, "Attention Is All You Need", NeurIPS 2017),
with layer normalization before each sub-layer ("pre-LN": Xiong, Yang, He,
Zheng, Zheng, Xing, Zhang, Lan, Wang & Liu, "On Layer Normalization in the
Transformer Architecture", ICML 2020), which trains without a warm-up-critical
learning rate and needs one final normalization after the last block.

- `TokenAndPositionEmbedding`: token embedding + learned absolute position
  embedding (GPT-style), for sequences of at most `max_length` tokens;
- `TransformerBlock`: self-attention (causal for a decoder, bidirectional for
  an encoder, `causal`), optional cross-attention to a second sequence (the
  encoder states of a seq2seq model, `cross_attention`), then a position-wise
  MLP; each a residual branch `x + f(LayerNorm(x))`; padding masks of the
  sequence and of the attended sequence;
- `transformer_decoder`: the decoder-only language model: embedding, `depth`
  causal blocks, final LayerNorm, linear head to logits over the vocabulary.

- `Seq2SeqTransformer`: the encoder-decoder of Vaswani et al. (bidirectional
  blocks over the source, causal blocks with cross-attention to the source
  states, a linear head over the target classes);
- `greedy_decode` / `sample_decode`: translation of a batch of sources into
  target tokens, a fixed number of steps, vectorized over the batch (tf
  functions; the sample is drawn by inverse-CDF from uniform noise the caller
  gives, so replicas can share one global draw), and `sequence_log_likelihood`,
  the teacher-forced log P(target | source) of whole sequences.

An encoder (masked-LM) is `depth` blocks with `causal=False` and a padding
mask; a seq2seq decoder adds `cross_attention=True` and passes the encoder's
states as `context`.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    return int(value)


@keras.saving.register_keras_serializable(package="tfxlearn")
class TokenAndPositionEmbedding(keras.layers.Layer):
    """ids int [batch, length <= max_length] -> token + position vectors
    float [batch, length, dim]."""

    def __init__(self, vocabulary_size: int, max_length: int, dim: int, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = _positive_int("vocabulary_size", vocabulary_size)
        self.max_length = _positive_int("max_length", max_length)
        self.dim = _positive_int("dim", dim)
        init = keras.initializers.RandomNormal(stddev=0.02)
        self.tokens = keras.layers.Embedding(
            self.vocabulary_size, self.dim, embeddings_initializer=init, name="tokens"
        )
        self.positions = keras.layers.Embedding(
            self.max_length, self.dim, embeddings_initializer=init, name="positions"
        )

    def build(self, input_shape):
        self.tokens.build(input_shape)
        self.positions.build((None,))
        self.built = True

    def call(self, ids):
        length = ids.shape[-1]
        if length is not None and length > self.max_length:
            raise ValueError(
                f"sequences of {length} tokens are longer than the embedding's max_length "
                f"{self.max_length}: truncate them or build the model with a larger max_length"
            )
        positions = ops.arange(ops.shape(ids)[-1])
        return self.tokens(ids) + self.positions(positions)[None]

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.dim)

    def get_config(self):
        return {
            **super().get_config(),
            "vocabulary_size": self.vocabulary_size,
            "max_length": self.max_length,
            "dim": self.dim,
        }


@keras.saving.register_keras_serializable(package="tfxlearn")
class TransformerBlock(keras.layers.Layer):
    """One pre-LN Transformer block: x + SelfAttention(LN(x)) [+ x +
    CrossAttention(LN(x), context)] then x + MLP(LN(x)).

    Args:
        dim: model width (input and output size).
        heads: attention heads (dim / heads per head).
        mlp_dim: hidden size of the MLP (None: 4 * dim).
        dropout: dropout on the attention weights and each residual branch.
        causal: a position attends only to itself and earlier positions (decoder).
        cross_attention: add attention to `context` (seq2seq decoder).

    Call: `block(x [batch, length, dim], context=None, padding_mask=None,
    context_mask=None)`, masks bool [batch, length] (True = a real token): padded
    keys are not attended to.
    """

    def __init__(
        self,
        dim: int,
        heads: int,
        mlp_dim: int | None = None,
        dropout: float = 0.0,
        causal: bool = True,
        cross_attention: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.dim = _positive_int("dim", dim)
        self.heads = _positive_int("heads", heads)
        if self.dim % self.heads:
            raise ValueError(f"dim ({dim}) must be divisible by heads ({heads})")
        self.mlp_dim = _positive_int("mlp_dim", mlp_dim) if mlp_dim is not None else 4 * self.dim
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.dropout = float(dropout)
        self.causal = bool(causal)
        self.cross_attention = bool(cross_attention)
        key_dim = self.dim // self.heads
        self.attention_norm = keras.layers.LayerNormalization(epsilon=1e-5, name="attention_norm")
        self.attention = keras.layers.MultiHeadAttention(
            self.heads, key_dim, dropout=self.dropout, name="self_attention"
        )
        if self.cross_attention:
            self.cross_norm = keras.layers.LayerNormalization(epsilon=1e-5, name="cross_norm")
            self.cross = keras.layers.MultiHeadAttention(
                self.heads, key_dim, dropout=self.dropout, name="cross_attention"
            )
        self.mlp_norm = keras.layers.LayerNormalization(epsilon=1e-5, name="mlp_norm")
        self.hidden = keras.layers.Dense(self.mlp_dim, activation="gelu", name="mlp_hidden")
        self.out = keras.layers.Dense(self.dim, name="mlp_out")
        self.residual_dropout = keras.layers.Dropout(self.dropout)

    def build(self, x_shape, context_shape=None):
        self.attention_norm.build(x_shape)
        self.attention.build(x_shape, x_shape)
        if self.cross_attention:
            self.cross_norm.build(x_shape)
            self.cross.build(x_shape, context_shape or x_shape)
        self.mlp_norm.build(x_shape)
        self.hidden.build(x_shape)
        self.out.build((*x_shape[:-1], self.mlp_dim))
        self.built = True

    def call(self, x, context=None, padding_mask=None, context_mask=None, training=False):
        if self.cross_attention and context is None:
            raise ValueError("TransformerBlock(cross_attention=True) needs a context sequence")
        if context is not None and not self.cross_attention:
            raise ValueError("context given to a TransformerBlock without cross_attention")
        keys = None if padding_mask is None else ops.cast(padding_mask, "bool")[:, None, :]
        h = self.attention_norm(x)
        h = self.attention(
            h, h, attention_mask=keys, use_causal_mask=self.causal, training=training
        )
        x = x + self.residual_dropout(h, training=training)
        if self.cross_attention:
            memory = None if context_mask is None else ops.cast(context_mask, "bool")[:, None, :]
            h = self.cross(self.cross_norm(x), context, attention_mask=memory, training=training)
            x = x + self.residual_dropout(h, training=training)
        h = self.out(self.hidden(self.mlp_norm(x)))
        return x + self.residual_dropout(h, training=training)

    def compute_output_shape(self, x_shape, context_shape=None):
        return x_shape

    def get_config(self):
        return {
            **super().get_config(),
            "dim": self.dim,
            "heads": self.heads,
            "mlp_dim": self.mlp_dim,
            "dropout": self.dropout,
            "causal": self.causal,
            "cross_attention": self.cross_attention,
        }


def transformer_decoder(
    vocabulary_size: int,
    max_length: int,
    dim: int = 128,
    depth: int = 2,
    heads: int = 4,
    mlp_dim: int | None = None,
    dropout: float = 0.1,
    logits: bool = True,
    name: str = "transformer_decoder",
) -> keras.Model:
    """A decoder-only (GPT-style) language model: ids int32 [batch, length <=
    max_length] -> next-token logits float [batch, length, vocabulary_size]
    (position t's logits predict the token at t + 1 from tokens 0..t).

    With `logits=False` the model stops before the head: the normalized states
    [batch, length, dim], for a caller that applies its own head to the scored
    positions only (a padded batch of short texts scores a fraction of them).
    """
    _positive_int("depth", depth)
    ids = keras.Input((None,), dtype="int32", name="ids")
    x = TokenAndPositionEmbedding(vocabulary_size, max_length, dim, name="embedding")(ids)
    x = keras.layers.Dropout(dropout)(x)
    for i in range(depth):
        x = TransformerBlock(dim, heads, mlp_dim, dropout, causal=True, name=f"block_{i}")(x)
    x = keras.layers.LayerNormalization(epsilon=1e-5, name="final_norm")(x)
    if logits:
        x = keras.layers.Dense(vocabulary_size, name="logits")(x)
    return keras.Model(ids, x, name=name)


@keras.saving.register_keras_serializable(package="tfxlearn")
class Seq2SeqTransformer(keras.Model):
    """An encoder-decoder Transformer (Vaswani et al. 2017, pre-LN blocks).

    Token conventions (those of `tfxlearn.data.text.token_sequences` and of the
    language models): a source is its token ids (0 unknown, 1..V words, V + 1
    the end), padded with anything and marked by `source_mask`; the decoder
    predicts `target_classes` classes (unknown, the words, the end, whose id
    `target_classes - 1` also starts the decoder's input, as a language
    model's). At most `max_length` positions on either side.

    Args:
        source_vocabulary_size: source token ids (V_source + 2).
        target_classes: target classes (V_target + 2).
        max_length: the longest source and target (positions).
        dim, depth, heads, mlp_dim, dropout: the blocks' sizes (`depth` blocks
            in the encoder and as many in the decoder).

    Call: `model({"source": int [batch, S], "source_mask": bool [batch, S],
    "target_inputs": int [batch, T]})` -> logits [batch, T, target_classes].
    """

    def __init__(
        self,
        source_vocabulary_size: int,
        target_classes: int,
        max_length: int,
        dim: int = 128,
        depth: int = 2,
        heads: int = 4,
        mlp_dim: int | None = None,
        dropout: float = 0.1,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.source_vocabulary_size = _positive_int(
            "source_vocabulary_size", source_vocabulary_size
        )
        self.target_classes = _positive_int("target_classes", target_classes)
        if self.target_classes < 2:
            raise ValueError(
                f"target_classes must be >= 2 (a word and the end), got {target_classes}"
            )
        self.max_length = _positive_int("max_length", max_length)
        self.dim = _positive_int("dim", dim)
        self.depth = _positive_int("depth", depth)
        self.heads = _positive_int("heads", heads)
        self.mlp_dim = None if mlp_dim is None else _positive_int("mlp_dim", mlp_dim)
        self.dropout = float(dropout)
        self.start_id = self.target_classes - 1
        self.source_embedding = TokenAndPositionEmbedding(
            self.source_vocabulary_size, self.max_length, self.dim, name="source_embedding"
        )
        self.target_embedding = TokenAndPositionEmbedding(
            self.target_classes, self.max_length, self.dim, name="target_embedding"
        )
        self.embedding_dropout = keras.layers.Dropout(self.dropout)
        self.encoder_blocks = [
            TransformerBlock(dim, heads, mlp_dim, dropout, causal=False, name=f"encoder_{i}")
            for i in range(self.depth)
        ]
        self.decoder_blocks = [
            TransformerBlock(
                dim, heads, mlp_dim, dropout, causal=True, cross_attention=True, name=f"decoder_{i}"
            )
            for i in range(self.depth)
        ]
        self.encoder_norm = keras.layers.LayerNormalization(epsilon=1e-5, name="encoder_norm")
        self.decoder_norm = keras.layers.LayerNormalization(epsilon=1e-5, name="decoder_norm")
        self.head = keras.layers.Dense(self.target_classes, name="logits")
        self._build_all()

    def _build_all(self):
        states = (None, None, self.dim)
        self.source_embedding.build((None, None))
        self.target_embedding.build((None, None))
        for block in self.encoder_blocks:
            block.build(states)
        for block in self.decoder_blocks:
            block.build(states, states)
        self.encoder_norm.build(states)
        self.decoder_norm.build(states)
        self.head.build(states)
        self.built = True

    def build(self, input_shape=None):
        if not self.built:
            self._build_all()

    def encode(self, source, source_mask, training=False):
        """Source states float [batch, S, dim] (padding not attended to)."""
        x = self.embedding_dropout(self.source_embedding(source), training=training)
        for block in self.encoder_blocks:
            x = block(x, padding_mask=source_mask, training=training)
        return self.encoder_norm(x)

    def decode(self, target_inputs, memory, source_mask, training=False):
        """Next-token logits [batch, T, target_classes] of the decoder's inputs
        (the start id, then the target so far) attending to `memory`."""
        x = self.embedding_dropout(self.target_embedding(target_inputs), training=training)
        for block in self.decoder_blocks:
            x = block(x, context=memory, context_mask=source_mask, training=training)
        return self.head(self.decoder_norm(x))

    def call(self, inputs, training=False):
        memory = self.encode(inputs["source"], inputs["source_mask"], training=training)
        return self.decode(inputs["target_inputs"], memory, inputs["source_mask"], training)

    def get_config(self):
        return {
            **super().get_config(),
            "source_vocabulary_size": self.source_vocabulary_size,
            "target_classes": self.target_classes,
            "max_length": self.max_length,
            "dim": self.dim,
            "depth": self.depth,
            "heads": self.heads,
            "mlp_dim": self.mlp_dim,
            "dropout": self.dropout,
        }


def shift_right(targets, start_id: int):
    """A decoder's (or causal language model's) inputs of target ids [batch, T]
    (-1 padding): the start id, then the targets shifted right by one (teacher
    forcing); padding becomes 0, read only after the text (causal)."""
    targets = tf.cast(targets, tf.int32)
    start = tf.fill([tf.shape(targets)[0], 1], tf.constant(int(start_id), tf.int32))
    return tf.concat([start, tf.maximum(targets[:, :-1], 0)], axis=1)


def decoder_inputs(model: Seq2SeqTransformer, targets):
    """`shift_right(targets, model.start_id)`: the seq2seq decoder's inputs."""
    return shift_right(targets, model.start_id)


def sequence_log_likelihood(
    model: Seq2SeqTransformer, source, source_mask, targets, training=False
):
    """log P(targets | source) [batch]: the sum over the scored positions
    (target id >= 0; -1 marks padding) of the teacher-forced log-probabilities."""
    targets = tf.cast(targets, tf.int32)
    logits = model(
        {
            "source": source,
            "source_mask": source_mask,
            "target_inputs": decoder_inputs(model, targets),
        },
        training=training,
    )
    scored = targets >= 0
    log_probs = -tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.where(scored, targets, 0), logits=logits
    )
    return tf.reduce_sum(tf.where(scored, log_probs, tf.zeros_like(log_probs)), axis=1)


def _decode(model: Seq2SeqTransformer, source, source_mask, length: int, uniform=None):
    """Left-to-right decoding of `length` steps; `uniform` None: greedy (argmax),
    else float [batch, length] in [0, 1): step t samples the class where the
    cumulative softmax first exceeds uniform[:, t] (inverse CDF)."""
    if (
        isinstance(length, bool)
        or not isinstance(length, int)
        or not 1 <= length <= model.max_length
    ):
        raise ValueError(
            f"decoding length must be an int in [1, max_length={model.max_length}], got {length!r}"
        )
    source = tf.cast(source, tf.int32)
    memory = model.encode(source, source_mask, training=False)
    batch = tf.shape(source)[0]
    end = tf.constant(model.start_id, tf.int32)
    tokens = tf.fill([batch, length], end)

    def step(t, tokens, finished):
        inputs = tf.concat([tf.fill([batch, 1], end), tokens[:, : length - 1]], axis=1)
        logits = model.decode(inputs, memory, source_mask, training=False)[:, t]
        if uniform is None:
            chosen = tf.argmax(logits, axis=-1, output_type=tf.int32)
        else:
            cdf = tf.math.cumsum(tf.nn.softmax(logits, axis=-1), axis=-1)
            u = tf.cast(uniform[:, t], cdf.dtype)[:, None] * cdf[:, -1:]
            chosen = tf.minimum(
                tf.cast(tf.searchsorted(cdf, u, side="right")[:, 0], tf.int32),
                model.target_classes - 1,
            )
        chosen = tf.where(finished, end, chosen)  # after the end: end (filler)
        tokens = tf.where(tf.equal(tf.range(length), t)[None, :], chosen[:, None], tokens)
        return t + 1, tokens, finished | tf.equal(chosen, end)

    _, tokens, finished = tf.while_loop(
        lambda t, *_: t < length,
        step,
        (tf.constant(0), tokens, tf.zeros([batch], tf.bool)),
        maximum_iterations=length,
    )
    # Tokens up to and including the first end; `length` when no end was produced.
    is_end = tf.cast(tf.equal(tokens, end), tf.int32)
    first_end = tf.argmax(is_end, axis=1, output_type=tf.int32)
    lengths = tf.where(finished, first_end + 1, length)
    return tokens, lengths


@tf.function(reduce_retracing=True)
def greedy_decode(model: Seq2SeqTransformer, source, source_mask, length: int):
    """The most likely token at each step: (tokens int32 [batch, length], the
    end id after a text's end; lengths int32 [batch], tokens up to and
    including the end, `length` if none was produced)."""
    return _decode(model, source, source_mask, length)


@tf.function(reduce_retracing=True)
def sample_decode(model: Seq2SeqTransformer, source, source_mask, length: int, uniform):
    """A sampled translation (tokens, lengths as `greedy_decode`); `uniform`
    float [batch, length] in [0, 1), one draw per step (e.g.
    `tfxlearn.distribute.global_batch_noise(..., "uniform")`)."""
    return _decode(model, source, source_mask, length, uniform)
