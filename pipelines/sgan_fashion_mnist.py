"""Semi-supervised GAN on Fashion-MNIST with 100 labels (Salimans et al., NIPS
2016; see `tfxlearn.paradigms.SGAN`): 10 labelled images per class (the
class-balanced subset the low-shot protocol uses with the same seed) and the
whole training split unlabelled, mixed in every batch by the `semi_supervised`
pretext op (-1 = unlabelled).

The discriminator is a DCGAN body with layer normalization (per example: no
batch statistics mixing real and generated images into the classifier's
test-time behaviour) and dropout (the paper's discriminators use dropout or
Gaussian noise: 100 labels are memorised quickly); the generator is trained
with feature matching. Evaluation: the SGAN's own classifier on the test split
(`model_protocols.classification`) against the same discriminator architecture
trained on the 100 labels alone (the `low_shot` column of the random-init row:
fine-tuning the randomly initialised discriminator body + a linear head on the
same 100 examples), plus the linear probe and kNN of the discriminator features.

Measured (helper tuning run, seed 0, this config, test accuracy of `classify`
after each epoch): 73.1 / 73.3 / 72.4% after epochs 1-3, against 71.7% for the
low-shot baseline (the random-init discriminator body + linear head fine-tuned
on the same 100 labels, 300 steps): +0.7 points, far from the issue's target
of 10 points less error. The discriminator fits the 100 labels within the first
epoch (labelled accuracy 98%, then 100%) and wins the real/fake game (D(G(z))
about 0.02); the paper's MNIST and CIFAR results train for hundreds of epochs
with Gaussian-noise / weight-normalized discriminators. An epoch costs about
130 CPU-seconds (625 steps), so 3 epochs fit the 6-minute budget on 2 cores.
`tfxlearn run sgan_fashion_mnist --smoke` runs the tiny version.
"""


def get_config(smoke: bool = False, full: bool = False) -> dict:
    del full  # the default config is the full one (the budget is in the training)
    return {
        "name": "sgan_fashion_mnist",
        "seed": 0,
        "dataset": {
            "name": "fashion_mnist",
            "train_split": "train",
            "test_split": "test",
            "max_train": 1024 if smoke else None,
            "max_test": 256 if smoke else None,
            "pretext_labels": True,
        },
        "nets": {
            "generator": {
                "factory": "dcgan_generator",
                "args": {
                    "latent_dim": 64,
                    "output_shape": [28, 28, 1],
                    "widths": [64, 32],
                    "norm": "batch",
                },
            },
            "discriminator": {
                "factory": "dcgan_discriminator",
                "args": {
                    "input_shape": [28, 28, 1],
                    "widths": [32, 64],
                    "norm": "layer",
                    "dropout": 0.3,
                },
            },
        },
        "paradigm": {
            "name": "sgan",
            "args": {
                "num_classes": 10,
                "generator_loss": "feature_matching",
                "unsupervised_weight": 0.5,
            },
        },
        "pretext": {
            "name": "semi_supervised",
            "args": {
                "num_classes": 10,
                "labelled_per_class": 1 if smoke else 10,
                "labelled_fraction": 0.25,
            },
        },
        "train": {
            "epochs": 1 if smoke else 3,
            "batch_size": 128,
            "shuffle_buffer": 60_000,
            "optimizers": {
                "generator_optimizer": {
                    "class_name": "Adam",
                    "config": {"learning_rate": 1e-3, "beta_1": 0.5},
                },
                "discriminator_optimizer": {
                    "class_name": "Adam",
                    "config": {"learning_rate": 1e-3, "beta_1": 0.5},
                },
            },
        },
        "evaluation": {
            "protocols": {
                "linear_probe": {},
                "knn": {"k": 20},
                "low_shot": {"labels_per_class": 1 if smoke else 10},
            },
            "model_protocols": {"classification": {}},
            "supervised_epochs": 0,
        },
        "export": {"root": "saved_models", "model_name": "sgan_fashion_mnist"},
    }
