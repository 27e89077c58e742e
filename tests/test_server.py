"""The SPARQL 1.1 Protocol service in-process (Flask test client; the query workers are real processes)."""
from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest_server import make_build
from rdflib import Graph, Namespace, URIRef
from rdflib.compare import isomorphic

from skillgraph import store as store_mod
from skillgraph.ontology import PREFIXES
from skillgraph.server import create_app, formats

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ONET = "https://w3id.org/skillgraph/graph/onet"
ESCO = "https://w3id.org/skillgraph/graph/esco"
LABELS = "SELECT ?s ?label WHERE { ?s skos:prefLabel ?label }"
CONSTRUCT = "CONSTRUCT { ?s skos:prefLabel ?label } WHERE { ?s skos:prefLabel ?label }"


@pytest.fixture
def make_app(server_build):
    apps = []

    def make(**config):
        app = create_app({"BUILD_DIR": server_build, "QUERY_TIMEOUT": 10, **config})
        apps.append(app)
        return app

    yield make
    for a in apps:
        a.extensions["skillgraph"].close()


@pytest.fixture
def client(make_app):
    return make_app().test_client()


def local_rows(build_dir: Path, query: str) -> set[tuple]:
    st = store_mod.open_read_only(build_dir)
    res = st.query(query, use_default_graph_as_union=True, prefixes=PREFIXES)
    names = [v.value for v in res.variables]
    return {tuple(sol[n] for n in names) for sol in res}


def local_graph(build_dir: Path, query: str) -> Graph:
    st = store_mod.open_read_only(build_dir)
    data = ox.serialize(st.query(query, use_default_graph_as_union=True, prefixes=PREFIXES),
                        format=ox.RdfFormat.N_TRIPLES)
    return Graph().parse(data=data, format="nt")


def rows_of(body: bytes, fmt) -> set[tuple]:
    res = ox.parse_query_results(body, format=fmt)
    names = [v.value for v in res.variables]
    return {tuple(sol[n] for n in names) for sol in res}


def test_three_request_styles_give_the_store_answer(client, server_build):
    expected = local_rows(server_build, LABELS)
    assert len(expected) == 7
    r_get = client.get("/sparql", query_string={"query": LABELS})
    r_form = client.post("/sparql", data={"query": LABELS})
    r_raw = client.post("/sparql", data=LABELS.encode(), content_type="application/sparql-query")
    for r in (r_get, r_form, r_raw):
        assert r.status_code == 200, r.data
        assert r.mimetype == "application/sparql-results+json"
        assert rows_of(r.data, ox.QueryResultsFormat.JSON) == expected


@pytest.mark.parametrize("accept,fmt", [
    ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
])
def test_select_formats_by_accept(client, server_build, accept, fmt):
    r = client.get("/sparql", query_string={"query": LABELS}, headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == accept
    assert rows_of(r.data, fmt) == local_rows(server_build, LABELS)


def test_select_csv(client, server_build):
    r = client.get("/sparql", query_string={"query": LABELS}, headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    got = {tuple(row) for row in list(csv.reader(io.StringIO(r.data.decode())))[1:]}
    assert got == {(s.value, label.value) for s, label in local_rows(server_build, LABELS)}


@pytest.mark.parametrize("accept,rdflib_format", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
])
def test_construct_formats_by_accept(client, server_build, accept, rdflib_format):
    r = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": accept})
    assert r.status_code == 200, r.data
    assert r.mimetype == accept
    got = Graph().parse(data=r.data, format=rdflib_format)
    assert len(got) == 7
    assert isomorphic(got, local_graph(server_build, CONSTRUCT))


def test_ask_and_describe(client):
    r = client.get("/sparql", query_string={"query": "ASK { ?s skos:notation \"2582\" }"},
                   headers={"Accept": "application/sparql-results+xml"})
    assert r.status_code == 200 and b"<boolean>true</boolean>" in r.data
    r = client.get("/sparql", query_string={"query": "DESCRIBE <https://w3id.org/skillgraph/id/onet/task/2582>"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    assert len(Graph().parse(data=r.data, format="turtle")) == 4


def test_q_values_and_format_override(client):
    accept = "application/sparql-results+json;q=0.2, text/csv;q=0.9, application/sparql-results+xml;q=0.5"
    r = client.get("/sparql", query_string={"query": LABELS}, headers={"Accept": accept})
    assert r.mimetype == "text/csv"
    r = client.get(
        "/sparql", query_string={"query": LABELS}, headers={"Accept": "text/*, application/sparql-results+json;q=0"}
    )
    assert r.mimetype in ("text/csv", "text/tab-separated-values")
    r = client.get("/sparql", query_string={"query": LABELS, "format": "tsv"}, headers={"Accept": "text/csv"})
    assert r.mimetype == "text/tab-separated-values"
    r = client.get("/sparql", query_string={"query": CONSTRUCT, "format": "json-ld"})
    assert r.mimetype == "application/ld+json"
    r = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "*/*"})
    assert r.mimetype == "text/turtle"


def test_406_lists_the_acceptable_types(client):
    r = client.get("/sparql", query_string={"query": LABELS}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    text = r.data.decode()
    for mt in (
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ):
        assert mt in text
    r = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert r.status_code == 406 and "text/turtle" in r.data.decode()
    r = client.get("/sparql", query_string={"query": LABELS, "format": "turtle"})
    assert r.status_code == 406 and "json, xml, csv, tsv" in r.data.decode()


def test_malformed_query_is_400_with_position(client):
    r = client.get("/sparql", query_string={"query": "SELECT ?s WHERE {\n  ?s ?p \n}"})
    assert r.status_code == 400
    # decided by the server's parser (rdflib) before any worker: where it stopped, line:column
    assert re.match(r"malformed query: error at 2:\d+: not valid SPARQL 1.1 from here: '\?s \?p'", r.data.decode())


def test_updates_are_refused(client):
    upd = "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }"
    assert client.post("/sparql", data={"update": upd}).status_code == 403
    assert client.get("/sparql", query_string={"update": upd}).status_code == 403
    r = client.post("/sparql", data=upd.encode(), content_type="application/sparql-update")
    assert r.status_code == 403 and b"read-only" in r.data
    r = client.post("/sparql", data={"query": upd})
    assert r.status_code == 400 and b"SPARQL Update sent as a query" in r.data
    assert not local_rows(client.application.config["BUILD_DIR"], "SELECT * WHERE { <http://x/a> ?p ?o }")
    r = client.post("/sparql", data=b"<x/>", content_type="application/xml")
    assert r.status_code == 415


def test_service_refused_unless_allowed(client, make_app):
    q = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    r = client.get("/sparql", query_string={"query": q})
    assert r.status_code == 403 and b"SERVICE" in r.data
    # the word in a string, an IRI or a comment is not the keyword
    harmless = 'SELECT ?s WHERE { ?s ?p "SERVICE" . OPTIONAL { ?s <http://x/service> ?o } } # SERVICE'
    assert client.get("/sparql", query_string={"query": harmless}).status_code == 200
    allowed = make_app(ALLOW_SERVICE=True).test_client()
    r = allowed.get("/sparql", query_string={"query": q})
    assert r.status_code != 403  # it is attempted (and fails or not, depending on the network)


def test_dataset_parameters(client):
    q = "SELECT DISTINCT ?s WHERE { ?s a sg:Skill }"
    every = rows_of(client.get("/sparql", query_string={"query": q}).data, ox.QueryResultsFormat.JSON)
    assert len(every) == 3  # union default graph
    only_esco = client.get("/sparql", query_string={"query": q, "default-graph-uri": ESCO})
    assert {r[0].value for r in rows_of(only_esco.data, ox.QueryResultsFormat.JSON)} == {
        "http://data.europa.eu/esco/skill/test-escalation-procedure",
        "http://data.europa.eu/esco/skill/test-customer-service",
    }
    qg = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    r = client.post("/sparql", data={"query": qg, "named-graph-uri": ONET})
    assert {x[0].value for x in rows_of(r.data, ox.QueryResultsFormat.JSON)} == {ONET}
    r = client.post(f"/sparql?named-graph-uri={ONET}&named-graph-uri={ESCO}", data=qg.encode(),
                    content_type="application/sparql-query")
    assert {x[0].value for x in rows_of(r.data, ox.QueryResultsFormat.JSON)} == {ONET, ESCO}


def test_result_cap_is_announced(make_app, server_build):
    c = make_app(RESULT_LIMIT=3).test_client()
    r = c.get("/sparql", query_string={"query": LABELS})
    assert r.status_code == 200
    assert r.headers["X-SkillGraph-Truncated"] == "true" and "RESULT_LIMIT" in r.headers["Warning"]
    rows = rows_of(r.data, ox.QueryResultsFormat.JSON)
    assert len(rows) == 3 and rows <= local_rows(server_build, LABELS)
    assert json.loads(r.data)["head"]["link"] == ["http://localhost/#result-limit"]  # said in the body too
    r = c.get("/sparql", query_string={"query": LABELS}, headers={"Accept": "application/sparql-results+xml"})
    assert b'<link href="http://localhost/#result-limit"/></head>' in r.data
    assert len(rows_of(r.data, ox.QueryResultsFormat.XML)) == 3
    r = c.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "application/n-triples"})
    assert r.headers["X-SkillGraph-Truncated"] == "true"
    lines = r.data.decode().strip().splitlines()
    assert lines[0].startswith("# result truncated to the first 3 triples") and len(lines) == 4
    assert len(Graph().parse(data=r.data, format="nt")) == 3
    r = c.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "text/turtle"})
    assert r.data.startswith(b"# result truncated") and len(Graph().parse(data=r.data, format="turtle")) == 3
    r = c.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "application/rdf+xml"})
    assert b"<!-- result truncated" in r.data and len(Graph().parse(data=r.data, format="xml")) == 3
    assert c.get("/").data.count(b'id="result-limit"') == 1  # where the link points
    r = c.get("/sparql", query_string={"query": LABELS + " LIMIT 2"})
    assert "X-SkillGraph-Truncated" not in r.headers and r.headers["X-SkillGraph-Count"] == "2"


def test_timeout_kills_the_worker_and_answers_503(tmp_path):
    d = tmp_path / "big"
    ex = "http://example.org/"
    make_build(d, extra=[ox.Quad(ox.NamedNode(f"{ex}s{i}"), ox.NamedNode(f"{ex}p"), ox.Literal(str(i)),
                                 ox.NamedNode(ex + "g")) for i in range(3000)])
    app = create_app({"BUILD_DIR": d, "QUERY_TIMEOUT": 1.5, "WORKERS": 1})
    try:
        c = app.test_client()
        slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(STR(?c) < STR(?i)) }"
        t0 = time.monotonic()
        r = c.get("/sparql", query_string={"query": slow})
        took = time.monotonic() - t0
        assert r.status_code == 503 and b"longer than 1.5 s" in r.data
        assert took < 6
        r = c.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})  # a fresh worker answers
        assert r.status_code == 200 and b"true" in r.data
        health = json.loads(c.get("/health").data)
        assert health["worker_restarts"] == 1 and health["workers"] == 1
    finally:
        app.extensions["skillgraph"].close()


def test_service_description_lists_graphs(client):
    r = client.get("/sparql")
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    g = Graph().parse(data=r.data, format="turtle")
    svc = URIRef("http://localhost/sparql")
    assert (svc, SD.feature, SD.UnionDefaultGraph) in g
    assert (svc, SD.endpoint, svc) in g
    names = set(g.objects(None, SD.name))
    assert names == {URIRef(ONET), URIRef(ESCO)}
    credit = {str(o) for o in g.objects(URIRef(ONET), URIRef(PREFIXES["sg"] + "creditLine"))}
    assert credit and "O*NET 30.1" in credit.pop()
    assert len(set(g.objects(svc, SD.resultFormat))) == 8
    r = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert r.mimetype == "application/ld+json"
    assert isomorphic(Graph().parse(data=r.data, format="json-ld"), g)


def test_hot_swap_when_current_changes(client, server_build):
    q = "ASK { <http://example.org/new> ?p ?o }"
    first = client.get("/health").get_json()["build"]
    assert b"false" in client.get("/sparql", query_string={"query": q}).data
    new_id = make_build(server_build, extra=[ox.Quad(ox.NamedNode("http://example.org/new"),
                        ox.NamedNode("http://example.org/p"), ox.Literal("x"), ox.NamedNode("http://example.org/g"))])
    assert new_id != first and store_mod.current_id(server_build) == new_id
    r = client.get("/sparql", query_string={"query": q})
    assert b"true" in r.data and r.headers["X-SkillGraph-Build"] == new_id
    state = client.application.extensions["skillgraph"]
    assert state.swaps == 1 and state.build_id == new_id
    assert "example.org/g" in client.get("/sparql").data.decode()  # the description follows too


def test_curated_queries(make_app, tmp_path):
    qd = tmp_path / "queries"
    qd.mkdir()
    (qd / "tasks_of.rq").write_text(
        "# title: Tasks of an occupation\n# description: Each task with its text,\n#   in task id order.\n"
        "# param: ?occupation iri default <https://w3id.org/skillgraph/id/onet/occupation/43-4051.00> — the "
        "occupation\n"
        "SELECT ?occupation ?task ?label WHERE { ?task sg:taskOf ?occupation ; skos:prefLabel ?label } ORDER "
        "BY ?task\n",
        encoding="utf-8",
    )
    c = make_app(QUERIES_DIR=qd).test_client()
    listing = c.get("/queries").get_json()
    assert listing == [{"name": "tasks_of", "title": "Tasks of an occupation",
                        "description": "Each task with its text, in task id order.",
                        "params": [{"name": "occupation", "type": "iri",
                                    "default": "<https://w3id.org/skillgraph/id/onet/occupation/43-4051.00>",
                                    "required": False, "description": "the occupation"}]}]
    r = c.get("/queries/tasks_of", headers={"Accept": "text/csv"})
    assert r.status_code == 200 and len(r.data.decode().strip().splitlines()) == 3
    r = c.get("/queries/tasks_of", query_string={"occupation": "sgid:onet/occupation/11-1011.00"})
    assert rows_of(r.data, ox.QueryResultsFormat.JSON) == set()
    r = c.get("/queries/tasks_of", query_string={"occupation": "not an iri"})
    assert r.status_code == 400 and b"occupation" in r.data
    r = c.get("/queries/tasks_of", query_string={"nope": "1"})
    assert r.status_code == 400 and b"its parameters are: occupation" in r.data
    r = c.get("/queries/missing")
    assert r.status_code == 404 and b"tasks_of" in r.data
    page = c.get("/").data.decode()
    assert "Tasks of an occupation" in page and "O*NET 30.1 Database" in page and "ESCO v1.2.0" in page


def test_health_and_no_build(tmp_path, client):
    assert client.get("/health").get_json()["status"] == "ok"
    app = create_app({"BUILD_DIR": tmp_path / "empty", "WORKERS": 1})
    try:
        r = app.test_client().get("/sparql", query_string={"query": LABELS})
        assert r.status_code == 503 and b"skillgraph build" in r.data
    finally:
        app.extensions["skillgraph"].close()


def test_format_registry():
    assert set(formats.FORMATS.keys()) == {"json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld", "rdfxml"}
    with pytest.raises(ValueError, match="valid result formats are: csv, json, jsonld"):
        formats.FORMATS.get("yaml")


def test_a_broken_curated_query_is_reported_not_hidden(make_app, tmp_path):
    qd = tmp_path / "queries"
    qd.mkdir()
    (qd / "broken.rq").write_text("# title: Broken\n# param: ?x (iri) — x\nSELECT ?y WHERE { ?x ?p ?y }\n")
    c = make_app(QUERIES_DIR=qd).test_client()
    r = c.get("/queries")
    assert r.status_code == 500 and b"broken.rq:2: parameter ?x is not in the SELECT projection" in r.data
    page = c.get("/")
    assert page.status_code == 200 and b"curated queries unavailable" in page.data


def test_concurrent_requests_share_the_workers(make_app, server_build):
    from concurrent.futures import ThreadPoolExecutor

    app = make_app(WORKERS=2)
    expected = local_rows(server_build, LABELS)

    def ask(_):
        r = app.test_client().get("/sparql", query_string={"query": LABELS})
        if r.status_code == 503:
            assert r.headers["Retry-After"] and b"busy" in r.data
            return 503, None
        return r.status_code, rows_of(r.data, ox.QueryResultsFormat.JSON)

    with ThreadPoolExecutor(6) as ex:
        results = list(ex.map(ask, range(12)))
    # admission control: a request finding both workers busy is refused at once (503), never queued
    assert {status for status, _ in results} <= {200, 503}
    assert all(rows == expected for status, rows in results if status == 200)
    assert any(status == 200 for status, _ in results)
    assert app.extensions["skillgraph"].pool.restarts == 0


def test_head_wherever_get_works(client):
    for path, qs in (("/sparql", {"query": LABELS}), ("/sparql", None), ("/health", None), ("/", None),
                     ("/queries", None)):
        g, h = client.get(path, query_string=qs), client.head(path, query_string=qs)
        assert g.status_code == h.status_code == 200, path
        assert h.headers["Content-Type"] == g.headers["Content-Type"] and h.data == b""


def test_cors_preflight_and_exposed_headers(make_app):
    c = make_app(RESULT_LIMIT=2).test_client()
    pre = c.options("/sparql", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST",
                                        "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 200
    assert "content-type" in pre.headers["Access-Control-Allow-Headers"].lower()
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    r = c.post("/sparql", data=LABELS.encode(), content_type="application/sparql-query",
               headers={"Origin": "https://example.org"})
    exposed = {h.strip().lower() for h in r.headers["Access-Control-Expose-Headers"].split(",")}
    assert r.headers["Access-Control-Allow-Origin"] == "*" and r.headers["X-SkillGraph-Truncated"] == "true"
    assert {"x-skillgraph-truncated", "x-skillgraph-count", "warning", "link"} <= exposed


def test_relative_iris_resolve_against_the_endpoint(client):
    r = client.post("/sparql", data=b"CONSTRUCT { <s> <p> 1 } WHERE {}", content_type="application/sparql-query",
                    headers={"Accept": "application/n-triples"})
    assert r.status_code == 200
    expected = Graph().parse(
        data='<http://localhost/s> <http://localhost/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .', format="nt"
    )
    assert isomorphic(Graph().parse(data=r.data, format="nt"), expected)


def test_from_names_the_default_graph(client):
    q = f"SELECT DISTINCT ?s FROM <{ESCO}> WHERE {{ ?s a sg:Skill }}"
    got = {
        r[0].value for r in rows_of(client.get("/sparql", query_string={"query": q}).data, ox.QueryResultsFormat.JSON)
    }
    assert got == {
        "http://data.europa.eu/esco/skill/test-escalation-procedure",
        "http://data.europa.eu/esco/skill/test-customer-service",
    }


def test_protocol_requests_are_read_without_http():
    from werkzeug.datastructures import MultiDict

    from skillgraph.server.problems import HTTPProblem
    from skillgraph.server.protocol import read_request

    op = read_request("POST", "application/sparql-query", {}, b"default-graph-uri=http%3A%2F%2Fx%2Fg", b"ASK {}")
    assert op.query == "ASK {}" and op.params == MultiDict([("default-graph-uri", "http://x/g")])
    op = read_request("POST", "application/x-www-form-urlencoded", {}, b"format=csv", b"query=ASK%20%7B%7D")
    assert op.query == "ASK {}" and op.params.getlist("format") == ["csv"]
    assert read_request("HEAD", "", {}, b"", b"").query is None  # the service description
    for args, status in ((("GET", "", {}, b"query=a&query=b", b""), 400),
                         (("POST", "text/plain", {}, b"", b"ASK {}"), 415),
                         (("POST", "application/sparql-query", {"charset": "latin-1"}, b"", b"ASK {}"), 415),
                         (("POST", "application/sparql-update", {}, b"", b"CLEAR ALL"), 403),
                         (("PUT", "", {}, b"query=ASK%7B%7D", b""), 405)):
        with pytest.raises(HTTPProblem) as e:
            read_request(*args)
        assert e.value.status == status, args


def test_serve_exits_3_when_the_port_is_taken(server_build, capsys):
    import socket

    from skillgraph.cli import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        assert main(["serve", "--store", str(server_build), "--port", str(port), "--workers", "1"]) == 3
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
