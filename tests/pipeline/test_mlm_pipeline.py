import numpy as np
import tensorflow as tf

from tfxlearn import pipeline
from tfxlearn.data.text import resolve_vocabulary
from tfxlearn.evaluation.perplexity import python_token_sequences


def test_mlm_bible_smoke_pipeline_trains_evaluates_and_exports(tmp_path):
    config = pipeline.load_config("mlm_bible", smoke=True)
    config["dataset"].update(max_train=600, max_test=100)
    config["paradigm"]["args"]["vocabulary"]["max_examples"] = 600
    config["pretext"]["args"]["vocabulary"]["max_examples"] = 600
    result = pipeline.run(
        config, run_dir=str(tmp_path / "run"), export_root=str(tmp_path / "export"), verbose=0
    )
    scores = result.metrics["model_results"]["masked_tokens"]
    # ~15% of the test verses' ~4,300 tokens (~2,500 words cut into the smoke
    # vocabulary's 300 pieces); the unigram's most frequent class is right on a
    # few percent of them, above chance.
    assert 400 < scores["masked_tokens"] < 900 and scores["test_texts"] == 100
    assert 1 / (scores["vocabulary_size"] + 1) < scores["unigram_accuracy"] < 0.5
    assert 0 <= scores["model_accuracy"] <= 1
    assert scores["accuracy_gain"] == scores["model_accuracy"] - scores["unigram_accuracy"]
    assert 0 < scores["unigram_cross_entropy"] < np.log(scores["vocabulary_size"] + 1)
    assert np.isfinite(result.metrics["history"]["loss"][-1])
    loaded = tf.saved_model.load(result.export_path)
    texts = ["In the beginning God", ""]
    out = loaded.signatures["serving_default"](text=tf.constant(texts))
    # subword tokens (the smoke vocabulary: 300 pieces), then the end of text
    pieces = resolve_vocabulary(config["paradigm"]["args"]["vocabulary"]).words
    want = [len(s) for s in python_token_sequences(texts, pieces)]
    assert out["tokens"].numpy().tolist() == want and want[0] >= 5 and want[1] == 1
    assert out["embedding"].shape == (2, 32)
    fill = loaded.signatures["fill_mask"](
        text=tf.constant(["In the beginning God"]), position=tf.constant([1], tf.int32)
    )
    assert fill["log_probs"].shape == (1, scores["vocabulary_size"] + 1)
