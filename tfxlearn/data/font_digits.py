"""Digits rendered from the TrueType / OpenType fonts of Debian font packages, as a
TFDS builder: the synthetic source domain of digit domain adaptation.

The domain-adaptation literature trains on synthetic digits and tests on real
ones (SynDigits, Ganin & Lempitsky, ICML 2015: digits rendered from Windows
fonts with varying position, orientation, stroke, background and blur). This is
that construction, offline: each digit 0-9 of each font file in the Debian
packages of `FONT_PACKAGES` (serif, sans, mono, calligraphic and handwriting
faces: DejaVu, Liberation, FreeFont, the URW base 35, Comic Neue, DkgHandwriting)
is drawn many times with random

- stroke: the font's own weight plus a random extra stroke width,
- size: the digit's height a random share of the frame (MNIST-like margins),
- affine jitter: rotation, shear, horizontal stretch, translation,

white on black, rendered at 4x resolution and reduced by area averaging
(anti-aliased) to `size` x `size` uint8 (default 28 x 28, Fashion-MNIST's size;
the real target `digits` - scikit-learn's UCI handwritten digits, 8 x 8 - is
upsampled to it by `tfxlearn.data.load(..., image_size=(28, 28, 1))`).

Splits are disjoint in font family: the families of `TEST_FAMILIES` render the
test split, every other family the train split, so a classifier's source-test
accuracy measures generalisation to unseen typefaces. Font files whose ten
digits do not render as ten distinct non-empty glyphs (dingbats; a font without
digits) are skipped. Every image is a function of (config seed, font file name,
digit, render index) only, so the dataset is the same on every machine with the
same packages. Features: "image" uint8 [size, size, 1], "label" the digit,
"font" the font's family and style (e.g. "DejaVu Sans Bold").

Ganin & Lempitsky, "Unsupervised Domain Adaptation by Backpropagation", ICML 2015.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import zlib

import numpy as np
import tensorflow_datasets as tfds

from tfxlearn.registry import DATASETS

FONT_ROOT = "/usr/share/fonts"
#: Debian package -> one of its font files under FONT_ROOT (its directory holds the
#: package's fonts; scripts/setup.sh checks the same files).
FONT_PACKAGES = {
    "fonts-dejavu-core": "truetype/dejavu/DejaVuSans.ttf",
    "fonts-dejavu-extra": "truetype/dejavu/DejaVuSerifCondensed.ttf",
    "fonts-liberation": "truetype/liberation/LiberationSans-Regular.ttf",
    "fonts-freefont-ttf": "truetype/freefont/FreeSans.ttf",
    "fonts-dkg-handwriting": "truetype/fifthhorseman/dkg.ttf",
    "fonts-urw-base35": "opentype/urw-base35/NimbusSans-Regular.otf",
    "fonts-comic-neue": "opentype/comic-neue/ComicNeue-Regular.otf",
}
#: Families rendered only in the test split (all their styles).
TEST_FAMILIES = (
    "DejaVu Sans Mono",
    "FreeSerif",
    "Liberation Serif",
    "Nimbus Sans Narrow",
    "URW Gothic",
)
SUPERSAMPLE = 4
GLYPH_POINTS = 96  # font size of the glyph before the affine warp


@dataclasses.dataclass
class FontDigitsConfig(tfds.core.BuilderConfig):
    """Renders per (font file, digit) in each split, image size, jitter ranges."""

    train_renders: int = 64
    test_renders: int = 16
    size: int = 28
    height: tuple = (0.6, 0.85)  # digit height / frame
    rotation: float = 15.0  # degrees, uniform in [-r, r]
    shear: float = 0.3
    stretch: tuple = (0.8, 1.2)  # horizontal scale relative to the vertical
    shift: float = 0.08  # translation, a share of the frame, uniform in [-s, s]
    stroke: tuple = (0, 4)  # extra stroke width in glyph pixels (inclusive)
    seed: int = 2015


def font_files(root: str = FONT_ROOT) -> list[str]:
    """The font files of `FONT_PACKAGES` under `root`, sorted by file name.

    Raises:
        FileNotFoundError: a package's fonts are missing, naming the packages to
            install.
    """
    missing = sorted(
        p for p, f in FONT_PACKAGES.items() if not os.path.isfile(os.path.join(root, f))
    )
    if missing:
        raise FileNotFoundError(
            f"font_digits needs the Debian font packages {missing} (their fonts are not "
            f"under {root}): apt-get install -y {' '.join(missing)} (scripts/setup.sh does)"
        )
    files = set()
    for directory in {os.path.dirname(f) for f in FONT_PACKAGES.values()}:
        for ext in ("ttf", "otf"):
            files.update(glob.glob(os.path.join(root, directory, f"*.{ext}")))
    return sorted(files, key=os.path.basename)


def _glyphs(path: str):
    """(family, style, [10 glyph masks as float arrays]) of a font file, or None if its
    digits are not ten distinct non-empty glyphs."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(path, GLYPH_POINTS)
    family, style = font.getname()
    glyphs = []
    for digit in range(10):
        image = Image.new("L", (3 * GLYPH_POINTS, 3 * GLYPH_POINTS), 0)
        ImageDraw.Draw(image).text((GLYPH_POINTS, GLYPH_POINTS), str(digit), fill=255, font=font)
        array = np.asarray(image)
        if array.max() == 0:
            return None
        glyphs.append(array)
    flat = [g.tobytes() for g in glyphs]
    if len(set(flat)) < 10:  # .notdef boxes or symbols mapped onto the digits
        return None
    return family, style


def render(font, digit: int, rng: np.random.Generator, config: FontDigitsConfig) -> np.ndarray:
    """One jittered rendering of `digit` in `font` (a PIL FreeType font): uint8
    [size, size], white on black."""
    from PIL import Image, ImageDraw

    stroke = int(rng.integers(config.stroke[0], config.stroke[1] + 1))
    canvas = Image.new("L", (3 * GLYPH_POINTS, 3 * GLYPH_POINTS), 0)
    ImageDraw.Draw(canvas).text(
        (GLYPH_POINTS, GLYPH_POINTS),
        str(digit),
        fill=255,
        font=font,
        stroke_width=stroke,
        stroke_fill=255,
    )
    left, top, right, bottom = canvas.getbbox()
    glyph_center = np.array([(left + right) / 2.0, (top + bottom) / 2.0])
    big = config.size * SUPERSAMPLE
    scale = rng.uniform(*config.height) * big / max(bottom - top, 1)
    angle = np.deg2rad(rng.uniform(-config.rotation, config.rotation))
    shear = rng.uniform(-config.shear, config.shear)
    stretch = rng.uniform(*config.stretch)
    shift = rng.uniform(-config.shift, config.shift, size=2) * big
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    # output = center + shift + scale * R * Shear * Stretch * (input - glyph_center)
    forward = scale * rotation @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([stretch, 1.0])
    inverse = np.linalg.inv(forward)
    offset = glyph_center - inverse @ (np.array([big / 2.0, big / 2.0]) + shift)
    warped = canvas.transform(
        (big, big),
        Image.AFFINE,
        (inverse[0, 0], inverse[0, 1], offset[0], inverse[1, 0], inverse[1, 1], offset[1]),
        resample=Image.BILINEAR,
    )
    return np.asarray(warped.resize((config.size, config.size), Image.BOX), np.uint8)


@DATASETS.register("font_digits")
class FontDigits(tfds.core.GeneratorBasedBuilder):
    """TFDS builder `font_digits`: digits rendered from Debian fonts (offline)."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    BUILDER_CONFIGS = [
        FontDigitsConfig(name="default", description="28x28, 64 train / 16 test renders"),
        FontDigitsConfig(
            name="tiny",
            description="28x28, 2 train / 1 test renders (tests)",
            train_renders=2,
            test_renders=1,
        ),
    ]
    DEFAULT_CONFIG_NAME = "default"

    def _info(self) -> tfds.core.DatasetInfo:
        size = self.builder_config.size
        return self.dataset_info_from_configs(
            description=(
                "Digits 0-9 rendered from the fonts of Debian font packages with random "
                "size, stroke and affine jitter; train and test font families disjoint."
            ),
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(size, size, 1)),
                    "label": tfds.features.ClassLabel(num_classes=10),
                    "font": tfds.features.Text(),
                }
            ),
            supervised_keys=("image", "label"),
        )

    def _split_generators(self, dl_manager):
        del dl_manager
        try:
            import PIL.features
        except ImportError:
            raise ImportError("font_digits needs Pillow: pip install pillow") from None
        if not PIL.features.check("freetype2"):
            raise ImportError("font_digits needs Pillow built with FreeType support")
        fonts = {"train": [], "test": []}
        for path in font_files():
            glyphs = _glyphs(path)
            if glyphs is None:
                continue
            family, style = glyphs
            fonts["test" if family in TEST_FAMILIES else "train"].append((path, family, style))
        for split, found in fonts.items():
            if not found:
                raise FileNotFoundError(f"font_digits: no usable font for the {split} split")
        config = self.builder_config
        return {
            "train": self._generate_examples(fonts["train"], config.train_renders),
            "test": self._generate_examples(fonts["test"], config.test_renders),
        }

    def _generate_examples(self, fonts, renders: int):
        from PIL import ImageFont

        config = self.builder_config
        for path, family, style in fonts:
            font = ImageFont.truetype(path, GLYPH_POINTS)
            name = os.path.basename(path)
            key = zlib.crc32(name.encode())
            for digit in range(10):
                for k in range(renders):
                    rng = np.random.default_rng([config.seed, key, digit, k])
                    yield (
                        f"{name}-{digit}-{k}",
                        {
                            "image": render(font, digit, rng, config)[..., np.newaxis],
                            "label": digit,
                            "font": f"{family} {style}",
                        },
                    )
