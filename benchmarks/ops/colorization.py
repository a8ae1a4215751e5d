import keras
import numpy as np

import tfxlearn
from tfxlearn.pretext.colorization import ab_bins, colorization


def skimage_photos_images(n: int) -> np.ndarray:
    """The first n uint8 [32, 32, 3] RGB train crops of `skimage_photos` (repeated if n > 3,200)."""
    images, _ = tfxlearn.data.as_arrays(tfxlearn.data.load("skimage_photos", "train"))
    return np.resize(images, (n, *images.shape[1:]))


def numpy_per_sample(images: np.ndarray, batch: int):
    """Per image: skimage.color.rgb2lab, L / 100 and each pixel's nearest in-gamut ab bin."""
    from skimage.color import rgb2lab

    bins = ab_bins(10).astype(np.float64)
    for start in range(0, len(images), batch):
        inputs, targets = [], []
        for image in images[start : start + batch]:
            lab = rgb2lab(image)
            ab = lab[..., 1:].reshape(-1, 2)
            nearest = ((ab[:, None, :] - bins[None]) ** 2).sum(-1).argmin(-1)
            inputs.append((lab[..., :1] / 100.0).astype(np.float32))
            targets.append(nearest.reshape(image.shape[:2]).astype(np.int32))
        yield np.stack(inputs), np.stack(targets)


def check(images):
    import tensorflow as tf

    want_l, want_bins = next(numpy_per_sample(images[:8], 8))
    got_l, got_bins = next(iter(colorization(tf.data.Dataset.from_tensors(images[:8]))))
    # Same CIE formulas (float32 here, float64 in scikit-image): L / 100 agrees to ~1e-5.
    np.testing.assert_allclose(np.asarray(got_l), want_l, atol=1e-4)
    # The op's lookup table on a fine ab grid vs exact nearest bin: ties/float32 rounding
    # at bin boundaries flip ~0.01% of pixels.
    agree = float(np.mean(np.asarray(got_bins) == want_bins))
    assert agree > 0.995, f"only {agree:.1%} of pixels get the same ab bin"


def build_model():
    encoder = tfxlearn.nets.conv_encoder((32, 32, 1))
    model = tfxlearn.paradigms.get("colorization")(encoder=encoder)
    model.compile(optimizer=keras.optimizers.Adam())
    return model


CASE = {
    "op": "colorization",
    "op_args": {"target": "bins"},
    "images": skimage_photos_images,
    "numpy_per_sample": numpy_per_sample,
    "check": check,
    "samples": lambda batch: int(batch[0].shape[0]),
    "build_model": build_model,
}
