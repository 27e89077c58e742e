"""Dereferenceable IRIs: /id/<rest>, /graph/<name>, /resource?iri=..., and the JSON-LD @context.

The server runs anywhere (e.g. 127.0.0.1:8000) while the IRIs live under https://w3id.org/skillgraph/;
the path /id/<rest> stands for https://w3id.org/skillgraph/id/<rest> (w3id redirects there).

Cool URIs convention chosen (W3C "Cool URIs for the Semantic Web", slash IRIs): the resource IRI
answers 200 directly with the negotiated representation and a `Content-Location` naming the
document that was sent (`/id/<rest>?format=turtle` ...), plus a `Link` header listing every
alternate. This spares clients the 303 round trip; the documents have URLs of their own, distinct
from the resource's. Ontology terms are hash IRIs (sg:Task = .../ontology#Task) and resolve
through the ontology document at /ontology. IRIs of other publishers that the graph uses (ESCO)
are described at /resource?iri=... as what this graph says about them, marked as the publisher's,
with a link to the publisher.
"""
from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, json, render_template, request

from . import negotiation, resources
from .backends import local_state
from .problems import HTTPProblem

bp = Blueprint("linkeddata", __name__, template_folder="templates")


state = local_state


def root() -> str:
    """This server's base URL, so links work behind a proxy prefix too."""
    return request.host_url.rstrip("/") + request.script_root


def _choose(html_ok: bool = True) -> str:
    try:
        return negotiation.choose(html_ok)
    except negotiation.NotAcceptable as e:
        raise HTTPProblem(406, str(e)) from None


def represent(iri: str, doc_path: str) -> Response:
    """The resource `iri` as HTML or RDF, as negotiated; 404 when the build says nothing about it."""
    fmt = _choose()
    s = state()
    d = resources.describe(s.store, iri)
    if not d.exists:
        raise HTTPProblem(
            404, f"{iri} is not described in build {s.build_id}: no statement has it as subject or object"
        )
    if fmt == "html":
        resp = Response(page(s, d), content_type="text/html; charset=utf-8")
    else:
        resp = negotiation.rdf_response(d.triples(), fmt, root())
    sep = "&" if "?" in doc_path else "?"
    resp.headers["Content-Location"] = f"{request.script_root}{doc_path}{sep}format={fmt}"
    resp.headers["Link"] = negotiation.alternates(request.script_root + doc_path)
    resp.headers["Vary"] = "Accept"
    return resp


def page(s, d: resources.Description) -> str:
    """The HTML page of one resource: label, types, statements with linked values, incoming links, sources."""
    st = s.store
    base = request.script_root

    def term(t) -> dict:
        if isinstance(t, ox.Literal):
            return {"kind": "literal", "value": t.value, "lang": t.language,
                    "datatype": None if t.language else t.datatype.value}
        if isinstance(t, ox.BlankNode):
            return {"kind": "bnode", "value": "_:" + t.value}
        return {"kind": "iri", "value": t.value, "href": resources.local_href(t.value, base),
                "label": resources.label(st, t) or resources.curie(t.value), "esco": resources.is_esco(t.value)}

    groups: dict[str, dict] = {}
    for q in d.outgoing:
        g = groups.setdefault(q.predicate.value, {"predicate": term(q.predicate), "values": []})
        g["values"].append({"term": term(q.object), "graph": _gname(q)})
    bnodes: dict[str, list] = {}
    for q in d.closure:
        bnodes.setdefault("_:" + q.subject.value, []).append((term(q.predicate), term(q.object)))
    incoming = [{"subject": term(q.subject), "predicate": term(q.predicate),
                 "graph": _gname(q)} for q in d.incoming]
    graphs = d.graphs() or sorted({q["graph"] for q in incoming if q["graph"]})
    return render_template(
        "resource.html",
        iri=d.iri,
        label=resources.label(st, _nn(d.iri)) or d.iri,
        types=[term(_nn(t)) for t in d.types()],
        groups=list(groups.values()),
        bnodes=bnodes,
        incoming=incoming,
        incoming_total=d.incoming_total,
        sources=resources.graph_attribution(s.graphs, graphs, base, st),
        esco=resources.is_esco(d.iri),
        build_id=s.build_id,
        base=base,
        formats=[("turtle", "Turtle"), ("ntriples", "N-Triples"), ("jsonld", "JSON-LD"), ("rdfxml", "RDF/XML")],
    )


def _gname(q: ox.Quad) -> str:
    return q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""


def _nn(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


@bp.get("/id/<path:rest>")
def minted(rest: str):
    """Dereference a SkillGraph IRI (/id/...) to its description, as Linked Data asks."""
    return represent(resources.path_to_iri(rest), "/id/" + rest)


@bp.get("/graph/<name>")
def graph_resource(name: str):
    """A named graph as a resource: its self-description (release, licence, credit line, provenance)."""
    return represent(resources.GRAPH_BASE + name, "/graph/" + name)


@bp.get("/resource")
def any_resource():
    """Any IRI the graph uses, e.g. ESCO's: what this build says about it."""
    iri = request.args.get("iri", "").strip()
    if not iri:
        raise HTTPProblem(400, "give the IRI to describe: /resource?iri=<IRI>")
    from urllib.parse import quote

    return represent(iri, "/resource?iri=" + quote(iri, safe=""))


@bp.get(negotiation.CONTEXT_PATH)
def context():
    """Serve the JSON-LD context that the JSON-LD responses refer to."""
    return Response(json.dumps(negotiation.context_document(), indent=2), content_type="application/ld+json")
