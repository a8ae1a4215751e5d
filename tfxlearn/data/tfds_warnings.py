"""Keeps TFDS's own `.dtype` deprecation warnings out of a user's console.

TFDS 4.9 deprecated `FeatureConnector.dtype` / `TensorInfo.dtype` (use
`np_dtype` or `tf_dtype`) but still reads `.dtype` itself: when a `Video`
feature's frames are decoded, when an `Image`, `Video` or `Audio` feature's
info is written or read back. Each read logs an absl WARNING the user can do
nothing about ("`FeatureConnector.dtype` is deprecated..."): loading
`moving_digits` printed it up to ten times. The filter installed here drops
that warning when the `.dtype` read comes from TFDS's own code and keeps it
when the read comes from anywhere else (the user's code should change).
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import types

import tensorflow_datasets as tfds

_TFDS_DIR = os.path.dirname(os.path.abspath(tfds.__file__)) + os.sep
_MESSAGE = ".dtype` is deprecated"


def _in_tfds(frame: types.FrameType) -> bool:
    return os.path.abspath(frame.f_code.co_filename).startswith(_TFDS_DIR)


def read_by_tfds(frame: types.FrameType | None) -> bool:
    """Whether the deprecated `.dtype` property on the stack above `frame` was
    read by TFDS's own code: the innermost `dtype` frame inside TFDS, then its
    caller (past `functools.cached_property`'s own frame), which must be inside
    TFDS too."""
    while frame is not None:
        if frame.f_code.co_name == "dtype" and _in_tfds(frame):
            caller = frame.f_back
            while caller is not None and caller.f_code.co_filename == functools.__file__:
                caller = caller.f_back
            return caller is not None and _in_tfds(caller)
        frame = frame.f_back
    return False


class TfdsInternalDtypeFilter(logging.Filter):
    """Drops the `.dtype` deprecation records whose read is TFDS's own."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _MESSAGE not in str(record.msg):
            return True
        return not read_by_tfds(sys._getframe(1))


def install() -> None:
    """Adds the filter to the `absl` logger (once)."""
    logger = logging.getLogger("absl")
    if not any(isinstance(f, TfdsInternalDtypeFilter) for f in logger.filters):
        logger.addFilter(TfdsInternalDtypeFilter())
