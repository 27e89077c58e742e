"""The VoID + DCAT description of the dataset: what is in it, under which terms, and where to get it.

One description serves two places: the server's /.well-known/void (distributions are Graph
Store Protocol URLs, the SPARQL endpoint is named) and a release folder (distributions are the
release's files). Per named graph it states the triple count, the graph's own title, release,
licence(s), rights and credit line (copied from the graph's self-description), and one example
resource. Every node is an IRI, so the output is the same bytes for the same inputs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from skillgraph.ontology import BASE, DCAT, DCTERMS, PREFIXES, RDF, SCHEMA, SG, SKOS, VOID, XSD

DATASET = BASE + ".well-known/void#dataset"
SPDX = "http://spdx.org/rdf/terms#"
COPIED = (DCTERMS.title, DCTERMS.license, DCTERMS.rights, SG.creditLine, SCHEMA.version, DCTERMS.publisher,
          DCTERMS.source, SG.modificationNotice)


def _n(x) -> ox.NamedNode:
    return ox.NamedNode(str(x))


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=_n(XSD.integer))


@dataclass
class Distribution:
    """One downloadable file of a release, described in VoID/DCAT so clients can find it."""
    name: str  # unique in the description: the distribution's IRI is the dataset's + "-" + name
    url: str  # where the bytes are (an absolute URL)
    media_type: str
    graph: str | None = None  # the named graph it holds; None: the whole dataset
    checksum: str | None = None  # SHA-256 hex


@dataclass
class Description:
    """What the VoID/DCAT description of a release says: sizes, title, version and files."""
    counts: dict[str, int]  # graph IRI -> triples
    title: str = "SkillGraph competency knowledge graph"
    version: str | None = None  # the build id or release name
    issued: str | None = None  # xsd:date or dateTime
    sparql_endpoint: str | None = None
    distributions: list[Distribution] = field(default_factory=list)


def graph_counts(st: ox.Store) -> dict[str, int]:
    """Triples per named graph, counted by scanning the graph's quads (no query)."""
    out = {}
    for g in st.named_graphs():
        if isinstance(g, ox.NamedNode):
            out[g.value] = sum(1 for _ in st.quads_for_pattern(None, None, None, g))
    return dict(sorted(out.items()))


def example_resource(st: ox.Store, graph: ox.NamedNode) -> ox.NamedNode | None:
    """A labelled resource of the graph: the smallest such IRI, so the choice does not depend on store order."""
    found = min((q.subject.value for q in st.quads_for_pattern(None, _n(SKOS.prefLabel), None, graph)
                 if isinstance(q.subject, ox.NamedNode) and q.subject != graph), default=None)
    return ox.NamedNode(found) if found else None


def describe(st: ox.Store, d: Description) -> list[ox.Triple]:
    """The VoID/DCAT triples, sorted (the same store and description give the same list)."""
    ds = ox.NamedNode(DATASET)
    t = [ox.Triple(ds, _n(RDF.type), _n(VOID.Dataset)), ox.Triple(ds, _n(RDF.type), _n(DCAT.Dataset)),
         ox.Triple(ds, _n(DCTERMS.title), ox.Literal(d.title, language="en")),
         ox.Triple(ds, _n(DCTERMS.description), ox.Literal(
             "O*NET, ESCO, WEF, Pathsmith Durable Skills, the Anthropic Economic Index and seed frameworks under one "
             "competency ontology, with a crosswalk between them; one named graph per source, each under its own "
             "licence and credit line.", language="en")),
         ox.Triple(ds, _n(VOID.uriSpace), ox.Literal(PREFIXES["sgid"])),
         ox.Triple(ds, _n(VOID.vocabulary), ox.NamedNode(PREFIXES["sg"])),
         ox.Triple(ds, _n(VOID.triples), _int(sum(d.counts.values())))]
    if d.version:
        t.append(ox.Triple(ds, _n(SCHEMA.version), ox.Literal(d.version)))
    if d.issued:
        dt = XSD.dateTime if "T" in d.issued else XSD.date
        t.append(ox.Triple(ds, _n(DCTERMS.issued), ox.Literal(d.issued, datatype=_n(dt))))
    if d.sparql_endpoint:
        t.append(ox.Triple(ds, _n(VOID.sparqlEndpoint), ox.NamedNode(d.sparql_endpoint)))
    licences = set()
    for giri, n in sorted(d.counts.items()):
        g = ox.NamedNode(giri)
        t += [ox.Triple(ds, _n(VOID.subset), g), ox.Triple(g, _n(RDF.type), _n(VOID.Dataset)),
              ox.Triple(g, _n(RDF.type), _n(DCAT.Dataset)), ox.Triple(g, _n(VOID.triples), _int(n))]
        for p in COPIED:
            for q in st.quads_for_pattern(g, _n(p), None, g):
                t.append(ox.Triple(g, q.predicate, q.object))
                if p == DCTERMS.license:
                    licences.add(q.object)
        ex = example_resource(st, g)
        if ex is not None:
            t.append(ox.Triple(g, _n(VOID.exampleResource), ex))
    for lic in sorted(licences, key=str):  # the dataset as a whole is under all of its parts' terms
        t.append(ox.Triple(ds, _n(DCTERMS.license), lic))
    for dist in d.distributions:
        node = ox.NamedNode(f"{DATASET}-{dist.name}")
        owner = ox.NamedNode(dist.graph) if dist.graph else ds
        t += [
            ox.Triple(owner, _n(DCAT.distribution), node),
            ox.Triple(node, _n(RDF.type), _n(DCAT.Distribution)),
            ox.Triple(node, _n(DCAT.downloadURL), ox.NamedNode(dist.url)),
            ox.Triple(
                node,
                _n(DCAT.mediaType),
                ox.NamedNode("https://www.iana.org/assignments/media-types/" + dist.media_type),
            ),
        ]
        if dist.checksum:
            ck = ox.NamedNode(node.value + "-sha256")
            t += [
                ox.Triple(node, ox.NamedNode(SPDX + "checksum"), ck),
                ox.Triple(ck, _n(RDF.type), ox.NamedNode(SPDX + "Checksum")),
                ox.Triple(ck, ox.NamedNode(SPDX + "algorithm"), ox.NamedNode(SPDX + "checksumAlgorithm_sha256")),
                ox.Triple(
                    ck, ox.NamedNode(SPDX + "checksumValue"), ox.Literal(dist.checksum, datatype=_n(XSD.hexBinary))
                ),
            ]
        t.append(ox.Triple(owner, _n(VOID.dataDump), ox.NamedNode(dist.url)))
    return sorted(set(t), key=lambda x: (str(x.subject), str(x.predicate), str(x.object)))


PREFIXES_OUT = {**{k: PREFIXES[k] for k in ("void", "dcat", "dcterms", "schema", "sg", "xsd", "rdf")}, "spdx": SPDX}
