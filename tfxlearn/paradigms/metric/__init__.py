"""Metric learning: encoders trained so that distances between embeddings say
whether two inputs belong together."""

from tfxlearn.paradigms.metric.siamese import Siamese

__all__ = ["Siamese"]
