"""The Transform stage of representations blind to a sensitive attribute.

Tabular rows (ExampleGen's `"features"`, e.g. `adult`'s standardised / one-hot
columns), their task labels and a binary sensitive attribute become the
batches `blind_representation` trains on:

    (float32 features [b, d], (int32 labels [b], int32 sensitive [b]))

In a pipeline, `dataset.pretext_labels` keeps the labels and
`dataset.pretext_features = {"sensitive": "sex"}` brings the attribute (any
binary feature of the dataset) under `sensitive`. No label is generated, so
there is no shortcut to guard against; the attribute itself must not be one of
the feature columns (`adult` leaves sex out), or the encoder reads it off.
"""

from __future__ import annotations

import tensorflow as tf

from tfxlearn.registry import PRETEXT_OPS

NAME = "sensitive_attribute"


@PRETEXT_OPS.register(NAME)
def sensitive_attribute(
    ds: tf.data.Dataset,
    *,
    seed: int = 0,
    features_key: str = "features",
    label_key: str = "label",
    sensitive_key: str = "sensitive",
) -> tf.data.Dataset:
    """Batches of (features, (labels, sensitive attribute)).

    Args:
        ds: batched dataset of dicts holding `features_key` (float rows
            [batch, d]), `label_key` and `sensitive_key` (ids [batch]).
        seed: unused (no randomness); accepted like every pretext op's.
        features_key: key of the feature rows.
        label_key: key of the task labels.
        sensitive_key: key of the binary sensitive attribute.

    Raises:
        ValueError: `ds` does not yield dicts, a key is missing (the message says
            which pipeline option brings it), or the rows are not batched.
    """
    del seed
    if not isinstance(ds, tf.data.Dataset):
        raise TypeError(f"{NAME}: ds must be a tf.data.Dataset, got {type(ds).__name__}")
    spec = ds.element_spec
    if not isinstance(spec, dict):
        raise ValueError(
            f"{NAME}: ds must yield dicts with {features_key!r}, {label_key!r} and "
            f"{sensitive_key!r}, got {spec}"
        )
    hints = {
        features_key: "in a pipeline set dataset.image_key to the dataset's feature vector",
        label_key: "in a pipeline set dataset.pretext_labels = True",
        sensitive_key: (
            "the sensitive attribute is missing from the features; in a pipeline set "
            f"dataset.pretext_features = {{{sensitive_key!r}: <the attribute's feature, "
            "e.g. 'sex'>}"
        ),
    }
    for key, hint in hints.items():
        if key not in spec:
            raise ValueError(f"{NAME}: elements have no {key!r} (keys: {sorted(spec)}); {hint}")
    if spec[features_key].shape.rank != 2:
        raise ValueError(
            f"{NAME}: ds must yield batches of feature rows [batch, d], got "
            f"{features_key!r} of shape {spec[features_key].shape} (batch ds first)"
        )
    for key in (label_key, sensitive_key):
        if spec[key].shape.rank != 1 or not spec[key].dtype.is_integer:
            raise ValueError(
                f"{NAME}: {key!r} must be integer ids [batch], got {spec[key].dtype.name} "
                f"{spec[key].shape}"
            )

    def split(element):
        return (
            tf.cast(element[features_key], tf.float32),
            (tf.cast(element[label_key], tf.int32), tf.cast(element[sensitive_key], tf.int32)),
        )

    return ds.map(split, num_parallel_calls=tf.data.AUTOTUNE)
