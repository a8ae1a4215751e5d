"""Self-supervised pretext-task paradigms."""

from tfxlearn.paradigms.self_supervised.colorization import Colorization
from tfxlearn.paradigms.self_supervised.exemplar import Exemplar
from tfxlearn.paradigms.self_supervised.jigsaw import Jigsaw
from tfxlearn.paradigms.self_supervised.masked_autoencoder import MaskedAutoencoder
from tfxlearn.paradigms.self_supervised.moco import MoCo
from tfxlearn.paradigms.self_supervised.relative_patch_location import (
    RelativePatchLocation,
)
from tfxlearn.paradigms.self_supervised.rotation import Rotation

__all__ = [
    "Rotation",
    "RelativePatchLocation",
    "Jigsaw",
    "Exemplar",
    "MaskedAutoencoder",
    "MoCo",
    "Colorization",
]
