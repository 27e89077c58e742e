"""The terms of a derived graph, computed from the graphs it derives from.

A graph SkillGraph computes (the crosswalk, the entailed triples) holds facts drawn from its
inputs, so it is under every one of their licences, not under one SkillGraph picks: its
dcterms:license values are the union of its inputs' (an input with no stated licence brings the
"licence not stated" IRI), its dcterms:rights says so in words, and its credit line carries the
inputs' credit lines, which reuse of the derived data must show too.
"""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from skillgraph.ontology import SG


@dataclass(frozen=True)
class Terms:
    """A graph's licence and credit terms, read from its description so every output can carry them."""
    graph: str
    licences: tuple[str, ...]
    credit_line: str | None
    title: str | None


def terms_of(g: Graph, graph_iri: str) -> Terms:
    """An input graph's own statement of its licence(s), credit line and title."""
    gi = URIRef(graph_iri)
    title = next((str(o) for o in g.objects(gi, DCTERMS.title)), None)
    credit = next((str(o) for o in g.objects(gi, SG.creditLine)), None)
    return Terms(graph_iri, tuple(sorted(str(o) for o in g.objects(gi, DCTERMS.license))), credit, title)


def describe_derived(g: Graph, graph_iri: str, own_credit: str, inputs: list[Terms]) -> None:
    """Add licences, rights, credit line and prov:wasDerivedFrom of a derived graph to its self-description."""
    gi = URIRef(graph_iri)
    inputs = sorted((t for t in inputs if t.licences), key=lambda t: t.graph)
    licences = sorted({lic for t in inputs for lic in t.licences})
    for t in inputs:
        g.add((gi, PROV.wasDerivedFrom, URIRef(t.graph)))
    for lic in licences:
        g.add((gi, DCTERMS.license, URIRef(lic)))
    g.add((gi, DCTERMS.rights, Literal(
        "Derived from " + ", ".join(t.title or t.graph for t in inputs) + "; reuse is under the terms of each of "
        "these sources (" + ", ".join(licences) + "), not under one licence of SkillGraph's.", lang="en")))
    credits = [t.credit_line for t in inputs if t.credit_line]
    g.add((gi, SG.creditLine, Literal(own_credit + (" Sources: " + " | ".join(credits) if credits else ""))))


def sssom_licence(g: Graph, graph_iri: str) -> tuple[str, str | None]:
    """SSSOM's one `license` slot for a mapping set drawn from `graph_iri`, and an `other` note.

    One licence: that licence. Several (a derived graph): the graph's IRI, whose description
    (dereferenceable, and in the release's void.ttl) lists them all; `other` lists them too.
    """
    licences = terms_of(g, graph_iri).licences
    if len(licences) == 1:
        return licences[0], None
    return graph_iri, "under all of these licences: " + ", ".join(licences)
