import numpy as np
import pytest

from tfxlearn.losses import InfoNCE, info_nce


def _reference(similarities, positives, temperature):
    """-log softmax(s / t)[positive], written out with a stable log-sum-exp."""
    logits = np.asarray(similarities, np.float64) / temperature
    top = logits.max(axis=1, keepdims=True)
    log_z = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
    return log_z - logits[np.arange(len(logits)), positives]


def test_closed_form():
    # s+ = 0.5, negatives 0.1 and -0.3, t = 0.1: -log(e^5 / (e^5 + e^1 + e^-3)).
    loss = InfoNCE(temperature=0.1)(np.zeros(1), np.array([[0.5, 0.1, -0.3]]))
    want = -np.log(np.exp(5) / (np.exp(5) + np.exp(1) + np.exp(-3)))
    np.testing.assert_allclose(float(loss), want, rtol=1e-5)


def test_equal_similarities_give_log_of_the_candidate_count():
    np.testing.assert_allclose(
        float(InfoNCE(0.2)(np.zeros(3), np.full((3, 17), 0.3))), np.log(17), rtol=1e-6
    )


def test_agrees_with_numpy_reference():
    rng = np.random.default_rng(0)
    s = rng.uniform(-1, 1, size=(16, 33)).astype(np.float32)
    positives = rng.integers(0, 33, size=16)
    for t in (0.07, 0.2, 1.0):
        np.testing.assert_allclose(
            info_nce(positives, s, t), _reference(s, positives, t), rtol=1e-5, atol=1e-5
        )
        np.testing.assert_allclose(
            float(InfoNCE(t)(positives, s)), _reference(s, positives, t).mean(), rtol=1e-5
        )


def test_invariances():
    rng = np.random.default_rng(1)
    s = rng.uniform(-1, 1, size=(8, 10)).astype(np.float32)
    zeros = np.zeros(8)
    loss = InfoNCE(0.1)
    base = float(loss(zeros, s))
    # Order of the negatives does not matter.
    np.testing.assert_allclose(
        float(loss(zeros, np.concatenate([s[:, :1], s[:, :0:-1]], 1))), base, rtol=1e-6
    )
    # Moving the positive to another column with the label: same value.
    np.testing.assert_allclose(float(loss(np.full(8, 9), s[:, ::-1])), base, rtol=1e-6)
    # A constant added to every similarity cancels in the softmax.
    np.testing.assert_allclose(float(loss(zeros, s + 0.37)), base, rtol=1e-5)
    # Temperature t on s equals temperature 1 on s / t.
    np.testing.assert_allclose(float(InfoNCE(1.0)(zeros, s / 0.1)), base, rtol=1e-5)
    # A more similar positive lowers the loss; it is always >= 0.
    better = s.copy()
    better[:, 0] += 0.5
    assert float(loss(zeros, better)) < base and base >= 0


def test_config_and_errors():
    loss = InfoNCE(temperature=0.3, name="nce")
    clone = InfoNCE.from_config(loss.get_config())
    assert clone.temperature == 0.3 and clone.name == "nce"
    with pytest.raises(ValueError, match="temperature"):
        InfoNCE(temperature=0)
    with pytest.raises(ValueError, match="candidates"):
        InfoNCE()(np.zeros(2), np.zeros((2, 3, 1)))
