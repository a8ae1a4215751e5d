"""Contract example of adversarial training: 4 digits with their classes
(`class_labels`), PGD with a random start (3 steps, eps 0.1) inside the step."""

import tfxlearn

from ._common import digits_batches

EXAMPLES = {
    "adversarial_training": {
        "build": lambda norm: tfxlearn.paradigms.get("adversarial_training")(
            encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8), norm=norm),
            num_classes=10,
            eps=0.1,
            steps=3,
        ),
        "data": lambda: digits_batches("class_labels"),
    },
}
