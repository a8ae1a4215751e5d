"""Config blocks shared by the pipelines from font-rendered digits (`font_digits`,
the labelled synthetic source) to scikit-learn's handwritten `digits` (the real
target, upsampled to 28x28): CycleGAN, SimGAN, DANN, ADDA, CyCADA. Each returns
plain data (docs/architecture.md section 6); a pipeline file composes them in its
`get_config`."""

from __future__ import annotations

SHAPE = [28, 28, 1]


def source_name(smoke: bool) -> str:
    """The source dataset: `font_digits`, or its tiny version for smoke runs."""
    return "font_digits/tiny" if smoke else "font_digits"


def digits_dataset(max_train: int | None, max_test: int | None) -> dict:
    """ExampleGen's target: `digits` train / test, upsampled to 28x28."""
    return {
        "name": "digits",
        "train_split": "train",
        "test_split": "test",
        "image_size": list(SHAPE),
        "max_train": max_train,
        "max_test": max_test,
    }


def unpaired_pretext(smoke: bool) -> dict:
    """`unpaired_domains`: font digits (domain A, unlabelled) next to the target's images."""
    return {
        "name": "unpaired_domains",
        "args": {"domain_a": source_name(smoke), "a_split": "train", "image_size": list(SHAPE)},
    }


def domain_pretext(smoke: bool) -> dict:
    """`domain_adaptation`: labelled font digits (source) next to the target's images."""
    return {
        "name": "domain_adaptation",
        "args": {"source": source_name(smoke), "source_split": "train", "image_size": list(SHAPE)},
    }


def adam(learning_rate: float = 2e-4) -> dict:
    """Adam with DCGAN's beta_1 = 0.5, the GANs' and ADDA's optimiser."""
    return {"class_name": "Adam", "config": {"learning_rate": learning_rate, "beta_1": 0.5}}


def annealed_sgd(total_steps: int) -> dict:
    """SGD, momentum 0.9, DANN's annealed rate 0.01 / (1 + 10 p)^0.75 over total_steps."""
    return {
        "class_name": "SGD",
        "config": {
            "learning_rate": {
                "module": None,
                "class_name": "AnnealedLearningRate",
                "registered_name": "tfxlearn>AnnealedLearningRate",
                "config": {
                    "initial": 0.01,
                    "total_steps": total_steps,
                    "alpha": 10.0,
                    "beta": 0.75,
                },
            },
            "momentum": 0.9,
        },
    }


def train_block(epochs: int, batch_size: int, **extra) -> dict:
    """The `train` block: epochs, batch size, a 2,000-example shuffle, and `extra`
    (optimizer / optimizers / first_stage)."""
    return {"epochs": epochs, "batch_size": batch_size, "shuffle_buffer": 2_000, **extra}


def image_translation_evaluation(protocol: str, smoke: bool, metric: str, minimum: float) -> dict:
    """A translator's Evaluator: `protocol` ("translation", "refinement") on the
    font_digits test images, blessed when `metric` >= `minimum`."""
    return {
        "protocols": {},
        "model_protocols": {
            protocol: {
                "source": source_name(smoke),
                "source_split": "test",
                "max_source": 64 if smoke else None,
                "classifier_epochs": 1 if smoke else 5,
            }
        },
        "blessing": {"model_protocol": protocol, "metric": metric, "min": minimum},
    }


def adapted_classifier_evaluation(**extra) -> dict:
    """An adapted classifier's Evaluator: target-test accuracy (blessed at >= 20%)
    and the encoder's linear probe and kNN against a random-init encoder."""
    return {
        **extra,
        "protocols": {"linear_probe": {}, "knn": {"k": 20}},
        "model_protocols": {"classification": {}},
        "supervised_epochs": 0,
        "blessing": {"model_protocol": "classification", "metric": "accuracy", "min": 0.2},
    }
