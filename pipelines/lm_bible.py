"""A next-word language model (a small pre-LN Transformer decoder, paradigm
`language_model`) on the English side of the World English Bible
(`bible_verses`, train split: 55 books), evaluated by held-out perplexity on
the 11 test books against an interpolated modified Kneser-Ney trigram model
counted on the same training verses with the same vocabulary and tokens
(model protocol `perplexity`), then exported for TF Serving: raw strings in,
per-text log-likelihood (`serving_default`) and next-word log-probabilities
(`next_token`) out.

Tokens: WordPiece subwords learned on the training split (`subwords` = 8000
asked, 7,000 pieces kept; `tfxlearn.data.subword`), so no word is unknown (1.03
pieces per word), plus the end of each verse (predicted and counted in the
perplexity, for both models). The size was not tuned: it keeps the output layer
as wide as the word vocabulary it replaced (6,338 words seen 3+ times). Windows
of 64 positions (99.8% of verses fit; longer ones are cut for training and
scored in overlapping windows for evaluation). Adam at 1e-3 (a constant rate:
the op's number of windows per epoch is not known to Keras in advance), dropout
0.1.
`benchmarks/quality_lm.py` chooses the size and epochs on a validation carve
of the training split and reports both perplexities over seeds.
`tfxlearn run lm_bible --smoke` runs a tiny version (well under a minute of
training).
"""


def get_config(
    smoke: bool = False,
    epochs: int = 8,
    seed: int = 0,
    dim: int = 128,
    depth: int = 2,
    kn_order: int = 3,
) -> dict:
    vocabulary = {
        "dataset": "bible_verses",
        "feature": "en",
        "split": "train",
        "subwords": 300 if smoke else 8000,
        "max_examples": 2000 if smoke else None,
    }
    length = 64
    return {
        "name": "lm_bible",
        "seed": seed,
        "dataset": {
            "name": "bible_verses",
            "train_split": "train",
            "test_split": "test",
            "image_key": "en",
            "label_key": "testament",
            "max_train": 2000 if smoke else None,
            "max_test": 300 if smoke else None,
        },
        "nets": {},  # the language model builds its decoder from the vocabulary
        "paradigm": {
            "name": "language_model",
            "args": {
                "vocabulary": vocabulary,
                "max_length": length,
                "dim": 32 if smoke else dim,
                "depth": 1 if smoke else depth,
                "heads": 2 if smoke else 4,
                "dropout": 0.0 if smoke else 0.1,
            },
        },
        "pretext": {
            "name": "next_token",
            "args": {"vocabulary": vocabulary, "length": length, "batch_windows": 64},
        },
        "train": {
            "epochs": 1 if smoke else epochs,
            "batch_size": 64,  # verses per batch of the pretext op
            "learning_rate": 1e-3,
            "shuffle_buffer": 32_000,
        },
        "evaluation": {
            "protocols": {},
            "model_protocols": {"perplexity": {"order": kn_order}},
            "blessing": {
                "model_protocol": "perplexity",
                "metric": "perplexity_ratio",
                # The target: below the n-gram model's perplexity.
                "max": 1e9 if smoke else 1.0,
            },
        },
        "export": {"root": "saved_models", "model_name": "lm_bible"},
    }
