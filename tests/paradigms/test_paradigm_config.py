"""Paradigm configs are written once, in `Paradigm` (docs/architecture.md section 5):
sub-models listed in `sub_models` are serialized generically, arguments a class
derives itself (`derived_arguments`) stay out of its config and are ignored when
a config holds them."""

import inspect

import keras
import pytest
from contract_examples import EXAMPLES

import tfxlearn
from tfxlearn.paradigms import Paradigm


@pytest.fixture(params=sorted(EXAMPLES))
def name(request):
    return request.param


def test_no_paradigm_writes_its_own_from_config():
    for name in tfxlearn.paradigms.names():
        cls = tfxlearn.paradigms.get(name)
        assert cls.from_config.__func__ is Paradigm.from_config.__func__, name


def test_config_holds_the_constructor_arguments_and_no_derived_one(name):
    keras.utils.set_random_seed(1)
    model = EXAMPLES[name]["build"]("batch")
    config = model.get_config()
    signature = inspect.signature(type(model).__init__).parameters.values()
    arguments = {p.name for p in signature if p.kind is p.POSITIONAL_OR_KEYWORD} - {"self"}
    assert arguments <= set(config), sorted(arguments - set(config))
    assert not set(type(model).derived_arguments) & set(config)
    for key in type(model).sub_models:
        assert config[key] is None or config[key]["class_name"], key
    # A config that also holds the derived arguments (as a base class writes them) loads.
    derived = {key: getattr(model, key) for key in type(model).derived_arguments}
    clone = type(model).from_config({**config, **derived})
    assert clone.get_config() == config


def test_fit_on_a_dataset_does_not_warn_about_shuffle_unless_asked():
    import warnings

    model = EXAMPLES["rotation"]["build"]("batch")
    model.compile(optimizer="adam")

    def messages(**kwargs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(EXAMPLES["rotation"]["data"]().take(1), epochs=1, verbose=0, **kwargs)
        return [str(w.message) for w in caught if "shuffle" in str(w.message)]

    assert messages() == []
    assert len(messages(shuffle=True)) == 1  # asked for: Keras says it is ignored


def test_the_end_of_a_dataset_of_unknown_size_is_not_a_warning_unless_steps_were_asked():
    # Keras 3.15 warns "Your input ran out of data" at the end of every epoch of a
    # dataset of unknown cardinality (the language model's windows, any filter)
    import warnings

    model = EXAMPLES["rotation"]["build"]("batch")
    model.compile(optimizer="adam")
    data = EXAMPLES["rotation"]["data"]().take(2).filter(lambda *_: True)

    def messages(*args, **kwargs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(data, *args, **kwargs)
        return [str(w.message) for w in caught if "ran out of data" in str(w.message)]

    assert messages(epochs=2, verbose=0) == []
    assert len(messages(epochs=1, verbose=0, steps_per_epoch=5)) == 1  # asked for more
    # y, batch_size, epochs, verbose, callbacks, validation_split, validation_data,
    # shuffle, class_weight, sample_weight, initial_epoch, steps_per_epoch
    positional = (None, None, 1, 0, None, 0.0, None, False, None, None, 0, 5)
    assert len(messages(*positional)) == 1
