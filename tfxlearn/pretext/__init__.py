"""tf.data pretext-label generators. Each takes a batched dataset and returns
(inputs, generated labels); the underlying batch ops are exported too, for use
inside your own `Dataset.map`."""

from tfxlearn.pretext.colorization import colorization, lab_to_rgb, rgb_to_lab
from tfxlearn.pretext.exemplar import exemplar, exemplar_views
from tfxlearn.pretext.images import class_labels, images
from tfxlearn.pretext.jigsaw import jigsaw, jigsaw_tiles, permutation_set, unshuffle
from tfxlearn.pretext.masked_autoencoder import masked_autoencoder, random_masks
from tfxlearn.pretext.moco_views import moco_views, two_views
from tfxlearn.pretext.relative_patch_location import (
    relative_patch_location,
    relative_patch_pairs,
)
from tfxlearn.pretext.rotation import rotate_all, rotate_random, rotation, unrotate
from tfxlearn.pretext.semi_supervised import UNLABELLED, semi_supervised
from tfxlearn.registry import PRETEXT_OPS

get = PRETEXT_OPS.get
names = PRETEXT_OPS.names

__all__ = [
    "rotation",
    "rotate_all",
    "rotate_random",
    "unrotate",
    "relative_patch_location",
    "relative_patch_pairs",
    "jigsaw",
    "jigsaw_tiles",
    "permutation_set",
    "unshuffle",
    "exemplar",
    "exemplar_views",
    "masked_autoencoder",
    "random_masks",
    "moco_views",
    "two_views",
    "colorization",
    "rgb_to_lab",
    "lab_to_rgb",
    "images",
    "class_labels",
    "semi_supervised",
    "UNLABELLED",
    "get",
    "names",
]
