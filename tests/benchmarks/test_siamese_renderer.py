"""benchmarks/renderers/siamese.py: 'not measured yet' with the command, else the tables."""

import quality_siamese
from renderers import siamese


def test_not_measured_yet_names_the_command(monkeypatch):
    monkeypatch.setattr(siamese, "load", lambda name: None)
    assert siamese.headline() == "not measured"
    text = siamese.siamese_section()
    assert "Not measured yet" in text and "quality_siamese.py" in text


def test_renders_each_dataset_with_mean_and_sd(monkeypatch):
    def row(s):
        return {
            m: {"roc_auc": s + d, "eer": 0.3 - d, "one_shot_accuracy": 0.5 + d}
            for m, d in (("siamese", 0.1), ("random-init", 0.0), ("classifier", 0.05))
        }

    per_seed = {"0": row(0.7), "1": row(0.8)}
    result = {
        "date": "2026-12-06",
        "commit": "abc1234",
        "dirty": False,
        "tensorflow": "2.21.0",
        "cpu_count": 2,
        "command": "benchmarks/quality_siamese.py --seeds 0,1",
        "seeds": [0, 1],
        "train_classes": [0, 1, 2, 3, 4],
        "unseen_classes": [5, 6, 7, 8, 9],
        "datasets": {
            "digits": {
                "summary": quality_siamese.summarize(per_seed),
                "selection": {
                    "loss": "triplet",
                    "margin": 0.2,
                    "outputs": {
                        "siamese": "embedding",
                        "random-init": "features",
                        "classifier": "features",
                    },
                    "carve": {"train": "a", "validation": "b", "metric": "verification ROC AUC"},
                },
            }
        },
    }
    monkeypatch.setattr(siamese, "load", lambda name: result)
    text = siamese.siamese_section()
    assert "| siamese | embedding | 85.0 ± 7.1 |" in text
    assert "loss `triplet`, margin 0.2" in text
    assert "met in 2 of 2 seed(s)" in text and "abc1234" in text
    assert siamese.headline() == "not measured"  # digits only: no Fashion-MNIST row
    result["datasets"]["fashion_mnist"] = result["datasets"]["digits"]
    assert siamese.headline() == "unseen-class ROC AUC 85.0 ± 7.1% vs 80.0 ± 7.1% classifier ✓"
