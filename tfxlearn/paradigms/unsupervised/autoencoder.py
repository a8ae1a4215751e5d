"""Autoencoders: an encoder to a small code and a decoder back to the image,
trained to reconstruct their input (Hinton & Salakhutdinov, "Reducing the
Dimensionality of Data with Neural Networks", Science 2006; Bengio, Lamblin,
Popovici & Larochelle, "Greedy Layer-Wise Training of Deep Networks", NIPS 2006).

The model, its loss and its training step are the family's shared shape,
`tfxlearn.paradigms.base_autoencoder.AutoencoderBase` (its docstring describes
them); this is the plain one, without corruption or penalty.

Serving signature: `images` (float32 [batch, H, W, C] in [0, 1]) ->
`embedding` (the encoder's pooled features), `code` (the bottleneck) and
`reconstruction` (in [0, 1]).
"""

from __future__ import annotations

import keras

from tfxlearn.paradigms.base_autoencoder import AutoencoderBase
from tfxlearn.registry import PARADIGMS


@keras.saving.register_keras_serializable(package="tfxlearn")
@PARADIGMS.register("autoencoder")
class Autoencoder(AutoencoderBase):
    """A plain autoencoder: images -> encoder -> Dense code -> decoder -> images.

    Args: those of `AutoencoderBase` (encoder, latent_dim, decoder,
    decoder_widths, reconstruction_loss, code_activation).
    """
