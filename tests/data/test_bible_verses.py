import numpy as np

import tfxlearn
from tfxlearn.data.bible_verses import BOOKS, TEST_BOOKS, clean_verse
from tfxlearn.data.text import build_vocabulary, count_words, standardize, tokenize


def test_builder_splits_by_book_and_aligns_both_languages():
    train = tfxlearn.data.load("bible_verses", "train")
    test = tfxlearn.data.load("bible_verses", "test")
    books = {}
    for name, ds in (("train", train), ("test", test)):
        batch = next(iter(ds.batch(40_000)))
        books[name] = set(batch["book"].numpy().tolist())
        assert all(len(t) > 0 for t in batch["en"].numpy()) and all(
            len(t) > 0 for t in batch["es"].numpy()
        )
        assert set(batch["testament"].numpy().tolist()) == {0, 1}
        assert len(batch["en"]) > (20_000 if name == "train" else 5_000)
    assert books["test"] == {BOOKS.index(b) for b in TEST_BOOKS}
    assert not books["train"] & books["test"] and len(books["train"]) == 55
    john = next(iter(train.filter(lambda ex: ex["reference"] == "John.3.16")))
    assert john["en"].numpy().decode().startswith("For God so loved the world")
    assert "Dios" in john["es"].numpy().decode()


def test_clean_verse_drops_footnotes_between_words():
    raw = '<w l="1">God</w><note placement="foot">1:1 The Hebrew word</note><w>created</w> it .'
    assert clean_verse(raw) == "God created it."


def test_tokenizer_and_vocabulary():
    assert standardize(["God’s Spirit, hovering—ÉL dijo!"]).numpy()[0].decode() == (
        "god spirit hovering él dijo"
    )
    words = tokenize(np.array(["a b a", "", "b c a"]))
    assert words.to_list() == [[b"a", b"b", b"a"], [], [b"b", b"c", b"a"]]
    vocab = build_vocabulary(count_words([np.array(["a b a", "b c a"])]), min_count=2)
    assert vocab.words == ("a", "b") and vocab.counts == (3, 2)
    for kwargs, match in (
        (dict(min_count=0), "min_count"),
        (dict(min_count=9), "no word occurs"),
        (dict(max_size=4), "larger than the corpus' 3 distinct words"),
    ):
        try:
            build_vocabulary(count_words([np.array(["a b a", "b c a"])]), **kwargs)
        except ValueError as error:
            assert match in str(error)
        else:
            raise AssertionError(f"{kwargs} was accepted")
