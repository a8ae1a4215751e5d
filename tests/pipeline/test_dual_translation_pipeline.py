import numpy as np
import tensorflow as tf

from tfxlearn import pipeline


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
    for signature in ("serving_default", "translate_ba"):
        out = loaded.signatures[signature](text=tf.constant(["In the beginning God", ""]))
        assert out["translation"].dtype == tf.string and out["translation"].shape == (2,)
        assert out["truncated"].numpy().tolist() == [False, False]
