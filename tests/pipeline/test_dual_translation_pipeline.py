import numpy as np
import tensorflow as tf

from tfxlearn import pipeline
from tfxlearn.data.text import resolve_vocabulary
from tfxlearn.evaluation.perplexity import python_token_sequences


def test_dual_translation_bible_smoke_pipeline_warm_starts_plays_evaluates_and_exports(tmp_path):
    config = pipeline.load_config("dual_translation_bible", smoke=True)
    result = pipeline.run(
        config, run_dir=str(tmp_path / "run"), export_root=str(tmp_path / "export"), verbose=0
    )
    scores = result.metrics["model_results"]["text_translation"]
    assert scores["sentences"] == 16
    for key in ("bleu_ab", "bleu_ba", "chrf_ab", "chrf_ba"):
        assert 0.0 <= scores[key] <= 100.0
    history = result.metrics["history"]
    assert np.isfinite(history["loss"][-1]) and history["reward_ab"][-1] < 0
    loaded = tf.saved_model.load(result.export_path)
    args = config["paradigm"]["args"]
    for signature, text, key in (
        ("serving_default", "In the beginning God", "vocabulary_a"),
        ("translate_ba", "En el principio Dios", "vocabulary_b"),
    ):
        out = loaded.signatures[signature](text=tf.constant([text, ""]))
        assert out["translation"].dtype == tf.string and out["translation"].shape == (2,)
        # truncated when the text's pieces and its end exceed max_length (smoke: 12)
        pieces = resolve_vocabulary(args[key]).words
        want = [len(t) > args["max_length"] for t in python_token_sequences([text, ""], pieces)]
        assert out["truncated"].numpy().tolist() == want and want[1] is False
        assert not any(b"##" in t for t in out["translation"].numpy())  # glued into words
