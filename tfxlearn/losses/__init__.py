"""Loss functions shared by several paradigms (keras.losses.Loss subclasses, so
Keras reduces and scales them correctly under a tf.distribute strategy)."""

from tfxlearn.losses.batch_mean import BatchMean
from tfxlearn.losses.content import ContentLoss, content_loss
from tfxlearn.losses.contrastive import ContrastiveLoss, contrastive_loss
from tfxlearn.losses.cycle_consistency import l1_distance_values
from tfxlearn.losses.gan_discriminator import discriminator_loss_values
from tfxlearn.losses.gan_generator import generator_loss_values
from tfxlearn.losses.gradient_difference import GradientDifferenceLoss, gradient_difference
from tfxlearn.losses.info_nce import InfoNCE, info_nce
from tfxlearn.losses.least_squares_gan import (
    least_squares_discriminator_values,
    least_squares_generator_values,
)
from tfxlearn.losses.negative_sampling import NegativeSampling, negative_sampling
from tfxlearn.losses.perceptual import PerceptualLoss
from tfxlearn.losses.semantic_consistency import semantic_consistency_values
from tfxlearn.losses.style import StyleLoss, gram_matrix, style_loss
from tfxlearn.losses.token_cross_entropy import TokenCrossEntropy, token_cross_entropy
from tfxlearn.losses.total_variation import TotalVariation, total_variation
from tfxlearn.losses.triplet import TripletLoss, semi_hard_triplet_values, squared_distances

__all__ = [
    "BatchMean",
    "InfoNCE",
    "info_nce",
    "NegativeSampling",
    "negative_sampling",
    "GradientDifferenceLoss",
    "gradient_difference",
    "generator_loss_values",
    "discriminator_loss_values",
    "least_squares_discriminator_values",
    "least_squares_generator_values",
    "l1_distance_values",
    "semantic_consistency_values",
    "ContrastiveLoss",
    "contrastive_loss",
    "TripletLoss",
    "semi_hard_triplet_values",
    "squared_distances",
    "ContentLoss",
    "content_loss",
    "StyleLoss",
    "style_loss",
    "gram_matrix",
    "TotalVariation",
    "total_variation",
    "PerceptualLoss",
    "TokenCrossEntropy",
    "token_cross_entropy",
]
