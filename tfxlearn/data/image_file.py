"""One image as float32 [H, W, C] in [0, 1]: from scikit-image's bundled data, a
file, or an array - the content and style images of style transfer.

`load_image("brick")` reads `skimage.data.brick()` (no network: the images ship
inside the scikit-image wheel), `load_image("photo.jpg")` a file (PNG, JPEG,
GIF, BMP through TensorFlow's decoder), `load_image(array)` converts an array
(uint8 in [0, 255] or floats in [0, 1]). `size` resizes (bilinear, antialiased);
`channels` converts grey to RGB (repeating the channel) or RGB to grey (its
luma), and drops an alpha channel - only when asked, so that mixing a grey and
a colour image stays an error where it matters.
"""

from __future__ import annotations

import os

import numpy as np
import tensorflow as tf

_PIP = "pip install scikit-image==0.26.0"


#: scikit-image's bundled 2-D images, `skimage.data.<name>()` (no download needed).
SKIMAGE_IMAGES = (
    "astronaut", "brick", "camera", "cat", "chelsea", "checkerboard", "clock", "coffee",
    "coins", "colorwheel", "grass", "gravel", "horse", "hubble_deep_field",
    "immunohistochemistry", "logo", "microaneurysms", "moon", "page", "retina", "rocket", "text",
)  # fmt: skip


def _read(source) -> np.ndarray:
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if os.path.isfile(path):
            data = tf.io.read_file(path)
            return tf.io.decode_image(data, expand_animations=False).numpy()
        try:
            import skimage.data
        except ImportError:
            raise ImportError(f"scikit-image images need scikit-image: `{_PIP}`") from None
        if path in SKIMAGE_IMAGES:
            return np.asarray(getattr(skimage.data, path)())
        raise ValueError(
            f"image {path!r} is neither a file nor a scikit-image image; scikit-image has "
            + ", ".join(SKIMAGE_IMAGES)
        )
    return np.asarray(source)


def load_image(source, size=None, channels: int | None = None) -> np.ndarray:
    """float32 [H, W, C] in [0, 1] from a scikit-image name, a file path or an array.

    Args:
        source: e.g. "brick", "astronaut", "path/to/image.png", or an array
            [H, W] / [H, W, C] (uint8 or bool, or floats in [0, 1]).
        size: None (as is), an int (the shorter side, keeping the aspect ratio)
            or (height, width).
        channels: None (as is, an alpha channel dropped), 1 or 3.

    Raises:
        ValueError: an unknown name or missing file (the message lists the
            scikit-image names), an array that is not an image, a bad size.
    """
    image = _read(source)
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[-1] not in (1, 2, 3, 4) or min(image.shape[:2]) < 1:
        raise ValueError(f"an image must be [H, W] or [H, W, 1|3|4], got shape {image.shape}")
    if image.dtype == bool:
        image = image.astype(np.float32)
    elif image.dtype == np.uint8:
        image = image.astype(np.float32) / 255.0
    else:
        image = image.astype(np.float32)
        if image.size and (image.min() < 0 or image.max() > 1):
            image = (image - image.min()) / max(float(image.max() - image.min()), 1e-12)
    if image.shape[-1] in (2, 4):  # grey + alpha, RGB + alpha
        image = image[..., :-1]
    if channels is not None:
        if channels not in (1, 3):
            raise ValueError(f"channels must be None, 1 or 3, got {channels!r}")
        if channels == 3 and image.shape[-1] == 1:
            image = np.repeat(image, 3, axis=-1)
        elif channels == 1 and image.shape[-1] == 3:
            image = image @ np.array([0.2125, 0.7154, 0.0721], np.float32)[:, None]
    if size is not None:
        height, width = image.shape[:2]
        if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
            if size < 1:
                raise ValueError(f"size must be >= 1, got {size}")
            scale = int(size) / min(height, width)
            target = (max(1, round(height * scale)), max(1, round(width * scale)))
        else:
            target = tuple(int(d) for d in size)
            if len(target) != 2 or min(target) < 1:
                raise ValueError(f"size must be an int or (height, width), got {size!r}")
        if target != (height, width):
            image = tf.image.resize(image, target, "bilinear", antialias=True).numpy()
    return np.clip(image, 0.0, 1.0).astype(np.float32)
