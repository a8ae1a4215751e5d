"""Paradigms that learn from text without labels: word2vec."""

from tfxlearn.paradigms.text.word2vec import Word2Vec

__all__ = ["Word2Vec"]
