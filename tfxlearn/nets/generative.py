"""Generator, discriminator and latent-code networks of the generative paradigms.

`dcgan_generator` and `dcgan_discriminator` follow the architecture guidelines
of DCGAN (Radford, Metz & Chintala, "Unsupervised Representation Learning with
Deep Convolutional Generative Adversarial Networks", ICLR 2016): no pooling
(strided convolutions in the discriminator, fractionally-strided ones in the
generator), batch norm in both nets except the generator's output and the
discriminator's input layer, ReLU in the generator, LeakyReLU(0.2) in the
discriminator. Our images are floats in [0, 1], so the generator ends in a
sigmoid by default (the paper's tanh suits images scaled to [-1, 1]).

`dcgan_discriminator` returns the discriminator's *features* (flattened last
conv block); each paradigm puts its own heads on top (one real/fake logit, K
class logits, an InfoGAN code head, a projection for class conditioning), and
the features double as a representation for the linear probe.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from tfxlearn.nets.layers import WeightNormDense
from tfxlearn.nets.norm import norm_layer

_GENERATOR_NORMS = ("batch", "sync_batch", "none")
_DISCRIMINATOR_NORMS = ("batch", "sync_batch", "layer", "none")


def _check_image_shape(shape: Sequence[int], argument: str) -> tuple[int, int, int]:
    try:
        h, w, c = (int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(f"{argument} must be (height, width, channels), got {shape!r}") from None
    if min(h, w, c) < 1:
        raise ValueError(f"{argument} must be positive, got {shape!r}")
    return h, w, c


def _check_widths(widths: Sequence[int]) -> list[int]:
    widths = [int(w) for w in widths]
    if not widths or min(widths) < 1:
        raise ValueError(f"widths must be a non-empty list of positive ints, got {widths}")
    return widths


def dcgan_generator(
    latent_dim: int = 64,
    output_shape: Sequence[int] = (28, 28, 1),
    widths: Sequence[int] = (128, 64),
    norm: str = "batch",
    kernel_size: int = 4,
    output_activation: str | None = "sigmoid",
    name: str = "generator",
) -> keras.Model:
    """A DCGAN generator: latent vector -> image.

    The latent vector is projected to a [h / 2^n, w / 2^n, widths[0]] map
    (n = len(widths)), then each of the n fractionally-strided convolutions
    doubles the resolution; the channels go through `widths[1:]` and end at
    the image's channels. E.g. 28x28x1 with widths (128, 64): 7x7x128 ->
    14x14x64 -> 28x28x1.

    Args:
        latent_dim: size of the input vector (noise, plus any codes or labels
            the paradigm concatenates).
        output_shape: (height, width, channels) of the images; height and
            width must be divisible by 2 ** len(widths).
        widths: channels of the projected map and of each upsampling block.
        norm: "batch", "sync_batch" (cross-replica statistics) or "none".
        kernel_size: kernel of the transposed convolutions.
        output_activation: "sigmoid" for images in [0, 1]; None gives logits
            (for a Bernoulli likelihood, as in the VAE).
        name: the Keras model name.

    Returns:
        A functional `keras.Model` from `latent` [batch, latent_dim] to images.
    """
    if int(latent_dim) < 1:
        raise ValueError(f"latent_dim must be >= 1, got {latent_dim}")
    h, w, c = _check_image_shape(output_shape, "output_shape")
    widths = _check_widths(widths)
    if norm not in _GENERATOR_NORMS:
        raise ValueError(f"norm must be one of {_GENERATOR_NORMS}, got {norm!r}")
    scale = 2 ** len(widths)
    if h % scale or w % scale:
        raise ValueError(
            f"output_shape {(h, w, c)}: height and width must be divisible by "
            f"2 ** len(widths) = {scale} (one doubling per width)"
        )

    def norm_relu(x, tag):
        layer = norm_layer(norm, f"{tag}_norm")
        if layer is not None:
            x = layer(x)
        return keras.layers.ReLU(name=f"{tag}_relu")(x)

    latent = keras.Input(shape=(int(latent_dim),), name="latent")
    x = keras.layers.Dense(
        (h // scale) * (w // scale) * widths[0], use_bias=norm == "none", name="project"
    )(latent)
    x = norm_relu(x, "project")
    x = keras.layers.Reshape((h // scale, w // scale, widths[0]), name="reshape")(x)
    for i, width in enumerate(widths[1:]):
        x = keras.layers.Conv2DTranspose(
            width, kernel_size, strides=2, padding="same", use_bias=norm == "none", name=f"up{i}"
        )(x)
        x = norm_relu(x, f"up{i}")
    images = keras.layers.Conv2DTranspose(
        c, kernel_size, strides=2, padding="same", activation=output_activation, name="images"
    )(x)
    return keras.Model(latent, images, name=name)


def dcgan_discriminator(
    input_shape: Sequence[int] = (28, 28, 1),
    widths: Sequence[int] = (64, 128),
    norm: str = "batch",
    kernel_size: int = 4,
    dropout: float = 0.0,
    name: str = "discriminator",
) -> keras.Model:
    """A DCGAN discriminator body: image -> flattened features (heads are the paradigm's).

    Each block is a stride-2 convolution and LeakyReLU(0.2), with
    normalization from the second block on (DCGAN leaves the input layer
    unnormalized) and optional dropout.

    Args:
        input_shape: (height, width, channels) of the images.
        widths: filters of each stride-2 block.
        norm: "batch", "sync_batch", "layer" (per-example, so real and fake
            examples never share statistics) or "none".
        kernel_size: kernel of the convolutions.
        dropout: dropout rate after each block (0 disables it).
        name: the Keras model name.

    Returns:
        A functional `keras.Model` from `images` to `features` [batch, d].
    """
    h, w, c = _check_image_shape(input_shape, "input_shape")
    widths = _check_widths(widths)
    if norm not in _DISCRIMINATOR_NORMS:
        raise ValueError(f"norm must be one of {_DISCRIMINATOR_NORMS}, got {norm!r}")
    if not 0.0 <= float(dropout) < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    if min(h, w) < 2 ** len(widths):
        raise ValueError(
            f"input_shape {(h, w, c)} is too small for {len(widths)} stride-2 blocks "
            f"(needs at least {2 ** len(widths)} pixels per side)"
        )
    images = keras.Input(shape=(h, w, c), name="images")
    x = images
    for i, width in enumerate(widths):
        x = keras.layers.Conv2D(
            width, kernel_size, strides=2, padding="same", name=f"block{i}_conv"
        )(x)
        if i > 0 and norm == "layer":
            x = keras.layers.LayerNormalization(axis=[1, 2, 3], name=f"block{i}_norm")(x)
        elif i > 0:
            layer = norm_layer(norm, f"block{i}_norm")
            if layer is not None:
                x = layer(x)
        x = keras.layers.LeakyReLU(0.2, name=f"block{i}_lrelu")(x)
        if dropout:
            x = keras.layers.Dropout(float(dropout), name=f"block{i}_dropout")(x)
    features = keras.layers.Flatten(name="features")(x)
    return keras.Model(images, features, name=name)


def dense_decoder(
    latent_dim: int,
    output_shape: Sequence[int] = (28, 28, 1),
    hidden: Sequence[int] = (256,),
    output_activation: str | None = "sigmoid",
    name: str = "decoder",
) -> keras.Model:
    """An MLP from a latent vector to an image (the small decoder of autoencoders/VAEs).

    Args:
        latent_dim: size of the code.
        output_shape: (height, width, channels) of the reconstruction.
        hidden: widths of the ReLU hidden layers.
        output_activation: "sigmoid" for [0, 1] images, None for logits.
        name: the Keras model name.
    """
    if int(latent_dim) < 1:
        raise ValueError(f"latent_dim must be >= 1, got {latent_dim}")
    h, w, c = _check_image_shape(output_shape, "output_shape")
    latent = keras.Input(shape=(int(latent_dim),), name="latent")
    x = latent
    for i, width in enumerate(hidden):
        x = keras.layers.Dense(int(width), activation="relu", name=f"hidden{i}")(x)
    x = keras.layers.Dense(h * w * c, activation=output_activation, name="pixels")(x)
    images = keras.layers.Reshape((h, w, c), name="images")(x)
    return keras.Model(latent, images, name=name)


def _check_hidden(hidden: Sequence[int]) -> list[int]:
    hidden = [int(h) for h in hidden]
    if not hidden or min(hidden) < 1:
        raise ValueError(f"hidden must be a non-empty list of positive ints, got {hidden}")
    return hidden


def _check_noise(value: float, argument: str) -> float:
    if not float(value) >= 0.0:
        raise ValueError(f"{argument} must be a standard deviation >= 0, got {value}")
    return float(value)


def _dense(units: int, activation: str | None, weight_norm: bool, name: str):
    if weight_norm:
        return WeightNormDense(units, activation=activation, name=name)
    return keras.layers.Dense(units, activation=activation, name=name)


def mlp_discriminator(
    input_shape: Sequence[int] = (28, 28, 1),
    hidden: Sequence[int] = (1000, 500, 250, 250, 250),
    input_noise: float = 0.3,
    noise: float = 0.5,
    weight_norm: bool = False,
    name: str = "discriminator",
) -> keras.Model:
    """The fully connected discriminator body of the semi-supervised GAN on MNIST
    (Salimans et al., "Improved Techniques for Training GANs", NIPS 2016): the
    flattened image with additive Gaussian noise, then ReLU layers of `hidden`
    units, each followed by additive Gaussian noise. The noise (training only)
    is the network's regularizer: with 100 labelled images an unregularized
    classifier memorises them within an epoch. The paper also weight-normalizes
    every layer (`weight_norm=True`).

    Args:
        input_shape: (height, width, channels) of the images.
        hidden: units of each hidden layer (the paper's 1000-500-250-250-250).
        input_noise: standard deviation of the noise added to the pixels (0.3).
        noise: standard deviation of the noise after each hidden layer (0.5).
        weight_norm: `WeightNormDense` layers (weight normalization with the
            data-dependent initialization on the first training batch) instead
            of plain `Dense` ones.
        name: the Keras model name.

    Returns:
        A functional `keras.Model` from `images` to `features` [batch, hidden[-1]]
        (the last hidden layer, after its noise).
    """
    h, w, c = _check_image_shape(input_shape, "input_shape")
    hidden = _check_hidden(hidden)
    input_noise = _check_noise(input_noise, "input_noise")
    noise = _check_noise(noise, "noise")
    images = keras.Input(shape=(h, w, c), name="images")
    x = keras.layers.Flatten(name="pixels")(images)
    if input_noise:
        x = keras.layers.GaussianNoise(input_noise, name="input_noise")(x)
    for i, units in enumerate(hidden):
        x = _dense(units, "relu", weight_norm, f"hidden{i}")(x)
        if noise:
            x = keras.layers.GaussianNoise(noise, name=f"hidden{i}_noise")(x)
    features = keras.layers.Identity(name="features")(x)
    return keras.Model(images, features, name=name)


def mlp_generator(
    latent_dim: int = 100,
    output_shape: Sequence[int] = (28, 28, 1),
    hidden: Sequence[int] = (500, 500),
    norm: str = "batch",
    activation: str = "softplus",
    output_activation: str | None = "sigmoid",
    name: str = "generator",
) -> keras.Model:
    """The fully connected generator of the semi-supervised GAN on MNIST (Salimans
    et al., NIPS 2016): latent -> `hidden` layers (softplus, batch norm) ->
    pixels in [0, 1].

    Args:
        latent_dim: size of the input vector.
        output_shape: (height, width, channels) of the images.
        hidden: units of each hidden layer (the paper's 500-500).
        norm: "batch", "sync_batch" (cross-replica statistics) or "none".
        activation: activation of the hidden layers.
        output_activation: "sigmoid" for images in [0, 1]; None gives logits.
        name: the Keras model name.

    Returns:
        A functional `keras.Model` from `latent` [batch, latent_dim] to images.
    """
    if int(latent_dim) < 1:
        raise ValueError(f"latent_dim must be >= 1, got {latent_dim}")
    h, w, c = _check_image_shape(output_shape, "output_shape")
    hidden = _check_hidden(hidden)
    if norm not in _GENERATOR_NORMS:
        raise ValueError(f"norm must be one of {_GENERATOR_NORMS}, got {norm!r}")
    latent = keras.Input(shape=(int(latent_dim),), name="latent")
    x = latent
    for i, units in enumerate(hidden):
        x = keras.layers.Dense(units, use_bias=norm == "none", name=f"hidden{i}")(x)
        layer = norm_layer(norm, f"hidden{i}_norm")
        if layer is not None:
            x = layer(x)
        x = keras.layers.Activation(activation, name=f"hidden{i}_{activation}")(x)
    x = keras.layers.Dense(h * w * c, activation=output_activation, name="pixels")(x)
    images = keras.layers.Reshape((h, w, c), name="images")(x)
    return keras.Model(latent, images, name=name)
