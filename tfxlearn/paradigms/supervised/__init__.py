"""Supervised paradigms: every training example has its label; what they add to
plain supervised training is how the examples are chosen or made (adversarial
training: the worst example within an L-inf ball around each image)."""

from tfxlearn.paradigms.supervised.adversarial_training import AdversarialTraining

__all__ = ["AdversarialTraining"]
