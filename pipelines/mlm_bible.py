"""A masked language model (a small pre-LN Transformer encoder, paradigm
`masked_language_model`; the pipeline's name `mlm_bible` is its file name, the
paradigm's registry key is in `config["paradigm"]["name"]`) on the English side
of the World English Bible (`bible_verses`, train split: 55 books), evaluated
by masked-token accuracy on the 11 test books against the unigram baseline
(model protocol `masked_tokens`), then exported for TF Serving: raw strings in,
the mean-pooled embedding (`serving_default`) and masked-word
log-probabilities (`fill_mask`) out.

Tokens: WordPiece subwords learned on the training split (`subwords` = 8000
asked, 7,000 pieces kept; `tfxlearn.data.subword`; not tuned: as wide as the
6,338-word vocabulary it replaced), so no word is unknown, plus the end of
each verse; verses cut to 64 tokens (99.8% fit). 15% of the tokens selected
per batch, 80/10/10
mask/random/keep (`masked_tokens` op). Adam at 1e-3, dropout 0.1.
`benchmarks/quality_mlm.py` chooses the size and epochs on a validation carve
of the training split and reports masked-token accuracy and linear probes
(testament, book) over seeds. `tfxlearn run mlm_bible --smoke` runs a tiny
version (well under a minute of training).
"""


def get_config(
    smoke: bool = False,
    epochs: int = 10,
    seed: int = 0,
    dim: int = 128,
    depth: int = 2,
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
        "name": "mlm_bible",
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
        "nets": {},  # the masked language model builds its encoder from the vocabulary
        "paradigm": {
            "name": "masked_language_model",
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
            "name": "masked_tokens",
            "args": {"vocabulary": vocabulary, "length": length},
        },
        "train": {
            "epochs": 1 if smoke else epochs,
            "batch_size": 64,  # verses per batch of the pretext op
            "learning_rate": 1e-3,
            "shuffle_buffer": 32_000,
        },
        "evaluation": {
            "protocols": {},
            "model_protocols": {"masked_tokens": {"rate": 0.15}},
            "blessing": {
                "model_protocol": "masked_tokens",
                "metric": "accuracy_gain",
                # The target: above the unigram baseline's accuracy.
                "min": -1.0 if smoke else 0.0,
            },
        },
        "export": {"root": "saved_models", "model_name": "mlm_bible"},
    }
