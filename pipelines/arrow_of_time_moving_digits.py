"""Arrow of time on moving digits (Wei, Lim, Zisserman & Freeman, CVPR 2018): a
window of 8 frames played forward or reversed, its 7 frame differences stacked
along the channels, a conv net ending in global average pooling and a linear
forward/reversed classifier (so class-activation maps can be drawn: the run's
plots/class_activation_maps.png). The encoder on the first 8 frames' stacked
differences of each clip is evaluated with a linear probe and weighted kNN of
the digit (`label`) and of the motion direction (`direction`), against a
random-init encoder of the same architecture and the same encoder trained
with all labels.

Dataset: the friction variants (`moving_digits/small_friction`, smoke runs
`moving_digits/tiny_friction`), not `small` / `tiny`. Those have no arrow of
time: their sprites move at constant speed and bounce elastically, and positions
and directions are drawn uniformly, so a reversed window is exactly as likely as
a forward one (a digit moving east, reversed, is a digit moving west) and the
pretext task stays at chance (measured on `small`, 4 epochs: pretext accuracy
49-52%, linear probe digit 33.6 / direction 68.6 against random-init 35.1 / 70.4,
all labels 73.8 / 85.9). With friction (speed x0.92 per frame) forward clips
decelerate and reversed ones accelerate: an arrow exists, and it is the
deceleration the net has to see. The same sprites, sizes and splits (speeds
3-6 px per frame at the start, so the sprite still moves at the end); the
`direction` label is still the initial velocity's compass sector, and the
baselines are computed on the same friction clips. Measured on `small_friction`
(the default 4 epochs): pretext accuracy 98.3% (training, last epoch); yet linear probe
digit 30.1 / direction 70.1 against random-init 35.1 / 72.1 (all labels 75.1 /
83.6): the arrow is read from how the motion's
magnitude changes across the window, which needs neither the digit's identity
nor the direction of motion, so those features do not improve (the
benchmark's 8-epoch run, get_config(full=True), in docs/video.md: the same).
`tfxlearn run arrow_of_time_moving_digits --smoke` runs the tiny version.
"""

WINDOW = 8


def get_config(smoke: bool = False, full: bool = False) -> dict:
    return {
        "name": "arrow_of_time_moving_digits",
        "seed": 0,
        "dataset": {
            "name": "moving_digits/tiny_friction" if smoke else "moving_digits/small_friction",
            "train_split": "train",
            "test_split": "test",
            "pretext_image_key": "video",
            "image_key": "video",
        },
        "encoder": {
            "factory": "conv_encoder",
            # The window's 7 grey difference frames stacked along the channels.
            "args": {"input_shape": [32, 32, WINDOW - 1], "widths": [32, 64, 128], "norm": "batch"},
        },
        # The paradigm and the op must agree on the window (and the mean removal).
        "paradigm": {"name": "arrow_of_time", "args": {"window": WINDOW}},
        "pretext": {"name": "arrow_of_time", "args": {"window": WINDOW, "mode": "both"}},
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
        "export": {"root": "saved_models", "model_name": "arrow_of_time_moving_digits"},
    }
