"""DANN from real handwritten digits to digits on textures (the MNIST -> MNIST-M
setting of Ganin & Lempitsky, ICML 2015, offline; see
`tfxlearn/pipeline/textured_digits.py` for the pair).

- Source (labelled): scikit-learn's `digits`, upsampled to 28x28, repeated to RGB.
- Target (unlabelled in training): `textured_digits`, the same kind of digits
  blended over crops of photographs and textures.

Everything else is `dann_font_digits`' config (network, annealed SGD, reversal
schedule, budget, `max_lambda`): chosen for the font pair, not yet for this
one, and not measured on this pair yet (docs/adaptation.md).
`tfxlearn run dann_textured_digits --smoke` runs one epoch on 256 target images.
"""

from tfxlearn.pipeline import load_config
from tfxlearn.pipeline import textured_digits as pair


def get_config(smoke: bool = False, **options) -> dict:
    """`dann_font_digits`' config (`options` as it takes them) for this pair."""
    return pair.retarget(
        load_config("dann_font_digits", smoke=smoke, **options), "dann_textured_digits"
    )
