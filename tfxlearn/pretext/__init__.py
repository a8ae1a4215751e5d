"""tf.data pretext-label generators. Each takes a batched dataset and returns
(inputs, generated labels); the underlying batch ops are exported too, for use
inside your own `Dataset.map`."""

from tfxlearn.pretext.rotation import rotate_all, rotate_random, rotation, unrotate
from tfxlearn.registry import PRETEXT_OPS

get = PRETEXT_OPS.get
names = PRETEXT_OPS.names

__all__ = ["rotation", "rotate_all", "rotate_random", "unrotate", "get", "names"]
