"""A small plug-in registry: one per kind of plug-in (sources, result formats, reasoners).

Unknown keys raise a ValueError that lists the valid ones, after rdflib's plugin.py.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Named plug-ins of one kind (sources, reasoners, formats), so an unknown name fails listing the valid ones."""
    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, key: str, item: T) -> T:
        """Add a named item; registering a name twice is a programming error."""
        if key in self._items:
            raise ValueError(f"{self.kind} {key!r} is already registered")
        self._items[key] = item
        return item

    def get(self, key: str) -> T:
        """The item of a name, or a ValueError listing the valid names."""
        try:
            return self._items[key]
        except KeyError:
            valid = ", ".join(sorted(self._items)) or "(none)"
            raise ValueError(f"unknown {self.kind} {key!r}; valid {self.kind}s are: {valid}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def keys(self) -> list[str]:
        """The registered names, in registration order."""
        return list(self._items)

    def items(self):
        """The registered (name, item) pairs, in registration order."""
        return self._items.items()
