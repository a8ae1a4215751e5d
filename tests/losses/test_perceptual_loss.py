"""PerceptualLoss (Johnson et al., ECCV 2016, eq. 5): the weighted sum of its
terms, each equal to its own loss function."""

import keras
import numpy as np
import pytest

from tfxlearn import nets
from tfxlearn.losses import PerceptualLoss, content_loss, gram_matrix, style_loss, total_variation


def test_terms_and_their_weighted_sum():
    keras.utils.set_random_seed(0)
    extractor = nets.random_texture_extractor(widths=(6, 12), kernel_sizes=(3, 5))
    features = nets.feature_model(extractor, ["block1_relu", "block2_relu"])
    loss = PerceptualLoss(
        features, ["block2_relu"], ["block1_relu", "block2_relu"],
        content_weight=2.0, style_weight=30.0, tv_weight=0.5,
    )  # fmt: skip
    rng = np.random.default_rng(0)
    content, style, images = (rng.uniform(size=s).astype(np.float32) for s in
                              [(2, 8, 8, 3), (1, 12, 12, 3), (2, 8, 8, 3)])  # fmt: skip
    grams = loss.style_targets(style)
    terms = loss(images, loss.content_targets(content), grams)
    acts, c_acts, s_acts = features(images), features(content), features(style)
    np.testing.assert_allclose(
        terms["content"], content_loss(acts["block2_relu"], c_acts["block2_relu"]), rtol=1e-5
    )
    want_style = style_loss(
        [acts["block1_relu"], acts["block2_relu"]],
        [gram_matrix(s_acts["block1_relu"])[0], gram_matrix(s_acts["block2_relu"])[0]],
    )
    np.testing.assert_allclose(terms["style"], want_style, rtol=1e-5)
    np.testing.assert_allclose(terms["tv"], total_variation(images), rtol=1e-6)
    np.testing.assert_allclose(
        terms["loss"], 2 * terms["content"] + 30 * terms["style"] + 0.5 * terms["tv"], rtol=1e-5
    )
    same = loss(content, loss.content_targets(content), grams)
    np.testing.assert_allclose(same["content"], [0.0, 0.0], atol=1e-7)


def test_unknown_layers_and_bad_weights_are_refused():
    extractor = nets.random_texture_extractor(widths=(6,), kernel_sizes=(3,))
    features = nets.feature_model(extractor, ["block1_relu"])
    with pytest.raises(ValueError, match="'nope' is not an output .* block1_relu"):
        PerceptualLoss(features, ["nope"], ["block1_relu"])
    with pytest.raises(ValueError, match="style_weight must be a number >= 0"):
        PerceptualLoss(features, ["block1_relu"], ["block1_relu"], style_weight=-1)
    with pytest.raises(ValueError, match="content_layers must be a non-empty list"):
        PerceptualLoss(features, [], ["block1_relu"])
