"""SkillGraph's IRIs: one module per source mints and recognises that source's IRIs.

Instances: https://w3id.org/skillgraph/id/<source>/<type>/<id>   (`iri.onet.task("2582")`)
Graphs:    https://w3id.org/skillgraph/graph/<source>            (`iri.graph("onet")`)
ESCO keeps its publisher's IRIs (http://data.europa.eu/esco/...), which only `iri.esco` spells.
Every other module asks these modules instead of writing or prefix-matching an IRI base
(tests/test_iri.py greps the package for the bases).
"""
from __future__ import annotations

from .scheme import BASE, GRAPH_BASE, ID_BASE, Scheme, digest, graph, instance, slug

from . import aei, aiwork, crosswalk, esco, jobmodel, ladder, nesta, onet, pathsmith, safi, wef  # noqa: E402  isort: skip

__all__ = ["BASE", "GRAPH_BASE", "ID_BASE", "Scheme", "digest", "graph", "instance", "slug", "scheme",
           "source_of", "SCHEMES", "aei", "aiwork", "crosswalk", "esco", "jobmodel", "ladder", "nesta", "onet",
           "pathsmith", "safi", "wef"]

#: Each source's scheme of minted instance IRIs, by source id.
SCHEMES: dict[str, Scheme] = {m.SCHEME.source: m.SCHEME for m in (aei, aiwork, crosswalk, esco, jobmodel, ladder, nesta,
                                                                    onet, pathsmith, safi, wef)}


def scheme(source: str) -> Scheme:
    """The IRI scheme of a source id, for code shared by several sources (statement frameworks)."""
    try:
        return SCHEMES[source]
    except KeyError:
        raise ValueError(f"no IRI scheme for source {source!r}; the sources are {', '.join(sorted(SCHEMES))}") from None


def source_of(term: object) -> str | None:
    """The source whose IRIs include `term` (ESCO's own IRIs: 'esco'), or None for any other IRI."""
    s = str(term)
    if esco.is_esco(s):
        return "esco"
    if s.startswith(ID_BASE):
        return s[len(ID_BASE):].split("/", 1)[0]
    return None
