"""DCGAN on Fashion-MNIST (Goodfellow et al., NIPS 2014, with the DCGAN
architecture of Radford, Metz & Chintala, ICLR 2016; see `tfxlearn.paradigms.GAN`):
non-saturating generator loss, Adam(2e-4, beta_1 0.5) for both players as in
DCGAN, batch norm in both nets, a sigmoid output for images in [0, 1]. Samples
and the exported generator are the trained generator: a moving average of its
weights (`generator_ema`, Yazici et al., ICLR 2019) measured no better here
(below).

Evaluation: sample quality (`model_protocols.sample_quality`: Fréchet distance in
the features of tfxlearn's own Fashion-MNIST classifier between 10,000 samples and
10,000 test images, next to the real train-vs-test floor, and the class entropy of
the samples) and, as DCGAN did, the discriminator's features as a representation
(`evaluation.encoder_net`: linear probe and kNN against a random-init
discriminator body and the same body trained with all labels). The model is
blessed (exported) when its distance is at most 3x the real floor, the issue's
target.

Budget: `get_config()` trains 2 epochs (about 3 minutes on 2 CPU cores);
`benchmarks/quality_generative.py gan` runs get_config(full=True): 20 epochs
(about 25 minutes), whose all-labels baseline trains 2 epochs instead of 1;
`tfxlearn run gan_fashion_mnist --smoke` runs the tiny version.

The distance keeps falling with training (`benchmarks/gan_fd_curve.py`, the
same seed and config, 10,000 samples; 2026-12-03): 9.16 after 2 epochs, 2.33
after 12, 1.50 after 20 (floor 0.046, so 32x the floor; the target 3x would be
0.14); 65-85 s per epoch. docs/generative.md has the whole curve.

With `generator_ema: 0.999` (`benchmarks/gan_fd_curve.py --generator_ema=0.999`,
which measures the average and the trained generator of one run on the same
latent vectors; 2026-12-03) the average was no better: 1.54 against 1.50 for the
trained generator at 20 epochs, 2.40 against 2.50 at 12, 9.04 against 8.60 at 2.
(Turning it on also moves the random stream, so that run's trained generator
differs from the one above.)
"""

GENERATOR_WIDTHS = [128, 64]
DISCRIMINATOR_WIDTHS = [64, 128]
EPOCHS = 2
FULL_EPOCHS = 20
BATCH_SIZE = 64


def _adam(learning_rate: float) -> dict:
    return {"class_name": "Adam", "config": {"learning_rate": learning_rate, "beta_1": 0.5}}


def get_config(smoke: bool = False, full: bool = False) -> dict:
    supervised_epochs = 1 if smoke else (2 if full else 1)
    return {
        "name": "gan_fashion_mnist",
        "seed": 0,
        "dataset": {
            "name": "fashion_mnist",
            "train_split": "train",
            "test_split": "test",
            "max_train": 512 if smoke else None,
            "max_test": 256 if smoke else None,
        },
        "nets": {
            "generator": {
                "factory": "dcgan_generator",
                "args": {
                    "latent_dim": 64,
                    "output_shape": [28, 28, 1],
                    "widths": [16, 8] if smoke else GENERATOR_WIDTHS,
                    "norm": "batch",
                },
            },
            "discriminator": {
                "factory": "dcgan_discriminator",
                "args": {
                    "input_shape": [28, 28, 1],
                    "widths": [8, 16] if smoke else DISCRIMINATOR_WIDTHS,
                    "norm": "batch",
                },
            },
        },
        "paradigm": {
            "name": "gan",
            "args": {"generator_loss": "non_saturating"},
        },
        "pretext": {"name": "images", "args": {}},
        "train": {
            "epochs": 1 if smoke else (FULL_EPOCHS if full else EPOCHS),
            "batch_size": 64 if smoke else BATCH_SIZE,
            "shuffle_buffer": 60_000,
            "optimizers": {
                "generator_optimizer": _adam(2e-4),
                "discriminator_optimizer": _adam(2e-4),
            },
        },
        "evaluation": {
            "encoder_net": "discriminator",
            "protocols": {"linear_probe": {}, "knn": {"k": 20}},
            "model_protocols": {
                "sample_quality": (
                    {"samples": 256, "classifier_epochs": 1} if smoke else {"samples": 10_000}
                )
            },
            "supervised_epochs": supervised_epochs,
            # The target: Fréchet distance at most 3x the real-vs-real floor
            # (the smoke run only exercises the stages, so its bound is open).
            "blessing": {
                "model_protocol": "sample_quality",
                "metric": "fd_ratio_to_floor",
                "max": 1e9 if smoke else 3.0,
            },
        },
        "export": {"root": "saved_models", "model_name": "gan_fashion_mnist"},
    }
