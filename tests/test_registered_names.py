"""Keras-registered names: every class tfxlearn registers with
`keras.saving.register_keras_serializable` has a name of its own, so a saved
model's "tfxlearn>Name" always deserializes to the class that wrote it (a
second registration under a taken name silently replaces the first)."""

import collections
import importlib
import inspect
import pkgutil

import keras

import tfxlearn


def _tfxlearn_classes() -> list[type]:
    """Every class defined at module level in a tfxlearn module (all imported)."""
    classes = []
    for info in pkgutil.walk_packages(tfxlearn.__path__, prefix="tfxlearn."):
        module = importlib.import_module(info.name)
        classes += [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if cls.__module__ == module.__name__
        ]
    return classes


def test_every_registered_name_belongs_to_one_class():
    registry = keras.saving.get_custom_objects()
    by_name = collections.defaultdict(list)
    for cls in _tfxlearn_classes():
        name = keras.saving.get_registered_name(cls)
        if registry.get(name) is not None and name.startswith("tfxlearn>"):
            by_name[name].append(f"{cls.__module__}.{cls.__qualname__}")
    repeated = {name: where for name, where in by_name.items() if len(where) > 1}
    assert not repeated, f"Keras names registered by more than one class: {repeated}"
    assert {"tfxlearn>StackFrames", "tfxlearn>MoCo", "tfxlearn>InfoNCE"} <= set(by_name)


def test_every_tfxlearn_registration_is_a_tfxlearn_class():
    classes = {
        keras.saving.get_registered_name(cls): cls
        for cls in _tfxlearn_classes()
        if keras.saving.get_registered_name(cls).startswith("tfxlearn>")
    }
    registry = keras.saving.get_custom_objects()
    for name, obj in registry.items():
        if name.startswith("tfxlearn>"):
            assert classes.get(name) is obj, f"{name} is registered as {obj}"
