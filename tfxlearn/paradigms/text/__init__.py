"""Paradigms that learn from text without labels: word2vec, a Transformer
language model, a masked language model."""

from tfxlearn.paradigms.text.language_model import LanguageModel
from tfxlearn.paradigms.text.masked_language_model import MaskedLanguageModel
from tfxlearn.paradigms.text.word2vec import Word2Vec

__all__ = ["LanguageModel", "MaskedLanguageModel", "Word2Vec"]
