"""Dual learning: two mappings between two domains trained together, each the
other's inverse, so that unpaired data of both domains supervise each other
(`tfxlearn.data.unpaired.unpaired_batches`: (domain A, domain B) batches)."""

from tfxlearn.paradigms.dual.cycle_gan import CycleGAN

__all__ = ["CycleGAN"]
