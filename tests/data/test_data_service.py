"""Pretext generation on the tf.data service (dispatcher + workers on localhost)."""

import collections
import json
import os
import socket

import keras
import numpy as np
import pytest
import tensorflow as tf
from _helpers import tiny_rotation_config

from tfxlearn import pipeline
from tfxlearn.data import service
from tfxlearn.training import EpochOrder


def _tiny_config():
    config = tiny_rotation_config()
    config["dataset"]["max_train"] = 128
    config["train"].update(batch_size=16, shuffle_buffer=128)
    config["evaluation"]["protocols"] = {"linear_probe": {}}
    return config


def _pairs(ds):
    """Multiset of (image bytes, label) over one pass of a pretext dataset."""
    pairs = collections.Counter()
    for images, labels in ds.as_numpy_iterator():
        for image, label in zip(images, labels):
            pairs[(image.tobytes(), int(label))] += 1
    return pairs


def _sequence(ds):
    """The (image bytes, label) pairs of one pass, in order."""
    return [
        (image.tobytes(), int(label))
        for images, labels in ds.as_numpy_iterator()
        for image, label in zip(images, labels)
    ]


def _port_open(target):
    host, port = target.split("://")[1].rsplit(":", 1)
    with socket.socket() as s:
        return s.connect_ex((host, int(port))) == 0


def test_two_workers_make_the_same_pairs_as_the_local_pipeline():
    config = _tiny_config()
    local = pipeline.transform(config, pipeline.example_gen(config), EpochOrder(seed=0))
    want = _pairs(local)
    assert sum(want.values()) == 128 * 4  # every image in all four rotations
    config["train"]["data_service"] = {"local_workers": 2, "threads_per_worker": 1}
    with service.LocalDataService(workers=2) as svc:
        remote = pipeline.transform(
            config, pipeline.example_gen(config), EpochOrder(seed=0), service_target=svc.target
        )
        first, second = _pairs(remote), _pairs(remote)  # two epochs: two jobs
    assert first == want
    assert second == want


def test_every_epoch_is_reshuffled_even_with_a_global_seed():
    # One worker gets every split in order, so only the worker-side shuffle can
    # change the order; a global seed must not freeze it (tf.data's own shuffle,
    # rebuilt from the same graph for every job, would repeat it every epoch).
    config = _tiny_config()
    want = _pairs(pipeline.transform(config, pipeline.example_gen(config), EpochOrder(seed=0)))
    keras.utils.set_random_seed(0)
    with service.LocalDataService(workers=1) as svc:
        remote = pipeline.transform(
            config, pipeline.example_gen(config), EpochOrder(seed=0), service_target=svc.target
        )
        first, second = _sequence(remote), _sequence(remote)
    assert collections.Counter(first) == want
    assert collections.Counter(second) == want
    assert first != second


def test_shuffle_per_job_permutes_within_windows():
    ds = service.shuffle_per_job(tf.data.Dataset.range(10), 4)
    first, second = list(ds.as_numpy_iterator()), list(ds.as_numpy_iterator())
    for order in (first, second):
        assert [sorted(order[i : i + 4]) for i in (0, 4, 8)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    passes = {tuple(ds.as_numpy_iterator()) for _ in range(5)}
    assert len(passes) > 1  # a fresh permutation per iteration


@pytest.mark.slow
def test_worker_processes_make_the_same_pairs_and_exit_with_the_service():
    config = _tiny_config()
    want = _pairs(pipeline.transform(config, pipeline.example_gen(config), EpochOrder(seed=0)))
    config["train"]["data_service"] = {"local_workers": 2}
    with service.LocalDataService(workers=2, processes=True) as svc:
        pids = svc.worker_pids
        assert len(pids) == 2 and os.getpid() not in pids
        remote = pipeline.transform(
            config, pipeline.example_gen(config), EpochOrder(seed=0), service_target=svc.target
        )
        assert _pairs(remote) == want
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # exited and reaped


@pytest.mark.slow
def test_pipeline_trains_on_data_from_the_service(tmp_path):
    config = _tiny_config()
    config["evaluation"]["supervised_epochs"] = 0
    config["train"]["data_service"] = {"local_workers": 2}
    result = pipeline.run(
        config,
        run_dir=str(tmp_path / "run"),
        export_root=str(tmp_path / "models"),
        verbose=0,
    )
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    losses = metrics["history"]["loss"]
    assert len(losses) == 2 and all(np.isfinite(losses))
    assert losses[1] < losses[0]
    assert result.export_path is not None


def test_service_is_stopped_even_when_the_body_fails():
    with pytest.raises(RuntimeError, match="boom"), service.LocalDataService(workers=1) as svc:
        target = svc.target
        assert _port_open(target)
        raise RuntimeError("boom")
    assert not _port_open(target)
    with pytest.raises(RuntimeError, match="not running"):
        _ = svc.target


def test_bad_service_arguments_are_refused_clearly():
    with pytest.raises(ValueError, match="workers must be an int >= 1, got 0"):
        service.LocalDataService(workers=0)
    for bad in ("", "grpc://", "http://host:5000", "grpc://host", "host:port"):
        with pytest.raises(ValueError, match="must be 'grpc://host:port'"):
            service.check_target(bad)
    assert service.check_target("localhost:5050") == "grpc://localhost:5050"
    with pytest.raises(ValueError, match="buffer_size must be >= 1, got 0"):
        service.shuffle_per_job(tf.data.Dataset.range(3), 0)
    config = _tiny_config()
    bad_configs = [{"local_workers": 0}, {"workers": 2}, {"dispatcher": "nowhere"}]
    bad_configs.append({"local_workers": 2, "threads_per_worker": 0})
    bad_configs.append({"local_workers": 2, "compression": "zip"})
    for bad in bad_configs:
        config["train"]["data_service"] = bad
        with pytest.raises(ValueError, match="train.data_service"):
            pipeline.validate_config(config)


def test_ops_that_batch_the_whole_dataset_are_refused_on_the_service():
    config = pipeline.load_config("sgan_fashion_mnist", smoke=True)
    with pytest.raises(ValueError, match="cannot run on the tf.data service"):
        pipeline.transform(
            config,
            tf.data.Dataset.from_tensor_slices({"image": np.zeros((4, 28, 28, 1), np.uint8)}),
            EpochOrder(seed=0),
            service_target="grpc://localhost:1",
        )
