"""InfoGAN on Fashion-MNIST (Chen et al., NIPS 2016; see `tfxlearn.paradigms.InfoGAN`):
the paper's MNIST latent layout - 62-d noise, one 10-way categorical code and 2
continuous codes uniform in [-1, 1] (generator input 62 + 10 + 2 = 74) - with Q
sharing the DCGAN discriminator body (a 128-unit hidden layer, then the categorical
logits and the unit-std Gaussian means), lambda = 1 for both code types and the
authors' learning rates (2e-4 for D and Q, 1e-3 for G, Adam beta_1 0.5).

Evaluation: how well the categorical code clusters the classes
(`model_protocols.code_clustering`: best code-to-class matching accuracy, purity,
NMI of argmax Q(c | x) on the test split), sample quality (Fréchet distance to
the test images against the real floor) and the discriminator features through
the linear probe and kNN. The paradigm's plots include the code sweep (each code
varied along a row, the paper's digit-type / rotation / width figure) and test
images grouped by their inferred category.

Budget: <= 6 minutes of training on 2 CPU cores alone, the same nets and epochs as
`gan_fashion_mnist` (Q adds one small dense layer). `tfxlearn run
infogan_fashion_mnist --smoke` runs the tiny version.
"""

GENERATOR_WIDTHS = [128, 64]
DISCRIMINATOR_WIDTHS = [64, 128]
EPOCHS = 2
BATCH_SIZE = 64
NOISE, CATEGORIES, CONTINUOUS = 62, 10, 2


def _adam(learning_rate: float) -> dict:
    return {"class_name": "Adam", "config": {"learning_rate": learning_rate, "beta_1": 0.5}}


def get_config(smoke: bool = False, full: bool = False) -> dict:
    supervised_epochs = 1 if smoke else (2 if full else 1)
    return {
        "name": "infogan_fashion_mnist",
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
                    "latent_dim": NOISE + CATEGORIES + CONTINUOUS,
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
            "name": "infogan",
            "args": {
                "num_categories": CATEGORIES,
                "num_continuous": CONTINUOUS,
                "lambda_categorical": 1.0,
                "lambda_continuous": 1.0,
                "q_hidden": 16 if smoke else 128,
                "generator_loss": "non_saturating",
            },
        },
        "pretext": {"name": "images", "args": {}},
        "train": {
            "epochs": 1 if smoke else EPOCHS,
            "batch_size": 64 if smoke else BATCH_SIZE,
            "shuffle_buffer": 60_000,
            "optimizers": {
                "generator_optimizer": _adam(1e-3),
                "discriminator_optimizer": _adam(2e-4),
            },
        },
        "evaluation": {
            "encoder_net": "discriminator",
            "protocols": {"linear_probe": {}, "knn": {"k": 20}},
            "model_protocols": {
                "sample_quality": (
                    {"samples": 256, "classifier_epochs": 1} if smoke else {"samples": 10_000}
                ),
                "code_clustering": {},
            },
            "supervised_epochs": supervised_epochs,
        },
        "export": {"root": "saved_models", "model_name": "infogan_fashion_mnist"},
    }
