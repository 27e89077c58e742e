"""Dereferencing SkillGraph IRIs on the embedded build, as a browser and as RDF clients do."""
from __future__ import annotations

import json
import re
import urllib.request

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from skillgraph.ontology import load_ontology

TASK = "https://w3id.org/skillgraph/id/onet/task/2582"
OCC = "https://w3id.org/skillgraph/id/onet/occupation/43-4051.00"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RDF_ACCEPT = {"turtle": ("text/turtle", "turtle"), "ntriples": ("application/n-triples", "nt"),
              "rdfxml": ("application/rdf+xml", "xml")}


@pytest.fixture(scope="module")
def client(embedded_build):
    from skillgraph.server import create_app

    app = create_app({"BUILD_DIR": str(embedded_build[0]), "WORKERS": 1})
    yield app.test_client()
    app.extensions["skillgraph"].close()


def store_description(store: ox.Store, iri: str) -> Graph:
    """What the store says with `iri` as subject (the task has no blank nodes)."""
    g = Graph()
    nt = ox.serialize(
        [
            ox.Triple(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(ox.NamedNode(iri), None, None, None)
        ],
        format=ox.RdfFormat.N_TRIPLES,
    )
    g.parse(data=nt, format="nt")
    return g


@pytest.mark.parametrize("name", sorted(RDF_ACCEPT))
def test_task_iri_in_each_rdf_format(client, embedded_store, name):
    assert len(RDF_ACCEPT) == 3
    accept, parser = RDF_ACCEPT[name]
    r = client.get("/id/onet/task/2582", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.mimetype == accept
    assert r.headers["Content-Location"] == f"/id/onet/task/2582?format={name}"
    assert "Accept" in r.headers["Vary"]
    got = Graph().parse(data=r.data, format=parser)
    assert isomorphic(got, store_description(embedded_store, TASK))
    assert (URIRef(TASK), URIRef("https://w3id.org/skillgraph/ontology#taskOf"), URIRef(OCC)) in got


def test_jsonld_is_compacted_with_the_published_context(client, embedded_store):
    r = client.get("/id/onet/task/2582", headers={"Accept": "application/ld+json"})
    assert r.status_code == 200
    doc = json.loads(r.data)
    assert doc["@context"] == "http://localhost/context.jsonld"
    assert doc["@id"] == TASK and "sg:Task" in doc["@type"]  # compact: prefixed names, not full IRIs
    assert "sg:taskOf" in doc
    ctx = client.get("/context.jsonld")
    assert ctx.status_code == 200 and ctx.mimetype == "application/ld+json"
    published = json.loads(ctx.data)["@context"]
    assert published["sg"] == "https://w3id.org/skillgraph/ontology#"
    doc["@context"] = published  # what a JSON-LD processor does after fetching the context
    got = Graph().parse(data=json.dumps(doc), format="json-ld")
    assert isomorphic(got, store_description(embedded_store, TASK))


def test_task_page_for_a_browser(client):
    r = client.get("/id/onet/task/2582", headers={"Accept": BROWSER})
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert r.headers["Content-Location"] == "/id/onet/task/2582?format=html"
    page = r.data.decode()
    assert (
        '<h1 id="label">Refer unresolved customer grievances to designated departments for further investigation.</h1>'
        in page
    )
    assert '<a href="/ontology#Task"' in page  # its type, linked to the ontology documentation
    assert 'href="/id/onet/occupation/43-4051.00"' in page  # sg:taskOf, linked to the occupation's page
    assert "Customer Service Representatives" in page  # ... and shown by its label
    incoming = page[page.index('id="incoming"'):]
    assert "/id/crosswalk/alignment/" in incoming  # alignments point at the task
    sources = page[page.index("<h2>Sources</h2>"):]
    assert "https://creativecommons.org/licenses/by/4.0/" in sources
    assert "O*NET 30.1 Database by the U.S. Department of Labor" in sources
    for name in ("turtle", "ntriples", "jsonld", "rdfxml"):
        assert f'href="?format={name}"' in page


def test_unknown_iri_404_and_unacceptable_type_406(client):
    r = client.get("/id/onet/task/99999999", headers={"Accept": "text/turtle"})
    assert r.status_code == 404
    assert "https://w3id.org/skillgraph/id/onet/task/99999999 is not described" in r.data.decode()
    assert client.get("/id/onet/task/2582", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/id/onet/task/2582?format=pdf").status_code == 406


def test_esco_iri_shown_as_escos(client):
    skill = "http://data.europa.eu/esco/skill/8b7409b0-e18e-4dfc-9ad9-8ddbcce38849"
    page = client.get("/resource", query_string={"iri": skill}, headers={"Accept": BROWSER}).data.decode()
    assert '<h1 id="label">keep records of customer interaction</h1>' in page
    assert "This IRI is ESCO's" in page and f'<a id="esco-link" href="{skill}">ESCO</a>' in page
    # and on the task page ESCO skills in incoming links carry the "ESCO" link out
    r = client.get("/id/crosswalk/alignment/65eddbcfddea752e", headers={"Accept": BROWSER})  # escalation x 2582
    assert r.status_code == 200
    assert re.search(r'<a class="ext" href="http://data\.europa\.eu/esco/skill/[0-9a-f-]+"', r.data.decode())


def test_graph_iri_describes_the_source(client):
    page = client.get("/graph/esco", headers={"Accept": BROWSER}).data.decode()
    assert "http://data.europa.eu/eli/dec/2011/833/oj" in page
    assert "This service uses the ESCO classification of the European Commission." in page


def test_ontology_document(client):
    onto = load_ontology(with_skos=False)
    r = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert isomorphic(Graph().parse(data=r.data, format="turtle"), onto)
    page = client.get("/ontology", headers={"Accept": BROWSER}).data.decode()
    classes = {str(s) for s in onto.subjects(URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                             URIRef("http://www.w3.org/2002/07/owl#Class"))}
    anchors = set(re.findall(r'<dt id="([A-Za-z]+)"><b>sg:', page))
    assert {c.rsplit("#", 1)[1] for c in classes} <= anchors
    assert "An occupation-specific task statement, such as an O*NET task." in page  # sg:Task's definition
    assert 'id="shape-SourceGraphShape"' in page and "a source graph needs a licence IRI" in page


def test_curl_over_http(http_endpoint, embedded_build):
    base = http_endpoint(embedded_build[0], workers=1)
    req = urllib.request.Request(base + "/id/onet/task/2582", headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(req) as resp:
        assert resp.status == 200
        g = Graph().parse(data=resp.read(), format="turtle")
    assert (URIRef(TASK), URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            URIRef("https://w3id.org/skillgraph/ontology#Task")) in g
