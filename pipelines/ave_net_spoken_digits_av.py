"""AVE-Net on spoken_digits_av (Arandjelovic & Zisserman, "Objects that Sound",
ECCV 2018): audio-visual correspondence through the Euclidean distance of
L2-normalised 128-d image and audio embeddings (distance -> fc(1 -> 2)), so the
two modalities share one space.

Pretraining: the same `audio_visual_correspondence` pairs as L3-Net (matched
vs audio of another example; ~10% of the negatives say the same digit and are
false negatives, see the op). Image network: the small conv encoder; audio
network: `tfxlearn.nets.audio_encoder` (waveform -> log-mel -> conv); instance
norm (norm "group") in both, because with 1,080 examples an epoch is only ~34
steps and batch-norm moving statistics lag far behind the batch statistics
(measured with batch norm: 83% pretext accuracy in training mode, a constant
prediction - 50% - in inference mode).

Evaluation (test split = held-out voices): the audio network's features
(`dataset.image_key: "audio"`) with a linear probe and kNN of the spoken digit
against random-init and all-labels audio networks; the whole model with the
`retrieval` table (im-im, im-aud, aud-im, aud-aud nDCG@30 and recall@1/5/10,
each beside chance from the same code) and the `correspondence` accuracy.
Measured (15 epochs, 2 shared cores: 86 s training + 29 s evaluation):
retrieval nDCG@30 im-im 0.87, im-aud 0.71, aud-im 0.71, aud-aud 0.78 (chance
0.10; recall@1 0.97 / 0.77 / 0.76 / 0.96, chance 0.10), correspondence 88.2%,
audio linear probe 95.9 / kNN 91.9 (random-init 87.6 / 70.6, all labels
99.1 / 97.2).
`tfxlearn run ave_net_spoken_digits_av --smoke` runs the tiny version.
"""


def get_config(smoke: bool = False, full: bool = False) -> dict:
    epochs = 1 if smoke else (30 if full else 15)
    return {
        "name": "ave_net_spoken_digits_av",
        "seed": 0,
        "dataset": {
            "name": "spoken_digits_av/tiny" if smoke else "spoken_digits_av",
            "train_split": "train",
            "test_split": "test",
            # Pretraining sees the image under "image" and the audio under "audio";
            # the encoder protocols probe the audio features.
            "pretext_image_key": "image",
            "pretext_features": {"audio": "audio"},
            "image_key": "audio",
            "label_key": "label",
        },
        "encoder": {
            "factory": "conv_encoder",
            "args": {"input_shape": [28, 28, 1], "widths": [32, 64, 128], "norm": "group"},
        },
        "nets": {
            "audio_encoder": {
                "factory": "audio_encoder",
                "args": {"num_samples": 16_000, "widths": [16, 32, 64], "norm": "group"},
            }
        },
        "paradigm": {"name": "ave_net", "args": {"embedding_dim": 128, "hidden": 128}},
        "pretext": {"name": "audio_visual_correspondence", "args": {"mode": "all"}},
        "train": {
            "epochs": epochs,
            "batch_size": 8 if smoke else 32,
            "learning_rate": 1e-3,
            "shuffle_buffer": 2_000,
        },
        "evaluation": {
            "protocols": {"linear_probe": {}, "knn": {"k": 5 if smoke else 20}},
            "supervised_epochs": 1 if smoke else 10,
            "model_protocols": {"correspondence": {}, "retrieval": {}},
            "blessing": {
                "model_protocol": "retrieval",
                "metric": "im-aud_ndcg@30",
                "min": 0.3,  # chance: ~0.10
            },
        },
        "export": {"root": "saved_models", "model_name": "ave_net_spoken_digits_av"},
    }
