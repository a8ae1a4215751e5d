import numpy as np
import tensorflow as tf

from tfxlearn import pipeline


def test_word2vec_bible_smoke_pipeline_trains_evaluates_and_exports(tmp_path):
    config = pipeline.load_config("word2vec_bible", smoke=True)
    config["dataset"]["max_train"] = 600
    config["paradigm"]["args"]["vocabulary"]["max_examples"] = 600
    config["pretext"]["args"]["vocabulary"]["max_examples"] = 600
    result = pipeline.run(
        config, run_dir=str(tmp_path / "run"), export_root=str(tmp_path / "export"), verbose=0
    )
    scores = result.metrics["model_results"]["word_similarity"]
    assert 0 < scores["wordsim353_oov_rate"] < 1 and np.isfinite(scores["wordsim353_spearman"])
    assert np.isfinite(result.metrics["history"]["loss"][-1])
    serve = tf.saved_model.load(result.export_path).signatures["serving_default"]
    out = serve(text=tf.constant(["In the beginning God", "", "zzzz"]))
    assert out["embedding"].shape == (3, 16)
    assert out["known_words"].numpy()[0] >= 3 and out["known_words"].numpy()[1:].tolist() == [0, 0]
