"""Plots of pretext ops: found by op name (`tfxlearn.pretext.get_plot`)."""

import pytest

import tfxlearn
from tfxlearn.pretext import jigsaw as jigsaw_op
from tfxlearn.pretext.jigsaw import plot as jigsaw_plot
from tfxlearn.registry import PRETEXT_OPS, PRETEXT_PLOTS, UnknownNameError

OPS_WITH_PLOTS = {
    "arrow_of_time",
    "av_sync",
    "class_pairs",
    "class_triplets",
    "colorization",
    "domain_adaptation",
    "edge_pairs",
    "frame_prediction",
    "jigsaw",
    "masked_autoencoder",
    "moco_views",
    "odd_one_out",
    "relative_patch_location",
    "sequence_sorting",
    "shuffle_and_learn",
    "slow_steady",
    "unpaired_domains",
}


def test_plots_are_registered_under_their_op_names():
    assert set(PRETEXT_PLOTS.names()) == OPS_WITH_PLOTS
    assert set(PRETEXT_PLOTS.names()) <= set(PRETEXT_OPS.names())
    assert tfxlearn.pretext.get_plot("jigsaw") is jigsaw_plot
    assert not hasattr(jigsaw_op, "plot")  # the op stays a plain function
    for name in set(PRETEXT_OPS.names()) - OPS_WITH_PLOTS:
        assert tfxlearn.pretext.get_plot(name) is None, name


def test_an_unknown_op_has_no_plot():
    with pytest.raises(UnknownNameError, match="unknown pretext op 'rotations'"):
        tfxlearn.pretext.get_plot("rotations")
