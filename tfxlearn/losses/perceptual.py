"""Perceptual loss of style transfer (Johnson, Alahi & Fei-Fei, "Perceptual
Losses for Real-Time Style Transfer and Super-Resolution", ECCV 2016, eq. 5,
after Gatys, Ecker & Bethge, CVPR 2016, eq. 7):

    L(x) = alpha * mean_c L_content(F_c(x), F_c(p))
         + beta  * sum_l w_l E_l(x, a)
         + gamma * TV(x)

for a generated image x, a content image p and a style image a, the features F
of a fixed network at content layers c and style layers l. The three terms are
`content_loss` (losses/content.py), `style_loss` on Gram matrices
(losses/style.py) and `total_variation` (losses/total_variation.py), each with
its formula and paper there.

`PerceptualLoss` takes a feature model (images -> `{layer name: feature map}`,
e.g. `tfxlearn.nets.feature_model(extractor, layers)`) and composes the terms,
per image, for Gatys et al.'s optimization (`tfxlearn.style.transfer`) and
Johnson et al.'s feed-forward network (the `fast_style` paradigm).
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import tensorflow as tf

from tfxlearn.losses.content import content_loss
from tfxlearn.losses.style import gram_matrix, style_loss
from tfxlearn.losses.total_variation import total_variation


def _names(value, argument: str) -> list[str]:
    names = [value] if isinstance(value, str) else list(value or [])
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"{argument} must be a non-empty list of layer names, got {value!r}")
    return names


def _weight(value, argument: str) -> float:
    if isinstance(value, bool) or not float(value) >= 0:
        raise ValueError(f"{argument} must be a number >= 0, got {value!r}")
    return float(value)


class PerceptualLoss:
    """Content + style + total-variation loss through a fixed feature model.

    Args:
        features: a Keras model from images [batch, H, W, C] to a dict
            `{layer name: feature map}` holding every content and style layer.
        content_layers: layer names of the content term (mean over them).
        style_layers: layer names of the style term.
        content_weight, style_weight, tv_weight: alpha, beta, gamma (>= 0).
        style_layer_weights: w_l per style layer (default 1 / number of layers).
        tv_beta: exponent of the total variation (1: L1, 2: squared).
    """

    def __init__(
        self,
        features: keras.Model,
        content_layers: Sequence[str],
        style_layers: Sequence[str],
        *,
        content_weight: float = 1.0,
        style_weight: float = 1.0,
        tv_weight: float = 0.0,
        style_layer_weights: Sequence[float] | None = None,
        tv_beta: float = 1.0,
    ):
        self.features = features
        self.content_layers = _names(content_layers, "content_layers")
        self.style_layers = _names(style_layers, "style_layers")
        outputs = features.output if isinstance(features.output, dict) else {}
        missing = [n for n in self.content_layers + self.style_layers if n not in outputs]
        if missing:
            raise ValueError(
                f"layer {missing[0]!r} is not an output of the feature model; it gives "
                + ", ".join(sorted(outputs))
            )
        self.content_weight = _weight(content_weight, "content_weight")
        self.style_weight = _weight(style_weight, "style_weight")
        self.tv_weight = _weight(tv_weight, "tv_weight")
        if style_layer_weights is not None and len(style_layer_weights) != len(self.style_layers):
            raise ValueError(
                f"style_layer_weights must give one weight per style layer "
                f"({len(self.style_layers)}), got {len(style_layer_weights)}"
            )
        self.style_layer_weights = style_layer_weights
        self.tv_beta = float(tv_beta)

    def style_targets(self, style_images) -> list[tf.Tensor]:
        """The Gram matrices [N_l, N_l] of each style layer for the style image(s)
        [n, H, W, C] (the mean over the n images)."""
        acts = self.features(style_images, training=False)
        return [tf.reduce_mean(gram_matrix(acts[n]), axis=0) for n in self.style_layers]

    def content_targets(self, content_images) -> list[tf.Tensor]:
        """The feature maps of each content layer for content images [batch, H, W, C]."""
        acts = self.features(content_images, training=False)
        return [acts[n] for n in self.content_layers]

    def __call__(self, images, content_targets, style_targets) -> dict:
        """Per-image terms {"loss", "content", "style", "tv"}, each float32 [batch];
        "content" / "style" / "tv" unweighted, "loss" the weighted sum."""
        acts = self.features(images, training=False)
        content = tf.add_n(
            [content_loss(acts[n], t) for n, t in zip(self.content_layers, content_targets)]
        ) / float(len(self.content_layers))
        style = style_loss(
            [acts[n] for n in self.style_layers], style_targets, self.style_layer_weights
        )
        tv = total_variation(images, self.tv_beta)
        loss = self.content_weight * content + self.style_weight * style + self.tv_weight * tv
        return {"loss": loss, "content": content, "style": style, "tv": tv}
