"""L3-Net: audio-visual correspondence (Arandjelovic & Zisserman, "Look, Listen and
Learn", ICCV 2017).

An image sub-network and an audio sub-network embed a frame and a second of
sound; their features are concatenated and a small MLP (the paper: fc 1024 ->
128 -> 2) decides whether the two belong together. The labels come from
`tfxlearn.pretext.audio_visual_correspondence` (matched pairs vs audio from
another example), so neither sub-network ever sees a class label; both must
learn what is *seen* and what is *heard* to tell a match. Here the image
network is `tfxlearn.nets.conv_encoder` and the audio network
`tfxlearn.nets.audio_encoder` (waveform -> log-mel layer -> conv blocks).

Inputs of `call`: `{"images": float32 [N, H, W, C] in [0, 1], "audio": float32
[N, samples]}` (the op's pair dict; other keys such as "image_index" are
ignored) -> 2 logits (index 1 = "they correspond").

Serving signature: `images`, `audio` -> `image_embedding`, `audio_embedding`
(the two sub-networks' features) and `logits` (correspondence of each
image/audio pair, row by row).

The model's shape - two sub-networks and a pair head, with the evaluation hook
that returns the audio network for waveforms and the image network for images -
is `tfxlearn.paradigms.base_audio_visual.AudioVisualPairClassifier`, shared
with AVE-Net.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfxlearn.nets import classifier_head
from tfxlearn.paradigms.base_audio_visual import AudioVisualPairClassifier
from tfxlearn.registry import PARADIGMS


@PARADIGMS.register("l3_net")
@keras.saving.register_keras_serializable(package="tfxlearn")
class L3Net(AudioVisualPairClassifier):
    """Audio-visual correspondence by fusion: concatenate the two sub-networks'
    features, MLP -> 2 logits (Arandjelovic & Zisserman, ICCV 2017).

    Args:
        encoder: the image sub-network.
        audio_encoder: the audio sub-network (e.g. `tfxlearn.nets.audio_encoder`).
        hidden: width of the fusion MLP's hidden layer (paper: 128).
        head: a model mapping the concatenated features to 2 logits; the MLP
            if omitted.
    """

    pretext = "audio_visual_correspondence"

    def __init__(
        self,
        encoder: keras.Model,
        audio_encoder: keras.Model,
        hidden: int = 128,
        head: keras.Model | None = None,
        **kwargs,
    ):
        if int(hidden) < 0:
            raise ValueError(f"hidden must be >= 0, got {hidden}")
        if head is None:
            head = classifier_head(2, hidden=int(hidden), name="fusion")
        super().__init__(encoder=encoder, audio_encoder=audio_encoder, head=head, **kwargs)
        self.hidden = int(hidden)

    def embed_images(self, images, training=False):
        return self.encoder(images, training=training)

    def embed_audio(self, audio, training=False):
        return self.audio_encoder(audio, training=training)

    def pair_logits(self, image_embeddings, audio_embeddings, training=False):
        fused = tf.concat([image_embeddings, audio_embeddings], axis=-1)
        return self.head(fused, training=training)

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden}
