"""The W3C SPARQL 1.1 Protocol and Service Description tests, run against the real server over HTTP.

The test descriptions (tests/fixtures/w3c, copied from w3c/rdf-tests) are read here and each W3C
test becomes one pytest case named by its id. A protocol test is a sequence of HTTP requests with
the expected status class, result format ("boolean", "tabular", "RDF") and ASK value. The data
files are loaded into the named graphs the manifest gives them (`ut:graphData`).

The endpoint is read-only: an update operation that the W3C test expects to succeed must be
refused with a 4xx instead (the Protocol allows a service to offer queries only); every update
test that expects a 4xx must still get one.
"""
from __future__ import annotations

import http.client
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest_server import make_build, start_server, stop_server
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection

W3C = Path(__file__).resolve().parent / "fixtures" / "w3c"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMAT_TYPES = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values"},
    "RDF": {"text/turtle", "application/rdf+xml", "application/n-triples", "application/ld+json"},
}
RDFLIB_FORMAT = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/n-triples": "nt",
                 "application/ld+json": "json-ld"}


def _manifest(name: str) -> tuple[Graph, list[URIRef]]:
    path = W3C / name / "manifest.ttl"
    g = Graph().parse(path, format="turtle", publicID=path.as_uri())
    [m] = list(g.subjects(RDF.type, MF.Manifest))
    return g, list(Collection(g, g.value(m, MF.entries)))


PROTOCOL, PROTOCOL_TESTS = _manifest("protocol")
SD_GRAPH, SD_TESTS = _manifest("service-description")


def case_ids(tests):
    return [str(t).rsplit("#", 1)[1] for t in tests]


def test_the_manifests_hold_the_known_tests():
    assert len(PROTOCOL_TESTS) == 34 and len(SD_TESTS) == 3


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    """One server over a build holding the manifest's data files in the graphs it names."""
    tmp = tmp_path_factory.mktemp("w3c")
    trig = []
    graphs = {}
    for _, _, node in PROTOCOL.triples((None, UT.graphData, None)):
        graphs[str(PROTOCOL.value(node, RDFS.label))] = PROTOCOL.value(node, UT.graph)
    for name, data in sorted(graphs.items()):
        nt = Path(urlsplit(str(data)).path).read_text(encoding="utf-8")
        trig.append(f"<{name}> {{\n{nt}}}\n")
    assert len(graphs) == 3
    make_build(tmp / "build", "".join(trig).encode("utf-8"))
    proc, base = start_server(tmp / "build", tmp, WORKERS=2, QUERY_TIMEOUT=20)
    yield base
    stop_server(proc)


def _send(base: str, req) -> tuple[int, dict, bytes]:
    g = PROTOCOL
    method = str(g.value(req, HT.methodName))
    path = str(g.value(req, HT.absolutePath))
    assert path.startswith("/sparql/")
    path = "/sparql" + path[len("/sparql/"):]
    headers = {}
    hl = g.value(req, HT.headers)
    for h in (Collection(g, hl) if hl is not None else []):
        headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
    body = None
    b = g.value(req, HT.body)
    if b is not None:
        body = str(g.value(b, CNT.chars)).encode(str(g.value(b, CNT.characterEncoding)))
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)  # no Content-Type unless the test gives one
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def _is_update(req) -> bool:
    g = PROTOCOL
    hl = g.value(req, HT.headers)
    ctypes = [str(g.value(h, HT.fieldValue)) for h in (Collection(g, hl) if hl is not None else [])]
    b = g.value(req, HT.body)
    chars = str(g.value(b, CNT.chars)) if b is not None else ""
    return any("sparql-update" in c for c in ctypes) or chars.startswith("update=") or \
        "update=" in str(g.value(req, HT.absolutePath))


def _boolean(ctype: str, body: bytes) -> bool:
    if ctype == "application/sparql-results+json":
        return json.loads(body)["boolean"]
    import pyoxigraph as ox

    return bool(ox.parse_query_results(body, format=ox.QueryResultsFormat.XML))


@pytest.mark.e2e
@pytest.mark.parametrize("test", PROTOCOL_TESTS, ids=case_ids(PROTOCOL_TESTS))
def test_protocol(endpoint, test):
    g = PROTOCOL
    requests = list(Collection(g, g.value(g.value(test, MF.action), HT.requests)))
    for req in requests:
        resp = g.value(req, HT.resp)
        expected = {str(s).rsplit("#", 1)[1][len("StatusCode"):] for s in g.objects(resp, MF.expectedStatus)}
        status, headers, body = _send(endpoint, req)
        if _is_update(req) and "2xx" in expected:  # read-only service: the update is refused, and that ends the test
            assert 400 <= status < 500 and b"read-only" in body, (status, body)
            return
        assert f"{status // 100}xx" in expected, (status, body[:300])
        fmt = g.value(resp, MF.expectedFormat)
        ctype = headers.get("content-type", "").split(";")[0].strip()
        if fmt is not None:
            assert ctype in FORMAT_TYPES[str(fmt)], ctype
            if str(fmt) == "RDF":
                Graph().parse(data=body, format=RDFLIB_FORMAT[ctype])  # parses as the type it claims
        want = g.value(resp, MF.expectedBoolean)
        if want is not None:
            assert _boolean(ctype, body) is want.toPython()


def _description(endpoint: str, accept: str) -> tuple[Graph, str]:
    u = urlsplit(endpoint)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request("GET", "/sparql", headers={"Accept": accept})
        r = conn.getresponse()
        assert r.status == 200
        ctype = r.getheader("Content-Type").split(";")[0].strip()
        return Graph().parse(data=r.read(), format=RDFLIB_FORMAT[ctype]), ctype
    finally:
        conn.close()


SD_FEATURES = {SD.DereferencesURIs, SD.UnionDefaultGraph, SD.RequiresDataset, SD.EmptyGraphs, SD.BasicFederatedQuery}
SD_LANGUAGES = {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}


def sd_returns_rdf(endpoint):
    for accept in FORMAT_TYPES["RDF"]:
        g, ctype = _description(endpoint, accept)
        assert ctype == accept and len(g) > 0


def sd_has_endpoint_triple(endpoint):
    g, _ = _description(endpoint, "text/turtle")
    assert list(g.subjects(SD.endpoint, URIRef(endpoint + "/sparql")))


def sd_conforms_to_schema(endpoint):
    """The description uses the vocabulary as its schema says: domains, ranges and the listed instances."""
    g, _ = _description(endpoint, "text/turtle")
    [svc] = list(g.subjects(RDF.type, SD.Service))
    assert g.value(svc, SD.endpoint) is not None
    langs = set(g.objects(svc, SD.supportedLanguage))
    assert langs and langs <= SD_LANGUAGES
    assert set(g.objects(svc, SD.feature)) <= SD_FEATURES
    assert all(isinstance(f, URIRef) for f in g.objects(svc, SD.resultFormat))
    [ds] = list(g.objects(svc, SD.defaultDataset))
    assert (ds, RDF.type, SD.Dataset) in g
    [dg] = list(g.objects(ds, SD.defaultGraph))
    assert (dg, RDF.type, SD.Graph) in g
    named = list(g.objects(ds, SD.namedGraph))
    assert len(named) == 3
    for ng in named:
        assert (ng, RDF.type, SD.NamedGraph) in g and isinstance(g.value(ng, SD.name), URIRef)
        assert (g.value(ng, SD.graph), RDF.type, SD.Graph) in g


SD_CHECKS = {"returns-rdf": sd_returns_rdf, "has-endpoint-triple": sd_has_endpoint_triple,
             "conforms-to-schema": sd_conforms_to_schema}


@pytest.mark.e2e
@pytest.mark.parametrize("test", SD_TESTS, ids=case_ids(SD_TESTS))
def test_service_description(endpoint, test):
    SD_CHECKS[str(test).rsplit("#", 1)[1]](endpoint)
