"""Dual learning for machine translation (He, Xia, Qin, Wang, Yu, Liu & Ma,
NIPS 2016; paradigm `dual_translation`) between the World English Bible (A,
`en`) and the Spanish Reina-Valera 1909 (B, `es`) of `bible_verses` (train
split: 55 books; test: the 11 other books).

The `dual_corpus` op splits the training verses once by index: 10% parallel
pairs (`parallel_fraction`), the other 90% in two disjoint halves of which
only the English side of one and the Spanish side of the other are used.

Two stages in one run:

1. `train.first_stage` = `DualTranslation.warm_start`: first the two frozen
   referees, a language model per language (the `language_model` paradigm's
   network, `tfxlearn.nets.transformer_decoder`), trained on that language's
   monolingual half (`language_model_epochs`), then both translators
   (encoder-decoder Transformers) on the parallel pairs, teacher-forced
   cross-entropy (`warm_epochs` passes over the monolingual batches, the
   parallel pairs cycled: ~4.5 passes over them per epoch).
2. `train.epochs` of the dual game on the monolingual halves (sampled
   translations, reward alpha * LM + (1 - alpha) * reconstruction, REINFORCE +
   likelihood updates), with `supervised_weight` of the parallel pairs' loss
   kept in (the paper keeps a little supervised signal).

Tokens: WordPiece subwords learned on the training split of each language
(`subwords` = 8000 asked: 7,000 English and 7,467 Spanish pieces kept;
`tfxlearn.data.subword`; not tuned), so no word is unknown; translations are
glued back into words; verses cut to 48 tokens, end included (96.7% of
verses fit in either language). The Evaluator scores greedy
translations of the test verses in both directions with sacreBLEU (BLEU, chrF,
model protocol `text_translation`); the Pusher exports text in ->
translation out (`serving_default` en -> es, `translate_ba` es -> en).
`benchmarks/quality_dual_translation.py` compares warm start only, warm start
+ dual and 100% parallel supervised. `tfxlearn run dual_translation_bible
--smoke` runs a tiny version (a few minutes on 2 busy cores).
"""

LENGTH = 48


def _adam(learning_rate: float) -> dict:
    return {"class_name": "Adam", "config": {"learning_rate": float(learning_rate)}}


def get_config(
    smoke: bool = False,
    seed: int = 0,
    parallel_fraction: float = 0.1,
    warm_epochs: int = 6,
    language_model_epochs: int = 4,
    epochs: int = 2,
    dim: int = 128,
    depth: int = 2,
    alpha: float = 0.5,
    supervised_weight: float = 0.1,
    learning_rate: float = 1e-4,
) -> dict:
    def vocabulary(feature):
        return {
            "dataset": "bible_verses",
            "feature": feature,
            "split": "train",
            "subwords": 300 if smoke else 8000,
            "max_examples": 400 if smoke else None,
        }

    return {
        "name": "dual_translation_bible",
        "seed": seed,
        "dataset": {
            "name": "bible_verses",
            "train_split": "train",
            "test_split": "test",
            "image_key": "en",
            "label_key": "testament",
            "pretext_features": {"es": "es"},
            "max_train": 400 if smoke else None,
            "max_test": 16 if smoke else None,
        },
        "nets": {},  # the paradigm builds its translators and language models
        "paradigm": {
            "name": "dual_translation",
            "args": {
                "vocabulary_a": vocabulary("en"),
                "vocabulary_b": vocabulary("es"),
                "max_length": 12 if smoke else LENGTH,
                "dim": 16 if smoke else dim,
                "depth": 1 if smoke else depth,
                "heads": 2 if smoke else 4,
                "dropout": 0.0 if smoke else 0.1,
                "mode": "dual",
                "alpha": alpha,
                "supervised_weight": supervised_weight,
                "seed": seed,
            },
        },
        "pretext": {"name": "dual_corpus", "args": {"parallel_fraction": parallel_fraction}},
        "train": {
            "epochs": 1 if smoke else epochs,
            "batch_size": 16 if smoke else 32,
            "learning_rate": learning_rate,
            "shuffle_buffer": 32_000,
            "first_stage": {
                "method": "warm_start",
                "args": {
                    "epochs": 1 if smoke else warm_epochs,
                    "language_model_epochs": 1 if smoke else language_model_epochs,
                    "optimizer": _adam(1e-3),
                    "language_model_optimizer": _adam(1e-3),
                },
            },
        },
        "evaluation": {
            "protocols": {},
            "model_protocols": {"text_translation": {"b_key": "es"}},
            "blessing": {
                "model_protocol": "text_translation",
                "metric": "bleu_ab",
                "min": 0.0 if smoke else 1.0,
            },
        },
        "export": {"root": "saved_models", "model_name": "dual_translation_bible"},
    }
