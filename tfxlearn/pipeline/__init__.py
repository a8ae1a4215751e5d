"""TFX-style pipelines as plain Python over tf.data.

ExampleGen (TFDS split -> dataset) -> Transform (pretext op) -> Trainer
(strategy, fit, checkpoints) -> Evaluator (protocols against both baselines,
blessing threshold) -> Pusher (SavedModel export, only if blessed).

A pipeline is described by plain data: `pipelines/<name>.py` defines
`get_config(smoke=False)` returning a dict (see `pipelines/rotation_fashion_mnist.py`).
Each run writes a run directory: `config.json` (the resolved config),
`metrics.json`, `plots/`, `tensorboard/`, `history.csv`.

Modules: `config` (loading and checking configs), `components` (the stages and
the builders they use), `run` (`run` and its run directory). Everything public
is importable from here: `tfxlearn.pipeline.run(...)`, `pipeline.load_config(...)`.

Replacing a function here, e.g. `tfxlearn.pipeline.train = wrapped` (as
`benchmarks/fault_soak_child.py` does to watch and interrupt a run) or
`monkeypatch.setattr(pipeline, "build_model", spy)`, also replaces it in the
modules that call it, as when the pipeline was one module.
"""

from __future__ import annotations

import sys
import types

from tfxlearn.pipeline import components, config
from tfxlearn.pipeline import run as _run_module
from tfxlearn.pipeline.components import (
    baseline_encoders,
    baseline_results,
    build_encoder,
    build_model,
    build_net,
    build_optimizer,
    check_image_shape,
    compile_args,
    data_service,
    eval_data,
    evaluation_encoder,
    evaluator,
    example_gen,
    export_saved_model,
    find_version,
    pusher,
    steps_per_epoch,
    train,
    trainer,
    transform,
)
from tfxlearn.pipeline.config import (
    OPTIONAL_KEYS,
    PIPELINE_DIRS,
    SCHEDULES,
    apply_overrides,
    available_pipelines,
    evaluated_protocols,
    label_keys,
    load_config,
    net_configs,
    parse_override,
    selection_config,
    validate_config,
)
from tfxlearn.pipeline.run import RunResult, new_run_dir, run, run_id_of
from tfxlearn.training import EpochOrder

_MODULES = (config, components, _run_module)


class _Pipeline(types.ModuleType):
    """The package's module type: assigning a name also assigns it in each of
    `_MODULES` that holds the same object under that name."""

    def __setattr__(self, name: str, value) -> None:
        missing = object()
        current = getattr(self, name, missing)
        if current is not missing:
            for module in _MODULES:
                if vars(module).get(name, missing) is current:
                    setattr(module, name, value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Pipeline

__all__ = [
    "PIPELINE_DIRS",
    "SCHEDULES",
    "available_pipelines",
    "load_config",
    "validate_config",
    "selection_config",
    "apply_overrides",
    "parse_override",
    "OPTIONAL_KEYS",
    "label_keys",
    "evaluated_protocols",
    "net_configs",
    "example_gen",
    "check_image_shape",
    "transform",
    "data_service",
    "trainer",
    "evaluator",
    "pusher",
    "build_net",
    "build_encoder",
    "build_optimizer",
    "compile_args",
    "steps_per_epoch",
    "build_model",
    "eval_data",
    "evaluation_encoder",
    "baseline_encoders",
    "baseline_results",
    "RunResult",
    "run",
    "new_run_dir",
    "run_id_of",
    "EpochOrder",
    "train",
    "export_saved_model",
    "find_version",
]
