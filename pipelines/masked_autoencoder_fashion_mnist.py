"""Masked-autoencoder pretraining on Fashion-MNIST (He et al., CVPR 2022, with a
conv encoder: masked pixels replaced by a learned mask token, see
`tfxlearn.paradigms.MaskedAutoencoder`), evaluated with a linear probe and
weighted kNN against a random-init encoder and the same encoder trained with
all labels, then exported for TF Serving.

75% of the 4x4 patches (a 7x7 grid, the closest to MAE's 14x14 grid of 16px
patches) are masked; the loss is the MSE on raw pixels of the masked patches
(per-patch normalized targets, MAE's best ViT variant, amplify the noise of
the near-constant background patches that make up much of Fashion-MNIST).

Budget: a step costs the encoder plus the decoder; with the decoder's
upsampling widths at [32, 16] (about 3.3M multiply-adds per image against the
encoder's 7.5M; [64, 32] would be 10.6M) two epochs of the 60k images fit the
6-minute pretraining budget.

`make demo` runs get_config(); `benchmarks/quality.py` runs get_config(full=True),
whose all-labels baseline trains 2 epochs instead of 1; `tfxlearn run
masked_autoencoder_fashion_mnist --smoke` runs the tiny version.
"""


def get_config(smoke: bool = False, full: bool = False) -> dict:
    supervised_epochs = 1 if smoke else (2 if full else 1)
    return {
        "name": "masked_autoencoder_fashion_mnist",
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
            "name": "masked_autoencoder",
            "args": {"decoder_widths": [32, 16], "mask_token": True},
        },
        "pretext": {
            "name": "masked_autoencoder",
            "args": {"patch_size": 4, "mask_ratio": 0.75, "norm_pix_loss": False},
        },
        "train": {
            "epochs": 1 if smoke else 2,
            "batch_size": 64,
            "learning_rate": 1e-3,
            "shuffle_buffer": 60_000,
        },
        "evaluation": {
            "protocols": {"linear_probe": {}, "knn": {"k": 20}},
            "supervised_epochs": supervised_epochs,
            "blessing": {"protocol": "linear_probe", "min_gain_over_random": 0.0},
        },
        "export": {"root": "saved_models", "model_name": "masked_autoencoder_fashion_mnist"},
    }
