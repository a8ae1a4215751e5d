"""Imports TensorFlow without the native log lines it prints while loading.

TensorFlow 2.21's shared libraries log through Abseil before anything has
initialized Abseil's logging, so `TF_CPP_MIN_LOG_LEVEL` does not filter those
first lines: every `import tensorflow` prints, twice, "WARNING: All log
messages before absl::InitializeLog() is called are written to STDERR" and an
INFO line about oneDNN custom operations. A Python program cannot stop a
shared library writing to file descriptor 2, so while TensorFlow loads, fd 2
points at a temporary file; afterwards every captured line is written back to
the real stderr except the INFO (and, at level 2 and up, WARNING) lines that
`TF_CPP_MIN_LOG_LEVEL` asks to hide. Errors and anything else still print.
`TF_CPP_MIN_LOG_LEVEL=0` turns the capture off.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile

# Abseil's native line prefix: severity letter, MMDD, a space ("I0000 00:00:...").
_NATIVE_LINE = re.compile(r"^([IWEF])\d{4} ")
_PREAMBLE = "WARNING: All log messages before absl::InitializeLog() is called"


def hidden(line: str, min_level: int) -> bool:
    """Whether `line` (one captured stderr line) is below `min_level`
    (TF_CPP_MIN_LOG_LEVEL: 1 hides INFO, 2 also WARNING, 3 also ERROR)."""
    if line.startswith(_PREAMBLE):
        return min_level >= 2
    match = _NATIVE_LINE.match(line)
    if not match:
        return False
    return "IWEF".index(match.group(1)) < min_level


def min_log_level() -> int:
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))
    except ValueError:
        return 0


def import_tensorflow():
    """`import tensorflow`, with its load-time native log lines filtered as
    `TF_CPP_MIN_LOG_LEVEL` says (see the module docstring)."""
    level = min_log_level()
    if "tensorflow" in sys.modules or level <= 0:
        import tensorflow

        return tensorflow
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable fd 2 (e.g. an embedding host)
        import tensorflow

        return tensorflow
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            import tensorflow
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = [
                line
                for line in capture.read().decode("utf-8", "replace").splitlines(keepends=True)
                if not hidden(line, level)
            ]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()
    return tensorflow
