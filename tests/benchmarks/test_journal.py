"""benchmarks/journal.py: a stopped benchmark resumes where it stopped: finished
fits are skipped (their weights loaded back), an unfinished fit continues at its
last epoch backup, recorded values survive; another command or commit is refused."""

import common
import numpy as np
import pytest
from journal import Journal


@pytest.fixture(autouse=True)
def clean_checkout(monkeypatch):
    """Every test runs as from a clean commit (the tests may run in a dirty tree)."""
    monkeypatch.setitem(common.START, "commit", "abc1234")
    monkeypatch.setitem(common.START, "dirty", False)


class SessionEndError(Exception):
    """Stands for the end of a session killing the benchmark."""


def _model():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    return model


def _data():
    import tensorflow as tf

    x = np.linspace(-1, 1, 24, dtype="float32").reshape(8, 3)
    return tf.data.Dataset.from_tensor_slices((x, x[:, :2] * 2.0)).batch(4)


class Epochs:
    """A callback remembering the epochs begun; `stop_after`: raises `SessionEndError` at the
    end of that epoch (0-based), after the callbacks before it (the backup)."""

    def __init__(self, stop_after=None, stop_in=None):
        import keras

        outer = self
        self.begun = []

        class Callback(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                outer.begun.append(epoch)

            def on_train_batch_end(self, batch, logs=None):
                if stop_in is not None and outer.begun[-1] == stop_in:
                    raise SessionEndError()

            def on_epoch_end(self, epoch, logs=None):
                if epoch == stop_after:
                    raise SessionEndError()

        self.callback = Callback()


def _fit(model, epochs, watch=None):
    def run(callbacks):
        extra = [watch.callback] if watch else []
        model.fit(_data(), epochs=epochs, callbacks=[*callbacks, *extra], shuffle=False, verbose=0)

    return run


def _weights(model):
    return [np.array(w) for w in model.get_weights()]


def _uninterrupted(tmp_path):
    journal = Journal("straight", [], root=str(tmp_path / "straight"))
    model = _model()
    trained = journal.trained("m", model)
    trained.fit("first", _fit(model, 2))
    trained.fit("second", _fit(model, 3))
    journal.finish()
    return _weights(model)


def test_a_stopped_fit_continues_at_its_last_backup(tmp_path):
    root = str(tmp_path / "journal")
    journal = Journal("bench", ["--seeds", "0"], root=root)
    model = _model()
    trained = journal.trained("m", model)
    trained.fit("first", _fit(model, 2))
    journal.record("score", 0.5)
    with pytest.raises(SessionEndError):
        trained.fit("second", _fit(model, 3, Epochs(stop_after=1)))
    with pytest.raises(SystemExit, match="in use by another run"):
        Journal("bench", ["--seeds", "0"], root=root)
    journal.close()  # the process ends

    journal = Journal("bench", ["--seeds", "0"], root=root)  # the next session
    assert journal.resumed and journal.get("score") == 0.5
    model = _model()
    trained = journal.trained("m", model)
    trained.fit("first", lambda callbacks: pytest.fail("a finished fit ran again"))
    watch = Epochs()
    trained.fit("second", _fit(model, 3, watch))
    assert watch.begun == [2]  # epochs 0 and 1 were in the backup
    for got, want in zip(_weights(model), _uninterrupted(tmp_path)):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert trained.seconds("second") > 0
    summary = journal.summary()
    assert summary["sessions"] == 2 and len(summary["session_seconds"]) == 2


def test_a_fit_stopped_before_its_first_backup_restarts_from_the_last_finished_fit(tmp_path):
    root = str(tmp_path / "journal")
    journal = Journal("bench", [], root=root)
    model = _model()
    trained = journal.trained("m", model)
    trained.fit("first", _fit(model, 2))
    after_first = _weights(model)
    with pytest.raises(SessionEndError):
        trained.fit("second", _fit(model, 3, Epochs(stop_in=0)))
    journal.close()

    journal = Journal("bench", [], root=root)
    model = _model()
    trained = journal.trained("m", model)
    trained.fit("first", lambda callbacks: pytest.fail("a finished fit ran again"))
    for got, want in zip(_weights(trained.model()), after_first):
        np.testing.assert_array_equal(got, want)
    watch = Epochs()
    trained.fit("second", _fit(model, 3, watch))
    assert watch.begun == [0, 1, 2]
    for got, want in zip(_weights(model), _uninterrupted(tmp_path)):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_another_command_or_a_dirty_checkout_is_refused_and_restart_discards(tmp_path, monkeypatch):
    root = str(tmp_path / "journal")
    journal = Journal("bench", ["--seeds", "0"], root=root)
    journal.record("score", 1.0)
    journal.close()
    with pytest.raises(SystemExit, match="--seeds 0.*--restart"):
        Journal("bench", ["--seeds", "1"], root=root)
    monkeypatch.setitem(common.START, "dirty", True)
    with pytest.raises(SystemExit, match="uncommitted changes"):
        Journal("bench", ["--seeds", "0"], root=root)
    monkeypatch.setitem(common.START, "dirty", False)
    fresh = Journal("bench", ["--seeds", "1", "--restart"], root=root)
    assert fresh.argv == ["--seeds", "1"] and not fresh.resumed and "score" not in fresh
    fresh.close()
    again = Journal("bench", ["--seeds", "1"], root=root)
    assert again.resumed
    again.finish()
    assert not Journal("bench", ["--seeds", "0"], root=root).resumed


def test_weights_of_another_model_are_refused(tmp_path):
    import keras

    journal = Journal("bench", [], root=str(tmp_path))
    model = _model()
    trained = journal.trained("m", model)
    trained.fit("first", _fit(model, 1))
    journal.close()
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    resumed = Journal("bench", [], root=str(tmp_path)).trained("m", other)
    resumed.fit("first", lambda callbacks: None)
    with pytest.raises(ValueError, match="different model"):
        resumed.model()


def test_a_model_trained_once_is_loaded_in_later_sessions(tmp_path):
    journal = Journal("bench", [], root=str(tmp_path))
    model = _model()
    trained = journal.model("encoder", lambda: _fit(model, 2)([]) or model, _model)
    journal.close()
    again = Journal("bench", [], root=str(tmp_path))
    loaded = again.model("encoder", lambda: pytest.fail("trained again"), _model)
    for got, want in zip(_weights(loaded), _weights(trained)):
        np.testing.assert_array_equal(got, want)


def test_a_scored_fit_keeps_its_scores_across_a_stop(tmp_path):
    from journal import scored_fit

    root = str(tmp_path / "journal")
    journal = Journal("bench", [], root=root)
    model = _model()
    scored = []

    def score(m, epochs):
        scored.append(epochs)
        return {"mse": float(m.evaluate(_data(), verbose=0))}

    with pytest.raises(SessionEndError):
        # stopped at the end of epoch 2 (index 1), after its score and backup
        scored_fit(
            journal, "s", model, _fit(model, 4, Epochs(stop_after=1)), at=(1, 2, 4), score=score
        )
    assert scored == [1, 2]
    journal.close()

    journal = Journal("bench", [], root=root)
    model = _model()
    reported, watch = [], Epochs()
    model, scores, seconds = scored_fit(
        journal, "s", model, _fit(model, 4, watch), at=(4, 2, 1), score=score,
        report=lambda n, s: reported.append(n),
    )  # fmt: skip
    assert watch.begun == [2, 3] and scored == [1, 2, 4]  # only epoch 4 is scored anew
    assert list(scores) == ["1", "2", "4"] and all("mse" in s for s in scores.values())
    assert reported == [4] and seconds > 0
    model2, again, _ = scored_fit(
        journal, "s", _model(), lambda callbacks: pytest.fail("ran again"), at=(1, 2, 4)
    )
    assert again == scores and len(scored) == 3
    for got, want in zip(_weights(model2), _weights(model)):
        np.testing.assert_array_equal(got, want)


def test_status_names_the_command_and_commit_that_resume_each_journal(tmp_path):
    from journal import status

    root = str(tmp_path / "journals")
    assert status(root) == []
    journal = Journal("quality_x", ["--seeds", "0,1"], root=root)
    journal.record("a", 1)
    journal.close()
    (line,) = status(root)
    assert line.startswith("quality_x: `python benchmarks/quality_x.py --seeds 0,1` at abc1234")
    assert "1 session(s), 1 piece(s) recorded" in line


def test_carried_journal_keeps_finished_pieces_and_trains_the_open_one_anew(tmp_path, monkeypatch):
    # the machine a journal ran on is gone: `carry` kept its values without
    # weights; the seed whose row was recorded is not trained again, the one in
    # progress starts over and its scores from the lost training are not kept
    from journal import carry, restore, scored_fit

    root, out = str(tmp_path / "journal"), str(tmp_path / "carried")
    journal = Journal("bench", ["--seeds", "0,1"], root=root)
    journal.record("baseline", 0.25)
    scored = []

    def seed_row(seed, stop=None):
        def run():
            model = _model()
            watch = Epochs(stop_after=stop)
            _, scores, _ = scored_fit(
                journal, f"seed{seed}", model, _fit(model, 3, watch), at=(1, 3),
                score=lambda m, n: scored.append((seed, n)) or float(n),
            )  # fmt: skip
            return {"seed": seed, "scores": scores, "epochs": watch.begun}

        return journal.value(f"seed{seed}/row", run)

    first = seed_row(0)
    with pytest.raises(SessionEndError):
        seed_row(1, stop=1)  # epochs 1 and 2 of seed 1 scored / backed up, then the stop
    journal.close()
    (line,) = carry(out, root=root)
    assert "resume with `python benchmarks/journal.py --restore" in line and "abc1234" in line

    journal = Journal("bench", ["--seeds", "0,1"], root=str(tmp_path / "other"))
    journal.close()  # another machine: nothing there but the carried file
    with pytest.raises(SystemExit, match="holds a journal already"):
        restore(f"{out}/bench.json", root=str(tmp_path / "other"))
    command = restore(f"{out}/bench.json", root=str(tmp_path / "new"))
    assert command == "python benchmarks/bench.py --seeds 0,1"
    assert scored == [(0, 1), (0, 3), (1, 1)]
    journal = Journal("bench", ["--seeds", "0,1"], root=str(tmp_path / "new"))
    assert journal.resumed and journal.get("baseline") == 0.25
    assert seed_row(0) == first  # recorded: not trained again
    second = seed_row(1)
    assert second["epochs"] == [0, 1, 2]  # from the start: the backup stayed behind
    assert second["scores"] == {"1": 1.0, "3": 3.0}
    assert scored[3:] == [(1, 1), (1, 3)]  # the lost training's score was not kept
    assert journal.summary()["sessions"] == 2

    monkeypatch.setitem(common.START, "commit", "def5678")
    with pytest.raises(SystemExit, match="clean checkout of that commit"):
        restore(f"{out}/bench.json", root=str(tmp_path / "elsewhere"))


def test_carry_cuts_at_a_finished_training_whose_model_a_later_step_needs(tmp_path):
    from journal import carried

    journal = Journal("bench", [], root=str(tmp_path))
    model = journal.model("encoder", lambda: _fit(_model(), 1)([]) or _model(), _model)
    journal.record("encoder/accuracy", 0.5)  # computed from the model, outside any value
    state = carried(journal._state)
    assert state["values"] == {} and state["trainings"] == []
    journal.value("probe", lambda: journal.trained("head", model).fit("fit", _fit(model, 1)))
    assert carried(journal._state)["values"] == {}  # still cut at the encoder
    journal.close()


def test_carried_status_names_the_commit_and_the_commands(tmp_path):
    from journal import carried_status, carry

    root, out = str(tmp_path / "journal"), str(tmp_path / "carried")
    assert carried_status(out) == []
    journal = Journal("quality_x", ["--seeds", "0"], root=root)
    journal.record("a", 1)
    journal.close()
    carry(out, root=root)
    (line,) = carried_status(out)
    assert line.startswith("quality_x: at abc1234, 1 session(s), 1 piece(s)")
    assert "--restore" in line and "`python benchmarks/quality_x.py --seeds 0`" in line


def test_a_small_trained_model_goes_along_and_a_large_one_is_trained_again(tmp_path, monkeypatch):
    import journal as journal_module
    from journal import carry, restore

    root, out = str(tmp_path / "journal"), str(tmp_path / "carried")
    journal = Journal("bench", [], root=root)
    trained = journal.model("encoder", lambda: _fit(m := _model(), 2)([]) or m, _model)
    journal.record("encoder/accuracy", 0.5)  # made from the model, outside any value
    journal.close()
    (line,) = carry(out, root=root)
    assert "2 piece(s) and 1 trained model(s) kept" in line  # its "done" mark and its accuracy

    restore(f"{out}/bench.json", root=str(tmp_path / "new"))
    again = Journal("bench", [], root=str(tmp_path / "new"))
    loaded = again.model("encoder", lambda: pytest.fail("trained again"), _model)
    for got, want in zip(_weights(loaded), _weights(trained)):
        np.testing.assert_array_equal(got, want)
    assert again.get("encoder/accuracy") == 0.5
    again.close()

    monkeypatch.setattr(journal_module, "CARRY_FILE", 16)  # too large to go along
    (line,) = carry(out, root=root)
    assert "0 of 2 piece(s) and 0 trained model(s) kept" in line
    assert not (tmp_path / "carried" / "bench").exists()  # the earlier carry's weights are gone
