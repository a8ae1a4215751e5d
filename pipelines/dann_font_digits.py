"""DANN from font-rendered digits to real handwritten digits (see
`tfxlearn.paradigms.DANN`, Ganin & Lempitsky, ICML 2015).

- Source (labelled): `font_digits`, digits rendered from Debian fonts, 28x28.
- Target (unlabelled in training): scikit-learn's UCI handwritten `digits`,
  upsampled from 8x8 to 28x28 (`dataset.image_size`). The pipeline's `dataset` is
  the target: ExampleGen gives its images without labels, the `domain_adaptation`
  op pairs them with labelled source batches, and the Evaluator measures the
  adapted classifier on the target's test split (`model_protocols.classification`)
  and probes the encoder's target features (linear probe, kNN) against a
  random-init encoder.

Optimisation as in the paper: SGD, momentum 0.9, the annealed rate
mu_p = 0.01 / (1 + 10 p)^0.75 and the reversal weight
max_lambda * (2 / (1 + exp(-10 p)) - 1), with p the progress over the run's
steps (one epoch = one pass over the target's 1,438 training images in batches
of 64, i.e. 22 steps). `max_lambda` and the budget are the benchmark's choices
(`benchmarks/quality_adaptation.py`, on a small labelled target validation
carve); results in docs/adaptation.md. `tfxlearn run dann_font_digits --smoke`
runs the tiny version (the `font_digits/tiny` source).
"""

from tfxlearn.pipeline import font_digits as blocks

TARGET_TRAIN = 1438  # digits' train split
BATCH_SIZE = 64


def get_config(
    smoke: bool = False, full: bool = False, max_lambda: float = 1.0, epochs: int = 50
) -> dict:
    del full  # the default config is the full one
    epochs = 1 if smoke else int(epochs)
    max_train = 256 if smoke else None
    steps = epochs * ((max_train or TARGET_TRAIN) // BATCH_SIZE)
    return {
        "name": "dann_font_digits",
        "seed": 0,
        "dataset": blocks.digits_dataset(max_train, 128 if smoke else None),
        "encoder": {
            "factory": "conv_encoder",
            "args": {"input_shape": blocks.SHAPE, "widths": [32, 64, 128], "norm": "none"},
        },
        "paradigm": {
            "name": "dann",
            "args": {
                "num_classes": 10,
                "max_lambda": float(max_lambda),
                "gamma": 10.0,
                "schedule_steps": steps,
                "domain_hidden": [100],
            },
        },
        "pretext": blocks.domain_pretext(smoke),
        "train": blocks.train_block(epochs, BATCH_SIZE, optimizer=blocks.annealed_sgd(steps)),
        "evaluation": blocks.adapted_classifier_evaluation(),
        "export": {"root": "saved_models", "model_name": "dann_font_digits"},
    }
