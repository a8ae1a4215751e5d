"""Feature visualization: what a unit, channel or class of a trained network responds to.

Activation maximization (Erhan et al. 2009, "Visualizing Higher-Layer Features
of a Deep Network"; Olah, Mordvintsev & Schubert, Distill 2017, "Feature
Visualization"): starting from noise, the input image is optimized by gradient
ascent so that a chosen objective (a neuron, a channel's mean, a layer's
squared activations, a class logit or probability, and sums of them) grows.
Two of Olah et al.'s remedies against adversarial-looking high-frequency
patterns are implemented: a decorrelated Fourier parametrization of the image
(`parametrizations.Fourier`) and robustness to random jitter, scaling and
rotation at every step (`transforms`), plus L2 and total-variation penalties
(`l2`, `total_variation`) and Olah et al.'s diversity term across a batch.
`dataset_examples` ranks real images by the same objective.

    from tfxlearn import visualize
    result = visualize.render(model, [visualize.class_logit(c) for c in range(10)])
    visualize.save_grid(result.images, "classes.png")

Works on any Keras functional or Sequential model taking images in [0, 1]
(layers of nested functional models, e.g. an encoder inside a classifier,
included), a `.keras` file or a TF Serving SavedModel export (`load_model`,
whose objectives can read the signature's outputs only), and a trained pipeline
run directory (`tfxlearn.pipeline.load_trained`). The command
`tfxlearn visualize SOURCE --objective=channel:block2_relu0/5` writes a PNG grid.

Relation to `tfxlearn.viz`: `viz` draws the pipelines' plots with matplotlib
(imported on first use); this package computes images and uses `viz.image_grid`
to draw them (inside `save_grid`, so importing it does not import matplotlib).
"""

from tfxlearn.visualize import parametrizations, transforms
from tfxlearn.visualize.loading import load_model
from tfxlearn.visualize.objectives import (
    OUTPUT,
    Objective,
    as_objective,
    channel,
    class_logit,
    class_probability,
    deepdream,
    diversity,
    l2,
    neuron,
    parse,
    total_variation,
)
from tfxlearn.visualize.parametrizations import Fourier, Pixel, color_decorrelation
from tfxlearn.visualize.render import (
    Rendering,
    dataset_examples,
    feature_model,
    layer_names,
    objective_scores,
    render,
    save_grid,
)
from tfxlearn.visualize.transforms import Blur, Jitter, Rotate, Scale

__all__ = [
    "OUTPUT",
    "Objective",
    "as_objective",
    "channel",
    "neuron",
    "deepdream",
    "class_logit",
    "class_probability",
    "diversity",
    "l2",
    "total_variation",
    "parse",
    "Pixel",
    "Fourier",
    "color_decorrelation",
    "Jitter",
    "Scale",
    "Rotate",
    "Blur",
    "Rendering",
    "render",
    "objective_scores",
    "dataset_examples",
    "feature_model",
    "layer_names",
    "save_grid",
    "load_model",
    "parametrizations",
    "transforms",
]
