"""benchmarks/renderers/text.py: 'not measured yet' with the command, else the LM
perplexity table with its date and commit; the word2vec table is unchanged."""

from renderers import text

LM_RESULT = {
    "date": "2026-12-06",
    "commit": "abc1234",
    "dirty": False,
    "tensorflow": "2.21.0",
    "cpu_count": 2,
    "choice": {"dim": 128, "depth": 2, "epochs": 7, "kn_order": 3},
    "runs": [
        {
            "seed": s,
            "model_perplexity": p,
            "kn_perplexity": 95.0,
            "kn_perplexity_by_order": {"2": 110.0, "3": 95.0, "4": 96.5},
            "test_texts": 5922,
            "test_tokens": 156611,
            "unknown_rate": 0.021,
            "vocabulary_size": 6338,
        }
        for s, p in ((0, 80.0), (1, 84.0))
    ],
    "summary": {
        "model_perplexity": {"mean": 82.0, "sd": 2.8284271247461903},
        "kn_perplexity": 95.0,
        "seeds_below_kn": 2,
    },
}


def test_not_measured_yet_names_the_command(monkeypatch):
    monkeypatch.setattr(text, "load", lambda name: None)
    assert text.lm_headline() == "not measured"
    table = text.lm_table()
    assert "Not measured yet" in table and "quality_lm.py --seeds 0,1,2" in table
    assert text.mlm_headline() == "not measured"
    table = text.mlm_table()
    assert "Not measured yet" in table and "quality_mlm.py --seeds 0,1,2" in table
    assert "Not measured yet" in text.cbow_table() and "--mode cbow" in text.cbow_table()
    assert text.dual_translation_headline() == "not measured"
    table = text.dual_translation_table()
    assert "Not measured yet" in table and "quality_dual_translation.py --seeds 0,1,2" in table
    assert set(text.SECTIONS) == {
        "word2vec-gensim",
        "word2vec-cbow-gensim",
        "lm-kneser-ney",
        "mlm-unigram",
        "dual-translation-bleu",
    }
    assert set(text.HEADLINES) == {
        "word2vec",
        "language_model",
        "masked_language_model",
        "dual_translation",
    }
    keys = [key for _, _, _, rows in text.PARADIGM_ROWS for key, _ in rows]
    assert keys == ["word2vec", "language_model", "masked_language_model", "dual_translation"]


def test_renders_the_perplexity_table_with_date_and_commit(monkeypatch):
    monkeypatch.setattr(
        text, "load", lambda name: dict(LM_RESULT) if name == "quality_lm" else None
    )
    monkeypatch.setattr(text, "stamp", lambda r: f"{r['date']}, commit `{r['commit']}`")
    table = text.lm_table()
    assert "2026-12-06, commit `abc1234`" in table
    assert "| Transformer decoder 128 wide x 2 blocks, 7 epochs | 82.00 ± 2.83 |" in table
    assert "order 3 (chosen on validation) | 95.00 |" in table
    assert "order 2 | 110.00 |" in table and "order 4 | 96.50 |" in table
    assert "end-of-text token counted" in table and "2.1% unknown" in table
    assert "Seeds below the chosen n-gram model: 2 of 2." in table
    assert text.lm_headline() == (
        "perplexity 82.0 vs Kneser-Ney order 3 95.0 ✓ (target: below the n-gram model)"
    )
    # The word2vec table does not read the LM result.
    assert "Not measured yet" in text.word2vec_table()


def _probe(testament, book):
    return {"testament": {"accuracy": testament}, "book": {"accuracy": book}}


MLM_RESULT = {
    "date": "2026-12-07",
    "commit": "def5678",
    "dirty": False,
    "choice": {"dim": 128, "depth": 2, "epochs": 9},
    "runs": [
        {
            "seed": s,
            "model_accuracy": a,
            "unigram_accuracy": 0.062,
            "test_texts": 5922,
            "masked_tokens": 23001,
            "vocabulary_size": 6338,
        }
        for s, a in ((0, 0.30), (1, 0.32))
    ],
    "probe_verses": {"train": 4000, "test": 1922},
    "summary": {
        "model_accuracy": {"mean": 0.31, "sd": 0.0141},
        "unigram_accuracy": 0.062,
        "model_cross_entropy": {"mean": 4.1, "sd": 0.05},
        "unigram_cross_entropy": 6.5,
        "probes": {
            "pretrained": {
                "testament": {"mean": 0.9, "sd": 0.01},
                "book": {"mean": 0.6, "sd": 0.02},
            },
            "random_init": {
                "testament": {"mean": 0.7, "sd": 0.03},
                "book": {"mean": 0.3, "sd": 0.02},
            },
            "bag_of_words": {
                "testament": {"mean": 0.88, "sd": 0.0},
                "book": {"mean": 0.55, "sd": 0.0},
            },
        },
    },
}


def test_renders_the_mlm_table_with_date_and_commit(monkeypatch):
    monkeypatch.setattr(
        text, "load", lambda name: dict(MLM_RESULT) if name == "quality_mlm" else None
    )
    monkeypatch.setattr(text, "stamp", lambda r: f"{r['date']}, commit `{r['commit']}`")
    table = text.mlm_table()
    assert "2026-12-07, commit `def5678`" in table
    assert (
        "| Transformer encoder 128 wide x 2 blocks, 9 epochs | 0.3100 ± 0.0141 | 4.100 ± 0.050 |"
        in table
    )
    assert "| unigram (training word frequencies) | 0.0620 | 6.500 |" in table
    assert "| masked LM, mean-pooled | 0.900 ± 0.010 | 0.600 ± 0.020 |" in table
    assert "| same encoder, random init | 0.700 ± 0.030 | 0.300 ± 0.020 |" in table
    assert "| bag of words, log(1 + count) | 0.880 ± 0.000 | 0.550 ± 0.000 |" in table
    assert "tested on 1,922 verses of other chapters" in table
    assert text.mlm_headline() == (
        "masked-token accuracy 0.310 vs unigram 0.062 ✓ (target: above the unigram baseline)"
    )
    # The other tables do not read the MLM result.
    assert "Not measured yet" in text.lm_table()
    assert "Not measured yet" in text.word2vec_table()


def _w2v(wordsim, peer_wordsim):
    def side(ws):
        return {
            "wordsim353_spearman": {"mean": ws, "sd": 0.01},
            "simlex999_spearman": {"mean": 0.05, "sd": 0.01},
        }

    return {"summary": {"tfxlearn": side(wordsim), "gensim": side(peer_wordsim)}}


def test_word2vec_headline_gives_skip_gram_then_cbow_each_against_gensim(monkeypatch):
    results = {"quality_word2vec": _w2v(0.38, 0.35)}
    monkeypatch.setattr(text, "load", lambda name: results.get(name))
    assert text.headline().startswith("skip-gram: WordSim353 ρ 0.380 vs gensim 0.350")
    assert "CBOW" not in text.headline() and "✓" in text.headline()
    results["quality_word2vec_cbow"] = _w2v(0.25, 0.31)  # 0.06 below gensim: missed
    head = text.headline()
    assert "; CBOW: WordSim353 ρ 0.250 vs gensim 0.310" in head and head.count("✗") == 1


def _arm(bleu_ab, bleu_ba, chrf):
    return {
        "bleu_ab": bleu_ab,
        "bleu_ba": bleu_ba,
        "bleu": (bleu_ab + bleu_ba) / 2,
        "chrf": chrf,
        "sentences": 5922,
    }


DUAL_RESULT = {
    "date": "2026-12-08",
    "commit": "0a1b2c3",
    "dirty": False,
    "choice": {"warm_epochs": 6, "dual_epochs": 2, "full_epochs": 9},
    "runs": [
        {
            "seed": 0,
            "warm start": _arm(4.0, 6.0, 30.0),
            "warm start + dual": _arm(6.0, 8.0, 33.0),
            "100% parallel": _arm(12.0, 14.0, 45.0),
            "gap_recovered_bleu": 0.25,
        },
        {
            "seed": 1,
            "warm start": _arm(4.0, 6.0, 30.0),
            "warm start + dual": _arm(4.0, 8.0, 31.0),
            "100% parallel": _arm(12.0, 14.0, 45.0),
            "gap_recovered_bleu": 0.125,
        },
    ],
    "summary": {
        "warm start bleu": {"mean": 5.0, "sd": 0.0},
        "warm start + dual bleu": {"mean": 6.5, "sd": 0.7071},
        "100% parallel bleu": {"mean": 13.0, "sd": 0.0},
        "dual_gain_bleu": {"mean": 1.5, "sd": 0.7071},
        "seeds_meeting_target": 1,
    },
}


def test_renders_the_dual_translation_table_with_date_and_commit(monkeypatch):
    monkeypatch.setattr(
        text, "load", lambda name: dict(DUAL_RESULT) if name == "quality_dual_translation" else None
    )
    monkeypatch.setattr(text, "stamp", lambda r: f"{r['date']}, commit `{r['commit']}`")
    table = text.dual_translation_table()
    assert "2026-12-08, commit `0a1b2c3`" in table
    assert "5,922 verses of the 11 test books" in table
    assert "6 warm-start epochs, 2 dual epochs and 9 epochs on all pairs" in table
    assert (
        "| warm start: 10% of the training verses, parallel | 5.00 ± 0.00 | 4.00 ± 0.00 | "
        "6.00 ± 0.00 | 30.00 ± 0.00 |" in table
    )
    assert (
        "| warm start + dual game on the monolingual halves | 6.50 ± 0.71 | 5.00 ± 1.41 |" in table
    )
    assert "| 100% of the training verses, parallel (supervised) | 13.00 ± 0.00 |" in table
    assert "Dual game gain: +1.50 ± 0.71 BLEU; seeds meeting the target (+1 BLEU): 1 of 2" in table
    assert "recovered (mean BLEU): 19%" in table
    assert text.dual_translation_headline() == (
        "BLEU 6.5 vs warm start 5.0 ✓ (target: +1), 100% parallel 13.0"
    )
    assert "Not measured yet" in text.lm_table()
