"""word2vec: skip-gram with negative sampling (Mikolov, Chen, Corrado &
Dean, "Efficient Estimation of Word Representations in Vector Space", ICLR
workshop 2013; Mikolov, Sutskever, Chen, Corrado & Dean, "Distributed
Representations of Words and Phrases and their Compositionality", NIPS 2013).

Two tables of word vectors: input vectors v (the embedding kept) and output
vectors v' (context side). Skip-gram scores a center word's v against the v'
of its true context word and of k noise words, minimizing negative sampling
(`tfxlearn.losses.NegativeSampling`) on the triples of the `skip_gram` pretext
op. CBOW (`mode="cbow"`, the paper's other model, on the `cbow` op's
examples) scores the MEAN input vector of the context words (padding id 0
excluded; gensim's `cbow_mean=1`) against the v' of the center word and of k
noise words, with the same loss; as in word2vec's C code and gensim, each
context word's vector receives the WHOLE gradient of the hidden vector (autodiff
of the mean would give it 1 / |context| of it: with a window of 5, a tenth of
the update; measured, that left CBOW 0.065 WordSim353 Spearman below gensim's).
Initialization as in word2vec: v uniform in [-0.5 / d, 0.5 / d), v' zeros.

Serving signature: `text` (tf.string [batch], raw text) -> `embedding` (float32
[batch, d], the mean input vector of the text's in-vocabulary words; one word
gives its word vector; zeros when none is known) and `known_words` (int32
[batch]). The text is tokenized inside the graph (`tfxlearn.data.text`: tf.strings
ops and a StringLookup table), so a TF Serving client sends raw strings.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.data.text import Vocabulary, resolve_vocabulary, tokenize, word_lookup
from tfxlearn.losses import NegativeSampling
from tfxlearn.paradigms.base import Paradigm
from tfxlearn.registry import PARADIGMS

MODES = ("skip_gram", "cbow")


def _vocabulary_words(vocabulary) -> tuple[str, ...]:
    if isinstance(vocabulary, (Vocabulary, dict)):
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


@PARADIGMS.register("word2vec")
@keras.saving.register_keras_serializable(package="tfxlearn")
class Word2Vec(Paradigm):
    """Word vectors learned by telling true context words from noise words.

    Args:
        vocabulary: the words (id i + 1 for word i, 0 for any other word): a
            list, a `tfxlearn.data.text.Vocabulary`, or a dict of
            `corpus_vocabulary` arguments; the config keeps the list.
        embedding_dim: d, the size of the word vectors.
        mode: "skip_gram" (inputs from the `skip_gram` op) or "cbow" (from the
            `cbow` op: a context of word ids [n, 2 window], 0 = no word).
    """

    def __init__(self, vocabulary, embedding_dim: int = 100, mode: str = "skip_gram", **kwargs):
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if isinstance(embedding_dim, bool) or int(embedding_dim) != embedding_dim:
            raise ValueError(f"embedding_dim must be an int >= 1, got {embedding_dim!r}")
        if embedding_dim < 1:
            raise ValueError(f"embedding_dim must be an int >= 1, got {embedding_dim!r}")
        self.vocabulary = _vocabulary_words(vocabulary)
        self.embedding_dim = int(embedding_dim)
        self.mode = mode
        size = len(self.vocabulary) + 1
        scale = 0.5 / self.embedding_dim
        self.lookup = word_lookup(self.vocabulary)
        self.lookup.build((None,))
        self.word_embedding = keras.layers.Embedding(
            size,
            self.embedding_dim,
            embeddings_initializer=keras.initializers.RandomUniform(-scale, scale),
            name="word_vectors",
        )
        self.context_embedding = keras.layers.Embedding(
            size, self.embedding_dim, embeddings_initializer="zeros", name="context_vectors"
        )
        self.word_embedding.build((None,))
        self.context_embedding.build((None,))
        self.negative_sampling = NegativeSampling()
        self.loss_tracker = keras.metrics.Mean(name="loss")
        # Built here, at the vocabulary's size: no input shape to wait for (and no
        # float input signature recorded for the SavedModel, whose input is text).
        self.built = True

    # ------------------------------------------------------------------ forward

    def _checked(self, inputs) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        if not isinstance(inputs, dict) or not {"center", "context", "negatives"} <= set(inputs):
            got = sorted(inputs) if isinstance(inputs, dict) else type(inputs).__name__
            raise ValueError(
                "Word2Vec takes the pretext op's batches {'center', 'context', 'negatives'} "
                f"(word ids), got {got}"
            )
        center, context, negatives = (
            tf.convert_to_tensor(inputs[k]) for k in ("center", "context", "negatives")
        )
        context_rank = 2 if self.mode == "cbow" else 1
        for name, tensor, rank in (
            ("center", center, 1),
            ("context", context, context_rank),
            ("negatives", negatives, 2),
        ):
            if tensor.shape.rank != rank or not tensor.dtype.is_integer:
                raise ValueError(
                    f"Word2Vec ({self.mode}): {name} must be integer word ids of rank {rank}, "
                    f"got {tensor.dtype.name} of shape {tensor.shape}"
                )
        return center, context, negatives

    def call(self, inputs, training=False):
        """Scores [n, 1 + k]: column 0 the true (center, context) pair, then the
        k noise words."""
        center, context, negatives = self._checked(inputs)
        if self.mode == "cbow":
            # Mean input vector of the context's words (id 0: padding), predicting the center.
            known = tf.cast(context > 0, self.compute_dtype)[..., None]
            total = tf.reduce_sum(self.word_embedding(context) * known, axis=1)
            mean = total / tf.maximum(tf.reduce_sum(known, axis=1), 1.0)
            # Forward: the mean; backward: the hidden gradient whole to each word (C, gensim).
            hidden = tf.stop_gradient(mean) + (total - tf.stop_gradient(total))
            target = tf.cast(center, context.dtype)
        else:
            hidden, target = self.word_embedding(center), context
        candidates = tf.concat([target[:, None], tf.cast(negatives, target.dtype)], axis=1)
        outputs = self.context_embedding(candidates)  # [n, 1 + k, d]
        return tf.einsum("nd,nkd->nk", hidden, outputs)

    # ------------------------------------------------------------------ steps

    def train_step(self, data):
        with tf.GradientTape() as tape:
            scores = self(data, training=True)
            # NegativeSampling is a keras Loss: Keras scales its mean for the strategy.
            loss = self.negative_sampling(tf.zeros_like(scores[:, 0]), scores)
            scaled = self.optimizer.scale_loss(loss)
        variables = self.trainable_weights
        self.optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return self._track(scores)

    def test_step(self, data):
        return self._track(self(data, training=False))

    def _track(self, scores):
        values = self.negative_sampling.call(None, scores)
        # Weights that depend on the data: Mean counts a static batch size even when
        # the step fails at the end of a dataset of unknown length (Keras runs one
        # more step to find the end, and the count's update needs no input).
        self.loss_tracker.update_state(values, sample_weight=tf.ones_like(values))
        return {"loss": self.loss_tracker.result()}

    @property
    def metrics(self):
        return [self.loss_tracker]

    # ------------------------------------------------------------------ word vectors

    def word_vectors(self) -> np.ndarray:
        """The input vectors [len(vocabulary) + 1, d]; row i + 1 is word i, row 0 OOV."""
        return keras.ops.convert_to_numpy(self.word_embedding.embeddings)

    def embed_texts(self, texts) -> tuple[tf.Tensor, tf.Tensor]:
        """(mean input vector of each text's in-vocabulary words [batch, d], their
        number [batch]) for raw strings [batch], tokenized in TF ops."""
        words = tokenize(texts)
        ids = tf.cast(self.lookup(words.flat_values), tf.int32)
        known = tf.cast(ids > 0, self.compute_dtype)
        vectors = self.word_embedding(ids) * known[:, None]
        rows, count = words.value_rowids(), words.nrows()
        total = tf.math.unsorted_segment_sum(vectors, rows, count)
        known_words = tf.math.unsorted_segment_sum(known, rows, count)
        return total / tf.maximum(known_words, 1.0)[:, None], tf.cast(known_words, tf.int32)

    def serving_input_specs(self) -> dict[str, tf.TensorSpec]:
        return {"text": tf.TensorSpec((None,), tf.string, name="text")}

    def serving_outputs(self, text: tf.Tensor) -> dict:
        embedding, known_words = self.embed_texts(text)
        return {"embedding": embedding, "known_words": known_words}

    def get_config(self):
        return {
            **super().get_config(),
            "vocabulary": list(self.vocabulary),
            "embedding_dim": self.embedding_dim,
            "mode": self.mode,
        }
