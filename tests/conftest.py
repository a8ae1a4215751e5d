"""Test setup: two logical CPUs (so MirroredStrategy runs with 2 replicas without a
GPU) and a private TFDS data directory for the session."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# A fresh TFDS directory per test session: the builders really prepare the data.
_TFDS_DIR = tempfile.mkdtemp(prefix="tfxlearn-tfds-")
atexit.register(shutil.rmtree, _TFDS_DIR, ignore_errors=True)
os.environ["TFDS_DATA_DIR"] = _TFDS_DIR

import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
)

import keras  # noqa: E402
from _helpers import REPO  # noqa: E402

import tfxlearn  # noqa: E402,F401


@pytest.fixture(scope="session")
def tfds_dir() -> str:
    """The session's TFDS data directory (also exported as $TFDS_DATA_DIR)."""
    return _TFDS_DIR


@pytest.fixture(scope="session")
def two_replica_strategy() -> tf.distribute.MirroredStrategy:
    cpus = [d.name for d in tf.config.list_logical_devices("CPU")]
    assert len(cpus) == 2, cpus
    return tfxlearn.training.default_strategy(cpus)  # the process-wide instance


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(0)
    yield


@pytest.fixture
def subprocess_env() -> dict:
    """Environment for child Python processes: same TFDS dir, quiet TF, repo importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([REPO, env.get("PYTHONPATH", "")])
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    return env


@pytest.fixture
def deprecation_records(monkeypatch, caplog):
    """TFDS's `.dtype` deprecation warnings logged during the test, as a callable
    returning their messages. TFDS logs each through `absl.logging.log_first_n`
    (ten per process in all); here every one is logged, so a test does not pass
    only because earlier tests used up the ten."""
    import logging

    from absl import logging as absl_logging
    from tensorflow_datasets.core.features import feature as feature_lib

    def log_every_time(class_name: str) -> None:
        absl_logging.warning(f"`{class_name}.dtype` is deprecated (test)")

    monkeypatch.setattr(feature_lib, "log_tf_warning", log_every_time)
    caplog.set_level(logging.WARNING)
    return lambda: [r.getMessage() for r in caplog.records if "is deprecated" in r.getMessage()]
