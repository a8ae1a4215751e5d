"""A trained pipeline's model, reloaded from its run directory.

The run directory holds `config.json` and, once every epoch is done,
`trained/` (the final training state, section 12 of docs/architecture.md).
`load_trained` rebuilds the config's paradigm exactly as the Trainer did,
builds it on one batch of the pipeline's own input and loads that state, so
the model is the one the run evaluated and exported. Used by
`tfxlearn visualize RUN_DIR` (feature visualization of a trained encoder).
"""

from __future__ import annotations

import json
import os

import keras

from tfxlearn.pipeline.components import build_model, example_gen, transform
from tfxlearn.training import EpochOrder
from tfxlearn.training.callbacks import load_state, saved_epoch
from tfxlearn.training.driver import TRAINED


def is_run_dir(path: str) -> bool:
    """Whether `path` looks like a pipeline run directory (has `config.json`)."""
    return os.path.isfile(os.path.join(os.fspath(path), "config.json"))


def load_trained(run_dir: str) -> keras.Model:
    """The trained paradigm of the run in `run_dir` (weights of `run_dir/trained/`).

    Raises:
        ValueError: `run_dir` has no `config.json`, or its training has not finished
            (no `trained/` state: rerun `tfxlearn run` with this --run_dir to finish it).
    """
    run_dir = os.fspath(run_dir)
    if not is_run_dir(run_dir):
        raise ValueError(f"run_dir {run_dir!r} is not a pipeline run directory (no config.json)")
    trained_dir = os.path.join(run_dir, TRAINED)
    epochs = saved_epoch(trained_dir)
    if epochs is None:
        raise ValueError(
            f"run_dir {run_dir!r} holds no finished training (no {TRAINED}/ state): rerun "
            f"`tfxlearn run` with --run_dir={run_dir} to finish it"
        )
    with open(os.path.join(run_dir, "config.json")) as f:
        config = json.load(f)
    model = build_model(config)
    # One batch of the pipeline's own input builds the paradigm as the Trainer did.
    batch_size = int(config["train"]["batch_size"])
    config = {**config, "train": {**config["train"], "shuffle_buffer": 1}}
    ds = transform(config, example_gen(config).take(batch_size), EpochOrder(seed=0))
    batch = next(iter(ds))
    model(batch[0] if isinstance(batch, (tuple, list)) else batch)
    load_state(model, trained_dir)
    return model


def trained_network(model: keras.Model, net: str = "encoder") -> keras.Model:
    """A network of a trained paradigm: an attribute (`"encoder"`, `"generator"`,
    `"discriminator"`, ...) or two joined by `+` (`"encoder+head"`: the encoder
    followed by the head, e.g. to visualize a pretext classifier's logits)."""
    parts = [p.strip() for p in str(net).split("+")]
    networks = []
    for part in parts:
        value = getattr(model, part, None)
        if not isinstance(value, keras.Model):
            known = sorted(k for k, v in vars(model).items() if isinstance(v, keras.Model))
            raise ValueError(f"net {part!r} is not a network of this model; it has {known}")
        networks.append(value)
    if len(networks) == 1:
        return networks[0]
    first = networks[0]
    x = first.outputs[0]
    for network in networks[1:]:
        x = network(x)
    return keras.Model(first.inputs[0], x, name="_".join(parts))
