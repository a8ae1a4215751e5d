"""The shared shape of the audio-visual correspondence paradigms (L3-Net,
AVE-Net): an image and an audio sub-network and a pair head deciding whether
an image and a sound belong together, trained on the generated labels of
`tfxlearn.pretext.audio_visual_correspondence`.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.paradigms.base import check_images
from tfxlearn.paradigms.base_classifier import GeneratedLabelClassifier


def _same_shape(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b))


class AudioVisualPairClassifier(GeneratedLabelClassifier):
    """Image + audio sub-networks and a head deciding whether a pair corresponds.

    Subclasses implement `embed_images`, `embed_audio` and `pair_logits(image
    embeddings, audio embeddings) -> [N, 2]`.

    Args:
        encoder: the image sub-network (images -> features).
        audio_encoder: the audio sub-network (waveforms [N, samples], or log-mel
            [N, frames, bins, 1] when the op computes them -> features).
        head: the pair head (see subclasses).
    """

    sub_models = (*GeneratedLabelClassifier.sub_models, "audio_encoder")
    derived_arguments = ("num_classes",)

    def __init__(
        self, encoder: keras.Model, audio_encoder: keras.Model, head: keras.Model, **kwargs
    ):
        super().__init__(encoder=encoder, num_classes=2, head=head, **kwargs)
        if not isinstance(audio_encoder, keras.Model):
            raise TypeError(
                f"audio_encoder must be a keras.Model, got {type(audio_encoder).__name__}"
            )
        self.audio_encoder = audio_encoder

    @property
    def audio_shape(self) -> tuple:
        """Per-example input shape of the audio network ((samples,) for waveforms)."""
        return tuple(self.audio_encoder.input_shape[1:])

    # ------------------------------------------------------------------ inputs

    def check_audio(self, audio: tf.Tensor, argument: str = "audio") -> None:
        shape = tuple(audio.shape)
        want = self.audio_shape
        if len(want) == 1 and len(shape) == 3 and shape[-1] is not None and shape[-1] >= 2:
            raise ValueError(
                f"{argument} must be mono waveforms [batch, {want[0]}], got shape {shape} "
                f"({shape[-1]} channels: stereo / multichannel); average the channels first"
            )
        if len(shape) != len(want) + 1:
            raise ValueError(
                f"{argument} must be a batch of rank {len(want) + 1} [batch, "
                f"{', '.join(map(str, want))}], got shape {shape}"
            )
        if not _same_shape(shape[1:], want):
            what = "samples" if len(want) == 1 else "shape"
            raise ValueError(
                f"{argument} {what} do not match the audio network: got per-example shape "
                f"{shape[1:]}, it takes {want}"
            )

    def unpack(self, inputs) -> tuple[tf.Tensor, tf.Tensor]:
        """(images, audio) of a pair dict, checked against both sub-networks."""
        if not isinstance(inputs, dict) or not {"images", "audio"} <= set(inputs):
            got = sorted(inputs) if isinstance(inputs, dict) else type(inputs).__name__
            raise ValueError(
                f"{type(self).__name__} takes a dict {{'images': [N, H, W, C], 'audio': "
                f"[N, samples]}} of image/audio pairs (tfxlearn.pretext."
                f"audio_visual_correspondence); got {got}"
            )
        images, audio = inputs["images"], inputs["audio"]
        check_images(images, self.image_shape)
        self.check_audio(audio)
        n_img, n_aud = images.shape[0], audio.shape[0]
        if n_img is not None and n_aud is not None and n_img != n_aud:
            raise ValueError(
                f"audio/image count mismatch: {n_img} images but {n_aud} audio clips; the "
                "model scores pairs row by row"
            )
        return images, audio

    # ------------------------------------------------------------------ model

    def embed_images(self, images, training=False) -> tf.Tensor:
        raise NotImplementedError(f"{type(self).__name__} must define embed_images")

    def embed_audio(self, audio, training=False) -> tf.Tensor:
        raise NotImplementedError(f"{type(self).__name__} must define embed_audio")

    def pair_logits(self, image_embeddings, audio_embeddings, training=False) -> tf.Tensor:
        raise NotImplementedError(f"{type(self).__name__} must define pair_logits")

    def call(self, inputs, training=False):
        images, audio = self.unpack(inputs)
        return self.pair_logits(
            self.embed_images(images, training=training),
            self.embed_audio(audio, training=training),
            training=training,
        )

    def cross_modal_scores(
        self, image_embeddings, audio_embeddings, max_pairs: int = 65_536
    ) -> np.ndarray:
        """Correspondence score (logit "match" minus logit "mismatch") of every
        image with every audio clip: [n_images, n_audio], higher = more likely to
        correspond. Computed with the model's own pair head, in chunks."""
        image_embeddings = tf.convert_to_tensor(image_embeddings, tf.float32)
        audio_embeddings = tf.convert_to_tensor(audio_embeddings, tf.float32)
        n_aud = int(audio_embeddings.shape[0])
        rows = max(1, int(max_pairs) // max(n_aud, 1))
        out = []
        for start in range(0, int(image_embeddings.shape[0]), rows):
            chunk = image_embeddings[start : start + rows]
            c = int(chunk.shape[0])
            left = tf.repeat(chunk, n_aud, axis=0)
            right = tf.tile(audio_embeddings, [c, 1])
            logits = self.pair_logits(left, right, training=False)
            out.append(tf.reshape(logits[:, 1] - logits[:, 0], [c, n_aud]).numpy())
        return np.concatenate(out, axis=0)

    # ------------------------------------------------------------------ hooks

    def evaluation_encoder(self, input_shape: tuple, **options) -> keras.Model:
        """The audio network for audio inputs (waveforms `(samples,)`), the image
        network for images `(H, W, C)`: the pipeline probes the audio features with
        `dataset.image_key: "audio"`."""
        if options:
            raise ValueError(
                f"{type(self).__name__}.evaluation_encoder takes no options, got {sorted(options)}"
            )
        return self._evaluation_network(input_shape)

    def _evaluation_network(self, input_shape: tuple) -> keras.Model:
        shape = tuple(input_shape)
        if _same_shape(shape, self.audio_shape):
            return self.audio_encoder
        if _same_shape(shape, self.image_shape):
            return self.encoder
        raise ValueError(
            f"{type(self).__name__}: evaluation inputs of per-example shape {shape} match "
            f"neither the audio network {self.audio_shape} nor the image network "
            f"{self.image_shape}"
        )

    def serving_input_specs(self) -> dict[str, tf.TensorSpec]:
        return {
            "images": tf.TensorSpec((None, *self.image_shape), tf.float32, name="images"),
            "audio": tf.TensorSpec((None, *self.audio_shape), tf.float32, name="audio"),
        }

    def serving_outputs(self, images, audio):
        images, audio = self.unpack({"images": images, "audio": audio})
        image_embedding = self.embed_images(images)
        audio_embedding = self.embed_audio(audio)
        return {
            "image_embedding": image_embedding,
            "audio_embedding": audio_embedding,
            "logits": self.pair_logits(image_embedding, audio_embedding),
        }
