"""L3-Net audio-visual correspondence on spoken_digits_av (Arandjelovic & Zisserman,
"Look, Listen and Learn", ICCV 2017).

Pretraining: digit images paired with the spoken digit name (1 s, 16 kHz);
`audio_visual_correspondence` makes, from each batch of B examples, B matched
pairs and B pairs whose audio comes from another example (the paper's
negatives; ~10% of them say the same digit: false negatives, see the op).
The image network is the small conv encoder, the audio network
`tfxlearn.nets.audio_encoder` (waveform -> log-mel -> conv), fused by
concatenation and an MLP (128) -> 2 logits. Both networks use instance norm
(norm "group"): with 1,080 examples an epoch is only ~34 steps and batch-norm
moving statistics lag far behind the batch statistics (measured with batch
norm: 83% pretext accuracy in training mode, a constant prediction - 50% - in
inference mode). The audio network is narrower (16/32/64) than the image one:
its 98x64 log-mel input makes it the cost of the step.

Evaluation (test split = held-out voices): the audio network's features
(`dataset.image_key: "audio"`) with a linear probe and kNN of the spoken digit
against a random-init audio network and one trained with all labels; the
whole model with the `correspondence` protocol (accuracy on matched vs
different-digit pairs, chance 50%; targets: >= 90% correspondence, >= 90%
linear probe) and the `retrieval` table.
Measured (50 epochs, 2 shared cores: 257 s training + 19 s evaluation):
correspondence 90.2% (different-digit negatives; 85.8% with the op's random
negatives, 8.5% of which are false negatives), audio linear probe 93.0 / kNN
92.2 (random-init 87.6 / 70.6, all labels 99.1 / 97.2), retrieval nDCG@30
im-im 0.94, im-aud 0.83, aud-im 0.78, aud-aud 0.94 (chance 0.10). 25 epochs
reached 82.2% correspondence and a 91.1 probe: the fusion MLP learns slowly.
The rate stays constant: with `learning_rate_schedule: "cosine"` over the 80
epochs of the full config (2026-12-03) correspondence fell to 87.5% (matched
pairs 79.4%, mismatched 95.6%; 89.6% with the constant rate), audio probe 95.6.
`tfxlearn run l3_net_spoken_digits_av --smoke` runs the tiny version.
"""


def get_config(
    smoke: bool = False, full: bool = False, learning_rate_schedule: str = "constant"
) -> dict:
    """`learning_rate_schedule` ("constant" or "cosine"; benchmarks/selection.py)."""
    epochs = 1 if smoke else (80 if full else 50)
    return {
        "name": "l3_net_spoken_digits_av",
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
        "paradigm": {"name": "l3_net", "args": {"hidden": 128}},
        "pretext": {"name": "audio_visual_correspondence", "args": {"mode": "all"}},
        "train": {
            "epochs": epochs,
            "batch_size": 8 if smoke else 32,
            "learning_rate": 1e-3,
            "learning_rate_schedule": learning_rate_schedule,
            "shuffle_buffer": 2_000,
        },
        "evaluation": {
            "protocols": {"linear_probe": {}, "knn": {"k": 5 if smoke else 20}},
            "supervised_epochs": 1 if smoke else 10,
            "model_protocols": {"correspondence": {}, "retrieval": {}},
            "blessing": {"model_protocol": "correspondence", "metric": "accuracy", "min": 0.75},
        },
        "export": {"root": "saved_models", "model_name": "l3_net_spoken_digits_av"},
    }
