"""Training: strategy choice, the resumable driver and its callbacks."""

from tfxlearn.training.callbacks import (
    AtomicBackupAndRestore,
    EpochOrder,
    NonFiniteLossError,
    ProgressImages,
    TerminateOnNonFinite,
)
from tfxlearn.training.driver import train
from tfxlearn.training.strategy import check_global_batch, default_strategy, visible_devices

__all__ = [
    "train",
    "default_strategy",
    "visible_devices",
    "check_global_batch",
    "AtomicBackupAndRestore",
    "EpochOrder",
    "NonFiniteLossError",
    "TerminateOnNonFinite",
    "ProgressImages",
]
