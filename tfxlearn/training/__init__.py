"""Training: strategy choice, the resumable driver and its callbacks."""

from tfxlearn.distribute import is_multi_worker
from tfxlearn.training.callbacks import (
    AtomicBackupAndRestore,
    AverageReplicaStatistics,
    EpochOrder,
    FirstStage,
    NonFiniteLossError,
    ProgressImages,
    TerminateOnNonFinite,
)
from tfxlearn.training.driver import train
from tfxlearn.training.multi_worker import (
    WorkerLostError,
    is_chief,
    multi_worker_strategy,
    shard_by_data,
)
from tfxlearn.training.schedules import AnnealedLearningRate
from tfxlearn.training.strategy import check_global_batch, default_strategy, visible_devices

__all__ = [
    "train",
    "default_strategy",
    "visible_devices",
    "check_global_batch",
    "AtomicBackupAndRestore",
    "AverageReplicaStatistics",
    "EpochOrder",
    "FirstStage",
    "NonFiniteLossError",
    "TerminateOnNonFinite",
    "ProgressImages",
    "multi_worker_strategy",
    "is_multi_worker",
    "is_chief",
    "shard_by_data",
    "WorkerLostError",
    "AnnealedLearningRate",
]
