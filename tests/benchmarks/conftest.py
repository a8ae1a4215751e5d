"""Tests of the benchmark scripts: `benchmarks/` is importable as top-level modules
(`import common`, `import quality_lm`), and `refuse_writes` makes a smoke run that
tries to write a result file fail."""

import os
import sys

import pytest

BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "benchmarks")
sys.path.insert(0, BENCHMARKS)


@pytest.fixture
def refuse_writes(monkeypatch):
    """`refuse_writes(*modules)`: each module's `write_result` (default: common's)
    raises, so a smoke run that writes a result fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the smoke run must not write a result")

    def apply(*modules):
        import common

        for module in modules or (common,):
            monkeypatch.setattr(module, "write_result", refuse)

    return apply
