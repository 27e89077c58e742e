"""End to end: `serve` in a subprocess on loopback, queried with SPARQLWrapper in every result format.

Each answer over HTTP must equal what the store gives in-process (SELECT as sets of rows,
CONSTRUCT as isomorphic graphs). `assert_endpoint_matches_store` takes any build folder, so the
same check can run against the embedded build:

    def test_embedded(http_endpoint, embedded_build):
        assert_endpoint_matches_store(http_endpoint(embedded_build[0]), embedded_build[0], SELECT_Q, CONSTRUCT_Q)
"""
from __future__ import annotations

import csv
import io
import json
import urllib.request

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from skillgraph import store as store_mod
from skillgraph.ontology import PREFIXES

pytestmark = pytest.mark.e2e

SELECT_Q = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?label ?notation WHERE { ?s skos:prefLabel ?label OPTIONAL { ?s skos:notation ?notation } }"""
ASK_Q = 'PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ASK { ?s skos:notation "2582" }'
# the graphs' self-descriptions, blank nodes included
CONSTRUCT_Q = """CONSTRUCT { ?g ?p ?o . ?o ?p2 ?o2 }
WHERE { GRAPH ?g { ?g ?p ?o OPTIONAL { ?o ?p2 ?o2 FILTER(isBlank(?o)) } } }"""


def _key(term) -> tuple:
    """A comparable form of a pyoxigraph term or a SPARQL-JSON binding."""
    if isinstance(term, dict):
        t = term["type"]
        if t == "uri":
            return ("uri", term["value"])
        if t == "bnode":
            return ("bnode",)
        dt = term.get("datatype", "http://www.w3.org/2001/XMLSchema#string" if "xml:lang" not in term else None)
        return ("literal", term["value"], term.get("xml:lang"), dt)
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode",)
    return ("literal", term.value, term.language, None if term.language else term.datatype.value)


def local_select(build_dir, query) -> tuple[list[str], set[tuple]]:
    st = store_mod.open_read_only(build_dir)
    res = st.query(query, use_default_graph_as_union=True, prefixes=PREFIXES)
    names = [v.value for v in res.variables]
    return names, {tuple(_key(sol[n]) for n in names) for sol in res}


def local_construct(build_dir, query) -> Graph:
    st = store_mod.open_read_only(build_dir)
    nt = ox.serialize(
        st.query(query, use_default_graph_as_union=True, prefixes=PREFIXES), format=ox.RdfFormat.N_TRIPLES
    )
    return Graph().parse(data=nt, format="nt")


def client(base: str, query: str, fmt, method=GET) -> SPARQLWrapper:
    w = SPARQLWrapper(base + "/sparql")
    w.setQuery(query)
    w.setReturnFormat(fmt)
    if method == POSTDIRECTLY:
        w.setMethod(POST)
        w.setRequestMethod(POSTDIRECTLY)
    else:
        w.setMethod(method)
    w.setTimeout(30)
    return w


def raw(w: SPARQLWrapper) -> bytes:
    res = w.query()
    try:
        return res.response.read()
    finally:
        res.response.close()


def assert_endpoint_matches_store(base: str, build_dir, select_q: str = SELECT_Q, construct_q: str = CONSTRUCT_Q,
                                  ask_q: str = ASK_Q) -> None:
    names, expected = local_select(build_dir, select_q)
    assert expected, "the SELECT query must have answers for the comparison to mean something"
    # JSON through SPARQLWrapper's own conversion, with each request style
    for method in (GET, POST, POSTDIRECTLY):
        doc = client(base, select_q, JSON, method).queryAndConvert()
        assert doc["head"]["vars"] == names
        got = {tuple(_key(b.get(n)) if n in b else None for n in names) for b in doc["results"]["bindings"]}
        assert got == expected, f"JSON over {method}"
    # XML and TSV carry full terms: parse them back with pyoxigraph
    for fmt, oxfmt in ((XML, ox.QueryResultsFormat.XML), (TSV, ox.QueryResultsFormat.TSV)):
        res = ox.parse_query_results(raw(client(base, select_q, fmt)), format=oxfmt)
        assert [v.value for v in res.variables] == names
        assert {tuple(_key(sol[n]) for n in names) for sol in res} == expected, fmt
    # CSV carries lexical forms only
    rows = list(csv.reader(io.StringIO(raw(client(base, select_q, CSV)).decode("utf-8"))))
    assert rows[0] == names
    def lex(k):
        return "" if k is None else ("_:" if k[0] == "bnode" else k[1])
    def norm(cell):
        return "_:" if cell.startswith("_:") else cell
    assert {tuple(norm(c) for c in r) for r in rows[1:]} == {tuple(lex(k) for k in row) for row in expected}
    # ASK in JSON and XML
    asked = bool(store_mod.open_read_only(build_dir).query(ask_q, use_default_graph_as_union=True))
    assert client(base, ask_q, JSON).queryAndConvert()["boolean"] is asked
    assert (b"<boolean>true</boolean>" in raw(client(base, ask_q, XML))) is asked
    # CONSTRUCT in Turtle, N-Triples, JSON-LD and RDF/XML
    g = local_construct(build_dir, construct_q)
    assert len(g) > 0
    turtle = client(base, construct_q, TURTLE).queryAndConvert()
    assert isomorphic(Graph().parse(data=turtle, format="turtle"), g)
    w = client(base, construct_q, N3)
    w.setOnlyConneg(True)
    w.addCustomHttpHeader("Accept", "application/n-triples")
    res = w.query()
    assert res.response.headers["Content-Type"].startswith("application/n-triples")
    assert isomorphic(Graph().parse(data=res.response.read().decode("utf-8"), format="nt"), g)
    res.response.close()
    assert isomorphic(Graph().parse(data=raw(client(base, construct_q, JSONLD)), format="json-ld"), g)
    rdfxml = client(base, construct_q, RDFXML).queryAndConvert()  # SPARQLWrapper parses RDF/XML into a Graph
    assert isomorphic(Graph() + rdfxml, g)


def test_sparqlwrapper_gets_the_store_answers(http_endpoint, server_build):
    base = http_endpoint(server_build, WORKERS=2, QUERY_TIMEOUT=20)
    assert_endpoint_matches_store(base, server_build)


def test_served_pages(http_endpoint, server_build):
    base = http_endpoint(server_build, WORKERS=1)
    with urllib.request.urlopen(base + "/health", timeout=10) as r:
        health = json.loads(r.read())
    assert health["status"] == "ok" and health["graphs"] == 2
    req = urllib.request.Request(base + "/sparql", headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(req, timeout=10) as r:
        sd = Graph().parse(data=r.read(), format="turtle")
    sd_name = URIRef("http://www.w3.org/ns/sparql-service-description#name")
    assert len(set(sd.objects(None, sd_name))) == 2
    with urllib.request.urlopen(base + "/", timeout=10) as r:
        assert b"SkillGraph SPARQL endpoint" in r.read()
