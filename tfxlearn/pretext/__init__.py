"""tf.data pretext-label generators. Each takes a batched dataset and returns
(inputs, generated labels); the underlying batch ops are exported too, for use
inside your own `Dataset.map`."""

from collections.abc import Callable

from tfxlearn.pretext.arrow_of_time import arrow_of_time, reverse_clips, stack_differences
from tfxlearn.pretext.audio_visual_correspondence import (
    audio_visual_correspondence,
    correspondence_pairs,
    cyclic_derangement,
)
from tfxlearn.pretext.av_sync import av_sync, sync_pairs
from tfxlearn.pretext.cbow import cbow, cbow_examples
from tfxlearn.pretext.class_pairs import class_pairs, class_partners, make_pairs
from tfxlearn.pretext.class_triplets import class_triplets, make_triplets
from tfxlearn.pretext.colorization import colorization, lab_to_rgb, rgb_to_lab
from tfxlearn.pretext.domain_adaptation import domain_adaptation
from tfxlearn.pretext.dual_corpus import corpus_roles, dual_corpus
from tfxlearn.pretext.edge_pairs import canny_edges, edge_pairs
from tfxlearn.pretext.exemplar import exemplar, exemplar_views
from tfxlearn.pretext.frame_prediction import frame_prediction, split_clips
from tfxlearn.pretext.images import class_labels, images
from tfxlearn.pretext.jigsaw import jigsaw, jigsaw_tiles, permutation_set, unshuffle
from tfxlearn.pretext.masked_autoencoder import masked_autoencoder, random_masks
from tfxlearn.pretext.masked_tokens import mask_tokens, masked_tokens
from tfxlearn.pretext.moco_views import moco_views, two_views
from tfxlearn.pretext.next_token import next_token, next_token_windows
from tfxlearn.pretext.odd_one_out import odd_one_out, odd_one_out_frames, odd_one_out_indices
from tfxlearn.pretext.relative_patch_location import (
    relative_patch_location,
    relative_patch_pairs,
)
from tfxlearn.pretext.rotation import rotate_all, rotate_random, rotation, unrotate
from tfxlearn.pretext.semi_supervised import UNLABELLED, semi_supervised
from tfxlearn.pretext.sensitive_attribute import sensitive_attribute
from tfxlearn.pretext.sequence_sorting import (
    sequence_sorting,
    sequence_sorting_frames,
    sequence_sorting_indices,
    unsort,
)
from tfxlearn.pretext.shuffle_and_learn import (
    shuffle_and_learn,
    shuffle_and_learn_indices,
    shuffle_and_learn_tuples,
)
from tfxlearn.pretext.skip_gram import skip_gram, skip_gram_pairs
from tfxlearn.pretext.slow_steady import slow_steady, slow_steady_tuples
from tfxlearn.pretext.unpaired_domains import unpaired_domains
from tfxlearn.registry import PRETEXT_OPS, PRETEXT_PLOTS

get = PRETEXT_OPS.get
names = PRETEXT_OPS.names


def get_plot(name: str) -> Callable[..., str] | None:
    """The function that draws examples of op `name`'s output,
    `plot(batch, path, *, title=None, model=None) -> path` (each op module's `plot`,
    for ops whose inputs are not one image per label: patch pairs, tile sets,
    masked images, views, clips), or None for an op without one.

    Raises:
        UnknownNameError: `name` is not a pretext op.
    """
    get(name)
    return PRETEXT_PLOTS.get(name) if name in PRETEXT_PLOTS else None


__all__ = [
    "edge_pairs",
    "canny_edges",
    "unpaired_domains",
    "av_sync",
    "sync_pairs",
    "rotation",
    "rotate_all",
    "rotate_random",
    "unrotate",
    "relative_patch_location",
    "relative_patch_pairs",
    "jigsaw",
    "jigsaw_tiles",
    "permutation_set",
    "unshuffle",
    "exemplar",
    "exemplar_views",
    "masked_autoencoder",
    "random_masks",
    "moco_views",
    "two_views",
    "colorization",
    "rgb_to_lab",
    "lab_to_rgb",
    "images",
    "class_labels",
    "semi_supervised",
    "sensitive_attribute",
    "UNLABELLED",
    "frame_prediction",
    "split_clips",
    "audio_visual_correspondence",
    "correspondence_pairs",
    "cyclic_derangement",
    "shuffle_and_learn",
    "shuffle_and_learn_indices",
    "shuffle_and_learn_tuples",
    "odd_one_out",
    "odd_one_out_frames",
    "odd_one_out_indices",
    "sequence_sorting",
    "sequence_sorting_frames",
    "sequence_sorting_indices",
    "unsort",
    "arrow_of_time",
    "reverse_clips",
    "stack_differences",
    "skip_gram",
    "cbow",
    "cbow_examples",
    "skip_gram_pairs",
    "masked_tokens",
    "mask_tokens",
    "next_token",
    "next_token_windows",
    "slow_steady",
    "slow_steady_tuples",
    "domain_adaptation",
    "dual_corpus",
    "corpus_roles",
    "class_pairs",
    "class_partners",
    "make_pairs",
    "class_triplets",
    "make_triplets",
    "get",
    "get_plot",
    "names",
]
