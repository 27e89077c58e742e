"""A small plug-in registry: one per kind of plug-in (sources, result formats, reasoners).

Unknown keys raise a ValueError that lists the valid ones, after rdflib's plugin.py.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, key: str, item: T) -> T:
        if key in self._items:
            raise ValueError(f"{self.kind} {key!r} is already registered")
        self._items[key] = item
        return item

    def get(self, key: str) -> T:
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
        return list(self._items)

    def items(self):
        return self._items.items()
