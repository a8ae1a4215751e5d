"""Exemplar-network pretraining on Fashion-MNIST (Dosovitskiy et al., NIPS 2014),
evaluated with a linear probe and weighted kNN against a random-init encoder
and the same encoder trained with all labels, then exported for TF Serving.

The first `pretext_max_train` training images are the surrogate classes. The
paper used 8000 seed patches of STL-10, trained long; within the 6-minute
budget (~256k augmented examples) a parametric N-way head only learns when
every class comes back often: with 4000 classes (8 visits each) the loss
stayed at chance, so 1000 seed images get 16 visits of 16 views each (every
batch: 16 views of each of 16 seed images, 256 examples). The photometric
power range is narrowed from the paper's [0.25, 4] to [0.5, 2]: on grayscale
images the extremes saturate whole garments to white or black. Evaluation
uses the whole training split.

`make demo` runs get_config(); `benchmarks/quality.py` runs get_config(full=True),
whose all-labels baseline trains 2 epochs instead of 1; `tfxlearn run
exemplar_fashion_mnist --smoke` runs the tiny version.
"""


def get_config(smoke: bool = False, full: bool = False) -> dict:
    supervised_epochs = 1 if smoke else (2 if full else 1)
    classes = 128 if smoke else 1000
    return {
        "name": "exemplar_fashion_mnist",
        "seed": 0,
        "dataset": {
            "name": "fashion_mnist",
            "train_split": "train",
            "test_split": "test",
            "max_train": 512 if smoke else None,
            "max_test": 256 if smoke else None,
            "pretext_max_train": classes,  # the seed images = surrogate classes
        },
        "encoder": {
            "factory": "conv_encoder",
            "args": {"input_shape": [28, 28, 1], "widths": [32, 64, 128], "norm": "batch"},
        },
        "paradigm": {"name": "exemplar", "args": {"num_classes": classes}},
        # The paper's augmentations (translation 0.2, scale 0.7-1.4, rotation
        # +-20 degrees, value ** power * [0.7, 1.4] + [-0.1, 0.1]).
        "pretext": {
            "name": "exemplar",
            "args": {"num_classes": classes, "views": 16, "power": [0.5, 2.0]},
        },
        "train": {
            "epochs": 1 if smoke else 16,
            "batch_size": 16,
            "learning_rate": 1e-3,
            "shuffle_buffer": classes,
        },
        "evaluation": {
            "protocols": {"linear_probe": {}, "knn": {"k": 20}},
            "supervised_epochs": supervised_epochs,
            "blessing": {"protocol": "linear_probe", "min_gain_over_random": 0.0},
        },
        "export": {"root": "saved_models", "model_name": "exemplar_fashion_mnist"},
    }
