"""Shared helpers of the contract examples."""

import tfxlearn


def digits_batches(pretext: str, images: int = 4, **op_args):
    """One batch of `images` digits (8x8x1) through the named pretext op."""
    ds = tfxlearn.data.load("digits", "train").take(images).batch(images)
    return tfxlearn.pretext.get(pretext)(ds, **op_args)


def tiny_translators(generators=("generator_ab", "generator_ba"), discriminators=None):
    """Two 8x8x1 ResNet generators and two PatchGAN discriminators (instance norm:
    per-image statistics, the same on 1 and 2 replicas), by argument name."""
    nets = tfxlearn.nets
    discriminators = discriminators or ("discriminator_a", "discriminator_b")
    return {
        **{
            name: nets.resnet_generator(
                (8, 8, 1), filters=2, downsamples=1, residual_blocks=1, name=name
            )
            for name in generators
        },
        **{
            name: nets.patchgan_discriminator((8, 8, 1), widths=(2, 4), name=name)
            for name in discriminators
        },
    }
