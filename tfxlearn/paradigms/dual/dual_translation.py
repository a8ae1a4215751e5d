"""Dual learning for machine translation (He, Xia, Qin, Wang, Yu, Liu & Ma,
"Dual Learning for Machine Translation", NIPS 2016): two translation models,
A -> B and B -> A, teach each other on monolingual text by playing a
two-agent game, with two frozen language models (one per language) as the
referees of fluency.

The game on a monolingual text x of language A (the paper's algorithm 1):

1. the forward model A -> B samples a translation s ~ P(. | x; theta_AB);
2. reward r = alpha * r_LM + (1 - alpha) * r_rec, with r_LM = log P_LM_B(s) / |s|
   (the language model of B, length-normalized: |s| its tokens, end included)
   and r_rec = log P(x | s; theta_BA), the backward model's log-likelihood of
   reconstructing the original;
3. policy gradient (REINFORCE, Williams 1992) for the forward model with the
   batch's mean reward as baseline b: loss -(r - b) log P(s | x; theta_AB),
   the reward a constant (its gradient flows only into the sampling model's
   variables: the language model is frozen, the backward model enters r as a
   constant);
4. likelihood update of the backward model on (s -> x): loss
   -(1 - alpha) log P(x | s; theta_BA) (the paper's gradient of E[r] w.r.t.
   theta_BA).

Each dual step plays both games, one on each language's monolingual batch
(A -> B -> A on `a`, B -> A -> B on `b`), and sums their losses: the
paper alternates the two games; playing both per step updates both models
from both directions every step, which is that alternation with the two half
steps merged. `supervised_weight` > 0 adds the teacher-forced cross-entropy
of parallel pairs (`parallel_a`, `parallel_b` in the batch), as the paper
keeps a little supervised signal.

Modes (`mode`):

- `supervised`: teacher-forced token cross-entropy on parallel pairs, both
  directions (the warm start, and the 100%-parallel baseline); batches
  {"a": tf.string [batch], "b": tf.string [batch]} of aligned texts;
- `dual`: the game; batches {"a", "b"} of UNRELATED texts of each language
  (+ "parallel_a", "parallel_b" aligned pairs when supervised_weight > 0).

Tokens (`tfxlearn.data.text`, tokenized inside the graph): per language,
0 the unknown word, 1..V the words, V + 1 the end of a text (also the
decoder's and the language model's start). Texts longer than `max_length`
tokens (end included) are truncated to their first `max_length` tokens (in
training silently, counted by no metric; in serving flagged `truncated`, and
`translate` warns). Translations are decoded for at most `max_length` steps;
the unknown word is written "<unk>".

Language models: `language_model_a` / `language_model_b`, Keras models of
ids int32 [batch, length] -> next-token logits [batch, length, V + 2] (the
`language_model` paradigm's network: `tfxlearn.nets.transformer_decoder`
with its head, same token conventions), frozen. None: built untrained (the
pipeline trains them first, `fit_language_models`).

Serving signatures (text in, tf.string [batch]):

- `serving_default`: `text` (language A) -> `translation` (tf.string [batch],
  greedy decoding into B), `tokens` (int32 [batch], tokens produced, end
  included) and `truncated` (bool [batch], the source was cut);
- `translate_ba`: the same from B into A.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfxlearn.data.subword import detokenize, is_subword
from tfxlearn.data.text import token_sequences, word_lookup
from tfxlearn.distribute import MultiWorkerFit, global_mean, global_value, subset_mean
from tfxlearn.losses import token_cross_entropy
from tfxlearn.nets.transformer import (
    Seq2SeqTransformer,
    decoder_inputs,
    greedy_decode,
    sample_decode,
    sequence_log_likelihood,
    shift_right,
    transformer_decoder,
)
from tfxlearn.paradigms.base import Paradigm, global_batch_noise
from tfxlearn.paradigms.base_text import (
    dropout_rate,
    int_at_least,
    text_input_specs,
    vocabulary_words,
    warn_truncated,
)
from tfxlearn.registry import PARADIGMS

MODES = ("supervised", "dual")
UNKNOWN = "<unk>"


def _side(model, name: str, classes: int, max_length: int, dim, depth, heads, mlp_dim):
    """The language model of one side: the given one (checked) or a new one."""
    if model is None:
        model = transformer_decoder(
            classes, max_length, dim=dim, depth=depth, heads=heads, mlp_dim=mlp_dim,
            dropout=0.0, name=name,
        )  # fmt: skip
    if not isinstance(model, keras.Model):
        raise ValueError(f"{name} must be a Keras model (ids -> logits) or None, got {model!r}")
    out = model.compute_output_shape((None, 3))
    if tuple(out)[-1] != classes:
        raise ValueError(
            f"{name} must predict {classes} classes (unknown, the {classes - 2} words of its "
            f"vocabulary, the end), its output shape is {tuple(out)}"
        )
    model.trainable = False  # a referee: never updated by the game
    return model


@PARADIGMS.register("dual_translation")
@keras.saving.register_keras_serializable(package="tfxlearn")
class DualTranslation(Paradigm):
    """Two seq2seq Transformers (A -> B, B -> A) trained supervised or by the
    dual game (see the module doc).

    Args:
        vocabulary_a, vocabulary_b: the words of each language: lists, a
            `tfxlearn.data.text.Vocabulary`, or dicts of `corpus_vocabulary`
            arguments; the config keeps the lists.
        max_length: the longest text (tokens, end included) and translation.
        dim, depth, heads, mlp_dim, dropout: the translation models' sizes.
        mode: "supervised" or "dual".
        alpha: the language model's weight in the reward, in [0, 1].
        supervised_weight: weight of the parallel pairs' cross-entropy in dual
            mode (0: none; > 0 needs `parallel_a` / `parallel_b` in batches).
        language_model_a, language_model_b: frozen language models (None: built).
        seed: seed of the sampled translations (with the step).
    """

    sub_models = ("language_model_a", "language_model_b")
    # Batches of raw texts: Keras cannot average them for its first build.
    first_build_from_one_replica = True

    def __init__(
        self,
        vocabulary_a,
        vocabulary_b,
        max_length: int = 64,
        dim: int = 128,
        depth: int = 2,
        heads: int = 4,
        mlp_dim: int | None = None,
        dropout: float = 0.1,
        mode: str = "supervised",
        alpha: float = 0.5,
        supervised_weight: float = 0.0,
        language_model_a: keras.Model | None = None,
        language_model_b: keras.Model | None = None,
        seed: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocabulary_a = vocabulary_words(vocabulary_a, "vocabulary_a")
        self.vocabulary_b = vocabulary_words(vocabulary_b, "vocabulary_b")
        self.max_length = int_at_least("max_length", max_length, 2)
        self.dim = int_at_least("dim", dim, 1)
        self.depth = int_at_least("depth", depth, 1)
        self.heads = int_at_least("heads", heads, 1)
        self.mlp_dim = None if mlp_dim is None else int_at_least("mlp_dim", mlp_dim, 1)
        self.dropout = dropout_rate(dropout)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.mode = mode
        if isinstance(alpha, bool) or not 0.0 <= float(alpha) <= 1.0:
            raise ValueError(f"alpha must be a number in [0, 1], got {alpha!r}")
        self.alpha = float(alpha)
        if isinstance(supervised_weight, bool) or not float(supervised_weight) >= 0.0:
            raise ValueError(f"supervised_weight must be a number >= 0, got {supervised_weight!r}")
        self.supervised_weight = float(supervised_weight)
        self.seed = int(seed)
        classes_a, classes_b = len(self.vocabulary_a) + 2, len(self.vocabulary_b) + 2
        sizes = dict(dim=self.dim, depth=self.depth, heads=self.heads, mlp_dim=self.mlp_dim)
        self.lookup_a = word_lookup(self.vocabulary_a)
        self.lookup_a.build((None,))
        self.lookup_b = word_lookup(self.vocabulary_b)
        self.lookup_b.build((None,))
        self.translator_ab = Seq2SeqTransformer(
            classes_a, classes_b, self.max_length, dropout=self.dropout, name="translator_ab",
            **sizes,
        )  # fmt: skip
        self.translator_ba = Seq2SeqTransformer(
            classes_b, classes_a, self.max_length, dropout=self.dropout, name="translator_ba",
            **sizes,
        )  # fmt: skip
        self.language_model_a = _side(
            language_model_a, "language_model_a", classes_a, self.max_length, **sizes
        )
        self.language_model_b = _side(
            language_model_b, "language_model_b", classes_b, self.max_length, **sizes
        )
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.supervised_tracker = keras.metrics.Mean(name="supervised")
        self.reward_trackers = [
            keras.metrics.Mean(name="reward_ab"),
            keras.metrics.Mean(name="reward_ba"),
        ]
        # Built here: no input shape to wait for (the inputs are text).
        self.built = True

    # ------------------------------------------------------------------ text

    def _sides(self, direction: str):
        """(source lookup, V source, target V, forward, backward, target LM)."""
        if direction == "ab":
            return (
                self.lookup_a, len(self.vocabulary_a), self.translator_ab, self.translator_ba,
                self.language_model_b,
            )  # fmt: skip
        return (
            self.lookup_b, len(self.vocabulary_b), self.translator_ba, self.translator_ab,
            self.language_model_a,
        )  # fmt: skip

    def _texts(self, texts, argument: str) -> tf.Tensor:
        texts = tf.convert_to_tensor(texts)
        if texts.dtype != tf.string or texts.shape.rank != 1:
            raise ValueError(
                f"DualTranslation: {argument} must be raw texts tf.string [batch], got "
                f"{texts.dtype.name} of shape {texts.shape}"
            )
        return texts

    def tokens(self, texts, language: str):
        """Token ids of raw texts of `language` ("a" or "b"), cut to max_length:
        (ids int32 [batch, T] padded with 0, mask bool [batch, T], targets int32
        [batch, T] padded with -1, truncated bool [batch])."""
        lookup, vocabulary = (
            (self.lookup_a, self.vocabulary_a)
            if language == "a"
            else (self.lookup_b, self.vocabulary_b)
        )
        sequences = token_sequences(
            self._texts(texts, language), lookup, len(vocabulary), is_subword(vocabulary)
        )
        truncated = sequences.row_lengths() > self.max_length
        sequences = sequences[:, : self.max_length]
        ids = sequences.to_tensor(default_value=0)
        mask = tf.sequence_mask(sequences.row_lengths(), tf.shape(ids)[1])
        return ids, mask, tf.where(mask, ids, -1), truncated

    def _words(self, tokens, lengths, language: str) -> tf.Tensor:
        """Texts of generated tokens [batch, L] (words before the end, joined by
        spaces, WordPiece pieces glued into their words; the unknown token as
        "<unk>")."""
        vocabulary = self.vocabulary_a if language == "a" else self.vocabulary_b
        table = tf.constant([UNKNOWN, *vocabulary, ""], tf.string)
        words = tf.gather(table, tokens)
        keep = tf.sequence_mask(lengths, tf.shape(tokens)[1]) & tf.not_equal(
            tokens, len(vocabulary) + 1
        )
        return detokenize(tf.ragged.boolean_mask(words, keep))

    # ------------------------------------------------------------------ losses

    def supervised_loss(self, source_texts, target_texts, direction: str, training=False):
        """This replica's share of the global token mean cross-entropy of the
        teacher-forced `direction` ("ab" or "ba") translation of aligned texts."""
        source_language, target_language = direction[0], direction[1]
        source, mask, _, _ = self.tokens(source_texts, source_language)
        _, _, targets, _ = self.tokens(target_texts, target_language)
        model = self.translator_ab if direction == "ab" else self.translator_ba
        logits = model(
            {
                "source": source,
                "source_mask": mask,
                "target_inputs": decoder_inputs(model, targets),
            },
            training=training,
        )
        return subset_mean(token_cross_entropy(targets, logits), targets >= 0)

    def dual_losses(self, texts, direction: str, stream: int = 0, training=True) -> dict:
        """One game on monolingual texts of the source language of `direction`:
        {"policy": the forward model's REINFORCE loss (share of the global batch
        mean), "reconstruction": the backward model's, "reward": the global mean
        reward}. See the module doc."""
        lookup, size, forward, backward, language_model = self._sides(direction)
        source, mask, targets, _ = self.tokens(texts, direction[0])
        batch = tf.shape(source)[0]
        uniform = global_batch_noise(
            self.step_seed(stream), batch, (self.max_length,), distribution="uniform"
        )
        sample, lengths = sample_decode(forward, source, mask, self.max_length, uniform)
        sample_mask = tf.sequence_mask(lengths, self.max_length)
        sample_targets = tf.where(sample_mask, sample, -1)
        # The referee: the frozen language model's per-token log-probability.
        lm_logits = language_model(decoder_inputs(forward, sample_targets), training=False)
        lm_score = -tf.reduce_sum(token_cross_entropy(sample_targets, lm_logits), axis=1)
        lm_score = lm_score / tf.cast(lengths, lm_score.dtype)
        reconstruction = sequence_log_likelihood(
            backward, sample, sample_mask, targets, training=training
        )
        reward = tf.stop_gradient(
            self.alpha * lm_score + (1.0 - self.alpha) * reconstruction
        )  # a constant for the forward model: the gradient flows only into the sampler
        baseline = tf.stop_gradient(global_mean(reward))
        log_p = sequence_log_likelihood(forward, source, mask, sample_targets, training=training)
        every = tf.ones_like(reward, tf.bool)
        return {
            "policy": subset_mean(-(reward - baseline) * log_p, every),
            "reconstruction": subset_mean(-(1.0 - self.alpha) * reconstruction, every),
            "reward": global_mean(reward),
        }

    def language_model_loss(self, texts, language: str, training=False):
        """This replica's share of the global token mean cross-entropy of the
        language model of `language` ("a" or "b") on raw texts (next token,
        the end id as the first input, as the `language_model` paradigm)."""
        _, _, targets, _ = self.tokens(texts, language)
        model = self.language_model_a if language == "a" else self.language_model_b
        size = len(self.vocabulary_a if language == "a" else self.vocabulary_b)
        logits = model(shift_right(targets, size + 1), training=training)
        return subset_mean(token_cross_entropy(targets, logits), targets >= 0)

    # ------------------------------------------------------------------ stages

    def _run_stage(self, name, data, loss, variables, epochs, optimizer, **fit_kwargs):
        with self.distribute_strategy.scope():
            stage = _Stage(self, loss, variables, name=name)
            stage.compile(optimizer=keras.optimizers.get(optimizer))
        # tf.data input: any shuffling is the pipeline's (Keras warns otherwise).
        return stage.fit(data, epochs=int(epochs), **{"shuffle": False, **fit_kwargs})

    def fit_language_models(
        self, data: tf.data.Dataset, *, epochs: int = 1, optimizer="adam", verbose=0, **fit_kwargs
    ) -> keras.callbacks.History:
        """Trains both language models on the monolingual texts of batches
        {"a", "b", ...} (the `dual_corpus` op's), then freezes them again."""
        _check_stage_data("fit_language_models", data, ("a", "b"))
        models = (self.language_model_a, self.language_model_b)
        for model in models:
            model.trainable = True
        try:
            return self._run_stage(
                "language_models",
                data,
                lambda batch, training: (
                    self.language_model_loss(batch["a"], "a", training)
                    + self.language_model_loss(batch["b"], "b", training)
                ),
                lambda: [w for m in models for w in m.trainable_weights],
                epochs,
                optimizer,
                verbose=verbose,
                **fit_kwargs,
            )
        finally:
            for model in models:
                model.trainable = False

    def warm_start(
        self,
        data: tf.data.Dataset,
        *,
        epochs: int = 1,
        optimizer="adam",
        language_model_epochs: int = 0,
        language_model_optimizer="adam",
        verbose=0,
        **fit_kwargs,
    ) -> keras.callbacks.History:
        """The warm start before the game: first `language_model_epochs` of
        `fit_language_models` on the batches' monolingual texts (0: keep the
        language models as they are), then `epochs` of teacher-forced
        cross-entropy of both translators on the batches' parallel pairs
        ("parallel_a", "parallel_b"; or "a", "b" if the batches have no
        parallel pairs, then read as aligned). A pipeline's
        `train.first_stage = {"method": "warm_start", "args": {...}}`. Keras
        `callbacks` (e.g. the pipeline's `EpochOrder`) go to both stages."""
        if int(language_model_epochs) > 0:
            self.fit_language_models(
                data,
                epochs=language_model_epochs,
                optimizer=language_model_optimizer,
                callbacks=fit_kwargs.get("callbacks"),
            )
        spec = data.element_spec if isinstance(data, tf.data.Dataset) else None
        keys = ("parallel_a", "parallel_b")
        if not (isinstance(spec, dict) and set(keys) <= set(spec)):
            keys = ("a", "b")
        _check_stage_data("warm_start", data, keys)
        return self._run_stage(
            "warm_start",
            data,
            lambda batch, training: self._supervised_both(batch[keys[0]], batch[keys[1]], training),
            lambda: self.translation_variables,
            epochs,
            optimizer,
            verbose=verbose,
            **fit_kwargs,
        )

    # ------------------------------------------------------------------ steps

    def _batch(self, data, keys) -> dict:
        if not isinstance(data, dict) or not set(keys) <= set(data):
            got = sorted(data) if isinstance(data, dict) else type(data).__name__
            raise ValueError(
                f"DualTranslation(mode={self.mode!r}) trains on batches {{{', '.join(keys)}}} "
                f"of raw texts, got {got}"
            )
        return {key: self._texts(data[key], key) for key in keys}

    def _keys(self) -> tuple[str, ...]:
        if self.mode == "dual" and self.supervised_weight > 0:
            return ("a", "b", "parallel_a", "parallel_b")
        return ("a", "b")

    def _supervised_both(self, a, b, training):
        return self.supervised_loss(a, b, "ab", training) + self.supervised_loss(
            b, a, "ba", training
        )

    def _step_losses(self, batch, training=True) -> dict:
        if self.mode == "supervised":
            supervised = self._supervised_both(batch["a"], batch["b"], training)
            zero = tf.zeros(())
            return {"loss": supervised, "supervised": supervised, "rewards": (zero, zero)}
        game_ab = self.dual_losses(batch["a"], "ab", stream=0, training=training)
        game_ba = self.dual_losses(batch["b"], "ba", stream=1, training=training)
        loss = sum(game[k] for game in (game_ab, game_ba) for k in ("policy", "reconstruction"))
        supervised = tf.zeros(())
        if self.supervised_weight > 0:
            supervised = self._supervised_both(batch["parallel_a"], batch["parallel_b"], training)
            loss = loss + self.supervised_weight * supervised
        return {
            "loss": loss,
            "supervised": supervised,
            "rewards": (game_ab["reward"], game_ba["reward"]),
        }

    @property
    def translation_variables(self) -> list:
        return self.translator_ab.trainable_weights + self.translator_ba.trainable_weights

    def train_step(self, data):
        batch = self._batch(data, self._keys())
        with tf.GradientTape() as tape:
            terms = self._step_losses(batch, training=True)
            scaled = self.optimizer.scale_loss(terms["loss"])
        variables = self.translation_variables
        self.optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return self._track(terms)

    def test_step(self, data):
        batch = self._batch(data, ("a", "b"))
        supervised = self._supervised_both(batch["a"], batch["b"], False)
        zero = tf.zeros(())
        return self._track({"loss": supervised, "supervised": supervised, "rewards": (zero, zero)})

    def _track(self, terms):
        # Shares of global means: their all-reduced sum is the global value.
        self.loss_tracker.update_state(global_value(terms["loss"]))
        self.supervised_tracker.update_state(global_value(terms["supervised"]))
        for tracker, reward in zip(self.reward_trackers, terms["rewards"]):
            tracker.update_state(reward)
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return [self.loss_tracker, self.supervised_tracker, *self.reward_trackers]

    # ------------------------------------------------------------------ forward

    def call(self, inputs, training=False):
        """Teacher-forced log-likelihoods of aligned texts {"a", "b"} (tf.string
        [batch]): {"log_likelihood_ab": log P(b | a) [batch], "log_likelihood_ba"}."""
        batch = self._batch(inputs, ("a", "b"))
        out = {}
        for direction, source_texts, target_texts in (
            ("ab", batch["a"], batch["b"]),
            ("ba", batch["b"], batch["a"]),
        ):
            source, mask, _, _ = self.tokens(source_texts, direction[0])
            _, _, targets, _ = self.tokens(target_texts, direction[1])
            model = self.translator_ab if direction == "ab" else self.translator_ba
            out[f"log_likelihood_{direction}"] = sequence_log_likelihood(
                model, source, mask, targets, training=training
            )
        return out

    def _translate(self, texts, direction: str) -> dict:
        model = self.translator_ab if direction == "ab" else self.translator_ba
        source, mask, _, truncated = self.tokens(texts, direction[0])
        tokens, lengths = greedy_decode(model, source, mask, self.max_length)
        return {
            "translation": self._words(tokens, lengths, direction[1]),
            "tokens": lengths,
            "truncated": truncated,
        }

    def translate(self, texts, direction: str = "ab", warn: bool = True) -> dict:
        """Greedy translations of raw texts (NumPy outputs of the serving
        signatures), warning (`warn`) when a source text was truncated."""
        if direction not in ("ab", "ba"):
            raise ValueError(f"direction must be 'ab' or 'ba', got {direction!r}")
        out = self._translate(tf.constant(texts, tf.string), direction)
        out = {k: v.numpy() for k, v in out.items()}
        if warn:
            warn_truncated(out["truncated"], self.max_length, "read")
        return out

    def serving_input_specs(self) -> dict[str, tf.TensorSpec]:
        return text_input_specs()

    def serving_outputs(self, text: tf.Tensor) -> dict:
        return self._translate(tf.convert_to_tensor(text, tf.string), "ab")

    def serving_signatures(self) -> dict:
        return {
            "translate_ba": (
                {"text": tf.TensorSpec((None,), tf.string)},
                lambda text: self._translate(tf.convert_to_tensor(text, tf.string), "ba"),
            )
        }

    def get_config(self):
        return {
            **super().get_config(),
            "vocabulary_a": list(self.vocabulary_a),
            "vocabulary_b": list(self.vocabulary_b),
            "max_length": self.max_length,
            "dim": self.dim,
            "depth": self.depth,
            "heads": self.heads,
            "mlp_dim": self.mlp_dim,
            "dropout": self.dropout,
            "mode": self.mode,
            "alpha": self.alpha,
            "supervised_weight": self.supervised_weight,
            "seed": self.seed,
        }


def _check_stage_data(method: str, data, keys) -> None:
    spec = data.element_spec if isinstance(data, tf.data.Dataset) else None
    if not (isinstance(spec, dict) and set(keys) <= set(spec)):
        raise ValueError(
            f"DualTranslation.{method}: data must be a tf.data.Dataset of batches with keys "
            f"{list(keys)} (raw texts, e.g. the dual_corpus op's), got "
            f"{spec if spec is not None else type(data).__name__}"
        )


class _Stage(MultiWorkerFit, keras.Model):
    """A training stage of a `DualTranslation` run by Keras's `fit`: `loss(batch,
    training)` (a replica's share of a global mean) minimized over `variables()`
    with the stage's own optimizer."""

    first_build_from_one_replica = True  # batches of raw texts

    def __init__(self, owner, loss, variables, **kwargs):
        super().__init__(**kwargs)
        self.owner = owner
        self.stage_loss = loss
        self.stage_variables = variables
        self.loss_tracker = keras.metrics.Mean(name="loss")
        # No weights of its own (the owner's are the state): built as it is, so
        # an epoch backup (`save_weights`) can be written.
        self.built = True

    def call(self, inputs, training=False):
        return self.stage_loss(inputs, training)

    def train_step(self, data):
        with tf.GradientTape() as tape:
            loss = self.stage_loss(data, True)
            scaled = self.optimizer.scale_loss(loss)
        variables = self.stage_variables()
        self.optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        self.loss_tracker.update_state(global_value(loss))
        return {"loss": self.loss_tracker.result()}

    @property
    def metrics(self):
        return [self.loss_tracker]
