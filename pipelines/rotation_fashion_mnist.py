"""Rotation-prediction pretraining on Fashion-MNIST (Gidaris et al., ICLR 2018),
evaluated with a linear probe and weighted kNN against a random-init encoder
and the same encoder trained with all labels, then exported for TF Serving.

`make demo` runs get_config() (under 10 minutes on 2 CPU cores);
`benchmarks/quality.py` runs get_config(full=True), whose all-labels baseline
trains 2 epochs instead of 1; `tfxlearn run rotation_fashion_mnist --smoke` runs
the tiny version.
"""


def get_config(smoke: bool = False, full: bool = False) -> dict:
    supervised_epochs = 1 if smoke else (2 if full else 1)
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
            "epochs": 1,
            "batch_size": 64,
            "learning_rate": 1e-3,
            "shuffle_buffer": 60_000,
        },
        "evaluation": {
            "protocols": {"linear_probe": {}, "knn": {"k": 20}},
            "supervised_epochs": supervised_epochs,
            "blessing": {"protocol": "linear_probe", "min_gain_over_random": 0.0},
        },
        "export": {"root": "saved_models", "model_name": "rotation_fashion_mnist"},
    }
