"""AVE-Net: aligned audio-visual embeddings (Arandjelovic & Zisserman, "Objects that
Sound", ECCV 2018).

Same task as L3-Net (`tfxlearn.pretext.audio_visual_correspondence`: does this
sound belong to this image?), but the fusion is a *distance*: each sub-network
ends in two fully connected layers (128 -> 128) and an L2 normalisation, the
Euclidean distance between the two embeddings goes through a learned affine
map fc(1 -> 2) and a softmax. The only way to solve the task is to put the
image and the audio of the same thing close together, so the two modalities
share one space: cross-modal retrieval (image -> audio, audio -> image) works
by nearest neighbours, and so does retrieval within each modality.

Inputs of `call`: `{"images": float32 [N, H, W, C] in [0, 1], "audio": float32
[N, samples]}` -> 2 logits (index 1 = "they correspond").

Serving signature: `images`, `audio` -> `image_embedding`, `audio_embedding`
(L2-normalised, `embedding_dim`) and `logits` (correspondence of each
image/audio pair, row by row).

Evaluation hook: `evaluation_encoder(input_shape)` returns the audio
sub-network for waveforms and the image sub-network for images (their pooled
conv features, before the projection); `features="embedding"` (pipeline:
`evaluation.encoder_options`) returns the aligned, normalised embedding instead.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfxlearn.paradigms.base_audio_visual import AudioVisualPairClassifier
from tfxlearn.registry import PARADIGMS

_FEATURES = ("encoder", "embedding")
_EPSILON = 1e-12  # keeps the gradient of the distance finite at 0


def projection(embedding_dim: int = 128, hidden: int = 128, name: str = "projection"):
    """fc(hidden) -> ReLU -> fc(embedding_dim) (the paper's fc1 / fc2 of each
    sub-network); the L2 normalisation is applied by the paradigm."""
    return keras.Sequential(
        [
            keras.layers.Dense(int(hidden), activation="relu", name=f"{name}_fc1"),
            keras.layers.Dense(int(embedding_dim), name=f"{name}_fc2"),
        ],
        name=name,
    )


def distance_head(name: str = "distance_head") -> keras.Model:
    """fc(1 -> 2): the correspondence logits as an affine function of the distance."""
    return keras.Sequential(
        [keras.Input((1,)), keras.layers.Dense(2, name=f"{name}_fc")], name=name
    )


@PARADIGMS.register("ave_net")
@keras.saving.register_keras_serializable(package="tfxlearn")
class AVENet(AudioVisualPairClassifier):
    """Audio-visual correspondence through the distance of aligned embeddings.

    Args:
        encoder: the image sub-network (images -> pooled conv features).
        audio_encoder: the audio sub-network (e.g. `tfxlearn.nets.audio_encoder`).
        embedding_dim: size of the shared, L2-normalised embedding (paper: 128).
        hidden: width of each projection's first layer (paper: 128).
        image_projection / audio_projection: models mapping each sub-network's
            features to `embedding_dim`; `projection(embedding_dim, hidden)` if omitted.
        head: model mapping the distance [N, 1] to 2 logits; fc(1 -> 2) if omitted.
    """

    pretext = "audio_visual_correspondence"
    sub_models = (*AudioVisualPairClassifier.sub_models, "image_projection", "audio_projection")

    def __init__(
        self,
        encoder: keras.Model,
        audio_encoder: keras.Model,
        embedding_dim: int = 128,
        hidden: int = 128,
        image_projection: keras.Model | None = None,
        audio_projection: keras.Model | None = None,
        head: keras.Model | None = None,
        **kwargs,
    ):
        if int(embedding_dim) < 1 or int(hidden) < 1:
            raise ValueError(
                f"embedding_dim and hidden must be >= 1, got {embedding_dim}, {hidden}"
            )
        super().__init__(
            encoder=encoder,
            audio_encoder=audio_encoder,
            head=head if head is not None else distance_head(),
            **kwargs,
        )
        self.embedding_dim = int(embedding_dim)
        self.hidden = int(hidden)
        self.image_projection = image_projection or projection(
            self.embedding_dim, self.hidden, "image_projection"
        )
        self.audio_projection = audio_projection or projection(
            self.embedding_dim, self.hidden, "audio_projection"
        )

    def embed_images(self, images, training=False):
        features = self.image_projection(self.encoder(images, training=training), training=training)
        return tf.math.l2_normalize(features, axis=-1)

    def embed_audio(self, audio, training=False):
        features = self.audio_projection(
            self.audio_encoder(audio, training=training), training=training
        )
        return tf.math.l2_normalize(features, axis=-1)

    @staticmethod
    def distance(image_embeddings, audio_embeddings) -> tf.Tensor:
        """Euclidean distance of each row pair, [N, 1] (in [0, 2] for unit vectors)."""
        squared = tf.reduce_sum(tf.square(image_embeddings - audio_embeddings), -1, keepdims=True)
        return tf.sqrt(squared + _EPSILON)

    def pair_logits(self, image_embeddings, audio_embeddings, training=False):
        return self.head(self.distance(image_embeddings, audio_embeddings), training=training)

    def evaluation_encoder(self, input_shape: tuple, features: str = "encoder") -> keras.Model:
        """The sub-network for this input (audio `(samples,)` or images `(H, W, C)`):
        its pooled conv features (`features="encoder"`), or the aligned L2-normalised
        embedding (`features="embedding"`, a functional model of the input)."""
        if features not in _FEATURES:
            raise ValueError(f"features must be one of {_FEATURES}, got {features!r}")
        network = self._evaluation_network(input_shape)
        if features == "encoder":
            return network
        head = self.audio_projection if network is self.audio_encoder else self.image_projection
        inputs = keras.Input(tuple(input_shape), name="inputs")
        outputs = keras.layers.UnitNormalization(name="l2_normalize")(head(network(inputs)))
        return keras.Model(inputs, outputs, name=f"{network.name}_embedding")

    def get_config(self):
        return {
            **super().get_config(),
            "embedding_dim": self.embedding_dim,
            "hidden": self.hidden,
        }
