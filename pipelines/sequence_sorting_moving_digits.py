"""Sequence sorting on moving digits (Lee, Huang, Singh & Yang, ICCV 2017): the
Order Prediction Network - a shared frame encoder on 4 shuffled frames of a
high-motion window, pairwise feature fusion, 12 shuffle classes (a shuffle and
its time reversal share one). The frame encoder, applied to 4 evenly spaced
frames of each clip (features concatenated in time order), is evaluated with a
linear probe and weighted kNN of the digit (`label`) and of the motion
direction (`direction`), against a random-init encoder of the same
architecture and the same encoder trained with all labels.
`tfxlearn run sequence_sorting_moving_digits --smoke` runs the tiny version.

Why this encoder: with one digit on a black frame, frame order is mostly where
the digit is (a gradient-boosted classifier on the true sprite positions of
the four frames: 49% test accuracy at window 14, chance 8.3%). The usual
globally average-pooled encoder (widths 32-64-128) keeps too little position
and stays at chance (8.5% after 3 epochs, 8.9% in the 6-epoch benchmark).
Flattening the last 4x4 map keeps it: with widths 32-64-32 (512 features per
frame, so the probe's 4 frames give 2,048 features and L-BFGS stays fast) and
batches of 16 clips (more updates per epoch) the task is learned.

Measured (2026-12-02, the default 6-epoch config, 2 shared cores, 16 min of which the
evaluator 8): pretext training accuracy 17 -> 47 -> 58 -> 60 -> 60 -> 63% over
the 6 epochs (chance 8.3%). Linear probe of the direction 67.3 (random-init
54.7, all labels 62.0: +12.6 points), kNN 74.9 (74.5, 74.8); of the digit 71.3
(random-init 81.2, all labels 94.4: the order-trained features keep where the
digit is, not what it is). The average-pooled encoder gave direction 42.1
(43.9, 58.7). The benchmark row (docs/video.md, `benchmarks/quality_video.py`) runs
get_config(full=True), 12 epochs; see it for the current numbers.
"""


def get_config(smoke: bool = False, full: bool = False) -> dict:
    return {
        "name": "sequence_sorting_moving_digits",
        "seed": 0,
        "dataset": {
            "name": "moving_digits/tiny" if smoke else "moving_digits/small",
            "train_split": "train",
            "test_split": "test",
            "pretext_image_key": "video",
            "image_key": "video",
        },
        "encoder": {
            "factory": "conv_encoder",
            "args": {
                "input_shape": [32, 32, 1],
                "widths": [32, 64, 32],
                "norm": "batch",
                # Keeps where the digit is (see the docstring); 4 x 4 x 32 = 512 features.
                "pooling": "flatten",
            },
        },
        "paradigm": {"name": "sequence_sorting", "args": {"hidden": 256}},
        "pretext": {
            "name": "sequence_sorting",
            "args": {"window": 8 if smoke else 14, "min_motion": 0.9},
        },
        "train": {
            "epochs": 1 if smoke else (12 if full else 6),
            "batch_size": 16,
            "learning_rate": 1e-3,
            "shuffle_buffer": 4000,
        },
        "evaluation": {
            "label_keys": ["label", "direction"],
            "protocols": {"linear_probe": {}, "knn": {"k": 20}},
            "supervised_epochs": 1 if smoke else 2,
            "blessing": {"protocol": "linear_probe", "min_gain_over_random": 0.0},
        },
        "export": {"root": "saved_models", "model_name": "sequence_sorting_moving_digits"},
    }
