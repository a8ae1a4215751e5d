"""Inputs shared by the op cases."""

import numpy as np

import tfxlearn


def fashion_mnist_images(n: int) -> np.ndarray:
    images, _ = tfxlearn.data.as_arrays(tfxlearn.data.load("fashion_mnist", "train").take(n))
    return images
