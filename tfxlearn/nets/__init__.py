"""Network factories shared by the paradigms."""

from tfxlearn.nets.attention_translation import attention_blend, attention_network
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
from tfxlearn.nets.layer_outputs import OUTPUT, feature_model, layer_names
from tfxlearn.nets.layers import WeightNormDense
from tfxlearn.nets.style import (
    CaffePreprocess,
    ResidualImage,
    default_extractor,
    default_layers,
    random_texture_extractor,
    transformation_net,
    vgg19_extractor,
)
from tfxlearn.nets.tabular import mlp_encoder
from tfxlearn.nets.transformer import (
    Seq2SeqTransformer,
    TokenAndPositionEmbedding,
    TransformerBlock,
    greedy_decode,
    sample_decode,
    sequence_log_likelihood,
    transformer_decoder,
)
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
    "attention_network",
    "attention_blend",
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
    "OUTPUT",
    "feature_model",
    "layer_names",
    "CaffePreprocess",
    "ResidualImage",
    "vgg19_extractor",
    "random_texture_extractor",
    "default_extractor",
    "default_layers",
    "transformation_net",
    "TokenAndPositionEmbedding",
    "TransformerBlock",
    "transformer_decoder",
    "Seq2SeqTransformer",
    "greedy_decode",
    "sample_decode",
    "sequence_log_likelihood",
    "mlp_encoder",
    "ImageHistory",
    "resnet_generator",
    "unet_generator",
    "patchgan_discriminator",
]
