"""pix2pix from Canny edge maps to Fashion-MNIST images (see
`tfxlearn.paradigms.Pix2Pix`, Isola et al., CVPR 2017) - the paper's
edges2shoes construction at 28x28.

- Data: Fashion-MNIST's training images (labels never reach the model); the
  `edge_pairs` pretext op pairs each batch with its Canny edges
  (scikit-image, sigma 1, hysteresis 0.1 / 0.2 on [0, 1] images): (edges, images).
- Nets: pix2pix's U-Net generator (C64-C128 down to 7x7, mirrored up with skip
  connections, dropout 0.5 as the paper's noise) and a conditional PatchGAN
  (edges and image concatenated, C64-C128-C256, a 7x7 map of patch scores),
  instance norm.
- Losses and optimisation as in the paper: non-saturating cGAN loss + 100 L1
  (`l1_weight`; `adversarial_weight=0` gives the L1-only ablation), the
  discriminator's objective halved, Adam 2e-4 / beta_1 0.5 for both players;
  batches of 32 instead of the paper's 1-4 (CPU budget).
- Evaluator: the `paired_translation` model protocol on the test split's edge
  maps: L1 and SSIM to the true images, Fréchet distance to the real test
  images in a Fashion-MNIST classifier's features, and that classifier's
  accuracy on the translated vs the real images. The blessing requires the
  translated images to keep at least half of the classifier's accuracy.

The budget (`epochs`) is the benchmark's choice (`benchmarks/quality_pix2pix.py`,
on a validation carve); results in docs/dual.md.
`tfxlearn run pix2pix_fashion_mnist --smoke` runs a tiny version (256 training
and 128 test images, small nets, one epoch).
"""

BATCH_SIZE = 32
EDGES = {"sigma": 1.0, "low_threshold": 0.1, "high_threshold": 0.2}


def get_config(
    smoke: bool = False, full: bool = False, epochs: int = 4, adversarial_weight: float = 1.0
) -> dict:
    del full  # the default config is the full one
    epochs = 1 if smoke else int(epochs)
    if smoke:
        generator = {"widths": [4, 8], "dropout": 0.5}
        discriminator = {"widths": [4, 8, 8]}
    else:
        generator = {"widths": [64, 128], "dropout": 0.5}
        discriminator = {"widths": [64, 128, 256]}
    adam = {"class_name": "Adam", "config": {"learning_rate": 2e-4, "beta_1": 0.5}}
    return {
        "name": "pix2pix_fashion_mnist",
        "seed": 0,
        "dataset": {
            "name": "fashion_mnist",
            "train_split": "train",
            "test_split": "test",
            "max_train": 256 if smoke else None,
            "max_test": 128 if smoke else None,
        },
        "nets": {
            "generator": {
                "factory": "unet_generator",
                "args": {"input_shape": [28, 28, 1], "output_channels": 1, **generator},
            },
            "discriminator": {
                "factory": "patchgan_discriminator",
                "args": {"input_shape": [28, 28, 2], **discriminator},
            },
        },
        "paradigm": {
            "name": "pix2pix",
            "args": {"adversarial_weight": float(adversarial_weight), "l1_weight": 100.0},
        },
        "pretext": {"name": "edge_pairs", "args": dict(EDGES)},
        "train": {
            "epochs": epochs,
            "batch_size": BATCH_SIZE,
            "shuffle_buffer": 60_000,
            "optimizers": {
                "generator_optimizer": adam,
                "discriminator_optimizer": adam,
            },
        },
        "evaluation": {
            "protocols": {},
            "model_protocols": {
                "paired_translation": {
                    "edges": dict(EDGES),
                    "classifier_epochs": 1 if smoke else 5,
                }
            },
            "blessing": {
                "model_protocol": "paired_translation",
                "metric": "accuracy_ratio",
                "min": 0.0 if smoke else 0.5,
            },
        },
        "export": {"root": "saved_models", "model_name": "pix2pix_fashion_mnist"},
    }
