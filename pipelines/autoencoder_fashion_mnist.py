"""Plain autoencoder on Fashion-MNIST (Hinton & Salakhutdinov, Science 2006) as a
pretext task: the conv encoder's pooled features are evaluated with a linear
probe and weighted kNN against a random-init encoder and the same encoder
trained with all labels, the 32-d bottleneck codes are clustered (k-means and
a Gaussian mixture against PCA codes of the same size), then the model is
exported for TF Serving (images -> embedding, code, reconstruction).

Encoder conv_encoder [32, 64, 128] + Dense(32) bottleneck; decoder
dcgan_generator(32 -> 7x7x64 -> 14x14x32 -> 28x28x1 logits); per-pixel binary
cross-entropy. Budget: a step costs the encoder plus a decoder of about the
same size; two epochs of the 60k images fit the 5-minute training budget.

`make demo` runs get_config(); `benchmarks/quality.py` runs get_config(full=True),
whose all-labels baseline trains 2 epochs instead of 1; `tfxlearn run
autoencoder_fashion_mnist --smoke` runs the tiny version.
"""


def get_config(smoke: bool = False, full: bool = False) -> dict:
    supervised_epochs = 1 if smoke else (2 if full else 1)
    return {
        "name": "autoencoder_fashion_mnist",
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
        "paradigm": {
            "name": "autoencoder",
            "args": {"latent_dim": 32, "decoder_widths": [64, 32], "reconstruction_loss": "bce"},
        },
        "pretext": {"name": "images"},
        "train": {
            "epochs": 1 if smoke else 2,
            "batch_size": 64,
            "learning_rate": 1e-3,
            "shuffle_buffer": 60_000,
        },
        "evaluation": {
            "protocols": {"linear_probe": {}, "knn": {"k": 20}},
            "model_protocols": {"latent_clustering": {}},
            "supervised_epochs": supervised_epochs,
            "blessing": {"protocol": "linear_probe", "min_gain_over_random": 0.0},
        },
        "export": {"root": "saved_models", "model_name": "autoencoder_fashion_mnist"},
    }
