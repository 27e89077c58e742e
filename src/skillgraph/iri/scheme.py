"""The minting rule every source's IRI module shares: <BASE>id/<source>/<type>/<id>, and its inverse."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import cache
from urllib.parse import quote

from rdflib import URIRef

BASE = "https://w3id.org/skillgraph/"
ID_BASE = BASE + "id/"
GRAPH_BASE = BASE + "graph/"
_TOKEN = re.compile(r"^[a-z][a-z0-9-]*$")


def _check(name: str, value: str) -> None:
    if not _TOKEN.match(value):
        raise ValueError(f"{name} {value!r} must match {_TOKEN.pattern}")


def instance(source: str, kind: str, ident: str | int) -> URIRef:
    """IRI of an instance of `kind` with local `ident` in `source`'s namespace (sources use their Scheme)."""
    _check("source id", source)
    _check("type", kind)
    ident = str(ident).strip()
    if not ident:
        raise ValueError("empty identifier")
    return URIRef(f"{ID_BASE}{source}/{kind}/{quote(ident, safe='.-_~')}")


def graph(source: str) -> URIRef:
    """The IRI of a source's named graph, the one place that scheme is minted."""
    _check("graph name", source)
    return URIRef(f"{GRAPH_BASE}{source}")


def slug(text: str, max_len: int = 60) -> str:
    """A readable, stable identifier from free text (lower-case words joined by '-')."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(s) > max_len:
        s = s[:max_len].rstrip("-")
    return s or "x"


def digest(*parts: object, length: int = 16) -> str:
    """A stable short hash for identifiers made of several keys (e.g. a rating row)."""
    h = hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return h[:length]


class Scheme:
    """One source's instance IRIs: the types it mints, how to mint one and how to recognise one.

    An unknown type raises ValueError listing the source's types, so a typo never mints a new scheme.
    """

    def __init__(self, source: str, kinds: tuple[str, ...]):
        _check("source id", source)
        for k in kinds:
            _check("type", k)
        self.source, self.kinds = source, kinds
        self.base = f"{ID_BASE}{source}/"

    def _kind(self, kind: str) -> str:
        if kind not in self.kinds:
            raise ValueError(f"{self.source} has no IRI type {kind!r}; its types are {', '.join(self.kinds)}")
        return kind

    def mint(self, kind: str, ident: str | int) -> URIRef:
        """The IRI of this source's `kind` instance with local identifier `ident`."""
        return instance(self.source, self._kind(kind), ident)

    def prefix(self, kind: str) -> str:
        """The text every IRI of this type starts with (for SPARQL STRSTARTS and patterns)."""
        return f"{self.base}{self._kind(kind)}/"

    def is_a(self, kind: str, term: object) -> bool:
        """Whether `term` is an IRI of this source's type `kind`."""
        p = self.prefix(kind)
        s = str(term)
        return s.startswith(p) and len(s) > len(p) and "/" not in s[len(p):]

    def kind_of(self, term: object) -> str | None:
        """The type of one of this source's IRIs, or None when `term` is not one."""
        s = str(term)
        if not s.startswith(self.base):
            return None
        kind, sep, ident = s[len(self.base):].partition("/")
        return kind if sep and ident and kind in self.kinds and "/" not in ident else None

    def minter(self, kind: str, what: str) -> Callable[[str | int], URIRef]:
        """A cached function minting this source's `kind` IRIs (`iri.onet.task`), documented as `what`."""
        kind = self._kind(kind)

        @cache
        def mint(ident: str | int) -> URIRef:
            return instance(self.source, kind, ident)

        mint.__name__ = mint.__qualname__ = kind.replace("-", "_")
        mint.__doc__ = f"The IRI of {what}."
        return mint

    def recogniser(self, kind: str) -> Callable[[object], bool]:
        """A function telling whether a term is one of this source's `kind` IRIs (`iri.onet.is_task`)."""
        kind = self._kind(kind)

        def recognise(term: object) -> bool:
            return self.is_a(kind, term)

        recognise.__name__ = recognise.__qualname__ = "is_" + kind.replace("-", "_")
        recognise.__doc__ = f"Whether a term is a {self.source} {kind} IRI."
        return recognise

    def __contains__(self, term: object) -> bool:
        """Whether `term` lies in this source's namespace (any type)."""
        return str(term).startswith(self.base)
