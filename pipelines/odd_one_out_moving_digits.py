"""Odd-One-Out networks on moving digits (Fernando, Bilen, Gavves & Gould, CVPR
2017): N = 6 subsequences of M = 4 frames per clip, one shuffled; a shared
frame encoder, stacked feature differences per subsequence, concatenation
fusion and a 6-way head find it. The frame encoder, applied to 4 evenly spaced
frames of each clip (features concatenated in time order), is evaluated with a
linear probe and weighted kNN of the digit (`label`) and of the motion
direction (`direction`), against a random-init encoder of the same
architecture and the same encoder trained with all labels.
`tfxlearn run odd_one_out_moving_digits --smoke` runs the tiny version.

Measured (`python benchmarks/quality_video.py odd_one_out_moving_digits`,
2026-12-02, `get_config(full=True)`: 3 epochs): pretext accuracy 70% (chance
17%); linear probe of the direction 63.6 (random-init 43.9, all labels 58.0:
+19.7 points); of the digit 83.1 (random-init 93.8, all labels 99.1: the
random-init encoder is within 6 points of the ceiling, so a +10 point digit gain
is impossible here, and the order-trained features lose appearance detail).
After 1 epoch (the default config) the pretext was at 30% and the direction
gain between +6.7 and +11.4 in two runs.
"""


def get_config(smoke: bool = False, full: bool = False) -> dict:
    questions = {"num_subsequences": 6, "subsequence_length": 4}
    return {
        "name": "odd_one_out_moving_digits",
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
        # The paradigm and the op must agree on N and M.
        "paradigm": {"name": "odd_one_out", "args": {**questions, "hidden": 256}},
        "pretext": {"name": "odd_one_out", "args": questions},
        "train": {
            "epochs": 1 if smoke else (3 if full else 1),
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
        "export": {"root": "saved_models", "model_name": "odd_one_out_moving_digits"},
    }
