"""Denoising autoencoder on Fashion-MNIST (Vincent et al., ICML 2008) as a pretext
task: 25% of each image's pixels are masked to 0 (the paper's masking noise)
and the clean image is the target. The conv encoder's pooled features are
evaluated with a linear probe and weighted kNN against a random-init encoder
and the same encoder trained with all labels, the 32-d codes of clean images
are clustered (k-means and a Gaussian mixture against PCA codes of the same
size), then the model is exported for TF Serving (images -> embedding, code,
reconstruction).

Same networks and budget as `autoencoder_fashion_mnist` (encoder
conv_encoder [32, 64, 128] + Dense(32), dcgan_generator decoder, per-pixel
binary cross-entropy, two epochs); the noise costs nothing measurable.

`make demo` runs get_config(); `benchmarks/quality.py` runs get_config(full=True),
whose all-labels baseline trains 2 epochs instead of 1; `tfxlearn run
denoising_autoencoder_fashion_mnist --smoke` runs the tiny version.
"""


def get_config(smoke: bool = False, full: bool = False) -> dict:
    supervised_epochs = 1 if smoke else (2 if full else 1)
    return {
        "name": "denoising_autoencoder_fashion_mnist",
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
            "name": "denoising_autoencoder",
            "args": {
                "latent_dim": 32,
                "decoder_widths": [64, 32],
                "reconstruction_loss": "bce",
                "noise": "masking",
                "noise_level": 0.25,
            },
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
        "export": {"root": "saved_models", "model_name": "denoising_autoencoder_fashion_mnist"},
    }
