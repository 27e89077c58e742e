"""The ontology document at /ontology: documentation in HTML, the ontology itself in RDF.

Ontology terms are hash IRIs (https://w3id.org/skillgraph/ontology#Task), so a term resolves to
this one document (the fragment picks the term's section). The HTML is generated from the
packaged ontology/skillgraph.ttl and ontology/shapes/*.ttl every time the package changes, never
written by hand: classes, properties and named individuals with their definitions, and each
SHACL shape with what it targets and the message of each constraint.
"""
from __future__ import annotations

from functools import lru_cache

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request
from rdflib import OWL, RDF, RDFS, BNode, Graph, Namespace, URIRef
from rdflib.namespace import SKOS

from skillgraph.ontology import ONTOLOGY_IRI, PREFIXES, load_ontology, shapes_dir

from . import negotiation, resources
from .problems import HTTPProblem

SH = Namespace("http://www.w3.org/ns/shacl#")
SG = PREFIXES["sg"]

bp = Blueprint("ontodoc", __name__, template_folder="templates")


@lru_cache(maxsize=1)
def ontology_triples() -> tuple[ox.Triple, ...]:
    """The ontology as pyoxigraph triples, parsed once, for RDF responses."""
    g = load_ontology(with_skos=False)
    return tuple(ox.parse(g.serialize(format="nt").encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))


def _text(g: Graph, s, *props) -> str:
    for p in props:
        vals = list(g.objects(s, p))
        en = [v for v in vals if getattr(v, "language", None) in ("en", None)]
        if en or vals:
            return str((en or vals)[0])
    return ""


def _name(iri) -> str:
    return resources.curie(str(iri))


def _ref(iri) -> dict:
    iri = str(iri)
    return {"iri": iri, "name": _name(iri), "href": resources.local_href(iri)}  # cached: root-relative


def _terms(g: Graph, kind) -> list[dict]:
    out = []
    for s in sorted(set(g.subjects(RDF.type, kind)), key=str):
        if not isinstance(s, URIRef) or not str(s).startswith(SG):
            continue
        out.append({
            "id": str(s)[len(SG):], "iri": str(s), "label": _text(g, s, RDFS.label, SKOS.prefLabel),
            "definition": _text(g, s, SKOS.definition, RDFS.comment),
            "parents": [_ref(o) for o in sorted(g.objects(s, RDFS.subClassOf), key=str) if isinstance(o, URIRef)]
            + [_ref(o) for o in sorted(g.objects(s, RDFS.subPropertyOf), key=str)],
            "domain": [_ref(o) for o in sorted(g.objects(s, RDFS.domain), key=str) if isinstance(o, URIRef)],
            "range": [_ref(o) for o in sorted(g.objects(s, RDFS.range), key=str) if isinstance(o, URIRef)],
            "types": [_ref(o) for o in sorted(g.objects(s, RDF.type), key=str) if o != OWL.NamedIndividual],
        })
    return out


@lru_cache(maxsize=1)
def _shapes() -> tuple[dict, ...]:
    out = []
    for path in sorted(shapes_dir().glob("*.ttl")):
        g = Graph()
        g.parse(path, format="turtle")
        for s in sorted(set(g.subjects(RDF.type, SH.NodeShape)), key=str):
            if isinstance(s, BNode):
                continue
            targets = [_ref(o) for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
                       for o in g.objects(s, p) if isinstance(o, URIRef)]
            props = []
            for ps in g.objects(s, SH.property):
                path_t = g.value(ps, SH.path)
                props.append({"path": _name(path_t) if isinstance(path_t, URIRef) else "(a property path)",
                              "message": _text(g, ps, SH.message, SH.description, RDFS.comment)})
            out.append({"id": str(s).rsplit("#", 1)[-1], "file": path.name, "label": _text(g, s, RDFS.label),
                        "definition": _text(g, s, RDFS.comment, SH.description), "targets": targets,
                        "message": _text(g, s, SH.message), "properties": sorted(props, key=lambda p: p["path"])})
    return tuple(out)


@lru_cache(maxsize=1)
def documentation() -> dict:
    """The ontology's classes and properties with labels and definitions, for the HTML page."""
    g = load_ontology(with_skos=False)
    head = URIRef(ONTOLOGY_IRI)
    return {"title": _text(g, head, URIRef(PREFIXES["dcterms"] + "title")),
            "description": _text(g, head, URIRef(PREFIXES["dcterms"] + "description")),
            "comment": _text(g, head, RDFS.comment), "version": _text(g, head, OWL.versionInfo),
            "license": _text(g, head, URIRef(PREFIXES["dcterms"] + "license")),
            "sections": [("Classes", "classes", _terms(g, OWL.Class)),
                         ("Object properties", "object-properties", _terms(g, OWL.ObjectProperty)),
                         ("Datatype properties", "datatype-properties", _terms(g, OWL.DatatypeProperty)),
                         ("Named individuals", "individuals", _terms(g, OWL.NamedIndividual))]}


@bp.get("/ontology")
def ontology():
    """Serve the ontology as HTML documentation or RDF, by content negotiation."""
    try:
        fmt = negotiation.choose()
    except negotiation.NotAcceptable as e:
        raise HTTPProblem(406, str(e)) from None
    if fmt == "html":
        doc = documentation()
        resp = Response(render_template("ontology.html", doc=doc, shapes=_shapes(), iri=ONTOLOGY_IRI,
                                        base=request.script_root), content_type="text/html; charset=utf-8")
    else:
        resp = negotiation.rdf_response(list(ontology_triples()), fmt,
                                        request.host_url.rstrip("/") + request.script_root)
    resp.headers["Content-Location"] = f"{request.script_root}/ontology?format={fmt}"
    resp.headers["Link"] = negotiation.alternates(request.script_root + "/ontology")
    resp.headers["Vary"] = "Accept"
    return resp
