"""Variational autoencoder on Fashion-MNIST (Kingma & Welling, ICLR 2014), latent
size 32, Bernoulli decoder (pixel logits, cross-entropy summed over the 784
pixels) and beta = 1, so the reported negative ELBO on the test split is in
nats per image (grey-level pixels as Bernoulli targets; see
`tfxlearn.paradigms.VAE`). The conv encoder's pooled features are evaluated
with a linear probe and weighted kNN against a random-init encoder and the
same encoder trained with all labels, the posterior means are clustered
(k-means and a Gaussian mixture against PCA codes of the same size), then the
model is exported for TF Serving (images -> embedding, code, log_variance,
reconstruction). Plots: reconstructions, samples per epoch and the latent map.

`get_config(latent_dim=2)` trains the 2-D VAE whose latent map shows the test
codes by class beside the decoded manifold (the paper's figure 4).

Same networks and budget as `autoencoder_fashion_mnist` (encoder
conv_encoder [32, 64, 128] + two Dense heads, dcgan_generator decoder, two
epochs).

`make demo` runs get_config(); `benchmarks/quality.py` runs get_config(full=True),
whose all-labels baseline trains 2 epochs instead of 1; `tfxlearn run
vae_fashion_mnist --smoke` runs the tiny version.
"""


def get_config(smoke: bool = False, full: bool = False, latent_dim: int = 32) -> dict:
    supervised_epochs = 1 if smoke else (2 if full else 1)
    name = "vae_fashion_mnist" if latent_dim == 32 else f"vae{latent_dim}d_fashion_mnist"
    return {
        "name": name,
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
            "name": "vae",
            "args": {"latent_dim": int(latent_dim), "decoder_widths": [64, 32], "beta": 1.0},
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
            "model_protocols": {"negative_elbo": {}, "latent_clustering": {}},
            "supervised_epochs": supervised_epochs,
            "blessing": {"protocol": "linear_probe", "min_gain_over_random": 0.0},
        },
        "export": {"root": "saved_models", "model_name": name},
    }
