"""Moved to `tfxlearn.distribute` (docs/architecture.md section 13); this name stays
for `tfxlearn.export`, which imports it from here."""

from tfxlearn.distribute import average_replica_statistics

__all__ = ["average_replica_statistics"]
