"""Network factories shared by the paradigms."""

from tfxlearn.nets.conv import classifier_head, conv_encoder

__all__ = ["conv_encoder", "classifier_head"]
