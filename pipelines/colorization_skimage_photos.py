"""Colorization pretraining (Zhang, Isola & Efros, "Colorful Image Colorization",
ECCV 2016) on `skimage_photos` - 32x32 RGB crops of scikit-image's 8 colour
photographs, label = source photograph - evaluated with a linear probe and
weighted kNN on the lightness channel (what the encoder takes) against a
random-init encoder and the same encoder trained with all labels, then exported
for TF Serving.

Pretraining sees the RGB "image" feature (the pretext op splits it into L and
the ab bins); evaluation sees the "lightness" feature (L * 2.55 as uint8, i.e.
the same L / 100 the encoder was trained on). The class-rebalancing weights
(paper eq. 3-4) are computed from the train split's ab histogram when the config
is built (~1 s for the 3,200 train crops; skipped in the smoke config).
`benchmarks/quality_colorization.py` runs get_config(full=True);
`tfxlearn run colorization_skimage_photos --smoke` runs the tiny version.
"""


def _class_weights() -> list:
    import tfxlearn.data as data
    from tfxlearn.pretext.colorization import ab_bin_counts, class_rebalancing_weights

    images, _ = data.as_arrays(data.load("skimage_photos", "train"))
    return [float(w) for w in class_rebalancing_weights(ab_bin_counts(images))]


def get_config(smoke: bool = False, full: bool = False) -> dict:
    epochs = 1 if smoke else (8 if full else 4)
    return {
        "name": "colorization_skimage_photos",
        "seed": 0,
        "dataset": {
            "name": "skimage_photos",
            "train_split": "train",
            "test_split": "test",
            "pretext_image_key": "image",
            "image_key": "lightness",
            "max_train": 256 if smoke else None,
            "max_test": 128 if smoke else None,
        },
        "encoder": {
            "factory": "conv_encoder",
            "args": {"input_shape": [32, 32, 1], "widths": [32, 64, 128], "norm": "batch"},
        },
        "paradigm": {
            "name": "colorization",
            "args": {"mode": "bins", "class_weights": None if smoke else _class_weights()},
        },
        "pretext": {"name": "colorization", "args": {"target": "bins"}},
        "train": {
            "epochs": epochs,
            "batch_size": 64,
            "learning_rate": 1e-3,
            "shuffle_buffer": 4_000,
        },
        "evaluation": {
            "protocols": {"linear_probe": {}, "knn": {"k": 20}},
            "supervised_epochs": 1 if smoke else 5,
            "blessing": {"protocol": "linear_probe", "min_gain_over_random": 0.0},
        },
        "export": {"root": "saved_models", "model_name": "colorization_skimage_photos"},
    }
