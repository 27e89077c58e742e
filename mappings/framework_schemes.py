"""A framework's concept scheme and its own proficiency levels, each mapped onto the shared SkillGraph level.

Each framework's four levels map one-to-one onto the shared levels. When a publisher lists statements
in level order without labelling them, the level is derived from the position (`level_by_position`).
"""
from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from skillgraph import iri
from skillgraph.ontology import SG

from .base import SourceMapping, new_graph
from .cells import en, integer

SHARED_LEVELS = (SG.Foundational, SG.Intermediate, SG.Advanced, SG.Expert)


def scheme_iri(source: str, ident: str) -> URIRef:
    """The IRI of a framework's concept scheme."""
    return iri.scheme(source).mint("scheme", ident)


def level_iri(source: str, n: int) -> URIRef:
    """The IRI of a framework's proficiency level n."""
    return iri.scheme(source).mint("level", str(n))


def framework_graph(scheme: URIRef, by: SourceMapping, title: str, description: str) -> Graph:
    """A new graph for a framework, describing its concept scheme (title, description, and the publisher
    and homepage of the source mapped `by`)."""
    g = new_graph()
    g.add((scheme, RDF.type, SG.Framework))
    g.add((scheme, SKOS.prefLabel, en(title)))
    g.add((scheme, RDFS.label, en(title)))
    g.add((scheme, DCTERMS.title, en(title)))
    g.add((scheme, SKOS.definition, en(description)))
    g.add((scheme, DCTERMS.publisher, Literal(by.publisher)))
    g.add((scheme, DCTERMS.source, URIRef(by.homepage)))
    return g


def add_levels(g: Graph, source: str, label: str, scheme_title: str, rule: str, levels: int = 4) -> list[URIRef]:
    """The framework's own levels (`label` e.g. "Pathsmith level {n}"), each mapped to the shared level of its rank.

    `rule` says how levels were read; it is written into the level scheme.
    """
    ls = scheme_iri(source, "levels")
    g.add((ls, RDF.type, SKOS.ConceptScheme))
    g.add((ls, SKOS.prefLabel, en(scheme_title)))
    g.add((ls, RDFS.label, en(scheme_title)))
    g.add((ls, RDFS.comment, en(rule)))
    out = []
    for n in range(1, levels + 1):
        lv = level_iri(source, n)
        name = label.format(n=n)
        g.add((lv, RDF.type, SG.ProficiencyLevel))
        g.add((lv, SKOS.prefLabel, en(name)))
        g.add((lv, SKOS.notation, Literal(str(n))))
        g.add((lv, SG.rank, integer(n)))
        g.add((lv, SKOS.inScheme, ls))
        g.add((lv, SKOS.topConceptOf, ls))
        g.add((lv, SG.mapsToLevel, SHARED_LEVELS[n - 1]))
        g.add((lv, SKOS.definition, en(f"{name} as the framework publishes it; maps to the shared SkillGraph "
                                       f"level {n} ({str(SHARED_LEVELS[n - 1]).rsplit('#', 1)[1]}).")))
        out.append(lv)
    return out


def level_by_position(position: int, group_size: int, levels: int = 4) -> int:
    """The level of the position-th statement of a group listed in level order, equally many per level.

    Pathsmith lists each domain's statements in level order (Communication: 12 = 3 per level;
    the other domains: 8 = 2 per level); AI-at-Work lists its 12 statements 3 per level.
    """
    per = group_size // levels
    return (position - 1) // per + 1
