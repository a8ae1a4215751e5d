"""CycleGAN between font-rendered digits (A) and real handwritten digits (B)
(see `tfxlearn.paradigms.CycleGAN`, Zhu et al., ICCV 2017).

- Domain A: `font_digits`, digits rendered from Debian fonts, 28x28; its labels
  are never shown to the model, only to the Evaluator.
- Domain B (the pipeline's `dataset`): scikit-learn's UCI handwritten `digits`,
  upsampled from 8x8 to 28x28 (`dataset.image_size`). ExampleGen gives its
  images without labels; the `unpaired_domains` op pairs them with A batches.
- Nets: CycleGAN's ResNet generators (c7s1-32, d64, d128, 6 residual blocks,
  u64, u32, c7s1-1: the paper's widths halved for 28x28) and PatchGAN
  discriminators (C64-C128-C256, a 7x7 map of patch scores), instance norm.
- Losses and optimisation as in the paper: least-squares GAN, cycle weight 10,
  identity weight 5, histories of 50 fakes, Adam 2e-4 / beta_1 0.5 for both
  players; batches of 16 pairs instead of the paper's 1 (one epoch = one pass
  over the 1,438 digits training images, 89 steps).
- Evaluator: the `translation` model protocol - a classifier trained on real
  digits (train split) reads font_digits test images translated to B (labels
  preserved?), Fréchet distances translated / untranslated to the real digits
  test split in that classifier's features, and the cycle L1. The blessing
  requires the translated images to keep at least half of the classifier's
  real-digit accuracy.

The budget (`epochs`) is the benchmark's choice (`benchmarks/quality_translation.py`,
on a validation carve); results in docs/dual.md.
`tfxlearn run cycle_gan_font_digits --smoke` runs a tiny version (the
`font_digits/tiny` source, 64 target images, small nets, one epoch).
"""

from tfxlearn.pipeline import font_digits as blocks

BATCH_SIZE = 16


def get_config(smoke: bool = False, full: bool = False, epochs: int = 20) -> dict:
    del full  # the default config is the full one
    epochs = 1 if smoke else int(epochs)
    shape = blocks.SHAPE
    if smoke:
        generator = {"input_shape": shape, "filters": 4, "downsamples": 2, "residual_blocks": 1}
        discriminator = {"input_shape": shape, "widths": [4, 8, 8]}
    else:
        generator = {"input_shape": shape, "filters": 32, "downsamples": 2, "residual_blocks": 6}
        discriminator = {"input_shape": shape, "widths": [64, 128, 256]}
    adam = blocks.adam()
    return {
        "name": "cycle_gan_font_digits",
        "seed": 0,
        "dataset": blocks.digits_dataset(64 if smoke else None, 64 if smoke else None),
        "nets": {
            "generator_ab": {
                "factory": "resnet_generator",
                "args": {**generator, "name": "generator_ab"},
            },
            "generator_ba": {
                "factory": "resnet_generator",
                "args": {**generator, "name": "generator_ba"},
            },
            "discriminator_a": {
                "factory": "patchgan_discriminator",
                "args": {**discriminator, "name": "discriminator_a"},
            },
            "discriminator_b": {
                "factory": "patchgan_discriminator",
                "args": {**discriminator, "name": "discriminator_b"},
            },
        },
        "paradigm": {
            "name": "cycle_gan",
            "args": {
                "cycle_weight": 10.0,
                "identity_weight": 5.0,
                "history_size": 50,
                "history_probability": 0.5,
            },
        },
        "pretext": blocks.unpaired_pretext(smoke),
        "train": blocks.train_block(
            epochs,
            BATCH_SIZE,
            optimizers={"generator_optimizer": adam, "discriminator_optimizer": adam},
        ),
        "evaluation": blocks.image_translation_evaluation(
            "translation", smoke, "accuracy_ratio", 0.5
        ),
        "export": {"root": "saved_models", "model_name": "cycle_gan_font_digits"},
    }
