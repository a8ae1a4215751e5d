"""Tiny instances of every registered paradigm for the contract test.

Each module here defines `EXAMPLES = {registry_name: example}`; an example is a dict:

- "build": norm -> an uncompiled paradigm (norm is "batch" or "sync_batch", to
  pass to its encoder; the 2-replica parity test uses "sync_batch").
- "data": () -> a small finite dataset of training batches, as `fit` takes them.
- "inputs" (optional): batch -> what `model(...)` takes (default: batch[0]).
- "serving_inputs" (optional): batch -> images for the serving signature, or a
  dict of its named inputs (e.g. {"latent": ...}) (default: the "inputs").
- "bad_inputs" (optional): batch -> [(input, regex of the ValueError)], the
  clear errors that `model(input)` must raise (default: the channel-count and
  rank checks on image inputs).
- "compile" (optional): model -> compiled model with SGD(learning_rate=0.1)
  optimizers (default: `model.compile(optimizer=SGD(0.1))`).
- "parity_rtol" (optional): tolerance of the 2-replica loss/gradient parity.

One module per paradigm family keeps parallel work from colliding.
"""

import importlib
import pkgutil

EXAMPLES: dict = {}
for _info in pkgutil.iter_modules(__path__):
    if not _info.name.startswith("_"):
        EXAMPLES.update(importlib.import_module(f"{__name__}.{_info.name}").EXAMPLES)
