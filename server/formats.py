"""Result formats and content negotiation, in one registry keyed by format name.

A format belongs to one kind: `results` (SELECT/ASK: SPARQL JSON, XML, CSV, TSV) or `graph`
(CONSTRUCT/DESCRIBE and the service description: Turtle, N-Triples, JSON-LD, RDF/XML). pyoxigraph
writes every one of them natively; the registry only says which media types ask for which.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox

from skillgraph.registry import Registry

RESULTS = "results"
GRAPH = "graph"


@dataclass(frozen=True)
class ResultFormat:
    """One result serialization the endpoint offers, with its media types, for content negotiation."""
    name: str
    kind: str  # RESULTS or GRAPH
    media_type: str  # the canonical type, sent as Content-Type
    ox_format: object  # ox.QueryResultsFormat or ox.RdfFormat
    also: tuple[str, ...] = ()  # other media types that ask for it
    aliases: tuple[str, ...] = ()  # short names accepted by the `format` parameter
    sd_iri: str | None = None  # its W3C "formats" IRI, for the service description

    @property
    def media_types(self) -> tuple[str, ...]:
        """Every media type that selects this format."""
        return (self.media_type,) + self.also

    @property
    def content_type(self) -> str:
        """The Content-Type header value, with charset for text formats."""
        binary = self.media_type in ("application/sparql-results+json", "application/ld+json")
        return self.media_type if binary else self.media_type + "; charset=utf-8"


FORMATS: Registry[ResultFormat] = Registry("result format")
W3 = "http://www.w3.org/ns/formats/"

for _f in (
    ResultFormat("json", RESULTS, "application/sparql-results+json", ox.QueryResultsFormat.JSON,
                 ("application/json",), ("srj",), W3 + "SPARQL_Results_JSON"),
    ResultFormat("xml", RESULTS, "application/sparql-results+xml", ox.QueryResultsFormat.XML,
                 ("application/xml", "text/xml"), ("srx",), W3 + "SPARQL_Results_XML"),
    ResultFormat("csv", RESULTS, "text/csv", ox.QueryResultsFormat.CSV, (), (), W3 + "SPARQL_Results_CSV"),
    ResultFormat("tsv", RESULTS, "text/tab-separated-values", ox.QueryResultsFormat.TSV, (), (),
                 W3 + "SPARQL_Results_TSV"),
    ResultFormat("turtle", GRAPH, "text/turtle", ox.RdfFormat.TURTLE, ("application/turtle", "application/x-turtle"),
                 ("ttl", "n3", "text/n3", "text/rdf+n3"), W3 + "Turtle"),
    ResultFormat("ntriples", GRAPH, "application/n-triples", ox.RdfFormat.N_TRIPLES, ("text/plain",), ("nt",),
                 W3 + "N-Triples"),
    ResultFormat("jsonld", GRAPH, "application/ld+json", ox.RdfFormat.JSON_LD, ("application/x-json+ld",),
                 ("json-ld", "json"), W3 + "JSON-LD"),
    ResultFormat("rdfxml", GRAPH, "application/rdf+xml", ox.RdfFormat.RDF_XML, ("application/xml", "text/xml"),
                 ("rdf", "rdf+xml", "xml", "owl"), W3 + "RDF_XML"),
):
    FORMATS.register(_f.name, _f)

DEFAULT = {RESULTS: "json", GRAPH: "turtle"}


def of_kind(kind: str) -> list[ResultFormat]:
    """The formats for one kind of result (bindings or graphs), for negotiation."""
    return [f for _, f in FORMATS.items() if f.kind == kind]


def acceptable(kind: str) -> list[str]:
    """The media types a query of this kind can be answered in (for 406 messages)."""
    return [m for f in of_kind(kind) for m in f.media_types]


def by_name(kind: str, value: str) -> ResultFormat | None:
    """A `format` parameter value (a name, an alias or a media type) resolved for this kind."""
    v = value.strip().lower().split(";")[0].strip()
    for f in of_kind(kind):
        if v == f.name or v in f.aliases or v in f.media_types:
            return f
    return None


def parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    """(media range, q, position) for each entry of an Accept header; q=0 entries kept (they refuse)."""
    out = []
    for i, part in enumerate((header or "").split(",")):
        bits = [b.strip() for b in part.split(";")]
        mr = bits[0].lower()
        if not mr:
            continue
        q = 1.0
        for b in bits[1:]:
            if b.lower().startswith("q="):
                try:
                    q = max(0.0, min(1.0, float(b[2:])))
                except ValueError:
                    q = 0.0
        out.append((mr, q, i))
    return out


def _specificity(mr: str, mt: str) -> int:
    if mr == mt:
        return 3
    if mr.endswith("/*") and mt.startswith(mr[:-1]):
        return 2
    if mr == "*/*":
        return 1
    return 0


def negotiate(kind: str, accept: str | None, format_params: list[str] | None = None) -> ResultFormat | None:
    """The format to answer in, or None (406); see `_negotiate`. Cached: clients repeat their headers."""
    return _negotiate(kind, accept, tuple(format_params or ()))


@lru_cache(maxsize=512)  # bounded: Accept headers are the client's to choose
def _negotiate(kind: str, accept: str | None, format_params: tuple[str, ...]) -> ResultFormat | None:
    """The format to answer in, or None (406).

    A `format` parameter wins when one of its values fits the kind; otherwise the Accept header
    decides by q-value (the most specific matching range sets a type's q; ties go to the
    client's order, then to our default). No Accept header means our default.
    """
    for v in format_params or []:
        f = by_name(kind, v)
        if f is not None:
            return f
    entries = parse_accept(accept)
    if not entries:
        return FORMATS.get(DEFAULT[kind])
    best = None
    for f in of_kind(kind):
        for mt in f.media_types:
            # other media types only count when named exactly: text/* must not pick SPARQL XML via text/xml
            matches = [(_specificity(mr, mt), q, pos) for mr, q, pos in entries
                       if _specificity(mr, mt) == 3 or (mt == f.media_type and _specificity(mr, mt))]
            if not matches:
                continue
            spec, q, pos = max(matches, key=lambda m: (m[0], -m[2]))
            if q <= 0:
                continue
            rank = (q, spec == 3, -pos, f.name == DEFAULT[kind])
            if best is None or rank > best[0]:
                best = (rank, f)
    return best[1] if best else None
