"""word2vec (skip-gram with negative sampling, Mikolov et al. 2013) on the English
side of the World English Bible (`bible_verses`, train split: 55 books),
evaluated on WordSim353, SimLex-999 and the Google analogies (model protocol
`word_similarity`), then exported for TF Serving: raw strings in, word / text
vectors out.

Settings follow word2vec's and gensim's defaults where the corpus allows: 100
dimensions, window 5, 5 noise words, subsampling threshold 1e-3, words seen at
least 5 times, SGD at 0.025 per pair (the loss is the mean over `batch_pairs`
pairs, hence the learning rate 0.025 x batch_pairs) decayed linearly to 1e-4 of
it over the run (`learning_rate_decay_steps` estimates the run's steps, see the
paradigm). `benchmarks/quality_word2vec.py` runs it side by side with gensim.
`tfxlearn run word2vec_bible --smoke` runs a tiny version (about a minute).

`mode="cbow"` (`--config` cannot switch the op's argument names, so it is a
`get_config` argument: `load_config("word2vec_bible", mode="cbow")`) trains
CBOW on the `cbow` op's examples with the same settings (`batch_pairs` becomes
the op's `batch_examples`).
"""


def get_config(
    smoke: bool = False, epochs: int = 5, seed: int = 0, mode: str = "skip_gram"
) -> dict:
    if mode not in ("skip_gram", "cbow"):
        raise ValueError(f"word2vec_bible: mode must be 'skip_gram' or 'cbow', got {mode!r}")
    batch_pairs = 1024
    vocabulary = {
        "dataset": "bible_verses",
        "feature": "en",
        "split": "train",
        "min_count": 2 if smoke else 5,
        "max_examples": 2000 if smoke else None,
    }
    return {
        "name": "word2vec_bible",
        "seed": seed,
        "dataset": {
            "name": "bible_verses",
            "train_split": "train",
            "test_split": "test",
            "image_key": "en",
            "label_key": "testament",
            "max_train": 2000 if smoke else None,
            "max_test": 500 if smoke else None,
        },
        "nets": {},  # word2vec builds its own tables from the vocabulary
        "paradigm": {
            "name": "word2vec",
            "args": {
                "vocabulary": vocabulary,
                "embedding_dim": 16 if smoke else 100,
                **({"mode": mode} if mode != "skip_gram" else {}),
            },
        },
        "pretext": {
            "name": "cbow" if mode == "cbow" else "skip_gram",
            "args": {
                "vocabulary": vocabulary,
                "window": 5,
                "negatives": 5,
                "subsample": 1e-3,
                ("batch_examples" if mode == "cbow" else "batch_pairs"): batch_pairs,
            },
        },
        "train": {
            "epochs": 1 if smoke else epochs,
            "batch_size": 256,  # verses per batch of the pretext op
            "optimizer": {
                "class_name": "SGD",
                "config": {"learning_rate": 0.025 * batch_pairs},
            },
            "shuffle_buffer": 32_000,
        },
        "evaluation": {
            "protocols": {},
            "model_protocols": {"word_similarity": {}},
            "blessing": {
                "model_protocol": "word_similarity",
                "metric": "wordsim353_spearman",
                "min": -1.0 if smoke else 0.1,
            },
        },
        "export": {"root": "saved_models", "model_name": "word2vec_bible"},
    }
