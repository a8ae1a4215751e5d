import numpy as np
import tensorflow as tf

import tfxlearn
from tfxlearn.pretext.colorization import ab_bins


def _rgb_batches(images: int = 4, size: int = 8):
    """One batch of seeded random RGB images (smooth gradients plus noise) through the op."""
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 1, size)[None, :, None, None] * rng.uniform(0, 1, (images, 1, 1, 3))
    noise = rng.uniform(0, 0.3, (images, size, size, 3))
    rgb = np.clip(255 * (ramp.transpose(0, 2, 1, 3) * 0.7 + noise), 0, 255).astype(np.uint8)
    ds = tf.data.Dataset.from_tensor_slices({"image": rgb}).batch(images)
    return tfxlearn.pretext.get("colorization")(ds)


EXAMPLES = {
    "colorization": {
        "build": lambda norm: tfxlearn.paradigms.get("colorization")(
            encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8), norm=norm),
            decoder_widths=(4,),
            class_weights=list(np.linspace(0.5, 1.5, len(ab_bins()))),
        ),
        "data": _rgb_batches,
    },
}
