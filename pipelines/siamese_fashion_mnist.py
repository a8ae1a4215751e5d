"""A Siamese network on Fashion-MNIST, verified on classes it never saw: trained
on pairs (contrastive loss, Hadsell et al. 2006) or triplets (semi-hard triplet
loss, Schroff et al. 2015) of the classes 0-4 (T-shirt, trouser, pullover,
dress, coat) and evaluated on the classes 5-9 (sandal, shirt, sneaker, bag,
ankle boot) by ROC AUC and equal error rate of pair verification and one-shot
5-way accuracy (`evaluation.verification`), against the same embedding network
random-init and trained as a plain 5-class classifier on the classes 0-4 (row
"all labels": `evaluation.supervised_classes`), then exported with an
`images -> embedding` and a `pair_score` signature.

The embedding is encoder -> MLP head -> L2 normalization. Loss and margin are
arguments (`get_config(loss=..., margin=...)`); the defaults, contrastive with
margin 1.0 (pairs of other classes pushed to cosine < 0.5), are not chosen on
validation yet: `benchmarks/quality_siamese.py` chooses loss and margin on a
class-disjoint validation carve of the training classes and reports the
result; until it has run, these are plain defaults.

Budget: each pair costs a forward and backward pass of two images; 5 epochs
over the 30,000 training images of classes 0-4 (the full benchmark's budget is
its own). `tfxlearn run siamese_fashion_mnist --smoke` runs the tiny version.
"""

TRAIN_CLASSES = [0, 1, 2, 3, 4]
UNSEEN_CLASSES = [5, 6, 7, 8, 9]


def get_config(
    smoke: bool = False,
    epochs: int | None = None,
    loss: str = "contrastive",
    margin: float | None = None,
) -> dict:
    """`loss` ("contrastive" or "triplet") and `margin` (None: the paradigm's
    default for that loss) override the defaults."""
    if epochs is None:
        epochs = 1 if smoke else 5
    return {
        "name": "siamese_fashion_mnist",
        "seed": 0,
        "dataset": {
            "name": "fashion_mnist",
            "train_split": "train",
            "test_split": "test",
            "max_train": 512 if smoke else None,
            "max_test": 512 if smoke else None,
            # Training sees only the classes 0-4 and their labels.
            "exclude_classes": UNSEEN_CLASSES,
            "pretext_labels": True,
        },
        "encoder": {
            "factory": "conv_encoder",
            "args": {"input_shape": [28, 28, 1], "widths": [32, 64, 128], "norm": "batch"},
        },
        "paradigm": {
            "name": "siamese",
            "args": {"embedding_dim": 64, "loss": loss, "margin": margin, "normalize": True},
        },
        "pretext": {"name": "class_pairs" if loss == "contrastive" else "class_triplets"},
        "train": {
            "epochs": epochs,
            "batch_size": 32 if smoke else 64,
            "shuffle_buffer": 30_000,
            "learning_rate": 1e-3,  # constant: the class filter hides the epoch length
        },
        "evaluation": {
            # The embedding the distances are computed on (not the bare encoder).
            "encoder_options": {"output": "embedding"},
            "protocols": {
                "verification": {
                    "classes": UNSEEN_CLASSES,
                    "pairs": 1000 if smoke else 10_000,
                    "ways": 5,
                    "episodes": 200 if smoke else 2000,
                }
            },
            "supervised_epochs": 1 if smoke else 5,
            "supervised_classes": TRAIN_CLASSES,
            "blessing": {"protocol": "verification", "min_gain_over_random": 0.0},
        },
        "export": {"root": "saved_models", "model_name": "siamese_fashion_mnist"},
    }
