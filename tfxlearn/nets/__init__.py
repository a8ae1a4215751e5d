"""Network factories shared by the paradigms."""

from tfxlearn.nets.conv import classifier_head, conv_encoder
from tfxlearn.nets.decoders import conv_decoder, feature_map

__all__ = ["conv_encoder", "classifier_head", "feature_map", "conv_decoder"]
