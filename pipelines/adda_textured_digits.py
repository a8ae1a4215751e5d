"""ADDA from real handwritten digits to digits on textures (the MNIST -> MNIST-M
setting, offline; see `tfxlearn/pipeline/textured_digits.py` for the pair):
stage 1 trains the source encoder and classifier on `digits` (RGB), stage 2
adapts a copy of the encoder to `textured_digits` against a domain
discriminator (Tzeng et al., CVPR 2017).

Everything else is `adda_font_digits`' config (networks, both stages'
optimisers and budgets): chosen for the font pair, not yet for this one, and
not measured on this pair yet (docs/adaptation.md). Source and target go
through the same input conversion (`to_float_images`, [0, 1]): ADDA's known
failure when the two are normalized differently cannot happen here.
`tfxlearn run adda_textured_digits --smoke` runs one epoch of each stage.
"""

from tfxlearn.pipeline import load_config
from tfxlearn.pipeline import textured_digits as pair


def get_config(smoke: bool = False, **options) -> dict:
    """`adda_font_digits`' config (`options` as it takes them) for this pair."""
    return pair.retarget(
        load_config("adda_font_digits", smoke=smoke, **options), "adda_textured_digits"
    )
