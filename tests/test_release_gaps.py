"""A gap of a published release (an occupation it references but does not describe) is reported and
allowed by name; any other undescribed occupation still fails the build's reference check."""
from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from skillgraph import references
from skillgraph.mappings.esco import RELEASE_GAPS, _release_gaps
from skillgraph.ontology import ESCO, SG

GAP = "http://data.europa.eu/esco/occupation/a9e54177-a185-404d-b6e6-15663d31137e"
OTHER = "http://data.europa.eu/esco/occupation/00000000-0000-0000-0000-000000000000"
KNOWN = "http://data.europa.eu/esco/occupation/13d1b2b4-99dd-44da-9734-c9f74bae18f7"


def _esco(*targets: str) -> Graph:
    g = Graph()
    g.add((URIRef(KNOWN), RDF.type, ESCO.Occupation))
    g.add((URIRef(KNOWN), SKOS.prefLabel, Literal("customer service representative", lang="en")))
    for i, t in enumerate(targets):
        g.add((URIRef(f"https://w3id.org/skillgraph/id/esco/skill-relation/{i}"), SG.occupation, URIRef(t)))
    return g


def test_the_v1_1_1_gap_is_listed():
    assert RELEASE_GAPS == frozenset({GAP})


def test_only_listed_gaps_are_reported_and_allowed():
    g = _esco(KNOWN, GAP, OTHER)
    gaps = _release_gaps(g)
    assert gaps == [GAP]
    dangling = references.check({"esco": g}, frozenset(gaps))
    assert [(d.reference, {t for _, t in d.links}) for d in dangling] == [("record -> occupation", {OTHER})]


def test_without_the_allowance_the_gap_dangles():
    dangling = references.check({"esco": _esco(GAP)})
    assert [{t for _, t in d.links} for d in dangling] == [{GAP}]


def test_a_described_gap_is_not_reported():
    g = _esco(GAP)
    g.add((URIRef(GAP), RDF.type, ESCO.Occupation))
    assert _release_gaps(g) == [] and references.check({"esco": g}) == []
