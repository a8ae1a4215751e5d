"""Verse-aligned English and Spanish Bibles as a TFDS builder (offline).

The World English Bible (SWORD module `engWEB2015eb`, Debian `sword-text-web`)
and the Spanish Reina-Valera 1909 (`spaRV1909eb`, Debian `sword-text-sparv`),
read with PyPI `pysword`. Each example is one verse of the 66 books both
translations share: `en` and `es` (the verse's text, footnotes removed), `book`
(66 classes, OSIS names in canonical order), `testament` ("old" / "new"),
`chapter`, `verse` and `reference` ("Gen.1.1"). A verse empty in either
translation (verses some manuscripts omit) is left out; ~31,000 pairs remain.

Split by book, so test verses share no passage (not even a chapter) with
training: the test split is every sixth book in canonical order (`TEST_BOOKS`:
Joshua, 2 Kings, Job, Jeremiah, Amos, Zephaniah, Luke, 2 Corinthians,
1 Timothy, 1 Peter, Revelation; both testaments, law, history, poetry,
prophets, gospels, letters and apocalypse), the train split the other 55.
"""

from __future__ import annotations

import functools
import html
import os
import re

import numpy as np
import tensorflow_datasets as tfds

from tfxlearn.registry import DATASETS

SWORD_PATH = "/usr/share/sword"
MODULES = {"en": ("engWEB2015eb", "sword-text-web"), "es": ("spaRV1909eb", "sword-text-sparv")}
_OT = "Gen Exod Lev Num Deut Josh Judg Ruth 1Sam 2Sam 1Kgs 2Kgs 1Chr 2Chr Ezra Neh Esth Job Ps"
_OT += " Prov Eccl Song Isa Jer Lam Ezek Dan Hos Joel Amos Obad Jonah Mic Nah Hab Zeph Hag Zech Mal"
_NT = "Matt Mark Luke John Acts Rom 1Cor 2Cor Gal Eph Phil Col 1Thess 2Thess 1Tim 2Tim Titus Phlm"
_NT += " Heb Jas 1Pet 2Pet 1John 2John 3John Jude Rev"
OLD_TESTAMENT, NEW_TESTAMENT = _OT.split(), _NT.split()  # OSIS names, canonical order
BOOKS = tuple(OLD_TESTAMENT + NEW_TESTAMENT)
TEST_BOOKS = tuple(book for i, book in enumerate(BOOKS) if i % 6 == 5)

_NOTE = re.compile(r"<note\b.*?</note>", re.S)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_SPACE_BEFORE_PUNCTUATION = re.compile(r" ([,.;:!?])")


def clean_verse(raw: str) -> str:
    """The plain text of a verse's OSIS markup: footnotes dropped (a note between
    two words becomes a space, "God<note>..</note>created" -> "God created"),
    other tags removed, entities decoded, whitespace collapsed."""
    text = _TAG.sub("", _NOTE.sub(" ", raw))
    text = _SPACE.sub(" ", html.unescape(text)).strip()
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)


def read_module(language: str, sword_path: str = SWORD_PATH) -> dict:
    """`{(book, chapter, verse): text}` of one translation ("en" or "es"), the
    66 books of `BOOKS` only, empty verses left out.

    Raises:
        ValueError: the SWORD module is not installed (names the Debian package).
    """
    from pysword.modules import SwordModules

    module, package = MODULES[language]
    modules = SwordModules(sword_path)
    found = modules.parse_modules() if os.path.isdir(sword_path) else {}
    if module not in found:
        raise ValueError(
            f"bible_verses needs the SWORD module {module} in {sword_path}: "
            f"apt-get install {package}"
        )
    bible = modules.get_bible_from_module(module)
    # pysword decompresses a whole block (often a book) for every verse it returns;
    # a block's bytes decompress to the same text, so the last few are memoized
    # (reading both Bibles: ~2 s instead of minutes).
    bible._decompress = functools.lru_cache(maxsize=4)(bible._decompress)
    structure = bible.get_structure().get_books()
    books = {b.osis_name: b for testament in structure.values() for b in testament}
    verses = {}
    for name in BOOKS:
        book = books[name]
        texts = iter(bible.get_iter(books=[name], clean=False))
        for chapter, length in enumerate(book.chapter_lengths, start=1):
            for verse in range(1, length + 1):
                text = clean_verse(next(texts))
                if text:
                    verses[(name, chapter, verse)] = text
    return verses


@DATASETS.register("bible_verses")
class BibleVerses(tfds.core.GeneratorBasedBuilder):
    """TFDS builder `bible_verses`: WEB English / Reina-Valera 1909 Spanish verse pairs."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release: 66 books, split by book."}

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=(
                "Verse-aligned World English Bible and Reina-Valera 1909 (SWORD modules "
                "engWEB2015eb / spaRV1909eb); test split = every sixth book."
            ),
            features=tfds.features.FeaturesDict(
                {
                    "en": tfds.features.Text(),
                    "es": tfds.features.Text(),
                    "book": tfds.features.ClassLabel(names=list(BOOKS)),
                    "testament": tfds.features.ClassLabel(names=["old", "new"]),
                    "chapter": tfds.features.Scalar(dtype=np.int32),
                    "verse": tfds.features.Scalar(dtype=np.int32),
                    "reference": tfds.features.Text(),
                }
            ),
            supervised_keys=("en", "es"),
            homepage="https://ebible.org/web/",
        )

    def _split_generators(self, dl_manager):
        del dl_manager
        english, spanish = read_module("en"), read_module("es")
        keys = [key for key in english if key in spanish]  # canonical order
        test = [k for k in keys if k[0] in TEST_BOOKS]
        train = [k for k in keys if k[0] not in TEST_BOOKS]
        return {
            "train": self._generate_examples(english, spanish, train),
            "test": self._generate_examples(english, spanish, test),
        }

    def _generate_examples(self, english, spanish, keys):
        for book, chapter, verse in keys:
            reference = f"{book}.{chapter}.{verse}"
            yield (
                reference,
                {
                    "en": english[(book, chapter, verse)],
                    "es": spanish[(book, chapter, verse)],
                    "book": book,
                    "testament": "old" if book in OLD_TESTAMENT else "new",
                    "chapter": chapter,
                    "verse": verse,
                    "reference": reference,
                },
            )
