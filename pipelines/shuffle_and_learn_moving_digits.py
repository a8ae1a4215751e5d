"""Shuffle & Learn on moving digits (Misra, Zitnick & Hebert, ECCV 2016): a shared
frame encoder verifies the temporal order of 3-frame tuples drawn from
high-motion windows; the frame encoder, applied to 4 evenly spaced frames of
each clip (features concatenated in time order), is evaluated with a linear
probe and weighted kNN of the digit (`label`) and of the motion direction
(`direction`, 8 classes), against a random-init encoder of the same
architecture and the same encoder trained with all labels.

Tuples come from windows of 10 of the 16 frames (the five sampled frames are
then 1-2.5 px/frame x a few frames apart), one positive and one negative per
clip. `tfxlearn run shuffle_and_learn_moving_digits --smoke` runs the tiny version.

Measured (2026-12-01, this config, 2 shared cores, 6 min): the pretext task is
NOT learned (accuracy stays at 50%: with global average pooling the 32x32
frame encoder hardly encodes where the sprite is, which is all the task asks),
so the features are no better than random-init: linear probe digit 89.6
(random-init 93.8, all labels 99.2), direction 43.7 (43.9, 58.7). With
`pooling: "flatten"` (the paper's fc layers over the conv map) the task starts
to be learned (54% after 2 epochs) but the pipeline's linear probe on 4 x 2,048
features takes ~17 min. Open: a position-aware encoder the probe can afford.
"""


def get_config(smoke: bool = False, full: bool = False) -> dict:
    return {
        "name": "shuffle_and_learn_moving_digits",
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
        "paradigm": {"name": "shuffle_and_learn", "args": {"hidden": 256}},
        "pretext": {
            "name": "shuffle_and_learn",
            "args": {"window": 8 if smoke else 10, "min_motion": 0.9},
        },
        "train": {
            "epochs": 1 if smoke else (8 if full else 4),
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
        "export": {"root": "saved_models", "model_name": "shuffle_and_learn_moving_digits"},
    }
