"""Name -> object registries for paradigms, pretext ops (and their plots) and datasets.

One registry per kind. Registering the same name twice is an error (two
modules fighting over a name is always a bug); looking up an unknown name
raises a `KeyError` that lists every known name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


class UnknownNameError(KeyError):
    """Raised when a name is not in a registry; the message lists the known names."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly.
        return str(self.args[0])


class Registry:
    """A named collection of objects (classes or functions) of one kind."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Any] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator registering its target under `name`."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"{self.kind} name must be a non-empty string, got {name!r}")

        def decorator(obj: T) -> T:
            if name in self._entries and self._entries[name] is not obj:
                raise ValueError(
                    f"{self.kind} {name!r} is already registered to {self._entries[name]!r}"
                )
            self._entries[name] = obj
            return obj

        return decorator

    def get(self, name: str) -> Any:
        """Returns the object registered under `name`."""
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "(none)"
            raise UnknownNameError(f"unknown {self.kind} {name!r}; known: {known}") from None

    def names(self) -> list[str]:
        return sorted(self._entries)

    def items(self) -> Iterator[tuple[str, Any]]:
        for name in self.names():
            yield name, self._entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __len__(self) -> int:
        return len(self._entries)


PARADIGMS = Registry("paradigm")
PRETEXT_OPS = Registry("pretext op")
#: Functions drawing examples of a pretext op's output, under the op's name (not every op has one).
PRETEXT_PLOTS = Registry("pretext plot")
DATASETS = Registry("dataset")
