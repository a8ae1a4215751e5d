"""sacreBLEU scores of translations (`tfxlearn.evaluation.text_translation`)."""

import pytest

from tfxlearn.evaluation.text_translation import corpus_scores, normalized


def test_identical_texts_score_100_and_unrelated_ones_near_0():
    references = ["En el principio creó Dios los cielos y la tierra.", "Y dijo Dios: Sea la luz."]
    same = corpus_scores(
        ["en el principio creó dios los cielos y la tierra", "y dijo dios sea la luz"], references
    )
    assert same == {"bleu": pytest.approx(100.0), "chrf": pytest.approx(100.0)}
    other = corpus_scores(["xx yy zz", "qq ww"], references)
    assert other["bleu"] < 1.0 and other["chrf"] < 10.0


def test_a_partial_match_scores_between():
    score = corpus_scores(["en el principio creó dios"], ["En el principio creó Dios los cielos."])
    assert 0.0 < score["bleu"] < 100.0 and 0.0 < score["chrf"] < 100.0


def test_normalized_is_the_models_word_form():
    assert normalized(["Y dijo Dios: ¡Sea la luz!", b"In  the BEGINNING"]) == [
        "y dijo dios sea la luz",
        "in the beginning",
    ]


def test_mismatched_or_empty_inputs_are_refused():
    with pytest.raises(ValueError, match="as many hypotheses as references"):
        corpus_scores(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="as many hypotheses as references"):
        corpus_scores([], [])
