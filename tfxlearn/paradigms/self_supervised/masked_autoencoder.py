"""Masked autoencoder (He, Chen, Xie, Li, Dollár & Girshick, "Masked Autoencoders
Are Scalable Vision Learners", CVPR 2022), for a convolutional encoder.

`tfxlearn.pretext.masked_autoencoder` masks a random 75% of the patches of
each image; this model reconstructs the pixels of the masked patches, with a
mean-squared error over the masked pixels only.

How this differs from the ViT original, honestly:
- MAE's ViT encoder *drops* the masked patches: it never sees them, saves
  their compute, and the decoder inserts mask tokens before predicting. A
  convolutional encoder works on the whole pixel grid, so here the masked
  pixels are *replaced* by a learned mask token (one value per channel, the
  pixel-level mask token of SimMIM, Xie et al., CVPR 2022) and the encoder
  processes the full canvas. The learned token tells "masked" apart from
  "black" (Fashion-MNIST's background is 0, the op's fill value), which a zero
  fill alone would confuse.
- The convolutions' receptive fields grow over masked regions, so deeper
  features mix visible and masked positions ("mask pattern vanishing", Tian et
  al., SparK, ICLR 2023). SparK and ConvNeXt-V2 (Woo et al., CVPR 2023) avoid
  that with sparse convolutions / re-masking the feature maps after every
  layer, and masked batch-norm statistics. We do not: re-masking needs the
  encoder's internals (any `keras.Model` encoder is accepted) and masked
  batch norm needs a custom normalization layer. What keeps the task from
  being solved locally is the high ratio over whole patches (a 75% masked
  7x7 grid of 4x4 patches leaves holes larger than a few pixels) and the loss
  on masked pixels only.
- Batch-norm statistics of the encoder are those of masked images during
  pretraining; at evaluation it sees whole images (the "train/test
  discrepancy" SparK and ConvNeXt-V2 mention). The linear probe standardizes
  features, which absorbs part of the shift.
- The decoder is `tfxlearn.nets.conv_decoder` from the encoder's last feature
  map (before global pooling), a small upsampling conv net (MAE's decoder is a
  narrow Transformer over all tokens).

Serving signature: `images` (float32 [batch, H, W, C] in [0, 1]) ->
`embedding` (encoder of the whole images) and `reconstruction` (the decoder's
prediction). Pixels set to NaN in `images` are treated as masked: the
reconstruction fills them in from the rest, and the embedding sees them as 0.
Without NaNs the reconstruction is a plain autoencoding of the whole image.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfxlearn.nets import conv_decoder, feature_map
from tfxlearn.nets.norm import synchronize_like
from tfxlearn.paradigms.base import Paradigm, check_images
from tfxlearn.registry import PARADIGMS


class MaskedPixelMSE(keras.losses.Loss):
    """Mean squared error over the masked pixels of each image.

    `y_true` is `{"target": [b, h, w, c], "mask": [b, h, w, 1]}` (1 = masked);
    each image's loss is the mean over its masked pixels (and channels), and
    Keras's reduction averages the images (and scales for the strategy). As
    every image has the same number of masked pixels, this is the mean over
    all masked pixels of the batch.
    """

    def call(self, y_true, y_pred):
        mask = y_true["mask"][..., 0]
        error = tf.reduce_mean(tf.square(y_pred - y_true["target"]), axis=-1)
        count = tf.maximum(tf.reduce_sum(mask, axis=[1, 2]), 1.0)
        return tf.reduce_sum(error * mask, axis=[1, 2]) / count


def _split_inputs(inputs):
    """(images, mask) of dict inputs, or of images whose NaN pixels are masked."""
    if isinstance(inputs, dict):
        missing = {"images", "mask"} - set(inputs)
        if missing:
            raise ValueError(
                f"MaskedAutoencoder inputs must be a dict with 'images' and 'mask' (as "
                f"tfxlearn.pretext.masked_autoencoder makes) or an image batch; missing {missing}"
            )
        return inputs["images"], inputs["mask"]
    images = tf.convert_to_tensor(inputs)
    if images.shape.rank != 4:
        return images, None
    mask = tf.reduce_any(tf.math.is_nan(images), axis=-1, keepdims=True)
    return images, tf.cast(mask, images.dtype)


@PARADIGMS.register("masked_autoencoder")
@keras.saving.register_keras_serializable(package="tfxlearn")
class MaskedAutoencoder(Paradigm):
    """Reconstructs masked patches from the visible ones (loss on masked pixels only).

    Args:
        encoder: a functional Keras model with a fixed input shape (h, w, c)
            whose last feature map `tfxlearn.nets.feature_map` finds (e.g.
            `conv_encoder((28, 28, 1))`).
        decoder: a model from that feature map to [h, w, c] pixels;
            `conv_decoder(feature_shape, (h, w, c), widths=decoder_widths)`
            if omitted.
        decoder_widths: filters of the default decoder's upsampling steps.
        mask_token: replace masked pixels by a learned per-channel value
            before the encoder (True), or keep the op's fill value (False).
    """

    pretext = "masked_autoencoder"
    sub_models = ("encoder", "decoder")

    def __init__(
        self,
        encoder: keras.Model,
        decoder: keras.Model | None = None,
        decoder_widths: tuple = (64, 32),
        mask_token: bool = True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(encoder, keras.Model):
            raise TypeError(f"encoder must be a keras.Model, got {type(encoder).__name__}")
        image_shape = tuple(encoder.input_shape[1:])
        if len(image_shape) != 3 or any(d is None for d in image_shape):
            raise ValueError(
                "MaskedAutoencoder needs an encoder with a fixed input shape (height, width, "
                f"channels) to decode back to, got {image_shape}"
            )
        self.encoder = encoder
        self.features = feature_map(encoder)
        if decoder is None:
            decoder = synchronize_like(
                conv_decoder(
                    tuple(self.features.output.shape[1:]), image_shape, widths=decoder_widths
                ),
                encoder,
            )
        self.decoder = decoder
        self.decoder_widths = tuple(int(w) for w in decoder_widths)
        self.use_mask_token = bool(mask_token)
        self.mask_token = (
            self.add_weight(
                name="mask_token", shape=(image_shape[-1],), initializer="zeros", trainable=True
            )
            if self.use_mask_token
            else None
        )
        self.loss_fn = MaskedPixelMSE(name="masked_pixel_mse")

    def _fill(self, images, mask):
        """Masked pixels -> the learned token (or 0 for NaN pixels without a token)."""
        if self.mask_token is None:
            return tf.where(tf.math.is_nan(images), tf.zeros_like(images), images)
        token = tf.cast(self.mask_token, images.dtype) + tf.zeros_like(images)
        return tf.where(mask > 0, token, images)

    def call(self, inputs, training=False):
        images, mask = _split_inputs(inputs)
        check_images(images, self.image_shape)
        mask = tf.convert_to_tensor(mask)
        if mask.shape.rank != 4 or (mask.shape[-1] is not None and mask.shape[-1] != 1):
            raise ValueError(
                f"mask must be [batch, height, width, 1] (1 = masked), got shape {mask.shape}"
            )
        check_images(mask, self.image_shape[:2] + (1,), argument="mask")
        x = self._fill(images, tf.cast(mask, images.dtype))
        return self.decoder(self.features(x, training=training), training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if y is None or not isinstance(x, dict):
            raise ValueError(
                "MaskedAutoencoder needs ({'images', 'mask'}, targets) batches; wrap the "
                "dataset with tfxlearn.pretext.masked_autoencoder"
            )
        loss = self.loss_fn({"target": y, "mask": x["mask"]}, y_pred, sample_weight)
        if self.losses:  # regularization losses, scaled for the strategy by Keras
            loss = loss + super().compute_loss(x, y, y_pred, sample_weight, training)
        return loss

    def serving_outputs(self, images):
        clean = tf.where(tf.math.is_nan(images), tf.zeros_like(images), images)
        return {
            "embedding": self.encoder(clean, training=False),
            "reconstruction": self(images, training=False),
        }

    def get_config(self):
        return {
            **super().get_config(),
            "decoder_widths": list(self.decoder_widths),
            "mask_token": self.use_mask_token,
        }
