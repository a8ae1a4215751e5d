"""CyCADA from font-rendered digits to real handwritten digits (see
`tfxlearn.paradigms.CyCADA`, Hoffman et al., ICML 2018).

Data as `adda_font_digits`: source (labelled) `font_digits`, 28x28; target
(unlabelled in training) scikit-learn's UCI handwritten `digits`, upsampled from
8x8 to 28x28 (`dataset.image_size`); the `domain_adaptation` op pairs them, both
scaled to [0, 1] alike. The Evaluator measures the adapted classifier on the
target's test split (`model_protocols.classification`) and probes the target
encoder's features (linear probe, kNN) against a random-init encoder.

Four stages in one run, on the same batches of 64 + 64 images:

1-3. `train.first_stage` = `CyCADA.pixel_stages`:
   1. the source classifier f_S (conv encoder 32-64-128 without batch norm, a
      linear head; SGD momentum 0.9 at DANN's annealed rate, SOURCE_EPOCHS
      passes, as ADDA's pipeline);
   2. the pixel level: a CycleGAN (ResNet generators 32 filters, 2
      downsamplings, 3 residual blocks; PatchGAN discriminators 32-64; instance
      norm; LSGAN, cycle weight 10, no identity term, histories of 50) with the
      semantic-consistency loss from the frozen f_S (weight 1, the paper's),
      Adam 2e-4 / beta_1 0.5, PIXEL_EPOCHS passes;
   3. the task classifier f_T, started from f_S, on the translated source
      images (the same SGD schedule, SOURCE_EPOCHS passes).
4. `train.epochs` of feature-level (ADDA) steps: the target encoder against a
   500-500-1 discriminator on f_T's features of the translated source images,
   inverted-label loss, Adam(learning_rate, beta_1 0.5).

Exported: `serving_default` (`images` -> `logits`, `embedding`: the adapted
classifier), `translate` (source `images` -> `translated`) and `translate_back`.
`learning_rate` and the budget are `benchmarks/quality_cycada.py`'s choices on
the labelled target validation carve; results in docs/adaptation.md.
`tfxlearn run cycada_font_digits --smoke` runs the tiny version (the
`font_digits/tiny` source, tiny translators, one pass of each stage).
"""

from tfxlearn.pipeline import font_digits as blocks

TARGET_TRAIN = 1438  # digits' train split
BATCH_SIZE = 64
SOURCE_EPOCHS = 45
PIXEL_EPOCHS = 45
EPOCHS = 45


def get_config(
    smoke: bool = False,
    full: bool = False,
    learning_rate: float = 2e-4,
    epochs: int = EPOCHS,
    semantic_weight: float = 1.0,
) -> dict:
    del full  # the default config is the full one
    epochs = 1 if smoke else int(epochs)
    source_epochs = 1 if smoke else SOURCE_EPOCHS
    pixel_epochs = 1 if smoke else PIXEL_EPOCHS
    max_train = 256 if smoke else None
    source_steps = source_epochs * ((max_train or TARGET_TRAIN) // BATCH_SIZE)
    shape = blocks.SHAPE
    if smoke:
        generator = {"input_shape": shape, "filters": 4, "downsamples": 2, "residual_blocks": 1}
        discriminator = {"input_shape": shape, "widths": [4, 8]}
    else:
        generator = {"input_shape": shape, "filters": 32, "downsamples": 2, "residual_blocks": 3}
        discriminator = {"input_shape": shape, "widths": [32, 64]}
    adam = blocks.adam(float(learning_rate))
    classifier_stage = {"epochs": source_epochs, "optimizer": blocks.annealed_sgd(source_steps)}
    return {
        "name": "cycada_font_digits",
        "seed": 0,
        "dataset": blocks.digits_dataset(max_train, 128 if smoke else None),
        "nets": {
            "source_encoder": {
                "factory": "conv_encoder",
                "args": {"input_shape": shape, "widths": [32, 64, 128], "norm": "none"},
            },
            **{
                name: {"factory": "resnet_generator", "args": {**generator, "name": name}}
                for name in ("generator_st", "generator_ts")
            },
            **{
                name: {"factory": "patchgan_discriminator", "args": {**discriminator, "name": name}}
                for name in ("discriminator_s", "discriminator_t")
            },
        },
        "paradigm": {
            "name": "cycada",
            "args": {
                "num_classes": 10,
                "discriminator_hidden": [500, 500],
                "mapping_loss": "inverted_label",
                "semantic_weight": float(semantic_weight),
                "cycle_weight": 10.0,
                "identity_weight": 0.0,
                "history_size": 50,
                "history_probability": 0.5,
            },
        },
        "pretext": blocks.domain_pretext(smoke),
        "train": blocks.train_block(
            epochs,
            BATCH_SIZE,
            first_stage={
                "method": "pixel_stages",
                "args": {
                    "source": classifier_stage,
                    "pixel": {
                        "epochs": pixel_epochs,
                        "generator_optimizer": blocks.adam(),
                        "discriminator_optimizer": blocks.adam(),
                    },
                    "translated": classifier_stage,
                },
            },
            optimizers={"target_encoder_optimizer": adam, "discriminator_optimizer": adam},
        ),
        "evaluation": blocks.adapted_classifier_evaluation(encoder_net="source_encoder"),
        "export": {"root": "saved_models", "model_name": "cycada_font_digits"},
    }
