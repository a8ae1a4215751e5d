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


def test_cbow_mode_switches_the_op_and_leaves_the_skip_gram_config_as_it_was():
    skip_gram = pipeline.load_config("word2vec_bible")
    assert skip_gram["pretext"]["name"] == "skip_gram"
    assert "mode" not in skip_gram["paradigm"]["args"]
    assert skip_gram["pretext"]["args"]["batch_pairs"] == 1024
    cbow = pipeline.load_config("word2vec_bible", mode="cbow")
    assert cbow["pretext"]["name"] == "cbow" and cbow["paradigm"]["args"]["mode"] == "cbow"
    assert cbow["pretext"]["args"]["batch_examples"] == 1024
    try:
        pipeline.load_config("word2vec_bible", mode="glove")
    except ValueError as error:
        assert "mode must be 'skip_gram' or 'cbow'" in str(error)
    else:
        raise AssertionError("an unknown mode was accepted")


def test_word2vec_bible_cbow_smoke_pipeline_trains_and_exports(tmp_path):
    config = pipeline.load_config("word2vec_bible", smoke=True, mode="cbow")
    config["dataset"].update(max_train=400, max_test=100)
    config["paradigm"]["args"]["vocabulary"]["max_examples"] = 400
    config["pretext"]["args"]["vocabulary"]["max_examples"] = 400
    result = pipeline.run(
        config, run_dir=str(tmp_path / "run"), export_root=str(tmp_path / "export"), verbose=0
    )
    assert np.isfinite(result.metrics["history"]["loss"][-1])
    serve = tf.saved_model.load(result.export_path).signatures["serving_default"]
    assert serve(text=tf.constant(["In the beginning God"]))["embedding"].shape == (1, 16)
