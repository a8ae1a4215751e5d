"""Config blocks of the pipelines from real handwritten digits to the same kind of
digits on textures: scikit-learn's `digits` (the labelled source, upsampled to
28x28 and repeated to RGB) -> `textured_digits` (the target: digits blended over
crops of photographs and textures, the MNIST-M construction of Ganin &
Lempitsky, ICML 2015; `tfxlearn/data/textured_digits.py`).

The second adaptation pair of issue 25, next to font -> real digits: the shift
is in colour and background, not in the strokes. As in MNIST -> MNIST-M, the
target's digits are the source's own training digits drawn on textures
(`textured_digits` train holds `digits` train), so the classes and shapes match
and only the domain differs; the target's test split holds the `digits` test
split's digits on crops from a part of each texture the training crops never
touch.

`retarget` turns a font -> digits pipeline's config into this pair's: the same
method, networks, optimisers and budgets (their defaults were chosen for the
font pair, not for this one), with the dataset, the source and the image shape
swapped. Plain data (docs/architecture.md section 6).
"""

from __future__ import annotations

import copy

SHAPE = [28, 28, 3]


def textured_dataset(max_train: int | None, max_test: int | None) -> dict:
    """ExampleGen's target: `textured_digits` train / test, 28x28 RGB."""
    return {
        "name": "textured_digits",
        "train_split": "train",
        "test_split": "test",
        "image_size": list(SHAPE),
        "max_train": max_train,
        "max_test": max_test,
    }


# the source's arguments in each pair op: (dataset, split)
SOURCE_ARGUMENTS = {
    "domain_adaptation": ("source", "source_split"),
    "unpaired_domains": ("domain_a", "a_split"),
}


def retarget(config: dict, name: str) -> dict:
    """A copy of a font -> digits pipeline's `config` (a `domain_adaptation` or
    `unpaired_domains` pretext) for digits -> textured digits, named `name`: the
    target dataset, the op's source (`digits`, resized to RGB by the op), the
    Evaluator's source images (`digits` test, for the translation protocols) and
    every network's input shape replaced; sizes (`max_train`, `max_test`) kept."""
    op = (config.get("pretext") or {}).get("name")
    if op not in SOURCE_ARGUMENTS:
        raise ValueError(
            "retarget takes a font -> digits pipeline's config (pretext "
            f"{' or '.join(repr(k) for k in SOURCE_ARGUMENTS)}), got pretext {op!r}"
        )
    out = copy.deepcopy(config)
    dataset = out["dataset"]
    out["dataset"] = textured_dataset(dataset.get("max_train"), dataset.get("max_test"))
    source, split = SOURCE_ARGUMENTS[op]
    out["pretext"]["args"].update({source: "digits", split: "train", "image_size": list(SHAPE)})
    for protocol in (out.get("evaluation", {}).get("model_protocols") or {}).values():
        if "source" in protocol:
            protocol["source"] = "digits"
    nets = [out.get("encoder"), *(out.get("nets") or {}).values()]
    for net in nets:
        if net and "input_shape" in net.get("args", {}):
            net["args"]["input_shape"] = list(SHAPE)
    out["name"] = name
    out["export"] = {**out["export"], "model_name": name}
    return out
