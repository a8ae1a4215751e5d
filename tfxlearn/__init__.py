"""tfxlearn: learning when labels are missing or partial, in TensorFlow / Keras 3."""

import os as _os
import sys as _sys

from tfxlearn._version import __version__  # noqa: F401

if "tensorflow" not in _sys.modules:
    # TensorFlow's C++ INFO and WARNING lines (tf.data cache notices, auto-shard
    # rewrites, ...) are not for a user of tfxlearn; set TF_CPP_MIN_LOG_LEVEL=0
    # (before importing tfxlearn) to see them. Errors still print.
    _os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

try:
    from tfxlearn._quiet_import import import_tensorflow as _import_tensorflow

    _import_tensorflow()
except ImportError as _e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "tfxlearn needs TensorFlow, which it does not install by itself: "
        "`pip install tfxlearn[cpu]` (tensorflow-cpu) or `pip install tfxlearn[gpu]`, "
        "or run `make setup`."
    ) from _e

from tfxlearn import (  # noqa: E402,F401
    attacks,
    data,
    distribute,
    evaluation,
    export,
    nets,
    paradigms,
    pipeline,
    pretext,
    registry,
    style,
    training,
    transfer,
    visualize,
)


def __getattr__(name: str):
    # `tfxlearn.viz` is imported on first use: it imports matplotlib, which
    # `import tfxlearn` (and a tf.data worker importing a pretext op) should not.
    if name == "viz":
        import importlib

        return importlib.import_module("tfxlearn.viz")
    raise AttributeError(f"module 'tfxlearn' has no attribute {name!r}")
