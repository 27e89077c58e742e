"""Minting SkillGraph IRIs: one pattern for instances, graphs and ontology terms.

Instances: https://w3id.org/skillgraph/id/<source>/<type>/<id>
Graphs:    https://w3id.org/skillgraph/graph/<source>
Publisher IRIs (ESCO) are reused as they are and never minted here.
"""
from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

from rdflib import URIRef

BASE = "https://w3id.org/skillgraph/"
_TOKEN = re.compile(r"^[a-z][a-z0-9-]*$")


def _check(name: str, value: str) -> None:
    if not _TOKEN.match(value):
        raise ValueError(f"{name} {value!r} must match {_TOKEN.pattern}")


def instance(source: str, kind: str, ident: str | int) -> URIRef:
    """IRI of an instance of `kind` with local `ident` in `source`'s namespace."""
    _check("source id", source)
    _check("type", kind)
    ident = str(ident).strip()
    if not ident:
        raise ValueError("empty identifier")
    return URIRef(f"{BASE}id/{source}/{kind}/{quote(ident, safe='.-_~')}")


def graph(source: str) -> URIRef:
    """The IRI of a source's named graph, the one place that scheme is minted."""
    _check("graph name", source)
    return URIRef(f"{BASE}graph/{source}")


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
