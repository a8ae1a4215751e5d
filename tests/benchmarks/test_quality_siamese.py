"""benchmarks/quality_siamese.py on a tiny config: choices on the class-disjoint
validation carve (the test split is forbidden there), then the unseen classes."""

import quality_siamese

CFG = {**quality_siamese.SMOKE["datasets"]["digits"], "epochs": 1}
EVAL = {"pairs": 200, "ways": 5, "episodes": 50}


def test_selection_then_measurement_on_unseen_classes(tfds_dir):
    candidates = [("contrastive", 1.0), ("triplet", 0.2)]
    choice = quality_siamese.select("digits", CFG, candidates, EVAL, seed=0)
    assert set(choice["candidates"]) == {"contrastive/1.0", "triplet/0.2"}
    assert (choice["loss"], choice["margin"]) in candidates
    assert set(choice["outputs"]) == {"siamese", "random-init", "classifier"}
    assert choice["outputs"]["classifier"] == "features"
    row = quality_siamese.measure("digits", CFG, choice, EVAL, seed=0)
    assert set(row) == {"siamese", "random-init", "classifier"}
    for metrics in row.values():
        assert 0 <= metrics["roc_auc"] <= 1 and 0 <= metrics["eer"] <= 1
        assert metrics["ways"] == 5 and metrics["output"] in ("embedding", "features")


def test_summary_counts_the_seeds_meeting_the_target():
    def row(siamese, random, classifier):
        return {
            "siamese": {"roc_auc": siamese, "eer": 0.3, "one_shot_accuracy": 0.5},
            "random-init": {"roc_auc": random, "eer": 0.4, "one_shot_accuracy": 0.4},
            "classifier": {"roc_auc": classifier, "eer": 0.35, "one_shot_accuracy": 0.45},
        }

    summary = quality_siamese.summarize({"0": row(0.9, 0.7, 0.8), "1": row(0.75, 0.7, 0.8)})
    assert summary["target"]["seeds_meeting"] == 1 and summary["target"]["seeds"] == 2
    assert summary["siamese"]["roc_auc"]["mean"] == 0.825
    assert abs(summary["siamese"]["roc_auc"]["sd"] - 0.10606601717798213) < 1e-12
