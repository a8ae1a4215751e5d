"""Self-supervised pretext-task paradigms."""

from tfxlearn.paradigms.self_supervised.rotation import Rotation

__all__ = ["Rotation"]
