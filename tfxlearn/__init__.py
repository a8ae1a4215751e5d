"""tfxlearn: learning when labels are missing or partial, in TensorFlow / Keras 3."""

from tfxlearn._version import __version__  # noqa: F401

try:
    import tensorflow as _tf  # noqa: F401
except ImportError as _e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "tfxlearn needs TensorFlow, which it does not install by itself: "
        "`pip install tfxlearn[cpu]` (tensorflow-cpu) or `pip install tfxlearn[gpu]`, "
        "or run `make setup`."
    ) from _e

from tfxlearn import (  # noqa: E402,F401
    data,
    evaluation,
    export,
    nets,
    paradigms,
    pipeline,
    pretext,
    registry,
    training,
    viz,
)
