"""Paradigms: one Keras subclassed model per way of learning, found by name.

model = tfxlearn.paradigms.get("rotation")(encoder=tfxlearn.nets.conv_encoder())
"""

from tfxlearn.paradigms import (  # noqa: F401  (registers)
    adaptation,
    dual,
    metric,
    self_supervised,
    semi_supervised,
    style,
    supervised,
    text,
    unsupervised,
)
from tfxlearn.paradigms.base import Paradigm
from tfxlearn.paradigms.base_adversarial import AdversarialParadigm
from tfxlearn.paradigms.base_classifier import GeneratedLabelClassifier
from tfxlearn.registry import PARADIGMS

get = PARADIGMS.get
names = PARADIGMS.names

__all__ = ["Paradigm", "AdversarialParadigm", "GeneratedLabelClassifier", "get", "names"]
