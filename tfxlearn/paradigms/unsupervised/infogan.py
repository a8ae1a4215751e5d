"""InfoGAN (Chen, Duan, Houthooft, Schulman, Sutskever & Abbeel, "InfoGAN:
Interpretable Representation Learning by Information Maximizing Generative
Adversarial Nets", NIPS 2016).

The generator's input is split into incompressible noise z ~ N(0, I) and a
latent code c: one categorical code (K categories, uniform, fed one-hot) and
`num_continuous` continuous codes (uniform in [-1, 1]); G takes their
concatenation [z, onehot(c_cat), c_cont]. A plain GAN is free to ignore c; InfoGAN
adds lambda * I(c; G(z, c)) to the game, through the variational lower bound

    L_I(G, Q) = E[log Q(c | G(z, c))] + H(c)  <=  I(c; G(z, c)),

where Q is an auxiliary posterior sharing the discriminator's body (the
paper's "Q and D share all convolutional layers"; here a small MLP `q_head`
on the discriminator features). Q is a softmax over the K categories and a
factored Gaussian over the continuous codes with its standard deviation
*fixed at 1* (the authors' MNIST code, `Uniform(1, fix_std=True)`): a learned
std lets log Q grow without bound as the std shrinks, and a fixed one keeps
the continuous term, 0.5 (c - mu)^2 + 0.5 log(2 pi), on the scale of the GAN
losses. H(c) is a constant, so each player minimises

    lambda_cat * CE(c_cat, Q_cat(x)) + lambda_cont * NLL(c_cont | Q_mean(x), 1)

on generated x. The paper sets lambda = 1 for a discrete code and "a smaller
lambda" for continuous ones when their term involves the differential entropy
of a learned-variance Gaussian; with the std fixed at 1 the authors' MNIST
code uses 1 for both (`info_reg_coeff=1.0`), which is the default here.

Who trains what (as in the authors' code): the information term is added to
the discriminator's loss in the discriminator step (so Q's head and the shared
body learn to recover c from the step's generated images) and to the
generator's loss in the generator step (so G makes c recoverable; Q is not
updated there). The discriminator body doubles as the `encoder`;
`infer_codes(images)` reads Q's posterior on real images, so the categorical
code can be scored as a clustering of the classes (the issue's best
code-to-class matching accuracy).

Serving signature: `noise` [batch, noise_dim] float32, `categorical` [batch]
int32 category ids in [0, K), `continuous` [batch, num_continuous] float32
(omitted when there are no continuous codes) -> `images`. Named inputs rather
than one latent vector, so a client picks a category and slider values
without knowing the layout of G's input.
"""

from __future__ import annotations

import math
import os

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.losses import discriminator_loss_values, generator_loss_values
from tfxlearn.paradigms.base import check_images, global_batch_noise
from tfxlearn.paradigms.base_gan import GANBase, check_class_ids
from tfxlearn.registry import PARADIGMS

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def categorical_code_values(categorical: tf.Tensor, logits: tf.Tensor) -> tf.Tensor:
    """Per-example -log Q(c_cat | x): softmax cross-entropy of the category ids [batch]
    under Q's logits [batch, K]."""
    return tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.cast(tf.reshape(categorical, [-1]), tf.int32), logits=logits
    )


def continuous_code_values(continuous: tf.Tensor, mean: tf.Tensor) -> tf.Tensor:
    """Per-example -log Q(c_cont | x) of a factored Gaussian with unit std, summed over
    the codes: sum_j 0.5 (c_j - mu_j)^2 + 0.5 log(2 pi). [batch, n] -> [batch]."""
    squared = tf.square(tf.cast(continuous, mean.dtype) - mean)
    per_code = 0.5 * squared + _HALF_LOG_2PI
    return tf.reduce_sum(per_code, axis=-1)


def information_loss_values(
    categorical: tf.Tensor,
    categorical_logits: tf.Tensor,
    continuous: tf.Tensor | None = None,
    continuous_mean: tf.Tensor | None = None,
    lambda_categorical: float = 1.0,
    lambda_continuous: float = 1.0,
) -> tf.Tensor:
    """InfoGAN's weighted information term per example (to minimise):
    lambda_cat * CE(c_cat, Q_cat(x)) + lambda_cont * NLL(c_cont | Q_mean(x), std 1).

    It is -lambda * (L_I - H(c)) for lambda_cat = lambda_cont = lambda: the
    negative mutual-information lower bound up to the constant entropy of the codes.

    Args:
        categorical: [batch] int category ids the generator was given.
        categorical_logits: [batch, K] Q's logits on the generated images.
        continuous: [batch, n] continuous codes the generator was given (None: none).
        continuous_mean: [batch, n] Q's Gaussian means.
        lambda_categorical: weight of the categorical term.
        lambda_continuous: weight of the continuous term.
    """
    values = lambda_categorical * categorical_code_values(categorical, categorical_logits)
    if continuous is not None and continuous.shape[-1] != 0:
        values = values + lambda_continuous * continuous_code_values(continuous, continuous_mean)
    return values


def code_entropy(num_categories: int, num_continuous: int) -> float:
    """H(c) of the prior: log K (uniform categorical) + n log 2 (uniform on [-1, 1]^n)."""
    return math.log(num_categories) + num_continuous * math.log(2.0)


def _q_head(outputs: int, hidden: int) -> keras.Model:
    layers = []
    if hidden:
        layers += [
            keras.layers.Dense(hidden, name="q_hidden"),
            keras.layers.LeakyReLU(0.2, name="q_lrelu"),
        ]
    layers.append(keras.layers.Dense(outputs, name="q_codes"))
    return keras.Sequential(layers, name="q_head")


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("infogan")
class InfoGAN(GANBase):
    """A GAN whose categorical and continuous latent codes are kept recoverable by Q.

    The generator takes [noise, onehot(categorical), continuous]: its input size
    (`latent_dim`) must be noise_dim + num_categories + num_continuous with
    noise_dim >= 1 (e.g. `tfxlearn.nets.dcgan_generator(62 + 10 + 2, ...)`, the
    paper's MNIST layout).

    Args:
        generator: a Keras model from [batch, latent_dim] to images.
        discriminator: a Keras model from images to features (the shared body of
            D and Q; the `encoder`).
        num_categories: K, categories of the categorical code (>= 2).
        num_continuous: number of continuous codes, uniform in [-1, 1] (>= 0).
        lambda_categorical: weight of the categorical information term (paper: 1).
        lambda_continuous: weight of the continuous one (1 with the fixed unit std,
            as in the authors' MNIST code; see the module docstring).
        q_hidden: width of Q's hidden layer (0: a linear Q head); the paper uses 128.
        q_head: Q's head (features -> K + num_continuous outputs: the categorical
            logits, then the Gaussian means); built from `q_hidden` if omitted.
        generator_loss: "non_saturating" (default) or "minimax".
        head: the real/fake head (features -> 1 logit); a Dense(1) if omitted.
        seed: seed of the noise and codes of the training steps.
    """

    sub_models = (*GANBase.sub_models, "q_head")
    discriminator_parts = (*GANBase.discriminator_parts, "q_head")

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        num_categories: int = 10,
        num_continuous: int = 2,
        lambda_categorical: float = 1.0,
        lambda_continuous: float = 1.0,
        q_hidden: int = 128,
        q_head: keras.Model | None = None,
        generator_loss: str = "non_saturating",
        head: keras.Model | None = None,
        seed: int = 0,
        **kwargs,
    ):
        super().__init__(
            generator, discriminator, generator_loss=generator_loss, head=head, seed=seed, **kwargs
        )
        if isinstance(num_categories, bool) or int(num_categories) < 2:
            raise ValueError(f"num_categories must be >= 2, got {num_categories}")
        if isinstance(num_continuous, bool) or int(num_continuous) < 0:
            raise ValueError(f"num_continuous must be >= 0, got {num_continuous}")
        for name, value in (
            ("lambda_categorical", lambda_categorical),
            ("lambda_continuous", lambda_continuous),
        ):
            if not float(value) >= 0.0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        if int(q_hidden) < 0:
            raise ValueError(f"q_hidden must be >= 0, got {q_hidden}")
        self.num_categories = int(num_categories)
        self.num_continuous = int(num_continuous)
        self.noise_dim = self.latent_dim - self.num_categories - self.num_continuous
        if self.noise_dim < 1:
            raise ValueError(
                f"the generator takes latent_dim={self.latent_dim} inputs, which leaves "
                f"noise_dim = latent_dim - num_categories ({self.num_categories}) - "
                f"num_continuous ({self.num_continuous}) = {self.noise_dim}; the noise "
                "needs at least 1 dimension (build the generator with latent_dim = "
                "noise_dim + num_categories + num_continuous)"
            )
        self.lambda_categorical = float(lambda_categorical)
        self.lambda_continuous = float(lambda_continuous)
        self.q_hidden = int(q_hidden)
        outputs = self.num_categories + self.num_continuous
        self.q_head = q_head if q_head is not None else _q_head(outputs, self.q_hidden)
        # Built now, so its variables exist before the optimizers are built (a call
        # of the model only runs the real/fake head).
        features = discriminator.output_shape[-1]
        if not self.q_head.built:
            self.q_head.build((None, features))
        got = self.q_head.compute_output_shape((None, features))
        if tuple(got)[-1] != outputs:
            raise ValueError(
                f"q_head must output num_categories + num_continuous = {outputs} values "
                f"per example, got output shape {tuple(got)}"
            )
        self.info_loss_tracker = keras.metrics.Mean(name="info_loss")
        self.mi_tracker = keras.metrics.Mean(name="mi_lower_bound")
        self.code_accuracy_tracker = keras.metrics.Mean(name="code_accuracy")

    # ------------------------------------------------------------------ codes

    def draw_codes(self, batch, seed: tf.Tensor) -> dict:
        """Noise and codes for this replica's share of a global batch (`global_batch_noise`):
        {"noise": N(0, I) [batch, noise_dim], "categorical": uniform int32 ids [batch],
        "continuous": uniform in [-1, 1), [batch, num_continuous]}."""
        seed = tf.convert_to_tensor(seed)
        noise = global_batch_noise(seed, batch, (self.noise_dim,))
        uniform = global_batch_noise(
            tf.random.experimental.stateless_fold_in(seed, 1),
            batch,
            (1 + self.num_continuous,),
            "uniform",
        )
        categorical = tf.minimum(
            tf.cast(tf.floor(uniform[:, 0] * self.num_categories), tf.int32),
            self.num_categories - 1,
        )
        return {
            "noise": noise,
            "categorical": categorical,
            "continuous": 2.0 * uniform[:, 1:] - 1.0,
        }

    def latent_vector(self, noise, categorical, continuous=None) -> tf.Tensor:
        """The generator's input [noise, onehot(categorical), continuous]."""
        noise = tf.convert_to_tensor(noise, tf.float32)
        if noise.shape.rank != 2 or (noise.shape[-1] not in (None, self.noise_dim)):
            raise ValueError(
                f"noise must be [batch, {self.noise_dim}] (noise_dim), got shape {noise.shape}"
            )
        categorical = check_class_ids(categorical, self.num_categories, "categorical")
        parts = [noise, tf.one_hot(categorical, self.num_categories, dtype=tf.float32)]
        if self.num_continuous:
            if continuous is None:
                raise ValueError(
                    f"continuous codes [batch, {self.num_continuous}] are required "
                    "(num_continuous > 0)"
                )
            continuous = tf.convert_to_tensor(continuous, tf.float32)
            if continuous.shape.rank != 2 or continuous.shape[-1] not in (
                None,
                self.num_continuous,
            ):
                raise ValueError(
                    f"continuous must be [batch, {self.num_continuous}] (num_continuous), "
                    f"got shape {continuous.shape}"
                )
            parts.append(continuous)
        return tf.concat(parts, axis=-1)

    def generate_from_codes(
        self, noise, categorical, continuous=None, training: bool = False, average: bool = True
    ) -> tf.Tensor:
        """Images for given noise [batch, noise_dim], category ids [batch] and
        continuous codes [batch, num_continuous]; `average=False` uses the trained
        generator even when a weight average is kept."""
        return self.sampling_generator(training, average)(
            self.latent_vector(noise, categorical, continuous), training=training
        )

    def q_outputs(self, features: tf.Tensor, training: bool = False) -> tuple:
        """Q's (categorical logits [batch, K], continuous means [batch, n]) from D's features."""
        out = self.q_head(features, training=training)
        return out[:, : self.num_categories], out[:, self.num_categories :]

    def infer_codes(self, images, batch_size: int = 500) -> dict:
        """Q's posterior on images: {"categorical": probabilities [n, K],
        "continuous": Gaussian means [n, num_continuous]} (NumPy, inference mode)."""
        images = np.asarray(images)
        check_images(images, self.image_shape)
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        probs, means = [], []
        for i in range(0, len(images), int(batch_size)):
            batch = tf.convert_to_tensor(images[i : i + int(batch_size)], tf.float32)
            logits, mean = self.q_outputs(self.discriminator(batch, training=False))
            probs.append(tf.nn.softmax(logits).numpy())
            means.append(mean.numpy())
        if not probs:
            return {
                "categorical": np.zeros((0, self.num_categories), np.float32),
                "continuous": np.zeros((0, self.num_continuous), np.float32),
            }
        return {"categorical": np.concatenate(probs), "continuous": np.concatenate(means)}

    def sample(
        self, count: int, seed: int = 0, batch_size: int = 500, average: bool = True
    ) -> np.ndarray:
        """`count` generated images with noise and codes drawn from their priors;
        `average` as in `generate_from_codes`."""
        if int(count) < 1:
            raise ValueError(f"count must be >= 1, got {count}")
        codes = self.draw_codes(int(count), tf.constant([int(seed), 7], tf.int64))
        return self._generate_batched(codes, batch_size, average)

    def _generate_batched(
        self, codes: dict, batch_size: int = 500, average: bool = True
    ) -> np.ndarray:
        count = int(codes["noise"].shape[0])
        return np.concatenate(
            [
                self.generate_from_codes(
                    *(codes[k][i : i + batch_size] for k in ("noise", "categorical", "continuous")),
                    average=average,
                ).numpy()
                for i in range(0, count, batch_size)
            ]
        )

    def progress_images(self, count: int | None = None) -> np.ndarray:
        """Fixed images for per-epoch grids: count // K noise vectors (seeded by `seed`),
        each drawn with every category in turn (continuous codes 0). Default: as
        many full groups of K as fit in 64 images."""
        k = self.num_categories
        groups = max(1, (64 if count is None else int(count)) // k)
        noise = tf.random.stateless_normal([groups, self.noise_dim], [self.seed, 11])
        codes = {
            "noise": tf.repeat(noise, k, axis=0),
            "categorical": tf.tile(tf.range(k, dtype=tf.int32), [groups]),
            "continuous": tf.zeros([groups * k, self.num_continuous]),
        }
        return self._generate_batched(codes)

    def code_sweep_images(
        self,
        samples: int = 4,
        steps: int = 9,
        seed: int = 0,
        value_range: tuple = (-2.0, 2.0),
    ) -> dict:
        """The paper's code-manipulation figure as arrays: for each code, `samples` rows
        of images in which only that code varies (left to right) while the noise and
        the other codes stay at a row's random draw.

        Returns:
            {"categorical": [samples, K, h, w, c] (category 0..K-1),
             "continuous_<j>": [samples, steps, h, w, c] (values linspace(*value_range,
             steps); the prior covers [-1, 1], so the ends extrapolate as in the paper)}.
        """
        if int(samples) < 1:
            raise ValueError(f"samples must be >= 1, got {samples}")
        if int(steps) < 2:
            raise ValueError(f"steps must be >= 2, got {steps}")
        low, high = (float(v) for v in value_range)
        base = {k: v.numpy() for k, v in self.draw_codes(int(samples), [int(seed), 13]).items()}
        shape = tuple(self.generator.output_shape[1:])

        def sweep(columns, edit):
            codes = {k: np.repeat(v, columns, axis=0) for k, v in base.items()}
            edit(codes, np.tile(np.arange(columns), int(samples)))
            return self._generate_batched(codes).reshape(int(samples), columns, *shape)

        def set_category(codes, column):
            codes["categorical"] = column.astype(np.int32)

        out = {"categorical": sweep(self.num_categories, set_category)}
        values = np.linspace(low, high, int(steps)).astype(np.float32)
        for j in range(self.num_continuous):

            def set_value(codes, column, j=j):
                codes["continuous"] = codes["continuous"].copy()
                codes["continuous"][:, j] = values[column]

            out[f"continuous_{j}"] = sweep(int(steps), set_value)
        return out

    def code_sweep(
        self,
        path: str,
        samples: int = 4,
        steps: int = 9,
        seed: int = 0,
        value_range: tuple = (-2.0, 2.0),
    ) -> str:
        """Draws `code_sweep_images` as one PNG: a row per (code, random draw), the code
        varying left to right (categories 0..K-1; continuous values from
        value_range[0] to value_range[1]). Returns `path`."""
        from tfxlearn import viz  # plotting is imported only when used

        panels = self.code_sweep_images(samples, steps, seed, value_range)
        low, high = (float(v) for v in value_range)
        rows = {}
        for name, grid in panels.items():
            label = (
                f"category 0..{self.num_categories - 1}"
                if name == "categorical"
                else f"c{int(name.split('_')[1]) + 1}: {low:g}..{high:g}"
            )
            for r, images in enumerate(grid):
                rows[f"{label} (#{r + 1})"] = images
        return viz.image_rows(
            rows,
            path,
            title="InfoGAN codes: one code varies left to right, noise and other codes fixed",
        )

    def plots(self, plot_dir: str, images, labels, class_names=None) -> dict:
        """The pipeline's paradigm figures: the code sweep, and real test images grouped
        by the category Q infers for them (what each categorical code captured)."""
        paths = {"code_sweep": self.code_sweep(os.path.join(plot_dir, "code_sweep.png"))}
        from tfxlearn import viz

        codes = np.argmax(self.infer_codes(images)["categorical"], axis=-1)
        rows = {}
        for k in range(self.num_categories):
            members = np.asarray(images)[codes == k][:10]
            if len(members):
                rows[f"code {k} ({int(np.sum(codes == k))})"] = members
        if rows:
            paths["code_clusters"] = viz.image_rows(
                rows,
                os.path.join(plot_dir, "code_clusters.png"),
                title="test images grouped by Q's categorical code (count)",
            )
        return paths

    # ------------------------------------------------------------------ steps

    def _information(self, features, codes, training):
        """Q on D's features of generated images: (weighted information values [batch],
        categorical logits, continuous means)."""
        cat_logits, means = self.q_outputs(features, training=training)
        info = information_loss_values(
            codes["categorical"],
            cat_logits,
            codes["continuous"],
            means,
            self.lambda_categorical,
            self.lambda_continuous,
        )
        return info, cat_logits, means

    def train_step(self, data):
        images = data[0] if isinstance(data, (tuple, list)) else data
        check_images(images, self.image_shape)
        batch = tf.shape(images)[0]
        # Discriminator step: D's GAN loss + the information term (trains Q and the body).
        # Real and generated images go through D as separate batches, as in the
        # generator step (see GANBase.train_step: batch-norm statistics).
        codes = self.draw_codes(batch, self.next_seed(0))
        fake = self.generate_from_codes(**codes, training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminate(images, training=True)
            features = self.discriminator(fake, training=True)
            fake_logits = tf.reshape(self.head(features, training=True), [-1])
            info, cat_logits, means = self._information(features, codes, True)
            d_values = discriminator_loss_values(real_logits, fake_logits)
            d_loss = self.batch_mean(d_values + info)
        self.update("discriminator", tape, d_loss, self.player_variables("discriminator"))
        # Generator step: G's GAN loss + the information term through the updated Q.
        g_codes = self.draw_codes(batch, self.next_seed(1))
        with tf.GradientTape() as tape:
            features = self.discriminator(
                self.generate_from_codes(**g_codes, training=True), training=True
            )
            g_logits = tf.reshape(self.head(features, training=True), [-1])
            g_info, _, _ = self._information(features, g_codes, True)
            g_values = generator_loss_values(g_logits, self.generator_loss)
            g_loss = self.batch_mean(g_values + g_info)
        self.update("generator", tape, g_loss, self.player_variables("generator"))
        return self._track_info(
            d_values, g_values, real_logits, fake_logits, info, codes, cat_logits, means
        )

    def test_step(self, data):
        images = data[0] if isinstance(data, (tuple, list)) else data
        check_images(images, self.image_shape)
        codes = self.draw_codes(tf.shape(images)[0], self.next_seed(2))
        fake = self.generate_from_codes(**codes)
        real_logits = self.discriminate(images)
        features = self.discriminator(fake, training=False)
        fake_logits = tf.reshape(self.head(features), [-1])
        info, cat_logits, means = self._information(features, codes, False)
        d_values = discriminator_loss_values(real_logits, fake_logits)
        g_values = generator_loss_values(fake_logits, self.generator_loss)
        return self._track_info(
            d_values, g_values, real_logits, fake_logits, info, codes, cat_logits, means
        )

    def _track_info(
        self, d_values, g_values, real_logits, fake_logits, info, codes, cat_logits, means
    ):
        """GAN metrics plus `info_loss` (the weighted information term), the
        mutual-information lower bound L_I = H(c) - CE - NLL in nats (unweighted; at
        most H(c)) and `code_accuracy` (Q's argmax recovers the generated category)."""
        nll = categorical_code_values(codes["categorical"], cat_logits)
        if self.num_continuous:
            nll = nll + continuous_code_values(codes["continuous"], means)
        self.info_loss_tracker.update_state(info)
        self.mi_tracker.update_state(code_entropy(self.num_categories, self.num_continuous) - nll)
        hits = tf.equal(tf.argmax(cat_logits, -1, output_type=tf.int32), codes["categorical"])
        self.code_accuracy_tracker.update_state(tf.cast(hits, tf.float32))
        self.d_loss_tracker.update_state(d_values)
        self.g_loss_tracker.update_state(g_values)
        self.loss_tracker.update_state(d_values + g_values + info)
        self.real_score_tracker.update_state(tf.sigmoid(real_logits))
        self.fake_score_tracker.update_state(tf.sigmoid(fake_logits))
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return super().metrics + [
            self.info_loss_tracker,
            self.mi_tracker,
            self.code_accuracy_tracker,
        ]

    # ------------------------------------------------------------------ contract

    def serving_input_specs(self):
        specs = {
            "noise": tf.TensorSpec((None, self.noise_dim), tf.float32, name="noise"),
            "categorical": tf.TensorSpec((None,), tf.int32, name="categorical"),
        }
        if self.num_continuous:
            specs["continuous"] = tf.TensorSpec(
                (None, self.num_continuous), tf.float32, name="continuous"
            )
        return specs

    def serving_outputs(self, noise, categorical, continuous=None):
        return {"images": self.generate_from_codes(noise, categorical, continuous)}

    def get_config(self):
        return {
            **super().get_config(),
            "num_categories": self.num_categories,
            "num_continuous": self.num_continuous,
            "lambda_categorical": self.lambda_categorical,
            "lambda_continuous": self.lambda_continuous,
            "q_hidden": self.q_hidden,
        }
