import tfxlearn

from ._common import digits_batches

EXAMPLES = {
    "rotation": {
        "build": lambda norm: tfxlearn.paradigms.get("rotation")(
            encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8), norm=norm)
        ),
        "data": lambda: digits_batches("rotation"),
    },
}
