"""SimGAN from real handwritten digits to digits on textures: a refiner that makes
`digits` (RGB, labelled but its labels never shown to the model) look like
`textured_digits` (see `tfxlearn/pipeline/textured_digits.py` for the pair and
`tfxlearn.paradigms.SimGAN`, Shrivastava et al., CVPR 2017).

Everything else is `simgan_font_digits`' config (refiner, local discriminator,
losses, history, optimisers, budget): chosen for the font pair, not yet for this
one, and not measured on this pair yet (docs/adaptation.md). The Evaluator's
refinement protocol reads `digits` test images: the refined ones should be read
by a classifier of textured digits as well as real textured digits are, and the
mean per-pixel change says whether the refiner does anything at all.
`tfxlearn run simgan_textured_digits --smoke` runs one epoch on 64 target images.
"""

from tfxlearn.pipeline import load_config
from tfxlearn.pipeline import textured_digits as pair


def get_config(smoke: bool = False, **options) -> dict:
    """`simgan_font_digits`' config (`options` as it takes them) for this pair."""
    return pair.retarget(
        load_config("simgan_font_digits", smoke=smoke, **options), "simgan_textured_digits"
    )
