"""Semi-supervised paradigms: a few labelled examples and many unlabelled ones,
mixed in every batch (`tfxlearn.pretext.semi_supervised`, -1 = unlabelled)."""

from tfxlearn.paradigms.semi_supervised.latent_classifier import LatentClassifier
from tfxlearn.paradigms.semi_supervised.sgan import SGAN

__all__ = ["SGAN", "LatentClassifier"]
