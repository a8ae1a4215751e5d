"""Attention-guided image translation (Mejjati, Richardt, Tompkin, Cosker & Kim,
"Unsupervised Attention-guided Image-to-Image Translation", NeurIPS 2018).

- `attention_network`: A, image -> one-channel map in [0, 1] of the same height
  and width: where the translation may change the image. The paper's attention
  networks are small encoder-decoders ending in a sigmoid; here CycleGAN's ResNet
  generator (`tfxlearn.nets.resnet_generator`) with one output channel, a
  sigmoid, and by default one downsampling and one residual block.
- `attention_blend`: the attention-guided generator of a direction,

      x' = A(x) * G(x) + (1 - A(x)) * x                  (the paper's eq. 1)

  as one functional `keras.Model` over the two networks (shared, not copied):
  where A(x) = 0 the image passes unchanged, where A(x) = 1 it is G(x).
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from tfxlearn.nets.translation import resnet_generator


def attention_network(
    input_shape: Sequence[int] = (28, 28, 1),
    filters: int = 16,
    downsamples: int = 1,
    residual_blocks: int = 1,
    norm: str = "instance",
    name: str = "attention",
) -> keras.Model:
    """A: images [batch, H, W, C] -> attention [batch, H, W, 1] in [0, 1] (sigmoid).

    CycleGAN's ResNet generator (see `resnet_generator` for the arguments) with one
    output channel: c7s1-f, `downsamples` stride-2 convolutions, `residual_blocks`
    residual blocks, as many transposed convolutions, a 7x7 convolution to one
    channel and a sigmoid.
    """
    return resnet_generator(
        input_shape,
        output_channels=1,
        filters=filters,
        downsamples=downsamples,
        residual_blocks=residual_blocks,
        norm=norm,
        output_activation="sigmoid",
        name=name,
    )


def _shape(net: keras.Model, which: str, argument: str) -> tuple:
    shapes = net.inputs if which == "input" else net.outputs
    if not isinstance(net, keras.Model) or len(shapes or []) != 1:
        raise ValueError(f"{argument} must be a keras.Model with one {which} (images)")
    shape = tuple(shapes[0].shape[1:])
    if len(shape) != 3:
        raise ValueError(f"{argument} {which} must be images [batch, H, W, C], got {shape}")
    return shape


def attention_blend(
    generator: keras.Model, attention: keras.Model, name: str = "attention_guided"
) -> keras.Model:
    """The model x -> A(x) * G(x) + (1 - A(x)) * x of `generator` G and `attention` A.

    Raises:
        ValueError: G does not map images to images of their own shape, or A does
            not take those images to a one-channel map of their height and width.
    """
    shape = _shape(generator, "input", "generator")
    if _shape(generator, "output", "generator") != shape:
        raise ValueError(
            f"generator must keep the image shape {shape} to be blended with its input, "
            f"got output shape {_shape(generator, 'output', 'generator')}"
        )
    if _shape(attention, "input", "attention") != shape:
        raise ValueError(
            f"attention input shape {_shape(attention, 'input', 'attention')} must be the "
            f"generator's {shape}"
        )
    want = (*shape[:2], 1)
    if _shape(attention, "output", "attention") != want:
        raise ValueError(
            f"attention must output a one-channel map {want}, got "
            f"{_shape(attention, 'output', 'attention')}"
        )
    images = keras.Input(shape=shape, name="images")
    translated = generator(images)
    mask = attention(images)
    change = keras.layers.Subtract(name="change")([translated, images])
    if shape[-1] != 1:
        mask = keras.layers.Concatenate(name="mask_channels")([mask] * shape[-1])
    masked = keras.layers.Multiply(name="masked_change")([mask, change])
    blended = keras.layers.Add(name="translated")([images, masked])
    return keras.Model(images, blended, name=name)
