"""SimGAN: font-rendered digits (synthetic) refined to look like real handwritten
digits (see `tfxlearn.paradigms.SimGAN`, Shrivastava et al., CVPR 2017).

- Synthetic domain: `font_digits`, digits rendered from Debian fonts, 28x28; its
  labels are never shown to the model, only to the Evaluator (a refined image
  keeps its synthetic label: that is what SimGAN is for).
- Real domain (the pipeline's `dataset`): scikit-learn's UCI handwritten
  `digits`, upsampled from 8x8 to 28x28 (`dataset.image_size`). ExampleGen gives
  its images without labels; the `unpaired_domains` op pairs them with
  synthetic batches (synthetic = domain A).
- Nets: the paper's full-resolution ResNet refiner (`resnet_generator` with no
  downsampling: a 7x7 convolution of 32 maps, 4 residual blocks, a 7x7
  convolution to 1 channel, no normalization, sigmoid) and a local
  discriminator (PatchGAN C32-C64, a 7x7 map of patch logits, instance norm).
- Losses as in the paper: local adversarial log loss, self-regularization L1
  (weight 1.0 per pixel mean), a history of 256 refined images half of whose
  draws are past ones; Adam 2e-4 / beta_1 0.5 for both players; batches of 32.
- Evaluator: the `refinement` model protocol - a classifier trained on real
  digits reads refined font_digits test images (labels preserved?), the Fréchet
  distances refined / unrefined to the real digits, the mean per-pixel change
  (is the refiner not the identity?) and the discriminator's realism. The
  blessing requires a refiner that changes its input (mean change >= 0.01).

`benchmarks/quality_adaptation.py --methods simgan` measures it as an adaptation
method (a classifier trained on refined, labelled font digits, tested on real
digits); results in docs/adaptation.md. `tfxlearn run simgan_font_digits --smoke`
runs a tiny version (the `font_digits/tiny` source, 64 real images, small nets,
one epoch).
"""

from tfxlearn.pipeline import font_digits as blocks

BATCH_SIZE = 32


def get_config(smoke: bool = False, full: bool = False, epochs: int = 10) -> dict:
    del full  # the default config is the full one
    epochs = 1 if smoke else int(epochs)
    shape = blocks.SHAPE
    if smoke:
        refiner = {"filters": 4, "residual_blocks": 1}
        discriminator = {"widths": [4, 8]}
    else:
        refiner = {"filters": 32, "residual_blocks": 4}
        discriminator = {"widths": [32, 64]}
    adam = blocks.adam()
    return {
        "name": "simgan_font_digits",
        "seed": 0,
        "dataset": blocks.digits_dataset(64 if smoke else None, 64 if smoke else None),
        "nets": {
            "refiner": {
                "factory": "resnet_generator",
                "args": {
                    "input_shape": shape,
                    "downsamples": 0,
                    "norm": "none",
                    "name": "refiner",
                    **refiner,
                },
            },
            "discriminator": {
                "factory": "patchgan_discriminator",
                "args": {"input_shape": shape, "name": "discriminator", **discriminator},
            },
        },
        "paradigm": {
            "name": "simgan",
            "args": {
                "self_regularization": 1.0,
                "refiner_steps": 1,
                "history_size": 256,
                "history_probability": 0.5,
            },
        },
        "pretext": blocks.unpaired_pretext(smoke),
        "train": blocks.train_block(
            epochs,
            BATCH_SIZE,
            optimizers={"refiner_optimizer": adam, "discriminator_optimizer": adam},
        ),
        "evaluation": blocks.image_translation_evaluation("refinement", smoke, "mean_change", 0.01),
        "export": {"root": "saved_models", "model_name": "simgan_font_digits"},
    }
