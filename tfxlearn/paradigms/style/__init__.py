"""Style transfer paradigms (Gatys et al.'s per-image optimization is `tfxlearn.style`)."""

from tfxlearn.paradigms.style.fast_style import FastStyle

__all__ = ["FastStyle"]
