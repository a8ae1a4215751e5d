"""tfxlearn.visualize: objectives grow under optimization, runs are seeded, and bad
arguments fail before any step with errors naming the argument."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfxlearn import nets, visualize


@pytest.fixture(scope="module")
def classifier():
    """A tiny conv classifier whose encoder is a nested functional model."""
    keras.utils.set_random_seed(1)
    encoder = nets.conv_encoder(input_shape=(8, 8, 1), widths=[4, 8], name="encoder")
    images = keras.Input((8, 8, 1))
    logits = keras.layers.Dense(3, name="logits")(encoder(images))
    return keras.Model(images, logits, name="tiny_classifier")


@pytest.fixture(scope="module")
def flat(classifier):
    """The same network with every layer at the top level."""
    encoder = classifier.get_layer("encoder")
    return keras.Model(encoder.inputs[0], classifier.get_layer("logits")(encoder.outputs[0]))


def _initial_scores(model, objective, param, n=1, seed=0):
    start = param.images(param.initial((n, 8, 8, 1), seed))
    return visualize.objective_scores(model, objective, start.numpy())


@pytest.mark.parametrize("param_name", ["pixel", "fourier"])
@pytest.mark.parametrize(
    "objective",
    [
        visualize.channel("block1_relu0", 2),
        visualize.neuron("block0_conv0", 1),
        visualize.deepdream("block1_conv0"),
        visualize.class_logit(0),
        visualize.class_logit(1) + 0.5 * visualize.channel("block0_relu0", 3),
    ],
    ids=lambda o: o.name,
)
def test_each_objective_grows_under_optimization(flat, objective, param_name):
    param = visualize.parametrizations.get(param_name)
    before = _initial_scores(flat, objective, param)
    result = visualize.render(
        flat, objective, steps=40, param=param, seed=0, learning_rate=0.1, show_progress=False
    )
    assert result.images.shape == (1, 8, 8, 1)
    assert result.images.min() > 0.0 and result.images.max() < 1.0
    after = visualize.objective_scores(flat, objective, result.images)
    np.testing.assert_allclose(after, result.scores, rtol=1e-4, atol=1e-5)
    assert after[0] > before[0] + 1e-3, (before, after)


def test_class_probability_objectives_raise_their_classes(flat):
    objectives = [visualize.class_probability(c) for c in range(3)]
    param = visualize.Pixel()
    start = param.images(param.initial((3, 8, 8, 1), 0)).numpy()
    result = visualize.render(
        flat, objectives, steps=60, learning_rate=0.2, param=param, show_progress=False
    )
    before = tf.nn.softmax(flat(start)).numpy()[np.arange(3), np.arange(3)]
    after = tf.nn.softmax(flat(result.images)).numpy()[np.arange(3), np.arange(3)]
    assert np.all(after > before + 0.01), (before, after)
    assert [o.name for o in result.objectives] == [f"log p(class {c})" for c in range(3)]


def test_inner_layers_of_a_nested_encoder_match_the_flat_model(classifier, flat):
    x = np.random.default_rng(0).random((4, 8, 8, 1)).astype("float32")
    objective = visualize.channel("block1_relu0", 5) + visualize.class_logit(2)
    np.testing.assert_allclose(
        visualize.objective_scores(classifier, objective, x),
        visualize.objective_scores(flat, objective, x),
        rtol=1e-5,
        atol=1e-6,
    )
    assert "block1_relu0" in visualize.layer_names(classifier)


def test_the_same_seed_gives_the_same_images_and_another_seed_others(classifier):
    def run(seed):
        return visualize.render(
            classifier,
            visualize.channel("block1_relu0", 1),
            n=2,
            steps=8,
            seed=seed,
            show_progress=False,
        ).images

    first, again, other = run(3), run(3), run(4)
    np.testing.assert_array_equal(first, again)
    assert np.abs(first - other).max() > 1e-3


def test_negative_objectives_reverse_the_sign_and_penalties_are_zero_when_flat(flat):
    x = np.random.default_rng(1).random((3, 8, 8, 1)).astype("float32")
    objective = visualize.channel("block0_relu0", 0)
    np.testing.assert_allclose(
        visualize.objective_scores(flat, -objective, x),
        -visualize.objective_scores(flat, objective, x),
    )
    constant = np.full((2, 8, 8, 1), 0.3, np.float32)
    np.testing.assert_allclose(visualize.total_variation(constant).numpy(), 0.0)
    assert visualize.total_variation(x).numpy().min() > 0
    grey = np.full((1, 8, 8, 1), 0.5, np.float32)
    np.testing.assert_allclose(visualize.objective_scores(flat, visualize.l2(), grey), 0.0)


def test_diversity_spreads_a_batch(flat):
    base = visualize.channel("block1_relu0", 2)
    common = dict(n=4, steps=40, param="pixel", learning_rate=0.1, seed=0, show_progress=False)
    alone = visualize.render(flat, base, **common)
    spread = visualize.render(flat, base + 5.0 * visualize.diversity("block1_relu0"), **common)
    similarity = visualize.diversity("block1_relu0")
    assert (
        visualize.objective_scores(flat, similarity, spread.images).mean()
        > visualize.objective_scores(flat, similarity, alone.images).mean()
    )


def test_dataset_examples_are_the_top_scoring_images(flat):
    x = np.random.default_rng(2).random((50, 8, 8, 1)).astype("float32")
    objective = visualize.class_logit(1)
    indices, scores = visualize.dataset_examples(flat, objective, x, k=5, batch_size=16)
    all_scores = visualize.objective_scores(flat, objective, x)
    np.testing.assert_array_equal(indices, np.argsort(-all_scores)[:5])
    np.testing.assert_allclose(scores, np.sort(all_scores)[::-1][:5], rtol=1e-6)


def test_transforms_keep_shapes_are_seeded_and_pass_gradients():
    x = tf.constant(np.random.default_rng(3).random((2, 12, 12, 3)).astype("float32"))
    seed = tf.constant([5, 7], tf.int32)
    for transform in [
        visualize.Jitter(2),
        visualize.Scale(0.8, 1.2),
        visualize.Rotate(20),
        visualize.Blur(0.5),
    ]:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = transform(x, seed)
            total = tf.reduce_sum(y)
        assert y.shape == x.shape, transform
        np.testing.assert_array_equal(y.numpy(), transform(x, seed).numpy())
        assert float(tf.reduce_sum(tf.abs(tape.gradient(total, x)))) > 0, transform


def test_fourier_parametrization_decorrelates_colour_channels():
    rng = np.random.default_rng(4)
    grey = rng.random((10, 6, 6, 1))
    colour = np.concatenate([grey, 0.9 * grey + 0.1 * rng.random(grey.shape), grey], axis=-1)
    matrix = visualize.color_decorrelation(colour)
    assert matrix.shape == (3, 3)
    param = visualize.Fourier(color_matrix=matrix)
    images = param.images(param.initial((2, 6, 6, 3), seed=0)).numpy()
    assert images.shape == (2, 6, 6, 3)
    # Correlated data -> correlated channels in the parametrized images.
    channels = images.reshape(-1, 3).T
    assert np.corrcoef(channels)[0, 1] > 0.5


def test_parse_reads_the_command_line_notation():
    objective = visualize.parse("0.5*channel:block1_relu0/3+logit:2")
    assert objective.layers == ("block1_relu0", visualize.OUTPUT)
    assert objective.name == "0.5*(channel block1_relu0/3) + logit 2"
    for bad, words in [
        ("channel:block1_relu0", "LAYER/INDEX"),
        ("wiggle:3", "cannot parse"),
        ("logit:x", "class index must be an integer"),
        ("a*logit:1", "not a number"),
    ]:
        with pytest.raises(ValueError, match=words):
            visualize.parse(bad)


def test_bad_arguments_are_refused_before_any_step_naming_the_argument(classifier):
    def render(objective, **kwargs):
        visualize.render(classifier, objective, steps=kwargs.pop("steps", 2), **kwargs)

    with pytest.raises(ValueError, match=r"layer 'block9_relu0' is not in model .*block1_relu0"):
        render(visualize.channel("block9_relu0", 0))
    with pytest.raises(ValueError, match=r"channel 8 is out of range: layer 'block1_relu0' has 8"):
        render(visualize.channel("block1_relu0", 8))
    with pytest.raises(
        ValueError, match=r"class index 3 is out of range: the model's output has 3"
    ):
        render(visualize.class_logit(3))
    with pytest.raises(ValueError, match="channel must be a non-negative integer"):
        visualize.channel("block1_relu0", -1)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        render(visualize.class_logit(0), steps=0)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        render(visualize.class_logit(0), n=0)
    with pytest.raises(ValueError, match="param must be one of"):
        render(visualize.class_logit(0), param="wavelet")
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        render(visualize.class_logit(0), learning_rate=0)
    with pytest.raises(ValueError, match="jitter pixels must be >= 0"):
        visualize.Jitter(-1)
