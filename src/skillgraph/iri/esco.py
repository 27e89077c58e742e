"""ESCO's IRIs: the publisher's own (http://data.europa.eu/esco/...), kept as they are, plus the few
nodes SkillGraph mints in the esco graph (reified relations, collections) under id/esco/.

ESCO's model namespace (esco:) is ESCO's too, so it is spelled here and nowhere else.
"""
from __future__ import annotations

import re

from rdflib import URIRef

from .scheme import Scheme

PUBLISHER_BASE = "http://data.europa.eu/esco/"
MODEL = PUBLISHER_BASE + "model#"
SCHEME = Scheme("esco", ("skill-relation", "skill-association", "collection"))

_CONCEPT = {k: re.compile("^" + re.escape(PUBLISHER_BASE + k + "/") + r"[A-Za-z0-9-]+$")
            for k in ("occupation", "skill", "isco", "isced-f", "concept-scheme")}


def publisher(path: str) -> URIRef:
    """One of ESCO's own IRIs by its path under ESCO's base (e.g. 'skill-type/skill')."""
    return URIRef(PUBLISHER_BASE + path)


def skill(uuid: str) -> URIRef:
    """The IRI ESCO gives the skill with this UUID."""
    return publisher("skill/" + uuid)


def occupation(uuid: str) -> URIRef:
    """The IRI ESCO gives the occupation with this UUID."""
    return publisher("occupation/" + uuid)


def pattern(*kinds: str, ident: str = r"[A-Za-z0-9-]+") -> re.Pattern[str]:
    """A regular expression for ESCO concept IRIs of these kinds (occupation, skill, isco, isced-f, concept-scheme)."""
    for k in kinds:
        if k not in _CONCEPT:
            raise ValueError(f"no ESCO IRI kind {k!r}; the kinds are {', '.join(_CONCEPT)}")
    return re.compile("^" + re.escape(PUBLISHER_BASE) + "(" + "|".join(map(re.escape, kinds)) + ")/" + ident + "$")


def is_esco(term: object) -> bool:
    """Whether `term` is one of ESCO's own IRIs (concepts, schemes, model terms)."""
    return str(term).startswith(PUBLISHER_BASE)


def _is(kind: str, term: object) -> bool:
    prefix = PUBLISHER_BASE + kind + "/"
    s = str(term)
    return s.startswith(prefix) and len(s) > len(prefix) and "/" not in s[len(prefix):]


def is_skill(term: object) -> bool:
    """Whether `term` is an ESCO skill (or knowledge, or skill-group) IRI."""
    return _is("skill", term)


def is_occupation(term: object) -> bool:
    """Whether `term` is an ESCO occupation IRI."""
    return _is("occupation", term)


def reuse_level(term: object) -> str:
    """The name of an ESCO skill-reuse-level concept as ESCO publishes it ('transversal', 'cross-sector', ...);
    '' for any other term."""
    return str(term).rsplit("/", 1)[1] if _is("skill-reuse-level", term) else ""
