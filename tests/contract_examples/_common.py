"""Shared helpers of the contract examples."""

import tfxlearn


def digits_batches(pretext: str, images: int = 4, **op_args):
    """One batch of `images` digits (8x8x1) through the named pretext op."""
    ds = tfxlearn.data.load("digits", "train").take(images).batch(images)
    return tfxlearn.pretext.get(pretext)(ds, **op_args)
