"""Networks of style transfer: feature extractors and the transformation network.

Feature extractors (images in [0, 1] -> feature maps whose named layers the
perceptual losses read, `tfxlearn.losses.PerceptualLoss`):

- `vgg19_extractor`: VGG19 (Simonyan & Zisserman, ICLR 2015) as Gatys, Ecker &
  Bethge (CVPR 2016) used it, with ImageNet weights when they are on disk
  (`keras.applications`, Caffe preprocessing inside the model); `weights=None`
  builds the same graph untrained.
- `random_texture_extractor`: a random-weight multi-scale convolutional
  network. Ustyuzhaninov, Brendel, Gatys & Bethge ("What does it take to
  generate natural textures?", ICLR 2017) showed that the Gram statistics of
  random filters of several sizes already synthesize natural textures; with no
  ImageNet weights offline this is the default. Each block runs parallel random
  convolutions of several kernel sizes (multi-scale), a ReLU, and average
  pooling down to the next scale; the weights are a seeded He-normal draw,
  never trained.
- `default_extractor()`: VGG19 with ImageNet weights if the Keras cache holds
  them (no download is attempted), else the random network.
- `default_layers(extractor)`: the content and style layers of either.

`transformation_net` is the feed-forward image transformation network of
Johnson, Alahi & Fei-Fei (ECCV 2016, supplementary material): a 9x9
convolution, two stride-2 downsampling convolutions, residual blocks, two
upsampling steps and a 9x9 output convolution, with instance normalization
(Ulyanov, Vedaldi & Lempitsky 2016; Keras's `GroupNormalization(groups=-1)`)
instead of batch norm. Differences from the paper: upsampling is nearest
neighbour + 3x3 convolution (Odena et al., Distill 2016: no checkerboard
artifacts) instead of fractionally strided convolutions, zero "same" padding
instead of the paper's reflection padding and unpadded residual blocks, and a
output in [0, 1] instead of a scaled tanh in [0, 255] (optionally a change of
the input, `residual=True`; see `transformation_net`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import keras

VGG19_CONTENT_LAYERS = ("block4_conv2",)
VGG19_STYLE_LAYERS = (
    "block1_conv1",
    "block2_conv1",
    "block3_conv1",
    "block4_conv1",
    "block5_conv1",
)
VGG19_WEIGHTS_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


@keras.saving.register_keras_serializable(package="tfxlearn")
class CaffePreprocess(keras.layers.Layer):
    """RGB images in [0, 1] -> the input of Caffe-trained VGG: BGR in [0, 255]
    minus the ImageNet channel means (`keras.applications.vgg19.preprocess_input`)."""

    def call(self, images):
        bgr = keras.ops.flip(images * 255.0, axis=-1)
        return bgr - keras.ops.convert_to_tensor(_CAFFE_MEAN_BGR, dtype=bgr.dtype)


def _check_input_shape(input_shape) -> tuple:
    shape = tuple(input_shape)
    if len(shape) != 3 or shape[-1] is None or int(shape[-1]) < 1:
        raise ValueError(
            f"input_shape must be (height, width, channels) with a known channel count "
            f"(height / width may be None), got {input_shape!r}"
        )
    return tuple(None if d is None else int(d) for d in shape)


def keras_weights_path(filename: str = VGG19_WEIGHTS_FILE) -> str:
    """Where `keras.applications` caches downloaded weights ($KERAS_HOME/models)."""
    home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return os.path.join(home, "models", filename)


def vgg19_extractor(
    weights: str | None = "imagenet",
    input_shape: Sequence[int | None] = (None, None, 3),
    name: str = "vgg19",
) -> keras.Model:
    """VGG19's convolutional part on images in [0, 1] (Caffe preprocessing inside).

    Args:
        weights: "imagenet" (the Keras cache must hold them: nothing is
            downloaded), None (random init: the same graph, e.g. for tests), or
            the path of a weights file.
        input_shape: (height, width, 3); height and width may be None.

    Raises:
        ValueError: ImageNet weights that are not on disk (the message says where
            they are looked for), or a channel count other than 3.
    """
    shape = _check_input_shape(input_shape)
    if shape[-1] != 3:
        raise ValueError(f"VGG19 takes RGB images (3 channels), got input_shape {shape}")
    if weights == "imagenet" and not os.path.isfile(keras_weights_path()):
        raise ValueError(
            f"VGG19 ImageNet weights are not on disk ({keras_weights_path()}) and tfxlearn "
            "does not download them: copy the file there, pass weights=<path of a weights "
            "file>, or use weights=None / random_texture_extractor()"
        )
    if weights == "imagenet":
        weights = keras_weights_path()
    inputs = keras.Input(shape, name="images")
    x = CaffePreprocess(name="caffe_preprocess")(inputs)
    vgg = keras.applications.VGG19(include_top=False, weights=weights, input_tensor=x)
    return keras.Model(inputs, vgg.output, name=name)


def random_texture_extractor(
    input_shape: Sequence[int | None] = (None, None, 3),
    widths: Sequence[int] = (48, 96, 192),
    kernel_sizes: Sequence[int] = (3, 5, 7),
    seed: int = 0,
    name: str = "random_texture",
) -> keras.Model:
    """A random-weight multi-scale convolutional network (Ustyuzhaninov et al., ICLR 2017).

    Block i (1-based) concatenates `len(kernel_sizes)` random convolutions
    (`block{i}_conv{k}`, k x k, widths[i] / len(kernel_sizes) filters each) into
    `block{i}_concat`, applies `block{i}_relu`, then `block{i}_pool` (2x2
    average) before the next block. Inputs in [0, 1] are centred to [-1, 1].
    The weights are a He-normal draw from `seed`; the model is not trainable.

    Args:
        input_shape: (height, width, channels); height and width may be None.
        widths: output channels of each block (divisible by len(kernel_sizes)).
        kernel_sizes: the filter sizes of every block (the scales).
        seed: seed of the random weights (the same seed, the same network).
    """
    shape = _check_input_shape(input_shape)
    widths = [int(w) for w in widths]
    kernel_sizes = [int(k) for k in kernel_sizes]
    if not widths or not kernel_sizes or min(kernel_sizes) < 1:
        raise ValueError("widths and kernel_sizes must be non-empty, kernel sizes >= 1")
    for w in widths:
        if w < len(kernel_sizes) or w % len(kernel_sizes):
            raise ValueError(
                f"each width must be a positive multiple of len(kernel_sizes) "
                f"({len(kernel_sizes)}), got widths {widths}"
            )
    inputs = keras.Input(shape, name="images")
    x = keras.layers.Rescaling(2.0, offset=-1.0, name="center")(inputs)
    for i, width in enumerate(widths, 1):
        branches = [
            keras.layers.Conv2D(
                width // len(kernel_sizes),
                k,
                padding="same",
                kernel_initializer=keras.initializers.HeNormal(seed=int(seed) * 1000 + 10 * i + j),
                name=f"block{i}_conv{k}",
            )(x)
            for j, k in enumerate(kernel_sizes)
        ]
        x = (
            branches[0]
            if len(branches) == 1
            else keras.layers.Concatenate(name=f"block{i}_concat")(branches)
        )
        x = keras.layers.ReLU(name=f"block{i}_relu")(x)
        if i < len(widths):
            x = keras.layers.AveragePooling2D(2, name=f"block{i}_pool")(x)
    model = keras.Model(inputs, x, name=name)
    model.trainable = False
    return model


def default_extractor(input_shape: Sequence[int | None] = (None, None, 3)) -> keras.Model:
    """VGG19 with ImageNet weights when the Keras cache holds them (and the images
    are RGB), else `random_texture_extractor(input_shape)`. Nothing is downloaded."""
    shape = _check_input_shape(input_shape)
    if shape[-1] == 3 and os.path.isfile(keras_weights_path()):
        return vgg19_extractor("imagenet", shape)
    return random_texture_extractor(shape)


def default_layers(extractor: keras.Model) -> tuple[list[str], list[str]]:
    """(content layers, style layers) of an extractor built here: VGG19's
    block4_conv2 and block1..5_conv1 (Gatys et al.); for the random network the
    ReLU of the middle block ((n + 1) // 2 of n) and the ReLU of every block.

    Raises:
        ValueError: another model (the message lists its layers: name them).
    """
    names = [layer.name for layer in extractor.layers]
    if all(n in names for n in VGG19_CONTENT_LAYERS + VGG19_STYLE_LAYERS):
        return list(VGG19_CONTENT_LAYERS), list(VGG19_STYLE_LAYERS)
    relus = [f"block{i}_relu" for i in range(1, len(names) + 1) if f"block{i}_relu" in names]
    if relus:
        return [relus[(len(relus) + 1) // 2 - 1]], relus
    raise ValueError(
        f"no default content / style layers for model {extractor.name!r}: pass "
        "content_layers and style_layers; its layers are: " + ", ".join(names)
    )


@keras.saving.register_keras_serializable(package="tfxlearn")
class ResidualImage(keras.layers.Layer):
    """`sigmoid(logit(images) + delta)`: the transformation network's output as a
    change of its input, in [0, 1]; with `delta` 0 it returns the input (the
    logit of pixels clipped to [eps, 1 - eps])."""

    def __init__(self, eps: float = 1e-3, **kwargs):
        super().__init__(**kwargs)
        self.eps = float(eps)

    def call(self, images, delta):
        x = keras.ops.clip(images, self.eps, 1.0 - self.eps)
        return keras.ops.sigmoid(keras.ops.log(x) - keras.ops.log1p(-x) + delta)

    def get_config(self):
        return {**super().get_config(), "eps": self.eps}


def _conv_norm(x, filters: int, kernel: int, stride: int, name: str, relu: bool = True):
    x = keras.layers.Conv2D(filters, kernel, strides=stride, padding="same", name=f"{name}_conv")(x)
    x = keras.layers.GroupNormalization(groups=-1, name=f"{name}_instance_norm")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x) if relu else x


def transformation_net(
    input_shape: Sequence[int | None] = (None, None, 3),
    widths: Sequence[int] = (32, 64, 128),
    residual_blocks: int = 5,
    residual: bool = False,
    name: str = "transformation_net",
) -> keras.Model:
    """Johnson et al.'s image transformation network, images [0, 1] -> images [0, 1].

    Args:
        input_shape: (height, width, channels); height and width may be None
            (fully convolutional) but must be multiples of 4 at call time.
        widths: channels of the 9x9 input convolution and of the two stride-2
            downsampling convolutions (the residual blocks use the last).
        residual_blocks: number of residual blocks (the paper: 5).
        residual: the output as a change of the input, `sigmoid(logit(input) +
            out_conv(...))` with `out_conv` initialized to 0 (the untrained
            network returns its input); default False, the paper's plain output.
            Measured once (brick, one epoch on the skimage_photos crops, 64 test
            crops): content loss 0.30 residual vs 0.15 plain, the residual
            network's colours saturating; a plain network with a large style
            weight (100, 1000) collapsed to painting the texture whatever the input.
    """
    shape = _check_input_shape(input_shape)
    widths = [int(w) for w in widths]
    if len(widths) != 3 or min(widths) < 1:
        raise ValueError(f"widths must be 3 positive channel counts, got {widths}")
    if isinstance(residual_blocks, bool) or int(residual_blocks) < 0:
        raise ValueError(f"residual_blocks must be an int >= 0, got {residual_blocks!r}")
    inputs = keras.Input(shape, name="images")
    x = keras.layers.Rescaling(2.0, offset=-1.0, name="center")(inputs)
    x = _conv_norm(x, widths[0], 9, 1, "in")
    x = _conv_norm(x, widths[1], 3, 2, "down1")
    x = _conv_norm(x, widths[2], 3, 2, "down2")
    for r in range(1, int(residual_blocks) + 1):
        y = _conv_norm(x, widths[2], 3, 1, f"res{r}a")
        y = _conv_norm(y, widths[2], 3, 1, f"res{r}b", relu=False)
        x = keras.layers.Add(name=f"res{r}_add")([x, y])
    for u, filters in enumerate((widths[1], widths[0]), 1):
        x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"up{u}_upsample")(x)
        x = _conv_norm(x, filters, 3, 1, f"up{u}")
    if not residual:
        x = keras.layers.Conv2D(shape[-1], 9, padding="same", name="out_conv")(x)
        return keras.Model(
            inputs, keras.layers.Activation("sigmoid", name="stylized")(x), name=name
        )
    delta = keras.layers.Conv2D(
        shape[-1], 9, padding="same", kernel_initializer="zeros", name="out_conv"
    )(x)
    return keras.Model(inputs, ResidualImage(name="stylized")(inputs, delta), name=name)
