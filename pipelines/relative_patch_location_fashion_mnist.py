"""Relative-patch-location pretraining on Fashion-MNIST (Doersch, Gupta & Efros,
ICCV 2015), evaluated with a linear probe and weighted kNN against a random-init
encoder and the same encoder trained with all labels, then exported for TF Serving.

The encoder takes (None, None, 1) inputs: the same weights embed 8x8 patches
during pretraining and whole 28x28 images at evaluation and serving. Each
batch of 64 images becomes 512 (centre, neighbour) pairs - all 8 neighbours of
every image. `tfxlearn run relative_patch_location_fashion_mnist --smoke` runs
the tiny version.
"""


def get_config(smoke: bool = False, full: bool = False) -> dict:
    supervised_epochs = 1 if smoke else (2 if full else 1)
    return {
        "name": "relative_patch_location_fashion_mnist",
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
            "args": {"input_shape": [None, None, 1], "widths": [32, 64, 128], "norm": "batch"},
        },
        "paradigm": {"name": "relative_patch_location", "args": {"hidden": 256}},
        # 3 * 8 + 2 * 1 + 2 * 1 = 28: the 3x3 grid with gap and jitter fills the image.
        "pretext": {
            "name": "relative_patch_location",
            "args": {"patch_size": 8, "gap": 1, "jitter": 1, "mode": "all"},
        },
        "train": {
            "epochs": 1 if smoke else 2,
            "batch_size": 64,
            "learning_rate": 1e-3,
            "shuffle_buffer": 60_000,
        },
        "evaluation": {
            "protocols": {"linear_probe": {}, "knn": {"k": 20}},
            "supervised_epochs": supervised_epochs,
            "blessing": {"protocol": "linear_probe", "min_gain_over_random": 0.0},
        },
        "export": {"root": "saved_models", "model_name": "relative_patch_location_fashion_mnist"},
    }
