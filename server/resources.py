"""Looking up one resource in the served build: its statements, incoming links and source graphs.

Every lookup is a small indexed pattern match on the read-only store the app keeps for
descriptions (BuildState.store), never a query: a resource page costs a few index scans.
Also here: how an IRI maps to a local URL on this server, which every HTML view shares.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

import pyoxigraph as ox

import skillgraph.iri
from skillgraph.ontology import DCTERMS, ONTOLOGY_IRI, PREFIXES, RDFS, SCHEMA, SERIALIZATION_PREFIXES, SG, SKOS

ID_BASE, GRAPH_BASE, ONTOLOGY_NS = PREFIXES["sgid"], PREFIXES["sggraph"], PREFIXES["sg"]
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
INCOMING_CAP = 200  # incoming links listed on a page; the total is always stated
LABEL_PROPS = (str(SKOS.prefLabel), str(RDFS.label), str(DCTERMS.title))


def path_to_iri(rest: str) -> str:
    """The minted IRI a request path /id/<rest> stands for (the server runs anywhere; IRIs live at w3id)."""
    return ID_BASE + quote(rest, safe="/.-_~%")


# vocabularies described by their publishers: linked there, not to /resource
EXTERNAL_VOCABULARIES = tuple(v for k, v in SERIALIZATION_PREFIXES.items() if k != "sg")


def curie(iri: str) -> str:
    """A prefixed name for a vocabulary IRI (skos:prefLabel), else the IRI itself."""
    for k, v in SERIALIZATION_PREFIXES.items():
        if iri.startswith(v) and iri[len(v):] and "/" not in iri[len(v):]:
            return f"{k}:{iri[len(v):]}"
    return iri


def local_href(iri: str, root: str = "") -> str:
    """Where to read about an IRI.

    /id/..., /graph/<name>, /ontology#Term, /resource?iri=..., or a vocabulary's own page.
    """
    if iri.startswith(ID_BASE):
        return f"{root}/id/{iri[len(ID_BASE):]}"
    if iri.startswith(GRAPH_BASE) and "/" not in iri[len(GRAPH_BASE):]:
        return f"{root}/graph/{iri[len(GRAPH_BASE):]}"
    if iri.startswith(ONTOLOGY_NS):
        return f"{root}/ontology#{iri[len(ONTOLOGY_NS):]}"
    if iri == ONTOLOGY_IRI:
        return f"{root}/ontology"
    if iri.startswith(EXTERNAL_VOCABULARIES):
        return iri
    return f"{root}/resource?iri={quote(iri, safe='')}"


def is_esco(iri: str) -> bool:
    """Whether an IRI is ESCO's, whose pages are linked to rather than served here."""
    return skillgraph.iri.esco.is_esco(iri)


@dataclass
class Description:
    """What the store says about one IRI (outgoing and incoming triples), for its page."""
    iri: str
    outgoing: list[ox.Quad] = field(default_factory=list)  # subject = the resource, with their graph
    closure: list[ox.Quad] = field(default_factory=list)  # statements about blank nodes it points to
    incoming: list[ox.Quad] = field(default_factory=list)  # at most INCOMING_CAP
    incoming_total: int = 0

    @property
    def exists(self) -> bool:
        """Whether the store says anything about the IRI (else 404)."""
        return bool(self.outgoing or self.incoming_total)

    def triples(self) -> list[ox.Triple]:
        """The resource's own statements and its blank nodes' (the concise bounded description), deduplicated."""
        seen, out = set(), []
        for q in self.outgoing + self.closure:
            t = ox.Triple(q.subject, q.predicate, q.object)
            if t not in seen:
                seen.add(t)
                out.append(t)
        return out

    def graphs(self) -> list[str]:
        """The named graphs that describe the IRI, for attribution."""
        return sorted({q.graph_name.value for q in self.outgoing if isinstance(q.graph_name, ox.NamedNode)})

    def types(self) -> list[str]:
        """The IRI's rdf:types, to title and lay out its page."""
        return sorted({q.object.value for q in self.outgoing if q.predicate.value == RDF_TYPE})


def describe(st: ox.Store, iri: str) -> Description:
    """Gather what the store says about an IRI (its blank nodes followed, incoming links counted and capped)."""
    node = ox.NamedNode(iri)
    d = Description(iri)
    d.outgoing = sorted(st.quads_for_pattern(node, None, None, None), key=_quad_key)
    todo = [q.object for q in d.outgoing if isinstance(q.object, ox.BlankNode)]
    seen: set = set()
    while todo:  # blank nodes are only reachable through their owner: follow them all
        b = todo.pop()
        if b in seen:
            continue
        seen.add(b)
        for q in st.quads_for_pattern(b, None, None, None):
            d.closure.append(q)
            if isinstance(q.object, ox.BlankNode):
                todo.append(q.object)
    for q in st.quads_for_pattern(None, None, node, None):
        d.incoming_total += 1
        if len(d.incoming) < INCOMING_CAP:
            d.incoming.append(q)
    d.incoming.sort(key=_quad_key)
    return d


def _quad_key(q: ox.Quad) -> tuple:
    return (q.predicate.value, str(q.object), str(q.subject), str(q.graph_name))


def label(st: ox.Store, term, lang: str = "en") -> str | None:
    """The best human label of a term in the store: a label in `lang`, else any; None when there is none."""
    if not isinstance(term, ox.NamedNode):
        return None
    best = None
    for p in LABEL_PROPS:
        for q in st.quads_for_pattern(term, ox.NamedNode(p), None, None):
            o = q.object
            if isinstance(o, ox.Literal):
                if o.language == lang or (not o.language and best is None):
                    if o.language == lang:
                        return o.value
                    best = o.value
                elif best is None:
                    best = o.value
        if best:
            return best
    return best


def graph_attribution(graph_infos, graph_iris, root: str = "", st: ox.Store | None = None) -> list[dict]:
    """Title, release, licence and credit line of each named graph, as the graphs describe themselves.

    The ontology graph describes the ontology, not itself: its licence and title are the
    owl:Ontology's (read from `st` when given).
    """
    by_iri = {g.iri: g for g in graph_infos}
    out = []
    for iri in graph_iris:
        g = by_iri.get(iri)
        if g is None:
            continue
        info = {"graph": iri, "graph_href": local_href(iri, root), "title": g.title, "release": g.first(SCHEMA.version),
                "licenses": sorted({t.object.value for t in g.description if t.subject.value == iri
                                    and t.predicate.value == str(DCTERMS.license)}),
                "rights": g.first(DCTERMS.rights), "creditLine": g.first(SG.creditLine)}
        if not info["licenses"] and st is not None and iri == GRAPH_BASE + "ontology":
            onto, gn = ox.NamedNode(ONTOLOGY_IRI), ox.NamedNode(iri)
            info["licenses"] = sorted(
                {q.object.value for q in st.quads_for_pattern(onto, ox.NamedNode(str(DCTERMS.license)), None, gn)}
            )
            info["title"] = label(st, onto) or info["title"]
            info["release"] = next((q.object.value for q in st.quads_for_pattern(
                onto, ox.NamedNode("http://www.w3.org/2002/07/owl#versionInfo"), None, gn)), None)
        out.append(info)
    return out
