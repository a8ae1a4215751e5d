"""Variational autoencoder (Kingma & Welling, "Auto-Encoding Variational Bayes",
ICLR 2014).

The encoder q(z | x) is a diagonal Gaussian: two Dense heads on the conv
encoder's pooled features give its mean mu and log-variance log sigma^2. A
latent is drawn with the reparameterisation trick, z = mu + sigma * eps,
eps ~ N(0, I), so the gradient flows through mu and sigma. The decoder p(x | z)
is a Bernoulli per pixel: it gives logits and the reconstruction term is the
sigmoid cross-entropy *summed* over the pixels, so
    -ELBO(x) = E_q[-log p(x | z)] + KL(q(z | x) || N(0, I))
is in nats per image, with the KL in closed form (the paper's appendix B):
    KL = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2).
Training minimises reconstruction + beta * KL (beta = 1 is the VAE; beta > 1
the beta-VAE of Higgins et al., ICLR 2017); `negative_elbo` always reports
beta = 1 with `samples` draws of z per image.

Fashion-MNIST pixels are grey levels, not binary: the Bernoulli term with
grey targets is their cross-entropy, a lower bound of which is the pixels'
own entropy, so the "nats" are comparable between models on the same data
but are not a likelihood bound of discrete images (binarise the images for
that).

The noise eps comes from the training step's stateless seed and is drawn for
the whole global batch (`global_batch_noise`), the same on one device and N
replicas. `encode` and serving give the posterior mean as the code and
`reconstruct` decodes the mean (deterministic). With `latent_dim=2`,
`latent_map` draws the paper's figure 4: the test codes coloured by class
beside the decoded manifold over Gaussian quantiles.

Serving signature: `images` -> `embedding` (pooled encoder features), `code`
(the posterior mean), `log_variance` and `reconstruction` (in [0, 1]).
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.paradigms.base import batched_numpy, check_images, global_batch_noise
from tfxlearn.paradigms.base_autoencoder import (
    AutoencoderBase,
    reconstruction_loss_values,
)
from tfxlearn.registry import PARADIGMS


def kl_divergence(mean: tf.Tensor, log_variance: tf.Tensor) -> tf.Tensor:
    """KL(N(mean, exp(log_variance)) || N(0, I)) of each example, [batch], in nats:
    1/2 sum_j (mean_j^2 + exp(log_variance_j) - 1 - log_variance_j)."""
    mean = tf.convert_to_tensor(mean)
    log_variance = tf.cast(log_variance, mean.dtype)
    return 0.5 * tf.reduce_sum(tf.square(mean) + tf.exp(log_variance) - 1.0 - log_variance, axis=-1)


def reparameterize(mean: tf.Tensor, log_variance: tf.Tensor, eps: tf.Tensor) -> tf.Tensor:
    """z = mean + exp(log_variance / 2) * eps (eps ~ N(0, I)): a sample of
    N(mean, exp(log_variance)) that is differentiable in mean and log_variance."""
    mean = tf.convert_to_tensor(mean)
    return mean + tf.exp(0.5 * tf.cast(log_variance, mean.dtype)) * tf.cast(eps, mean.dtype)


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("vae")
class VAE(AutoencoderBase):
    """A variational autoencoder with a Bernoulli decoder.

    Args:
        encoder: a Keras model from fixed-shape images to pooled features
            [batch, d] (e.g. `tfxlearn.nets.conv_encoder`); the
            representation the linear probe and kNN evaluate.
        latent_dim, decoder, decoder_widths: as `AutoencoderBase` (keywords):
            z's size (32; 2 for the latent map plot), the model from z to pixel
            logits and the default decoder's channels.
        beta: weight of the KL term (>= 0); 1 is the VAE's ELBO.
        seed: seed of the noise eps of the training steps.
    """

    code_layer_name = "mean"
    derived_arguments = ("reconstruction_loss", "code_activation")  # fixed for the VAE

    def __init__(
        self,
        encoder: keras.Model,
        beta: float = 1.0,
        seed: int = 0,
        **kwargs,
    ):
        beta = float(beta)
        if not beta >= 0.0 or not np.isfinite(beta):
            raise ValueError(
                f"beta (the weight of the KL term) must be finite and >= 0, got {beta}"
            )
        super().__init__(encoder=encoder, reconstruction_loss="bce", code_activation=None, **kwargs)
        self.beta = beta
        self.seed = int(seed)
        self.log_variance_head = keras.layers.Dense(self.latent_dim, name="log_variance")
        self.log_variance_head.build((None, int(self.encoder.output_shape[-1])))
        self.kl_tracker = keras.metrics.Mean(name="kl")

    # ------------------------------------------------------------------ forward

    def posterior(self, images: tf.Tensor, training: bool = False) -> tuple:
        """(mean, log_variance) [batch, latent_dim] of q(z | images)."""
        features = self.encoder(images, training=training)
        return self.bottleneck(features), self.log_variance_head(features)

    def loss_terms(self, images, seed, training=False):
        mean, log_variance = self.posterior(images, training=training)
        eps = global_batch_noise(seed, tf.shape(images)[0], (self.latent_dim,))
        logits = self.decoder(reparameterize(mean, log_variance, eps), training=training)
        reconstruction = reconstruction_loss_values(images, logits, "bce", reduce="sum")
        kl = kl_divergence(mean, log_variance)
        return {"loss": reconstruction + self.beta * kl, "reconstruction": reconstruction, "kl": kl}

    @property
    def metrics(self):
        return super().metrics + [self.kl_tracker]

    # ------------------------------------------------------------------ NumPy helpers

    def negative_elbo(
        self, images, samples: int = 1, batch_size: int = 500, seed: int = 0
    ) -> float:
        """Mean negative ELBO of `images` (uint8 or float in [0, 1]), nats per image.

        -ELBO = E_q[-log p(x | z)] + KL(q(z | x) || N(0, I)) with beta = 1,
        the expectation estimated with `samples` draws of z per image (seeded
        by `seed`); the KL is exact. Batch norm uses its moving statistics.
        """
        if isinstance(samples, bool) or int(samples) != samples or samples < 1:
            raise ValueError(f"samples must be a positive int, got {samples!r}")
        counter = iter(range(1 << 30))

        def per_image(x):
            check_images(x, self.image_shape)
            mean, log_variance = self.posterior(x)
            index = next(counter)
            reconstruction = 0.0
            for s in range(int(samples)):
                eps = tf.random.stateless_normal(
                    tf.shape(mean), [int(seed), index * int(samples) + s]
                )
                logits = self.decoder(reparameterize(mean, log_variance, eps), training=False)
                reconstruction += reconstruction_loss_values(x, logits, "bce", reduce="sum")
            return reconstruction / int(samples) + kl_divergence(mean, log_variance)

        return float(np.mean(batched_numpy(per_image, images, batch_size)))

    def sample(self, count: int, seed: int = 0, batch_size: int = 500) -> np.ndarray:
        """`count` images [count, H, W, C] in [0, 1]: sigmoid(decoder(z)), z ~ N(0, I)
        (the Bernoulli means, not binary samples)."""
        if isinstance(count, bool) or int(count) != count or count < 1:
            raise ValueError(f"count must be a positive int, got {count!r}")
        latent = tf.random.stateless_normal([int(count), self.latent_dim], [int(seed), 7])
        return np.concatenate(
            [
                self.decode(latent[i : i + int(batch_size)]).numpy()
                for i in range(0, int(count), int(batch_size))
            ]
        )

    def progress_images(self, count: int = 64) -> np.ndarray:
        """A fixed set of samples for the per-epoch grids (`ProgressImages`): the same
        latent vectors (seeded by the paradigm's `seed`) every call."""
        return self.sample(count, seed=self.seed)

    def plots(self, plot_dir: str, images, labels, class_names=None) -> dict:
        """The pipeline's paradigm figures: reconstructions, samples and the latent map."""
        from tfxlearn import viz  # plotting only when asked

        paths = super().plots(plot_dir, images, labels, class_names)
        paths["samples"] = viz.image_grid(
            self.sample(64, seed=self.seed),
            None,
            os.path.join(plot_dir, "vae_samples.png"),
            title=f"VAE samples, z ~ N(0, I) (latent_dim={self.latent_dim})",
        )
        paths["latent_map"] = self.latent_map(
            images, labels, os.path.join(plot_dir, "latent_map.png"), class_names=class_names
        )
        return paths

    def latent_map(
        self,
        images,
        labels,
        path: str,
        *,
        grid: int = 15,
        class_names: Sequence[str] | None = None,
        batch_size: int = 512,
        title: str | None = None,
    ) -> str:
        """A PNG of the latent space (Kingma & Welling, figure 4). Returns `path`.

        Left: the posterior means of `images` coloured by `labels` (the 2-D
        codes themselves when latent_dim == 2, else their first two principal
        components). Right, for latent_dim == 2 only: the decoder's images on a
        `grid` x `grid` lattice of z, the unit square's linearly spaced
        coordinates mapped through the inverse Gaussian CDF.
        """
        from tfxlearn import viz  # plotting only when asked

        labels = np.asarray(labels)
        codes = self.encode(images, batch_size=batch_size)
        if labels.shape != (len(codes),):
            raise ValueError(
                f"labels must hold one label per image ({len(codes)}), got shape {labels.shape}"
            )
        if isinstance(grid, bool) or int(grid) != grid or grid < 2:
            raise ValueError(f"grid must be an int >= 2, got {grid!r}")
        two_d = self.latent_dim == 2
        points = codes if two_d else viz.pca_2d(codes.astype(np.float64))
        plt = viz.plt
        fig, axes = plt.subplots(1, 2 if two_d else 1, figsize=(12 if two_d else 6, 5.5))
        axes = np.atleast_1d(axes)
        cmap = plt.get_cmap("tab10")
        for c in np.unique(labels):
            mask = labels == c
            name = class_names[int(c)] if class_names else str(c)
            axes[0].scatter(
                points[mask, 0],
                points[mask, 1],
                s=3,
                alpha=0.6,
                color=cmap(int(c) % 10),
                label=name,
            )
        axes[0].legend(markerscale=4, fontsize=7, loc="best")
        axes[0].set_xlabel("z 1" if two_d else "PC 1 of the means")
        axes[0].set_ylabel("z 2" if two_d else "PC 2 of the means")
        axes[0].set_title("posterior means by class")
        if two_d:
            n = int(grid)
            quantiles = [statistics.NormalDist().inv_cdf(p) for p in np.linspace(0.05, 0.95, n)]
            # Rows from top (large z 2) to bottom, columns left to right (z 1).
            z = np.array([[a, b] for b in quantiles[::-1] for a in quantiles], np.float32)
            decoded = self.decode(tf.constant(z)).numpy()
            h, w, c = decoded.shape[1:]
            canvas = (
                decoded.reshape(n, n, h, w, c).transpose(0, 2, 1, 3, 4).reshape(n * h, n * w, c)
            )
            extent = (quantiles[0], quantiles[-1], quantiles[0], quantiles[-1])
            if c == 1:
                axes[1].imshow(canvas[..., 0], cmap="gray", vmin=0, vmax=1, extent=extent)
            else:
                axes[1].imshow(np.clip(canvas, 0, 1), extent=extent)
            axes[1].set_xlabel("z 1")
            axes[1].set_ylabel("z 2")
            axes[1].set_title("decoded manifold (Gaussian quantiles)")
        fig.suptitle(title or f"VAE latent space (latent_dim={self.latent_dim})", fontsize=10)
        return viz._save(fig, path)

    # ------------------------------------------------------------------ contract

    def serving_outputs(self, images):
        check_images(images, self.image_shape)
        features = self.encoder(images, training=False)
        mean = self.bottleneck(features)
        return {
            "embedding": features,
            "code": mean,
            "log_variance": self.log_variance_head(features),
            "reconstruction": self.decode(mean),
        }

    def get_config(self):
        return {**super().get_config(), "beta": self.beta, "seed": self.seed}
