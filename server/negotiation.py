"""Choosing between an HTML page and an RDF serialisation, and writing RDF (JSON-LD compacted).

Linked Data URLs answer browsers with HTML and RDF clients with RDF. HTML wins only when the
client names text/html (or XHTML) explicitly with a q-value at least as high as any RDF type it
names: browsers do, `curl` (*/*) and RDF libraries do not. A `format` parameter decides outright.
JSON-LD is compacted with the context published at /context.jsonld and refers to it by URL.
"""
from __future__ import annotations

import json

import pyoxigraph as ox
from flask import Response, request

from skillgraph.ontology import SERIALIZATION_PREFIXES

from . import formats

HTML_TYPES = ("text/html", "application/xhtml+xml")
CONTEXT_PATH = "/context.jsonld"


class NotAcceptable(Exception):
    """No offered format matches the Accept header (answered 406)."""
    pass


def choose(html_ok: bool = True) -> str:
    """'html' or a graph format name (turtle, ntriples, jsonld, rdfxml); NotAcceptable when none fits."""
    fparams = request.args.getlist("format")
    for v in fparams:
        if html_ok and v.strip().lower() in ("html", "text/html"):
            return "html"
        f = formats.by_name(formats.GRAPH, v)
        if f is not None:
            return f.name
    if fparams:
        raise NotAcceptable(
            f"format={','.join(fparams)} is not offered here; valid: "
            + ", ".join((["html"] if html_ok else []) + [f.name for f in formats.of_kind(formats.GRAPH)])
        )
    accept = request.headers.get("Accept")
    entries = formats.parse_accept(accept)
    html_q = max((q for mr, q, _ in entries if mr in HTML_TYPES), default=0.0)
    rdf_types = {m for f in formats.of_kind(formats.GRAPH) for m in f.media_types} - {
        "text/plain",
        "application/xml",
        "text/xml",
    }
    rdf_q = max((q for mr, q, _ in entries if mr in rdf_types), default=0.0)
    if html_ok and html_q > 0 and html_q >= rdf_q:
        return "html"
    f = formats.negotiate(formats.GRAPH, accept)
    if f is None:
        offered = (list(HTML_TYPES) if html_ok else []) + formats.acceptable(formats.GRAPH)
        raise NotAcceptable(f"no representation in a type you accept (Accept: {accept}); offered: {', '.join(offered)}")
    return f.name


def context_document() -> dict:
    """The published JSON-LD @context: the vocabulary prefixes SkillGraph writes with."""
    return {"@context": dict(sorted(SERIALIZATION_PREFIXES.items()))}


def serialize(triples: list[ox.Triple], fmt_name: str, root: str) -> bytes:
    """The triples in a graph format; JSON-LD compacted against the published context."""
    f = formats.FORMATS.get(fmt_name)
    if f.ox_format == ox.RdfFormat.JSON_LD:
        return jsonld(triples, root)
    pfx = SERIALIZATION_PREFIXES if f.ox_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    return ox.serialize(triples, format=f.ox_format, prefixes=pfx)


def jsonld(triples: list[ox.Triple], root: str) -> bytes:
    """Triples as compact JSON-LD with SkillGraph's context."""
    from rdflib import Graph

    g = Graph()
    g.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    ctx = context_document()["@context"]
    doc = json.loads(g.serialize(format="json-ld", context=ctx, auto_compact=True))
    doc["@context"] = root + CONTEXT_PATH
    return json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8")


def rdf_response(triples: list[ox.Triple], fmt_name: str, root: str) -> Response:
    """An HTTP response carrying triples in the negotiated RDF format."""
    f = formats.FORMATS.get(fmt_name)
    resp = Response(serialize(triples, fmt_name, root), content_type=f.content_type)
    resp.headers["Vary"] = "Accept"
    return resp


def alternates(url: str) -> str:
    """A Link header naming every representation of the document at `url` (url carries no query)."""
    links = [f'<{url}?format=html>; rel="alternate"; type="text/html"']
    links += [
        f'<{url}?format={f.name}>; rel="alternate"; type="{f.media_type}"' for f in formats.of_kind(formats.GRAPH)
    ]
    return ", ".join(links)
