"""Attention-guided CycleGAN between texture crops (A) and digits drawn on texture
crops (B) (see `tfxlearn.paradigms.AttentionCycleGAN`, Mejjati et al., NeurIPS 2018).

- Domain B (the pipeline's `dataset`): `textured_digits`, scikit-learn's
  handwritten digits blended over crops of scikit-image's textures and
  photographs as in MNIST-M (the crop inverted inside the digit), 28x28 RGB;
  ExampleGen gives its images without labels or masks.
- Domain A: `textured_digits/blank`, other crops of the same textures with no
  digit; the `unpaired_domains` op pairs its images with B batches (unpaired:
  nothing pairs a crop with the crop under a digit).
- Why not digits <-> textured_digits: translating a white-on-black digit to the
  same digit on a texture changes every pixel (the black background becomes the
  texture), so the attention would rightly be everywhere and its mask says
  nothing about the digit. Inserting / removing a digit on a texture changes
  exactly the digit's pixels, which `textured_digits` stores as `mask`, so the
  B -> A attention can be scored against it.
- Nets: CycleGAN's ResNet generators (c7s1-32, d64, d128, 6 residual blocks,
  u64, u32, c7s1-3), attention networks (the same ResNet shape, c7s1-16, d32,
  one residual block, u16, one sigmoid channel), PatchGAN discriminators
  (C64-C128-C256), instance norm.
- Losses: least-squares GAN, cycle weight 10, no identity term (the paper's),
  histories of 50 fakes, Adam 2e-4 / beta_1 0.5; batches of 16 pairs (one epoch
  = one pass over the 1,438 training images, 89 steps).
- Evaluator: the `attention_mask` model protocol - IoU of the B -> A attention
  thresholded at 0.5 against the stored digit masks of the test split (the
  benchmark chooses the threshold on a validation carve instead). The blessing
  asks IoU >= 0.5.

`benchmarks/quality_attention_cycle_gan.py` measures the IoU against a
no-learning baseline; results in docs/dual.md.
`tfxlearn run attention_cycle_gan_textured_digits --smoke` runs a tiny version
(`textured_digits/tiny` and `blank_tiny`, small nets, one epoch).
"""

BATCH_SIZE = 16


def get_config(smoke: bool = False, full: bool = False, epochs: int = 20) -> dict:
    del full  # the default config is the full one
    epochs = 1 if smoke else int(epochs)
    shape = [28, 28, 3]
    if smoke:
        generator = {"input_shape": shape, "filters": 4, "downsamples": 2, "residual_blocks": 1}
        attention = {"input_shape": shape, "filters": 4, "downsamples": 1, "residual_blocks": 1}
        discriminator = {"input_shape": shape, "widths": [4, 8, 8]}
    else:
        generator = {"input_shape": shape, "filters": 32, "downsamples": 2, "residual_blocks": 6}
        attention = {"input_shape": shape, "filters": 16, "downsamples": 1, "residual_blocks": 1}
        discriminator = {"input_shape": shape, "widths": [64, 128, 256]}
    adam = {"class_name": "Adam", "config": {"learning_rate": 2e-4, "beta_1": 0.5}}

    def net(factory, args, name):
        return {"factory": factory, "args": {**args, "name": name}}

    return {
        "name": "attention_cycle_gan_textured_digits",
        "seed": 0,
        "dataset": {
            "name": "textured_digits/tiny" if smoke else "textured_digits",
            "train_split": "train",
            "test_split": "test",
            "max_train": None,
            "max_test": None,
        },
        "nets": {
            "generator_ab": net("resnet_generator", generator, "generator_ab"),
            "generator_ba": net("resnet_generator", generator, "generator_ba"),
            "attention_ab": net("attention_network", attention, "attention_ab"),
            "attention_ba": net("attention_network", attention, "attention_ba"),
            "discriminator_a": net("patchgan_discriminator", discriminator, "discriminator_a"),
            "discriminator_b": net("patchgan_discriminator", discriminator, "discriminator_b"),
        },
        "paradigm": {
            "name": "attention_cycle_gan",
            "args": {
                "cycle_weight": 10.0,
                "identity_weight": 0.0,
                "history_size": 50,
                "history_probability": 0.5,
            },
        },
        "pretext": {
            "name": "unpaired_domains",
            "args": {
                "domain_a": "textured_digits/blank_tiny" if smoke else "textured_digits/blank",
                "a_split": "train",
            },
        },
        "train": {
            "epochs": epochs,
            "batch_size": BATCH_SIZE,
            "shuffle_buffer": 2_000,
            "optimizers": {
                "generator_optimizer": adam,
                "discriminator_optimizer": adam,
            },
        },
        "evaluation": {
            "protocols": {},
            "model_protocols": {
                "attention_mask": {
                    "dataset": "textured_digits/tiny" if smoke else "textured_digits",
                    "split": "test",
                    "direction": "b_to_a",
                    "threshold": 0.5,
                }
            },
            "blessing": {"model_protocol": "attention_mask", "metric": "iou", "min": 0.5},
        },
        "export": {"root": "saved_models", "model_name": "attention_cycle_gan_textured_digits"},
    }
