"""Outputs of inner layers of a Keras model: `feature_model(model, layers)`.

A model from the input of a functional or Sequential Keras model to the
outputs of some of its layers, sharing its weights - what activation
maximization (`tfxlearn.visualize`) and style transfer (`tfxlearn.style`, the
`fast_style` paradigm) read. Layers of nested functional models (an encoder
inside a classifier) are reachable too: the graph is rebuilt with the nested
model's call replaced by one that also returns the requested inner activations
(same layers, same weights). A name the model does not have is refused with the
list of the names it has.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

OUTPUT = "<output>"
"""Layer key of the model's own output (the default of `class_logit` / `class_probability`)."""


def layer_names(model: keras.Model, prefix: str = "") -> list[str]:
    """Every layer name that objectives may name: the model's layers and, for
    nested functional models, their layers (recursively)."""
    names = []
    for layer in model.layers:
        names.append(prefix + layer.name)
        if _is_graph(layer):
            names += layer_names(layer)
    return list(dict.fromkeys(names))


def _is_graph(layer) -> bool:
    return isinstance(layer, keras.Model) and hasattr(layer, "inputs") and _has_graph(layer)


def _has_graph(model) -> bool:
    try:
        return bool(model.inputs) and bool(model.outputs)
    except (AttributeError, ValueError):
        return False


def _contains(model, name: str) -> bool:
    return any(
        layer.name == name or (_is_graph(layer) and _contains(layer, name))
        for layer in model.layers
    )


def _single(tensors):
    return tensors[0] if isinstance(tensors, (list, tuple)) and len(tensors) == 1 else tensors


def _tapped(model: keras.Model, names: Sequence[str]):
    """(`{name: tensor}` of `names`, outputs, inputs) of one graph computing `model`:
    `model`'s own when every name is one of its layers, else a clone sharing its layers
    in which nested models also return the inner activations asked for."""
    if isinstance(model, keras.Sequential):
        # clone_model cannot intercept calls in a Sequential: use its functional graph.
        model = keras.Model(_single(model.inputs), _single(model.outputs), name=model.name)
    own = {layer.name: layer for layer in model.layers}
    inner = [n for n in names if n not in own]
    if not inner:
        return {name: own[name].output for name in names}, model.outputs, model.inputs
    stash: dict = {}
    nested = {
        id(layer): [n for n in inner if _contains(layer, n)]
        for layer in model.layers
        if _is_graph(layer)
    }

    def call(layer, *args, **kwargs):
        wanted = nested.get(id(layer))
        if not wanted:
            return layer(*args, **kwargs)
        sub_found, sub_outputs, sub_inputs = _tapped(layer, wanted)
        tap = keras.Model(_single(sub_inputs), [sub_found[n] for n in wanted] + sub_outputs)
        values = tap(*args, **kwargs)
        stash.update(zip(wanted, values[: len(wanted)]))
        return _single(values[len(wanted) :])

    clone = keras.models.clone_model(model, clone_function=lambda layer: layer, call_function=call)
    own_clone = {layer.name: layer for layer in clone.layers}
    found = {name: own_clone[name].output for name in names if name in own_clone}
    found.update(stash)
    return found, clone.outputs, clone.inputs


def feature_model(model: keras.Model, layers: Sequence[str]) -> keras.Model:
    """A model from `model`'s input to `{layer name: output}` for each of `layers`
    (`OUTPUT` = the model's output), sharing `model`'s weights.

    Raises:
        ValueError: a layer name the model does not have (the message lists them).
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model, got {type(model).__name__}")
    if not _has_graph(model):
        raise ValueError(
            "model must be a built functional or Sequential Keras model (with inputs and "
            "outputs); call it once on a batch or wrap a subclassed model in keras.Model(...)"
        )
    if len(model.inputs) != 1:
        raise ValueError(f"model must take one image input, it takes {len(model.inputs)}")
    available = layer_names(model)
    names = [n for n in dict.fromkeys(layers) if n != OUTPUT]
    missing = [n for n in names if n not in available]
    if missing:
        raise ValueError(
            f"layer {missing[0]!r} is not in model {model.name!r}; its layers are: "
            + ", ".join(available)
        )
    found, outputs, inputs = _tapped(model, names)
    values = {name: found[name] for name in names}
    if OUTPUT in layers:
        values[OUTPUT] = _single(outputs)
    return keras.Model(_single(inputs), values, name=f"{model.name}_features")
