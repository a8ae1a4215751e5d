"""CyCADA from real handwritten digits to digits on textures (the MNIST -> MNIST-M
setting, offline; see `tfxlearn/pipeline/textured_digits.py` for the pair and
`tfxlearn.paradigms.CyCADA`, Hoffman et al., ICML 2018): the source classifier on
`digits` (RGB), a CycleGAN with the semantic-consistency loss between `digits`
and `textured_digits`, the classifier on the translated digits, then ADDA's
feature-level stage.

Everything else is `cycada_font_digits`' config (networks, the four stages'
optimisers and budgets): chosen for the font pair, not yet for this one, and
not measured on this pair yet (docs/adaptation.md).
`tfxlearn run cycada_textured_digits --smoke` runs one pass of each stage.
"""

from tfxlearn.pipeline import load_config
from tfxlearn.pipeline import textured_digits as pair


def get_config(smoke: bool = False, **options) -> dict:
    """`cycada_font_digits`' config (`options` as it takes them) for this pair."""
    return pair.retarget(
        load_config("cycada_font_digits", smoke=smoke, **options), "cycada_textured_digits"
    )
