"""Self-supervised pretext-task paradigms."""

from tfxlearn.paradigms.self_supervised.arrow_of_time import ArrowOfTime
from tfxlearn.paradigms.self_supervised.av_sync import AvSync
from tfxlearn.paradigms.self_supervised.ave_net import AVENet
from tfxlearn.paradigms.self_supervised.colorization import Colorization
from tfxlearn.paradigms.self_supervised.composite_lstm import CompositeLstm
from tfxlearn.paradigms.self_supervised.exemplar import Exemplar
from tfxlearn.paradigms.self_supervised.jigsaw import Jigsaw
from tfxlearn.paradigms.self_supervised.l3_net import L3Net
from tfxlearn.paradigms.self_supervised.masked_autoencoder import MaskedAutoencoder
from tfxlearn.paradigms.self_supervised.moco import MoCo
from tfxlearn.paradigms.self_supervised.next_frame_prediction import NextFramePrediction
from tfxlearn.paradigms.self_supervised.odd_one_out import OddOneOut
from tfxlearn.paradigms.self_supervised.relative_patch_location import (
    RelativePatchLocation,
)
from tfxlearn.paradigms.self_supervised.rotation import Rotation
from tfxlearn.paradigms.self_supervised.sequence_sorting import SequenceSorting
from tfxlearn.paradigms.self_supervised.shuffle_and_learn import ShuffleAndLearn
from tfxlearn.paradigms.self_supervised.slow_steady import SlowSteady

__all__ = [
    "AvSync",
    "ShuffleAndLearn",
    "OddOneOut",
    "SequenceSorting",
    "L3Net",
    "AVENet",
    "Rotation",
    "RelativePatchLocation",
    "Jigsaw",
    "Exemplar",
    "MaskedAutoencoder",
    "MoCo",
    "Colorization",
    "CompositeLstm",
    "NextFramePrediction",
    "ArrowOfTime",
    "SlowSteady",
]
