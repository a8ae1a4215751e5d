import tfxlearn

from ._common import digits_batches

EXAMPLES = {
    "moco": {
        # 8 images: each of the 2 parity replicas gets 4 = 2 * bn_groups. The
        # shuffled batch-norm groups are defined on global batch positions, so with
        # synchronized batch norm one device and 2 replicas compute the same keys,
        # queue and gradients (default parity_rtol).
        "build": lambda norm: tfxlearn.paradigms.get("moco")(
            encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8), norm=norm),
            projection_dim=8,
            queue_size=32,
            bn_groups=2,
        ),
        "data": lambda: digits_batches("moco_views", images=8, crop_scale=(0.5, 1.0)),
    },
}
