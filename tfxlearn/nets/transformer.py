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

An encoder (masked-LM) is `depth` blocks with `causal=False` and a padding
mask; a seq2seq decoder adds `cross_attention=True` and passes the encoder's
states as `context`.
"""

from __future__ import annotations

import keras
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
