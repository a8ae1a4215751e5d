"""ADDA from font-rendered digits to real handwritten digits (see
`tfxlearn.paradigms.ADDA`, Tzeng et al., CVPR 2017).

Data as `dann_font_digits`: source (labelled) `font_digits`, 28x28; target
(unlabelled in training) scikit-learn's UCI handwritten `digits`, upsampled from
8x8 to 28x28 (`dataset.image_size`); the `domain_adaptation` op pairs them, both
scaled to [0, 1] alike. The Evaluator measures the adapted classifier (the source
classifier on the target encoder's features) on the target's test split
(`model_protocols.classification`) and probes the target encoder's features
(linear probe, kNN) against a random-init encoder.

Two stages in one run:

1. `train.first_stage`: `ADDA.pretrain_source` on the source half of the same
   batches: the conv encoder 32-64-128 (no batch norm, as DANN's) and a linear
   classifier, SGD momentum 0.9 at DANN's annealed rate 0.01 / (1 + 10 p)^0.75,
   SOURCE_EPOCHS passes (x 22 batches of 64 = 990 steps, as many as the
   source-only baseline of `benchmarks/quality_adaptation.py`); then the target
   encoder starts as a copy of the source encoder.
2. `train.epochs` of adversarial steps: the target encoder against a 500-500-1
   discriminator, inverted-label loss, Adam(learning_rate, beta_1 0.5) for both
   players (the paper's settings); source encoder and classifier frozen.

`learning_rate` is the benchmark's choice on a small labelled target validation
carve (`benchmarks/quality_adaptation.py`); results in docs/adaptation.md.
`tfxlearn run adda_font_digits --smoke` runs the tiny version (the
`font_digits/tiny` source).
"""

from tfxlearn.pipeline import font_digits as blocks

TARGET_TRAIN = 1438  # digits' train split
BATCH_SIZE = 64
SOURCE_EPOCHS = 45
EPOCHS = 45


def get_config(
    smoke: bool = False, full: bool = False, learning_rate: float = 2e-4, epochs: int = EPOCHS
) -> dict:
    del full  # the default config is the full one
    epochs = 1 if smoke else int(epochs)
    source_epochs = 1 if smoke else SOURCE_EPOCHS
    max_train = 256 if smoke else None
    source_steps = source_epochs * ((max_train or TARGET_TRAIN) // BATCH_SIZE)
    adam = blocks.adam(float(learning_rate))
    return {
        "name": "adda_font_digits",
        "seed": 0,
        "dataset": blocks.digits_dataset(max_train, 128 if smoke else None),
        "nets": {
            "source_encoder": {
                "factory": "conv_encoder",
                "args": {"input_shape": blocks.SHAPE, "widths": [32, 64, 128], "norm": "none"},
            },
        },
        "paradigm": {
            "name": "adda",
            "args": {
                "num_classes": 10,
                "discriminator_hidden": [500, 500],
                "mapping_loss": "inverted_label",
            },
        },
        "pretext": blocks.domain_pretext(smoke),
        "train": blocks.train_block(
            epochs,
            BATCH_SIZE,
            first_stage={
                "method": "pretrain_source",
                "args": {"epochs": source_epochs, "optimizer": blocks.annealed_sgd(source_steps)},
            },
            optimizers={"target_encoder_optimizer": adam, "discriminator_optimizer": adam},
        ),
        "evaluation": blocks.adapted_classifier_evaluation(encoder_net="source_encoder"),
        "export": {"root": "saved_models", "model_name": "adda_font_digits"},
    }
