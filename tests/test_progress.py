"""tfxlearn.progress: bars for long steps other than fit."""

import numpy as np

from tfxlearn import progress


def test_progress_passes_items_through_and_can_be_turned_off(monkeypatch, capsys):
    assert list(progress.progress(range(5), total=5, desc="x")) == [0, 1, 2, 3, 4]
    monkeypatch.setenv("TFXLEARN_PROGRESS", "0")
    assert not progress.enabled()
    assert list(progress.progress(iter("ab"), desc="y")) == ["a", "b"]
    assert "y" not in capsys.readouterr().err


def test_step_progress_counts_the_training_steps():
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    bar = progress.StepProgress(total=6, desc="train")
    x = np.zeros((12, 3), np.float32)
    model.fit(x, x[:, :1], batch_size=4, epochs=2, verbose=0, callbacks=[bar])
    assert bar.bar.n == 6 and bar.bar.total == 6
