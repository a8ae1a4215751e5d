"""Arrow of time (Wei, Lim, Zisserman & Freeman, "Learning and Using the Arrow
of Time", CVPR 2018).

A conv net reads a window's frame differences stacked along the channels
(`tfxlearn.pretext.arrow_of_time`: [batch, H, W, (K - 1) * C]; the paper's
"T-CAM" reads stacked optical flow), global average pooling turns its last
feature map into a vector and a *linear* classifier predicts forward (0) or
reversed (1). With GAP + linear head the logit of class c is the spatial mean
of the class-activation map CAM_c(x, y) = sum_k w_kc F_k(x, y) (+ bias) (Zhou,
Khosla, Lapedriza, Oliva & Torralba, "Learning Deep Features for
Discriminative Localization", CVPR 2016), so `class_activation_map` shows
where in the frame the network found the evidence for the direction - the
paper's way of finding the regions that give away the arrow of time.

Evaluation: `evaluation_encoder((T, H, W, C))` is a plain functional model
clips -> `StackedDifferences` (the first K frames' differences, as the op
builds them) -> the encoder, so the linear probe and kNN read the same
features on whole clips.

Serving signature: `clips` (float32 [batch, K, H, W, C] in [0, 1]) ->
`embedding` (the GAP features), `logits` ([batch, 2]: forward, reversed) and
`cam` ([batch, H, W], the class-activation map of "reversed" minus that of
"forward": positive where the evidence says reversed).
"""

from __future__ import annotations

import os

import keras
import numpy as np
import tensorflow as tf

from tfxlearn.nets import classifier_head, feature_map
from tfxlearn.paradigms.base import check_images
from tfxlearn.paradigms.base_classifier import GeneratedLabelClassifier
from tfxlearn.pretext.arrow_of_time import check_window, stack_differences
from tfxlearn.registry import PARADIGMS


@keras.saving.register_keras_serializable(package="tfxlearn")
class StackedDifferences(keras.layers.Layer):
    """Clips [batch, T, H, W, C] -> the first `window` frames' differences stacked
    along channels [batch, H, W, (window - 1) * C] (see
    `tfxlearn.pretext.arrow_of_time.stack_differences`)."""

    def __init__(self, window: int, remove_mean: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.window = check_window(window, op="StackedDifferences")
        self.remove_mean = bool(remove_mean)

    def call(self, clips):
        return stack_differences(clips[:, : self.window], self.remove_mean)

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1]
        return (
            input_shape[0],
            input_shape[2],
            input_shape[3],
            None if channels is None else (self.window - 1) * channels,
        )

    def get_config(self):
        return {**super().get_config(), "window": self.window, "remove_mean": self.remove_mean}


def _linear_dense(head: keras.Model) -> keras.layers.Dense:
    dense = [layer for layer in head.layers if not isinstance(layer, keras.layers.InputLayer)]
    if (
        len(dense) != 1
        or not isinstance(dense[0], keras.layers.Dense)
        or dense[0].activation not in (None, keras.activations.linear)
    ):
        raise ValueError(
            "ArrowOfTime needs a linear head (one Dense layer without activation) on the "
            "global-average-pooled features, so that class-activation maps exist; got a head "
            f"with layers {[type(layer).__name__ for layer in head.layers]}"
        )
    return dense[0]


@PARADIGMS.register("arrow_of_time")
@keras.saving.register_keras_serializable(package="tfxlearn")
class ArrowOfTime(GeneratedLabelClassifier):
    """Forward-or-reversed classifier on stacked frame differences, with CAMs.

    Args:
        encoder: a conv net on [H, W, (window - 1) * C] stacked differences
            ending in global average pooling named "features" (e.g.
            `conv_encoder((32, 32, 7))` for window 8 on grey frames).
        window: frames per window K (the pretext op's `window`).
        remove_mean: whether the differences have their spatial mean removed
            (the op's `remove_mean`; used by the evaluation and serving models).
        head: a linear Keras model features -> 2 logits (built if omitted).

    Inputs of `call`: float [batch, H, W, (window - 1) * C], labels 1 = reversed.
    """

    pretext = "arrow_of_time"
    derived_arguments = ("num_classes",)

    def __init__(
        self,
        encoder: keras.Model,
        window: int = 8,
        remove_mean: bool = True,
        head: keras.Model | None = None,
        **kwargs,
    ):
        window = check_window(window, op="ArrowOfTime")
        if not isinstance(encoder, keras.Model):
            raise TypeError(f"encoder must be a keras.Model, got {type(encoder).__name__}")
        stacked = encoder.input_shape[-1]
        if stacked is None or stacked % (window - 1):
            raise ValueError(
                f"ArrowOfTime: the encoder takes {stacked} channels, which is not "
                f"(window - 1) * channels for window={window}: build it for "
                f"{window - 1} * C stacked difference channels"
            )
        pooling = next((x for x in encoder.layers if x.name == "features"), None)
        if not isinstance(pooling, keras.layers.GlobalAveragePooling2D):
            raise ValueError(
                "ArrowOfTime needs an encoder ending in global average pooling named "
                "'features' (e.g. tfxlearn.nets.conv_encoder(..., pooling='avg')), so "
                "that class-activation maps exist"
            )
        head = head if head is not None else classifier_head(2)
        _linear_dense(head)  # CAMs need GAP + one linear layer
        super().__init__(encoder=encoder, num_classes=2, head=head, **kwargs)
        self.window = window
        self.remove_mean = bool(remove_mean)
        self.channels = stacked // (window - 1)
        self.feature_map = feature_map(encoder)

    # ------------------------------------------------------------------ inputs

    def differences(self, clips: tf.Tensor) -> tf.Tensor:
        """Clips [batch, >= window, H, W, C] -> the model's input (first `window` frames)."""
        clips = tf.convert_to_tensor(clips)
        shape = (None, *self.image_shape[:2], self.channels)
        if clips.shape.rank != 5:
            raise ValueError(
                f"clips must be of rank 5 [batch, frames >= {self.window}, "
                f"{', '.join(map(str, shape[1:]))}], got shape {tuple(clips.shape)}"
            )
        if clips.shape[1] is not None and clips.shape[1] < self.window:
            raise ValueError(f"clips have {clips.shape[1]} frames, fewer than window={self.window}")
        check_images(clips[:, 0], self.image_shape[:2] + (self.channels,), "clips")
        return stack_differences(clips[:, : self.window], self.remove_mean)

    def _as_differences(self, inputs) -> tf.Tensor:
        inputs = tf.convert_to_tensor(inputs, tf.float32)
        return self.differences(inputs) if inputs.shape.rank == 5 else inputs

    # ---------------------------------------------------------------------- CAM

    def class_activation_map(
        self, inputs, class_index: int | None = None, upsample: bool = True
    ) -> tf.Tensor:
        """Class-activation maps [batch, H, W] (Zhou et al., CVPR 2016), upsampled
        bilinearly to the input size (`upsample=False`: at the feature-map size).

        Args:
            inputs: stacked differences [batch, H, W, (window - 1) * C] or clips
                [batch, T >= window, H, W, C] (their first window is used).
            class_index: 0 (forward) or 1 (reversed); None: each example's
                predicted class. Its spatial mean plus the head's bias is that
                class's logit (at the feature-map size).
            upsample: resize the maps to the input's height and width.
        """
        x = self._as_differences(inputs)
        check_images(x, self.image_shape, "inputs")
        maps = self.feature_map(x, training=False)  # [b, h, w, k]
        dense = _linear_dense(self.head)
        cams = tf.einsum("bhwk,kc->bhwc", maps, tf.convert_to_tensor(dense.kernel))
        if class_index is None:
            index = tf.argmax(tf.reduce_mean(cams, axis=[1, 2]), axis=-1, output_type=tf.int32)
        else:
            if class_index not in (0, 1):
                raise ValueError(f"class_index must be 0, 1 or None, got {class_index!r}")
            index = tf.fill([tf.shape(cams)[0]], int(class_index))
        cam = tf.gather(tf.transpose(cams, [0, 3, 1, 2]), index, axis=1, batch_dims=1)
        if not upsample:
            return cam
        size = self.image_shape[:2]
        return tf.image.resize(cam[..., None], size, method="bilinear")[..., 0]

    def plots(self, plot_dir: str, images, labels, class_names=None, examples: int = 6) -> dict:
        """The pipeline's paradigm figure: class-activation maps of test clips,
        each window forward and reversed (`images`: clips [n, T, H, W, C] in [0, 1])."""
        del labels, class_names
        clips = np.asarray(images, np.float32)
        if clips.ndim != 5 or clips.shape[1] < self.window:
            return {}
        path = os.path.join(plot_dir, "class_activation_maps.png")
        return {"class_activation_maps": self.cam_png(clips[:examples], path)}

    def cam_png(self, clips: np.ndarray, path: str, title: str | None = None) -> str:
        """A PNG: per clip, the window's middle frame, then the CAM of "reversed"
        (red: evidence for reversed, blue: for forward) over the forward and over
        the reversed window, each titled with P(reversed)."""
        from tfxlearn import viz  # plotting only

        plt = viz.plt
        clips = np.asarray(clips, np.float32)[:, : self.window]
        played = {"forward": clips, "reversed": clips[:, ::-1]}
        cams, probs = {}, {}
        for name, windows in played.items():
            x = self.differences(windows)
            # CAM of "reversed" minus "forward": the logit margin, resolved in space.
            cams[name] = (self.class_activation_map(x, 1) - self.class_activation_map(x, 0)).numpy()
            probs[name] = tf.nn.softmax(self(x, training=False)).numpy()[:, 1]
        limit = max(1e-6, max(float(np.abs(c).max()) for c in cams.values()))
        n = len(clips)
        fig, axes = plt.subplots(n, 3, figsize=(6.0, 2.0 * n), squeeze=False)
        middle = clips[:, self.window // 2, ..., 0]
        for i in range(n):
            axes[i, 0].imshow(middle[i], cmap="gray", vmin=0, vmax=1)
            axes[i, 0].set_title("middle frame", fontsize=8)
            for j, name in enumerate(played, start=1):
                axes[i, j].imshow(middle[i], cmap="gray", vmin=0, vmax=1)
                axes[i, j].imshow(cams[name][i], cmap="bwr", vmin=-limit, vmax=limit, alpha=0.55)
                axes[i, j].set_title(f"{name}: P(rev)={probs[name][i]:.2f}", fontsize=8)
            for ax in axes[i]:
                ax.axis("off")
        fig.suptitle(
            title or "arrow of time: class-activation maps (red = reversed, blue = forward)",
            fontsize=9,
        )
        return viz._save(fig, path)

    # ------------------------------------------------------------------ contract

    def evaluation_encoder(self, input_shape: tuple, **options) -> keras.Model:
        """Clips [T, H, W, C] -> `StackedDifferences(window)` -> the encoder: a plain
        functional model (the baselines clone it). No options."""
        if options:
            raise ValueError(f"ArrowOfTime.evaluation_encoder takes no options, got {options}")
        input_shape = tuple(int(d) for d in input_shape)
        if len(input_shape) != 4:
            raise ValueError(
                f"ArrowOfTime evaluates clips: input_shape must be (frames, H, W, C), got "
                f"{input_shape}"
            )
        check_window(self.window, input_shape[0], op="ArrowOfTime.evaluation_encoder")
        clips = keras.Input(input_shape, name="clips")
        x = StackedDifferences(self.window, self.remove_mean, name="differences")(clips)
        return keras.Model(clips, self.encoder(x), name="arrow_of_time_clip_encoder")

    def serving_input_specs(self):
        shape = (None, self.window, *self.image_shape[:2], self.channels)
        return {"clips": tf.TensorSpec(shape, tf.float32, name="clips")}

    def serving_outputs(self, clips):
        x = self.differences(clips)
        embedding = self.encoder(x, training=False)
        cam = self.class_activation_map(x, 1) - self.class_activation_map(x, 0)
        return {"embedding": embedding, "logits": self.head(embedding), "cam": cam}

    def get_config(self):
        return {**super().get_config(), "window": self.window, "remove_mean": self.remove_mean}
