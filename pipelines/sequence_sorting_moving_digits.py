"""Sequence sorting on moving digits (Lee, Huang, Singh & Yang, ICCV 2017): the
Order Prediction Network - a shared frame encoder on 4 shuffled frames of a
high-motion window, pairwise feature fusion, 12 shuffle classes (a shuffle and
its time reversal share one). The frame encoder, applied to 4 evenly spaced
frames of each clip (features concatenated in time order), is evaluated with a
linear probe and weighted kNN of the digit (`label`) and of the motion
direction (`direction`), against a random-init encoder of the same
architecture and the same encoder trained with all labels.
`tfxlearn run sequence_sorting_moving_digits --smoke` runs the tiny version.

Measured (2026-12-01, pretext only, 2 shared cores): with this global-average-
pooled encoder the 12-way task stays at chance (8.5% after 3 epochs, chance
8.3%): the pooled features barely say where the sprite is. With
`pooling: "flatten"` it is learned slowly (9.6 -> 10.7 -> 14.4% over 3 epochs),
but the pipeline's linear probe on 4 x 2,048 features takes ~17 min.
This config (window 14, 6 epochs, 2.5 min) stays at chance too, so the probe
shows no gain: digit 92.3 (random-init 93.8, all labels 99.2), direction 42.1
(43.9, 58.7). Open: a position-aware encoder the probe can afford.
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
            "args": {"input_shape": [32, 32, 1], "widths": [32, 64, 128], "norm": "batch"},
        },
        "paradigm": {"name": "sequence_sorting", "args": {"hidden": 256}},
        "pretext": {
            "name": "sequence_sorting",
            "args": {"window": 8 if smoke else 14, "min_motion": 0.9},
        },
        "train": {
            "epochs": 1 if smoke else (12 if full else 6),
            "batch_size": 32,
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
