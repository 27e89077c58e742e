"""The Anthropic Economic Index's IRIs (id/aei/<type>/<id>): evidence nodes, releases, patterns."""
from __future__ import annotations

from rdflib import URIRef

from .scheme import Scheme, slug

SCHEME = Scheme("aei", (
    "interaction-pattern", "release", "scheme", "join", "join-outcome", "usage", "pattern-share", "task-usage",
    "occupation-evidence", "occupation-usage", "cited-source",
))
BASE = SCHEME.base
mint = SCHEME.mint
release = SCHEME.minter("release", "one AEI release (its folder name, e.g. release_2026_03_24)")


def interaction_pattern(name: str) -> URIRef:
    """The IRI of a collaboration pattern (directive, feedback loop, ...) by its published name."""
    return mint("interaction-pattern", slug(name))
