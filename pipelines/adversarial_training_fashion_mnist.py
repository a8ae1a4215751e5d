"""Adversarial training on Fashion-MNIST (Madry et al., ICLR 2018; see
`tfxlearn.paradigms.AdversarialTraining`): the conv classifier (the benchmarks'
conv encoder + a linear head) trained on PGD examples (L-inf eps 0.1, random
start, `steps` steps of 2.5 * eps / steps) of each training batch, against the
current weights. `attack="none"` is the standard classifier, trained by the
same code on clean images: the baseline.

Evaluation (`model_protocols.robust_accuracy`): test accuracy clean and under
FGSM and PGD (20 steps, random start) at eps 0.05, 0.1, 0.15 and 0.2. No encoder
protocol: the product is the classifier.

`benchmarks/quality_adversarial.py` runs the standard and the adversarially
trained classifier (get_config(full=True, attack=...)), after choosing the
training PGD steps on the validation carve; results in docs/adversarial.md.
`tfxlearn run adversarial_training_fashion_mnist --smoke` runs the tiny version.
"""

EPOCHS = 2
FULL_EPOCHS = 5
EVAL_EPS = [0.05, 0.1, 0.15, 0.2]
TRAIN_EPS = 0.1
TRAIN_STEPS = 7


def get_config(
    smoke: bool = False,
    full: bool = False,
    attack: str = "pgd",
    eps: float = TRAIN_EPS,
    steps: int = TRAIN_STEPS,
    epochs: int | None = None,
    eval_steps: int = 20,
    max_test: int | None = None,
) -> dict:
    """`attack`, `eps`, `steps`, `epochs`, `eval_steps` and `max_test` override the
    defaults (benchmarks/quality_adversarial.py)."""
    if epochs is None:
        epochs = 1 if smoke else (FULL_EPOCHS if full else EPOCHS)
    name = "adversarial_training_fashion_mnist"
    return {
        "name": name,
        "seed": 0,
        "dataset": {
            "name": "fashion_mnist",
            "train_split": "train",
            "test_split": "test",
            "max_train": 512 if smoke else None,
            "max_test": 128 if smoke else max_test,
            "pretext_labels": True,
        },
        "encoder": {
            "factory": "conv_encoder",
            "args": {"input_shape": [28, 28, 1], "widths": [32, 64, 128], "norm": "batch"},
        },
        "paradigm": {
            "name": "adversarial_training",
            "args": {
                "num_classes": 10,
                "attack": attack,
                "eps": eps,
                "steps": 2 if smoke else steps,
                "random_start": True,
                "clean_weight": 0.0,
            },
        },
        "pretext": {"name": "class_labels", "args": {}},
        "train": {
            "epochs": epochs,
            "batch_size": 64 if smoke else 128,
            "learning_rate": 1e-3,
            "shuffle_buffer": 60_000,
        },
        "evaluation": {
            "protocols": {},
            "model_protocols": {
                "robust_accuracy": {
                    "eps": EVAL_EPS,
                    "attacks": ["fgsm", "pgd"],
                    "steps": 5 if smoke else eval_steps,
                }
            },
            "supervised_epochs": 0,
            "blessing": {
                "model_protocol": "robust_accuracy",
                "metric": "clean_accuracy",
                "min": 0.0 if smoke else 0.5,
            },
        },
        "export": {"root": "saved_models", "model_name": name},
    }
