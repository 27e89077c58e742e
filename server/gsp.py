"""SPARQL 1.1 Graph Store HTTP Protocol (read side) at /graph, and the VoID/DCAT description.

GET /graph?graph=<IRI> returns one named graph, GET /graph?default the default graph, which on
this service is the union of all named graphs (as for /sparql without default-graph-uri).
Graphs are written from the read-only store by pyoxigraph's dumper into a temporary file and
streamed from there, so a large graph costs disk, not memory, and never hits RESULT_LIMIT (the
protocol returns the whole graph). Writes (PUT, POST, DELETE) answer 405: the service is read-only.
/.well-known/void describes the dataset (RFC 5785 name from the VoID guide).
"""
from __future__ import annotations

import tempfile

import pyoxigraph as ox
from flask import Blueprint, Response, request

from skillgraph import void
from skillgraph.ontology import SERIALIZATION_PREFIXES

from . import formats, negotiation
from .backends import local_state
from .problems import HTTPProblem

bp = Blueprint("gsp", __name__)


_state = local_state


def _format(html_ok: bool = False) -> formats.ResultFormat:
    try:
        return formats.FORMATS.get(negotiation.choose(html_ok=html_ok))
    except negotiation.NotAcceptable as e:
        raise HTTPProblem(406, str(e)) from None


def _stream(fh, chunk: int = 1 << 16):
    try:
        while True:
            b = fh.read(chunk)
            if not b:
                break
            yield b
    finally:
        fh.close()


@bp.route("/graph", methods=["GET", "PUT", "POST", "DELETE", "PATCH"])
def graph_store():
    """SPARQL Graph Store Protocol, read-only: GET a named graph or the default graph."""
    if request.method != "GET":
        raise HTTPProblem(405, "the Graph Store is read-only here: GET /graph?graph=<IRI> or /graph?default",
                          {"Allow": "GET, HEAD"})
    has_default, names = "default" in request.args, request.args.getlist("graph")
    if has_default == bool(names) or len(names) > 1:
        raise HTTPProblem(400, "name exactly one graph: /graph?graph=<IRI> (a named graph) or /graph?default "
                               "(the union of all named graphs)")
    s = _state()
    f = _format()
    pfx = SERIALIZATION_PREFIXES if f.ox_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    known = {gi.iri for gi in s.graphs}
    if names and names[0] not in known:  # compared as strings: nothing is parsed from an unknown name
        raise HTTPProblem(404, f"no graph {names[0]!r} in build {s.build_id}; graphs: {', '.join(sorted(known))}")
    fh = tempfile.TemporaryFile()
    if names:
        g = ox.NamedNode(names[0])
        if f.ox_format == ox.RdfFormat.JSON_LD:  # compacted with the published context
            triples = [
                ox.Triple(q.subject, q.predicate, q.object) for q in s.store.quads_for_pattern(None, None, None, g)
            ]
            fh.write(negotiation.jsonld(triples, request.host_url.rstrip("/") + request.script_root))
        else:
            s.store.dump(fh, f.ox_format, from_graph=g, prefixes=pfx)
    else:
        triples = (
            ox.Triple(q.subject, q.predicate, q.object)
            for q in s.store.quads_for_pattern(None, None, None, None)
            if isinstance(q.graph_name, ox.NamedNode)
        )
        ox.serialize(triples, fh, f.ox_format, prefixes=pfx)
    fh.seek(0, 2)
    size = fh.tell()
    fh.seek(0)
    resp = Response(_stream(fh), content_type=f.content_type)
    resp.headers["Content-Length"] = str(size)
    resp.headers["Vary"] = "Accept"
    resp.headers["X-SkillGraph-Build"] = s.build_id
    return resp


def void_description(s) -> list[ox.Triple]:
    """The VoID description of the served dataset, with this server's URLs."""
    root = request.host_url.rstrip("/") + request.script_root
    counts = {g.iri: g.triples for g in s.graphs if g.triples is not None}
    if len(counts) < len(s.graphs):
        counts = void.graph_counts(s.store)
    dists = []
    from urllib.parse import quote

    for giri in counts:
        for name in ("turtle", "ntriples"):
            f = formats.FORMATS.get(name)
            dists.append(
                void.Distribution(
                    f"{giri.rsplit('/', 1)[-1]}-{name}",
                    f"{root}/graph?graph={quote(giri, safe='')}&format={name}",
                    f.media_type,
                    giri,
                )
            )
    d = void.Description(counts, version=s.build_id, sparql_endpoint=root + "/sparql", distributions=dists)
    return void.describe(s.store, d)


@bp.get("/.well-known/void")
def well_known_void():
    """Serve the VoID description at /.well-known/void, where crawlers look for it."""
    s = _state()
    f = _format()
    triples = void_description(s)
    if f.ox_format == ox.RdfFormat.JSON_LD:
        body = negotiation.jsonld(triples, request.host_url.rstrip("/") + request.script_root)
    else:
        pfx = void.PREFIXES_OUT if f.ox_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
        body = ox.serialize(triples, format=f.ox_format, prefixes=pfx)
    resp = Response(body, content_type=f.content_type)
    resp.headers["Vary"] = "Accept"
    return resp
