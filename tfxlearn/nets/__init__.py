"""Network factories shared by the paradigms."""

from tfxlearn.nets.audio import LogMel, audio_encoder
from tfxlearn.nets.contrastive import KeyQueue, projection_head
from tfxlearn.nets.conv import classifier_head, conv_encoder
from tfxlearn.nets.decoders import conv_decoder, feature_map
from tfxlearn.nets.generative import (
    dcgan_discriminator,
    dcgan_generator,
    dense_decoder,
    mlp_discriminator,
    mlp_generator,
)
from tfxlearn.nets.gradient_reversal import (
    GradientReversal,
    domain_classifier,
    reversal_schedule,
)
from tfxlearn.nets.image_history import ImageHistory
from tfxlearn.nets.layers import WeightNormDense
from tfxlearn.nets.translation import patchgan_discriminator, resnet_generator, unet_generator
from tfxlearn.nets.video import (
    FrameEncoderClips,
    StackFrames,
    TakeFrames,
    clip_encoder,
    encode_frames,
    sampled_frame_indices,
    unstack_frames,
)

__all__ = [
    "conv_encoder",
    "classifier_head",
    "projection_head",
    "KeyQueue",
    "feature_map",
    "conv_decoder",
    "dcgan_generator",
    "dcgan_discriminator",
    "dense_decoder",
    "mlp_generator",
    "mlp_discriminator",
    "audio_encoder",
    "LogMel",
    "clip_encoder",
    "sampled_frame_indices",
    "TakeFrames",
    "StackFrames",
    "unstack_frames",
    "encode_frames",
    "FrameEncoderClips",
    "WeightNormDense",
    "GradientReversal",
    "reversal_schedule",
    "domain_classifier",
    "ImageHistory",
    "resnet_generator",
    "unet_generator",
    "patchgan_discriminator",
]
