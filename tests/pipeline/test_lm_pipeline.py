import numpy as np
import tensorflow as tf

from tfxlearn import pipeline
from tfxlearn.data.text import resolve_vocabulary
from tfxlearn.evaluation.perplexity import python_token_sequences


def test_lm_bible_smoke_pipeline_trains_evaluates_and_exports(tmp_path):
    config = pipeline.load_config("lm_bible", smoke=True)
    config["dataset"].update(max_train=600, max_test=100)
    config["paradigm"]["args"]["vocabulary"]["max_examples"] = 600
    config["pretext"]["args"]["vocabulary"]["max_examples"] = 600
    result = pipeline.run(
        config, run_dir=str(tmp_path / "run"), export_root=str(tmp_path / "export"), verbose=0
    )
    scores = result.metrics["model_results"]["perplexity"]
    vocabulary = scores["vocabulary_size"]
    # The same tokens for both: the n-gram model is better than uniform over the
    # V + 2 classes; the model, after one epoch of a tiny decoder, is still near it.
    assert 1 < scores["kn_perplexity"] < vocabulary + 2
    assert 1 < scores["model_perplexity"] < 2 * (vocabulary + 2)
    assert scores["test_texts"] == 100 and scores["end_of_text_counted"] is True
    assert scores["perplexity_ratio"] == scores["model_perplexity"] / scores["kn_perplexity"]
    assert np.isfinite(result.metrics["history"]["loss"][-1])
    loaded = tf.saved_model.load(result.export_path)
    texts = ["In the beginning God", ""]
    out = loaded.signatures["serving_default"](text=tf.constant(texts))
    # subword tokens (the smoke vocabulary: 300 pieces), then the end of text
    pieces = resolve_vocabulary(config["paradigm"]["args"]["vocabulary"]).words
    want = [len(s) for s in python_token_sequences(texts, pieces)]
    assert out["tokens"].numpy().tolist() == want and want[0] >= 5 and want[1] == 1
    assert np.all(out["log_likelihood"].numpy() < 0)
    nxt = loaded.signatures["next_token"](text=tf.constant(["In the beginning"]))
    assert nxt["log_probs"].shape == (1, vocabulary + 2)
