"""Graph Store Protocol (read) and the VoID/DCAT description, on the embedded build."""
from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from skillgraph import store as store_mod

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SG = Namespace("https://w3id.org/skillgraph/ontology#")
DATASET = URIRef("https://w3id.org/skillgraph/.well-known/void#dataset")
GRAPHS = ["aei", "aiwork", "crosswalk", "esco", "inferred", "jobmodel", "ladder", "nesta", "onet", "ontology",
          "pathsmith", "safi", "wef"]


@pytest.fixture(scope="module")
def client(embedded_build):
    from skillgraph.server import create_app

    app = create_app({"BUILD_DIR": str(embedded_build[0]), "WORKERS": 1})
    yield app.test_client()
    app.extensions["skillgraph"].close()


def store_graph(st: ox.Store, graph: ox.NamedNode | None) -> Graph:
    quads = st.quads_for_pattern(None, None, None, graph)
    g = Graph()
    g.parse(data=ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads
                               if isinstance(q.graph_name, ox.NamedNode)], format=ox.RdfFormat.N_TRIPLES), format="nt")
    return g


def test_the_build_has_the_graphs_listed_here(embedded_store):
    assert sorted(g.value.rsplit("/", 1)[-1] for g in embedded_store.named_graphs()) == GRAPHS


@pytest.mark.parametrize("name", GRAPHS)
def test_each_named_graph(client, embedded_store, name):
    assert len(GRAPHS) == 13
    iri = f"https://w3id.org/skillgraph/graph/{name}"
    r = client.get("/graph", query_string={"graph": iri}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    assert isomorphic(Graph().parse(data=r.data, format="turtle"), store_graph(embedded_store, ox.NamedNode(iri)))


def test_default_graph_is_the_union(client, embedded_store):
    r = client.get("/graph?default", headers={"Accept": "application/n-triples"})
    assert r.status_code == 200
    assert isomorphic(Graph().parse(data=r.data, format="nt"), store_graph(embedded_store, None))


def test_protocol_errors(client):
    assert client.get("/graph?graph=https://w3id.org/skillgraph/graph/nope").status_code == 404
    assert client.get("/graph?graph=not an iri").status_code == 404
    assert client.get("/graph").status_code == 400
    assert client.get("/graph?default&graph=https://w3id.org/skillgraph/graph/onet").status_code == 400
    r = client.put("/graph?default", data=b"<a:b> <a:c> <a:d> .", content_type="application/n-triples")
    assert r.status_code == 405 and r.headers["Allow"] == "GET, HEAD"


def test_void_and_dcat(client, embedded_build, embedded_store):
    r = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = Graph().parse(data=r.data, format="turtle")
    counts = store_mod.build_info(embedded_build[0])["graphs"]
    subsets = set(g.objects(DATASET, VOID.subset))
    assert {str(s).rsplit("/", 1)[-1] for s in subsets} == set(GRAPHS)
    for s in subsets:
        assert g.value(s, VOID.triples).toPython() == counts[str(s).rsplit("/", 1)[-1]]
        ex = g.value(s, VOID.exampleResource)
        if ex is not None:
            assert any(embedded_store.quads_for_pattern(ox.NamedNode(str(ex)), None, None, ox.NamedNode(str(s))))
        dumps = set(g.objects(s, VOID.dataDump))
        assert len(dumps) == 2 and all(str(d).startswith("http://localhost/graph?graph=") for d in dumps)
    assert g.value(DATASET, VOID.triples).toPython() == sum(counts.values())
    assert g.value(DATASET, VOID.sparqlEndpoint) == URIRef("http://localhost/sparql")
    esco = URIRef("https://w3id.org/skillgraph/graph/esco")
    assert g.value(esco, DCTERMS.license) == URIRef("http://data.europa.eu/eli/dec/2011/833/oj")
    assert "ESCO classification of the European Commission" in str(g.value(esco, SG.creditLine))
    assert g.value(URIRef("https://w3id.org/skillgraph/graph/onet"), URIRef("https://schema.org/version")) == Literal(
        "30.1"
    )
    all_licences = {o for s in subsets for o in g.objects(s, DCTERMS.license)}
    assert set(g.objects(DATASET, DCTERMS.license)) == all_licences
    assert (DATASET, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), DCAT.Dataset) in g
