"""Rotation-prediction pretraining on Fashion-MNIST (Gidaris et al., ICLR 2018),
evaluated with a linear probe and weighted kNN against a random-init encoder
and the same encoder trained with all labels, then exported for TF Serving.

`make demo` runs get_config(); `tfxlearn run rotation_fashion_mnist --smoke`
runs the tiny version used by the tests.
"""


def get_config(smoke: bool = False) -> dict:
    return {
        "name": "rotation_fashion_mnist",
        "seed": 0,
        "dataset": {
            "name": "fashion_mnist",
            "train_split": "train",
            "test_split": "test",
            "max_train": 512 if smoke else None,
            "max_test": 256 if smoke else None,
        },
        "encoder": {
            "factory": "conv_encoder",
            "args": {"input_shape": [28, 28, 1], "widths": [32, 64, 128], "norm": "batch"},
        },
        "paradigm": {"name": "rotation", "args": {}},
        # Each batch of 64 images becomes 256 examples: all four rotations of each.
        "pretext": {"name": "rotation", "args": {"mode": "all"}},
        "train": {
            "epochs": 1 if smoke else 2,
            "batch_size": 64,
            "learning_rate": 1e-3,
            "shuffle_buffer": 60_000,
        },
        "evaluation": {
            "protocols": {"linear_probe": {}, "knn": {"k": 20}},
            "supervised_epochs": 1 if smoke else 2,
            "blessing": {"protocol": "linear_probe", "min_gain_over_random": 0.0},
        },
        "export": {"root": "saved_models", "model_name": "rotation_fashion_mnist"},
    }
