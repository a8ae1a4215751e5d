"""Dual learning: two mappings between two domains trained together, each the
other's inverse, so that unpaired data of both domains supervise each other
(`tfxlearn.data.unpaired.unpaired_batches`: (domain A, domain B) batches),
attention-guided CycleGAN (changes only where an attention map says), the
paired translation of pix2pix ((input, target) pairs, `edge_pairs`), and dual
learning for machine translation (two seq2seq Transformers and the dual game on
monolingual text)."""

from tfxlearn.paradigms.dual.attention_cycle_gan import AttentionCycleGAN
from tfxlearn.paradigms.dual.cycle_gan import CycleGAN
from tfxlearn.paradigms.dual.dual_translation import DualTranslation
from tfxlearn.paradigms.dual.pix2pix import Pix2Pix

__all__ = ["AttentionCycleGAN", "CycleGAN", "DualTranslation", "Pix2Pix"]
