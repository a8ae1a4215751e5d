import tensorflow as tf

import tfxlearn

from ._common import digits_batches


def _bad_inputs(batch):
    inputs, _ = batch
    images, mask = inputs["images"], inputs["mask"]
    return [
        ({"images": tf.concat([images, images], axis=-1), "mask": mask}, "channel count"),
        (images[0], "rank 4"),
        ({"images": images, "mask": mask[:, :4]}, "mask"),
        ({"images": images}, "missing"),
    ]


EXAMPLES = {
    "masked_autoencoder": {
        "build": lambda norm: tfxlearn.paradigms.get("masked_autoencoder")(
            encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8), norm=norm),
            decoder_widths=(4,),
        ),
        # 8x8 digits, 2x2 patches: 12 of the 16 patches masked per image.
        "data": lambda: digits_batches("masked_autoencoder", patch_size=2),
        "serving_inputs": lambda batch: batch[1],  # whole (unmasked) images
        "bad_inputs": _bad_inputs,
    },
}
