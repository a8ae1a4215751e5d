"""One module per pretext op for `benchmarks/op_speed.py`.

Each module defines `CASE`, a dict:

- "op": registry name of the pretext op; "op_args": its keyword arguments.
- "images": (n) -> uint8 images [n, H, W, C] the op takes (e.g. Fashion-MNIST).
- "numpy_per_sample": (images, batch) -> iterator of output batches: the same
  op written per sample in NumPy (a Python loop over the images of a batch),
  producing what the tf.data op produces.
- "input" (optional): (images) -> the batched tf.data.Dataset the op takes
  (default: `{"image": images, "index": ...}` in batches of 64); "images" may
  then return any structure (e.g. a dict of clips and audio).
- "check": (images) -> None, asserts that the NumPy version and the op agree
  (exactly where the op is deterministic, in distribution/shape otherwise).
- "samples": (batch_output) -> number of training examples in one output batch.
- "build_model": () -> a compiled paradigm for the train-step throughput on the
  op's (cached) output, so the op can be compared with what it feeds.
"""

import importlib
import pkgutil

CASES: dict = {}
for _info in pkgutil.iter_modules(__path__):
    if not _info.name.startswith("_"):
        CASES[_info.name] = importlib.import_module(f"{__name__}.{_info.name}").CASE
