import numpy as np
import tensorflow as tf

import tfxlearn


def _style_image():
    """An 8x8 RGB stripe texture (floats in [0, 1])."""
    stripes = (np.arange(8)[None, :, None] % 4 < 2).astype(np.float32)
    return np.broadcast_to(stripes * np.array([0.9, 0.4, 0.1], np.float32), (8, 8, 3))


def _photo_batches(images: int = 4, size: int = 8):
    """One batch of seeded smooth RGB images, float32 in [0, 1]."""
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 1, size)[None, :, None, None] * rng.uniform(0, 1, (images, 1, 1, 3))
    noise = rng.uniform(0, 0.2, (images, size, size, 3))
    x = np.clip(ramp.transpose(0, 2, 1, 3) * 0.8 + noise, 0, 1).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices(x).batch(images)


EXAMPLES = {
    "fast_style": {
        "build": lambda norm: tfxlearn.paradigms.get("fast_style")(
            transformer=tfxlearn.nets.transformation_net(
                (8, 8, 3), widths=(4, 8, 8), residual_blocks=1
            ),
            extractor=tfxlearn.nets.random_texture_extractor(
                (None, None, 3), widths=(6, 12), kernel_sizes=(3, 5)
            ),
            style_image=_style_image(),
            style_size=None,
            style_weight=10.0,
            tv_weight=0.1,
        ),
        "data": _photo_batches,
        "inputs": lambda batch: batch,
        "bad_inputs": lambda batch: [
            (tf.concat([batch, batch], axis=-1), "channel count"),
            (batch[0], "rank 4"),
        ],
    },
}
