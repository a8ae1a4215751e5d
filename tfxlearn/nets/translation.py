"""Image-to-image networks: generators that map an image to an image of the same
size, and the PatchGAN discriminator that judges images patch by patch.

- `resnet_generator`: the generator of CycleGAN (Zhu et al., ICCV 2017,
  appendix 7.2, after Johnson et al., "Perceptual Losses for Real-Time Style
  Transfer and Super-Resolution", ECCV 2016): a 7x7 convolution, stride-2
  downsampling convolutions, residual blocks at the low resolution, stride-2
  transposed convolutions back up, a 7x7 convolution to the output channels.
  The paper's "c7s1-64, d128, d256, R256 x 6|9, u128, u64, c7s1-3" is
  `filters=64, downsamples=2, residual_blocks=6 or 9`.
- `unet_generator`: the encoder-decoder with skip connections of pix2pix
  (Isola et al., "Image-to-Image Translation with Conditional Adversarial
  Networks", CVPR 2017, section 3.2.1; Ronneberger et al., MICCAI 2015): each
  encoder level's features are concatenated to the decoder level of the same
  resolution, so low-level detail (edges) can bypass the bottleneck.
- `patchgan_discriminator`: the Markovian discriminator of pix2pix (section
  3.2.2) used by CycleGAN: a fully convolutional net whose output is a map of
  scores, one per overlapping input patch (the paper's 70x70 PatchGAN is
  `widths=(64, 128, 256, 512)`), judging local texture and leaving global
  structure to the L1 / cycle term. Its input may be any (height, width,
  channels), e.g. a condition and an image concatenated along the channels
  (pix2pix's conditional discriminator).

Normalization is instance normalization by default, as in both papers (Ulyanov
et al., 2016): Keras core's `GroupNormalization(groups=-1)`, not
tensorflow-addons (docs/architecture.md section 7). Instance norm normalises
each image on its own, so one device and N replicas compute the same outputs.
Images are floats in [0, 1]: the generators end in a sigmoid by default (the
papers' tanh suits images in [-1, 1]). Zero padding replaces the papers'
reflection padding (no Keras core layer; at 28x28 the difference is at the
borders only).
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from tfxlearn.nets.norm import norm_layer

TRANSLATION_NORMS = ("instance", "batch", "sync_batch", "none")


def _check_image_shape(shape, argument: str) -> tuple[int, int, int]:
    try:
        h, w, c = (int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(f"{argument} must be (height, width, channels), got {shape!r}") from None
    if min(h, w, c) < 1:
        raise ValueError(f"{argument} must be positive, got {shape!r}")
    return h, w, c


def _check_norm(norm: str) -> str:
    if norm not in TRANSLATION_NORMS:
        raise ValueError(f"norm must be one of {TRANSLATION_NORMS}, got {norm!r}")
    return norm


def _normalize(x, norm: str, name: str):
    layer = norm_layer("group" if norm == "instance" else norm, name)
    return x if layer is None else layer(x)


def _positive(value, argument: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or int(value) != value or int(value) < minimum:
        raise ValueError(f"{argument} must be an int >= {minimum}, got {value!r}")
    return int(value)


def resnet_generator(
    input_shape: Sequence[int] = (28, 28, 1),
    output_channels: int | None = None,
    filters: int = 32,
    downsamples: int = 2,
    residual_blocks: int = 6,
    norm: str = "instance",
    output_activation: str | None = "sigmoid",
    name: str = "generator",
) -> keras.Model:
    """CycleGAN's ResNet generator: image -> image of the same height and width.

    c7s1-f -> d(2f) ... d(2^n f) -> R(2^n f) x residual_blocks -> u(2^(n-1) f)
    ... u(f) -> c7s1-output_channels, where c7s1-k is a 7x7 stride-1 convolution
    (norm, ReLU), dk a 3x3 stride-2 convolution (norm, ReLU), Rk a residual block
    of two 3x3 convolutions with norm (ReLU between), uk a 3x3 stride-2
    transposed convolution (norm, ReLU). E.g. 28x28 with 2 downsamplings works
    at 7x7.

    Args:
        input_shape: (height, width, channels); height and width divisible by
            2 ** downsamples.
        output_channels: channels of the output (default: the input's).
        filters: f, the width of the first convolution (the paper: 64).
        downsamples: n, stride-2 downsamplings (the paper: 2).
        residual_blocks: residual blocks at the lowest resolution (6 or 9).
        norm: "instance" (default, the paper's), "batch", "sync_batch" or "none".
        output_activation: "sigmoid" for images in [0, 1]; None for linear.
        name: the Keras model name.

    Returns:
        A functional `keras.Model` from `images` [batch, H, W, C] to
        `translated` [batch, H, W, output_channels].
    """
    h, w, c = _check_image_shape(input_shape, "input_shape")
    out_c = c if output_channels is None else _positive(output_channels, "output_channels")
    filters = _positive(filters, "filters")
    downsamples = _positive(downsamples, "downsamples", 0)
    residual_blocks = _positive(residual_blocks, "residual_blocks", 0)
    norm = _check_norm(norm)
    scale = 2**downsamples
    if h % scale or w % scale:
        raise ValueError(
            f"input_shape {(h, w, c)}: height and width must be divisible by "
            f"2 ** downsamples = {scale}"
        )
    bias = norm == "none"

    def conv_norm_relu(x, width, kernel, strides, tag, transpose=False):
        layer = keras.layers.Conv2DTranspose if transpose else keras.layers.Conv2D
        x = layer(width, kernel, strides=strides, padding="same", use_bias=bias, name=tag)(x)
        x = _normalize(x, norm, f"{tag}_norm")
        return keras.layers.ReLU(name=f"{tag}_relu")(x)

    images = keras.Input(shape=(h, w, c), name="images")
    x = conv_norm_relu(images, filters, 7, 1, "c7s1")
    for i in range(downsamples):
        x = conv_norm_relu(x, filters * 2 ** (i + 1), 3, 2, f"down{i}")
    width = filters * scale
    for r in range(residual_blocks):
        y = conv_norm_relu(x, width, 3, 1, f"res{r}_a")
        y = keras.layers.Conv2D(width, 3, padding="same", use_bias=bias, name=f"res{r}_b")(y)
        y = _normalize(y, norm, f"res{r}_b_norm")
        x = keras.layers.Add(name=f"res{r}_add")([x, y])
    for i in reversed(range(downsamples)):
        x = conv_norm_relu(x, filters * 2**i, 3, 2, f"up{i}", transpose=True)
    translated = keras.layers.Conv2D(
        out_c, 7, padding="same", activation=output_activation, name="translated"
    )(x)
    return keras.Model(images, translated, name=name)


def unet_generator(
    input_shape: Sequence[int] = (28, 28, 1),
    output_channels: int | None = None,
    widths: Sequence[int] = (32, 64),
    norm: str = "instance",
    dropout: float = 0.0,
    kernel_size: int = 4,
    output_activation: str | None = "sigmoid",
    name: str = "generator",
) -> keras.Model:
    """pix2pix's U-Net: image -> image, with skip connections between mirrored levels.

    Encoder: one 4x4 stride-2 convolution per width (LeakyReLU 0.2, norm from
    the second on, as in pix2pix's C64-C128-...). Decoder: 4x4 stride-2
    transposed convolutions (norm, optional dropout - pix2pix's noise - , ReLU),
    each output concatenated with the encoder features of the same resolution;
    a last transposed convolution gives the output channels at full size.

    Args:
        input_shape: (height, width, channels); height and width divisible by
            2 ** len(widths).
        output_channels: channels of the output (default: the input's).
        widths: filters of the encoder levels (the decoder mirrors them).
        norm: "instance" (default), "batch", "sync_batch" or "none".
        dropout: dropout rate in the decoder blocks (pix2pix: 0.5 on the
            innermost three; 0 disables it).
        kernel_size: kernel of every (transposed) convolution.
        output_activation: "sigmoid" for images in [0, 1]; None for linear.
        name: the Keras model name.

    Returns:
        A functional `keras.Model` from `images` to `translated` (same H, W).
    """
    h, w, c = _check_image_shape(input_shape, "input_shape")
    out_c = c if output_channels is None else _positive(output_channels, "output_channels")
    widths = [_positive(v, "widths") for v in widths]
    if not widths:
        raise ValueError("widths must be a non-empty list of positive ints")
    norm = _check_norm(norm)
    if not 0.0 <= float(dropout) < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    scale = 2 ** len(widths)
    if h % scale or w % scale:
        raise ValueError(
            f"input_shape {(h, w, c)}: height and width must be divisible by "
            f"2 ** len(widths) = {scale}"
        )
    bias = norm == "none"
    images = keras.Input(shape=(h, w, c), name="images")
    x, skips = images, []
    for i, width in enumerate(widths):
        x = keras.layers.Conv2D(
            width, kernel_size, strides=2, padding="same", use_bias=bias or i == 0, name=f"down{i}"
        )(x)
        if i > 0:
            x = _normalize(x, norm, f"down{i}_norm")
        x = keras.layers.LeakyReLU(0.2, name=f"down{i}_lrelu")(x)
        skips.append(x)
    for i in reversed(range(len(widths) - 1)):
        x = keras.layers.Conv2DTranspose(
            widths[i], kernel_size, strides=2, padding="same", use_bias=bias, name=f"up{i}"
        )(x)
        x = _normalize(x, norm, f"up{i}_norm")
        if dropout:
            x = keras.layers.Dropout(float(dropout), name=f"up{i}_dropout")(x)
        x = keras.layers.ReLU(name=f"up{i}_relu")(x)
        x = keras.layers.Concatenate(name=f"skip{i}")([x, skips[i]])
    translated = keras.layers.Conv2DTranspose(
        out_c,
        kernel_size,
        strides=2,
        padding="same",
        activation=output_activation,
        name="translated",
    )(x)
    return keras.Model(images, translated, name=name)


def patchgan_discriminator(
    input_shape: Sequence[int] = (28, 28, 1),
    widths: Sequence[int] = (64, 128, 256),
    norm: str = "instance",
    kernel_size: int = 4,
    name: str = "discriminator",
) -> keras.Model:
    """A PatchGAN discriminator: image -> map of raw patch scores [batch, h', w', 1].

    Blocks of 4x4 convolutions with LeakyReLU(0.2): stride 2 for all but the
    last width, which has stride 1 (pix2pix's C64-C128-C256-C512 with the last
    block at stride 1), norm on every block but the first, then a 4x4 stride-1
    convolution to one score per patch (no activation: the least-squares loss
    takes raw scores, the log loss takes them as logits). At 28x28 the default
    widths (64, 128, 256) give a 7x7 map of scores, each seeing a 34x34
    receptive field (clipped by the image): 1 + 3 (1 + 2 + 4 + 4) pixels.

    Args:
        input_shape: (height, width, channels), e.g. channels of a condition and
            an image concatenated (pix2pix).
        widths: filters of each block.
        norm: "instance" (default), "batch", "sync_batch" or "none".
        kernel_size: kernel of every convolution.
        name: the Keras model name.

    Returns:
        A functional `keras.Model` from `images` to `scores`.
    """
    h, w, c = _check_image_shape(input_shape, "input_shape")
    widths = [_positive(v, "widths") for v in widths]
    if not widths:
        raise ValueError("widths must be a non-empty list of positive ints")
    norm = _check_norm(norm)
    strided = len(widths) - 1
    if min(h, w) < 2**strided:
        raise ValueError(
            f"input_shape {(h, w, c)} is too small for {strided} stride-2 blocks "
            f"(needs at least {2**strided} pixels per side)"
        )
    images = keras.Input(shape=(h, w, c), name="images")
    x = images
    for i, width in enumerate(widths):
        strides = 2 if i < strided else 1
        x = keras.layers.Conv2D(
            width,
            kernel_size,
            strides=strides,
            padding="same",
            use_bias=norm == "none" or i == 0,
            name=f"block{i}_conv",
        )(x)
        if i > 0:
            x = _normalize(x, norm, f"block{i}_norm")
        x = keras.layers.LeakyReLU(0.2, name=f"block{i}_lrelu")(x)
    scores = keras.layers.Conv2D(1, kernel_size, padding="same", name="scores")(x)
    return keras.Model(images, scores, name=name)
