"""Issue 10: the endpoint holds against abuse — SSRF, memory, orphaned workers, deep nesting, floods, charsets.

Each test reproduces an attack from the security review against the real worker processes (Flask's
test client in-process, or the real server in a subprocess where the process itself matters).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest_server import RUNAWAY, child_pids, make_big_build, make_build, pid_running, start_server, stop_server
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skillgraph.server import checks, create_app


class Listener:
    """A TCP listener on loopback that counts every connection made to it."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop = True
        self.thread.join(5)
        self.sock.close()


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("abuse") / "build"
    make_build(d)
    return d


@pytest.fixture(scope="module")
def listener():
    lst = Listener()
    yield lst
    lst.close()


@pytest.fixture(scope="module")
def app(build_dir):
    a = create_app({"BUILD_DIR": build_dir, "QUERY_TIMEOUT": 10, "WORKERS": 2})
    yield a
    a.extensions["skillgraph"].close()


def get(client, query, **params):
    return client.get("/sparql", query_string={"query": query, **params})


def issue_queries(port: int) -> list[str]:
    url = f"http://127.0.0.1:{port}/x"
    return [
        f"SELECT ?a WHERE {{ ?s ?p ?x.SERVICE <{url}> {{ ?a ?b ?c }} }}",
        f"PREFIX ex: <http://e/> SELECT * WHERE {{ OPTIONAL {{ ?s ?p ex:a\\' }} SERVICE <{url}> {{ ?a ?b ?c }} }}",
    ]


# ------------------------------------------------------------------ 1. SERVICE / SSRF

def test_the_listener_sees_a_federated_call_when_service_is_allowed(build_dir, listener):
    """The positive control: with SERVICE allowed (and workers given network), Oxigraph does connect."""
    a = create_app({"BUILD_DIR": build_dir, "QUERY_TIMEOUT": 10, "WORKERS": 1, "ALLOW_SERVICE": True})
    try:
        before = listener.connections
        get(a.test_client(), issue_queries(listener.port)[0])
        deadline = time.monotonic() + 5
        while listener.connections == before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert listener.connections > before
        assert a.test_client().get("/health").get_json()["defences"]["worker_network_namespace"] is None
    finally:
        a.extensions["skillgraph"].close()


def test_the_issue_bypasses_are_refused_and_nothing_connects(app, listener):
    c = app.test_client()
    before = listener.connections
    for q in issue_queries(listener.port):
        r = get(c, q)
        assert r.status_code == 403 and b"SERVICE" in r.data, q
    url = f"http://127.0.0.1:{listener.port}/g"
    # FROM, FROM NAMED and the protocol's dataset parameters name graphs of the store: never fetched
    for q, params in ((f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}", {}),
                      (f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
                      ("SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": url}),
                      ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": url})):
        r = get(c, q, **params)
        assert r.status_code == 200 and json.loads(r.data)["results"]["bindings"] == [], q
    time.sleep(0.3)
    assert listener.connections == before
    defences = c.get("/health").get_json()["defences"]
    assert defences["service_check"] == "refused on the rdflib parse tree"
    assert defences["worker_network_namespace"] in ("netns", "userns+netns")


def _ws():
    return st.sampled_from([" ", "  ", "\n", "\t", "\r\n", " # SERVICE comment\n", "#c\n", ""])


@st.composite
def service_queries(draw, port: int):
    """SERVICE calls dressed up: whitespace, comments, case, prefixed IRIs, nesting, escapes, SILENT, variables."""
    def w():
        return draw(_ws())
    kw = draw(st.sampled_from(["SERVICE", "service", "Service", "sErViCe", "\\u0053ERVICE", "SERV\\u0049CE"]))
    silent = draw(st.sampled_from(["", " SILENT", " silent"]))
    prefix, target = draw(st.sampled_from([
        ("", f"<http://127.0.0.1:{port}/x>"), (f"PREFIX ex: <http://127.0.0.1:{port}/>\n", "ex:x"),
        (f"PREFIX : <http://127.0.0.1:{port}/>\n", ":x"), (f"BASE <http://127.0.0.1:{port}/>\n", "<x>"),
        ("", "?endpoint"), ("", f"<http://127.0.0.1:{port}/\\u0078>")]))
    bind = (f' BIND(<http://127.0.0.1:{port}/x> AS ?endpoint)' if target == "?endpoint" else "")
    before = draw(st.sampled_from(["", "?s ?p ?x.", "?s ?p ?x .", "OPTIONAL { ?s ?p \"a\\\"\" }",
                                   "OPTIONAL { ?s ?p ex:a\\' }" if "ex:" in prefix else "?s ?p 'q\\'' .",
                                   'FILTER("}")', "?s ?p '''x''' ."]))
    inner = f"{kw}{silent}{w() or ' '}{target}{w()}{{{w()}?a ?b ?c{w()}}}"
    for _ in range(draw(st.integers(0, 3))):
        inner = draw(st.sampled_from(["{{ {} }}", "OPTIONAL {{ {} }}", "{{ {} }} UNION {{ ?u ?v ?w }}",
                                      "GRAPH ?g {{ {} }}", "MINUS {{ {} }}", "FILTER EXISTS {{ {} }}"])).format(inner)
    form = draw(st.sampled_from(["SELECT *", "select ?a", "ASK", "CONSTRUCT { ?a ?b ?c }", "SELECT (COUNT(*) AS ?n)"]))
    where = draw(st.sampled_from(["WHERE ", "where ", ""]))
    return f"{prefix}{form}{w()}{where}{{{w()}{before}{w()}{bind}{w()}{inner}{w()}}}"


SSRF = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])


@SSRF
@given(data=st.data())
def test_generated_service_variants_never_connect(app, listener, data):
    q = data.draw(service_queries(listener.port))
    before = listener.connections
    r = get(app.test_client(), q)
    assert r.status_code in (400, 403), (q, r.status_code, r.data)
    assert listener.connections == before, q


@SSRF
@given(data=st.data())
def test_with_the_check_disabled_the_worker_still_cannot_connect(app, listener, data, monkeypatch):
    """The second line: even a query the server's check let through cannot reach the network from a worker."""
    q = data.draw(service_queries(listener.port))
    with monkeypatch.context() as m:
        m.setattr(checks, "inspect", lambda text: checks.Verdict(form=None))
        m.setattr(checks, "cached", lambda text: None)
        sent = app.extensions["skillgraph"].pool.jobs_sent
        before = listener.connections
        get(app.test_client(), q)  # whatever the worker answers, it must not have connected
        assert app.extensions["skillgraph"].pool.jobs_sent == sent + 1  # the worker did get the query
    time.sleep(0.05)
    assert listener.connections == before, q


def test_first_parses_in_parallel_agree(tmp_path):
    """pyparsing learns parse actions' arity on first use; concurrent first parses once gave bogus 400s."""
    import subprocess
    import sys

    code = ("from concurrent.futures import ThreadPoolExecutor\n"
            "from skillgraph.server.checks import inspect\n"
            "q = 'SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(STR(?c) < STR(?f)) } #'\n"
            "with ThreadPoolExecutor(8) as ex:\n"
            "    bad = [v.reason for v in ex.map(lambda i: inspect(q + str(i)), range(32)) if not v.ok]\n"
            "print(len(bad), bad[:1])\n")
    out = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.startswith("0 []"), out.stdout + out.stderr


def test_service_check_cost_is_cached():
    q = f"SELECT * WHERE {{ ?s ?p ?o . ?o ?q ?r }} LIMIT 3 # {time.time_ns()}"
    hits = checks._cache.hits
    first = checks.inspect(q)
    assert checks.inspect(q) is first and checks._cache.hits == hits + 1


# ------------------------------------------------------------------ 2. memory

def test_a_memory_hungry_query_is_stopped_at_the_limit_and_the_server_keeps_serving(tmp_path):
    d = tmp_path / "big"
    make_big_build(d, 20000)
    a = create_app({"BUILD_DIR": d, "QUERY_TIMEOUT": 120, "WORKERS": 1, "MAX_MEMORY_MB": 300})
    try:
        c = a.test_client()
        pool = a.extensions["skillgraph"].pool
        [worker] = pool.pids()
        peak = [0]
        done = threading.Event()

        def watch():
            from skillgraph.server.executor import _rss

            while not done.is_set():
                for pid in pool.pids():
                    peak[0] = max(peak[0], _rss(pid) or 0)
                time.sleep(0.01)

        t = threading.Thread(target=watch)
        t.start()
        r = get(c, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?c LIMIT 1")
        done.set()
        t.join()
        assert r.status_code == 503 and b"300 MB" in r.data and b"--max-memory" in r.data, r.data
        assert peak[0] <= 300 * 2**20, f"worker RSS peaked at {peak[0] // 2**20} MB"
        assert not pid_running(worker)
        assert get(c, "ASK { ?s ?p ?o }").data == b'{"head":{},"boolean":true}'
        health = c.get("/health").get_json()
        assert health["memory_kills"] == 1 and health["worker_restarts"] == 1
        assert health["defences"]["worker_memory_rlimit"] == "RLIMIT_DATA"
    finally:
        a.extensions["skillgraph"].close()


# ------------------------------------------------------------------ 3. orphans

def _post_quietly(url: str, query: str) -> None:
    try:
        urllib.request.urlopen(urllib.request.Request(url, data=query.encode(), headers={
            "Content-Type": "application/sparql-query"}), timeout=60).read()
    except (urllib.error.URLError, ConnectionError, OSError) as e:
        print("runaway query ended:", e)


def test_workers_die_with_a_killed_server(tmp_path):
    d = tmp_path / "big"
    make_big_build(d)
    proc, base = start_server(d, tmp_path, WORKERS=2, QUERY_TIMEOUT=300)
    try:
        workers = child_pids(proc.pid)
        assert len(workers) == 2
        pool = ThreadPoolExecutor(2)
        for _ in range(2):
            pool.submit(_post_quietly, base + "/sparql", RUNAWAY)
        deadline = time.monotonic() + 20
        while json.loads(urllib.request.urlopen(base + "/health", timeout=5).read())["workers_idle"] and \
                time.monotonic() < deadline:
            time.sleep(0.1)
        assert json.loads(urllib.request.urlopen(base + "/health", timeout=5).read())["workers_idle"] == 0
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 2.0
        while any(pid_running(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [p for p in workers if pid_running(p)], "query workers outlived the killed server"
        pool.shutdown(wait=True)
    finally:
        stop_server(proc)
        for p in workers:
            if pid_running(p):
                os.kill(p, signal.SIGKILL)


def test_the_lifeline_alone_ends_a_busy_worker(tmp_path):
    """The second mechanism: EOF on the lifeline pipe (the server's end closed) ends a worker mid-query."""
    from skillgraph.server.executor import Job, WorkerPool

    d = tmp_path / "big"
    make_big_build(d)
    from skillgraph import store as store_mod

    pool = WorkerPool(1)
    try:
        [worker] = pool.pids()
        job = Job(str(d), store_mod.current_id(d), RUNAWAY, {"results": "json", "graph": "turtle"}, 10)
        # noqa B017: the worker is killed mid-job, so whichever error the pool raises is expected; the test checks the pool
        runner = threading.Thread(target=lambda: pytest.raises(Exception, pool.run, job, 120), daemon=True)  # noqa: B017
        runner.start()
        deadline = time.monotonic() + 20
        while pool.idle() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the query is running in Oxigraph now
        assert pid_running(worker)
        os.close(pool._lifeline_w)
        deadline = time.monotonic() + 2.0
        while pid_running(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not pid_running(worker)
        runner.join(30)
    finally:
        pool._lifeline_w = os.open(os.devnull, os.O_RDONLY)  # close() closes it again
        pool.close()


# ------------------------------------------------------------------ 4. deep nesting

@pytest.mark.parametrize("query", [
    "SELECT * WHERE " + "{" * 5000 + "}" * 5000,
    "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
    "SELECT * WHERE { ?s " + "(" * 5000 + "<http://x/p>" + ")" * 5000 + " ?o }",
    "SELECT * WHERE { " + "{ SELECT * WHERE " * 2000 + "{}" + " }" * 2000 + " }",
    "ASK { " + "OPTIONAL { " * 3000 + "}" * 3000 + " }",
], ids=["braces", "parentheses", "path-groups", "subselects", "optionals"])
def test_deep_nesting_is_400_decided_without_a_worker(app, query):
    pool = app.extensions["skillgraph"].pool
    sent, restarts, pids = pool.jobs_sent, pool.restarts, pool.pids()
    r = get(app.test_client(), query)
    assert r.status_code == 400 and b"nested too deeply" in r.data, r.data[:200]
    assert (pool.jobs_sent, pool.restarts, pool.pids()) == (sent, restarts, pids)  # no worker saw it
    assert pool.idle() == pool.size


def test_ordinary_nesting_still_runs(app):
    r = get(app.test_client(), "SELECT * WHERE " + "{ " * 12 + "?s ?p ?o" + " }" * 12 + " LIMIT 1")
    assert r.status_code == 200


# ------------------------------------------------------------------ 5. admission control

def test_health_answers_within_a_second_during_a_flood(tmp_path):
    """20 runaway queries at once on 2 workers: the rest get 503 + Retry-After at once; /health never waits."""
    d = tmp_path / "big"
    make_big_build(d)
    proc, base = start_server(d, tmp_path, WORKERS=2, QUERY_TIMEOUT=60)
    statuses: list[tuple[int, str | None]] = []

    def flood(_):
        try:
            r = urllib.request.urlopen(urllib.request.Request(base + "/sparql", data=RUNAWAY.encode(), headers={
                "Content-Type": "application/sparql-query"}), timeout=90)
            statuses.append((r.status, None))
        except urllib.error.HTTPError as e:
            statuses.append((e.code, e.headers.get("Retry-After")))
        except OSError:
            statuses.append((0, None))

    ex = ThreadPoolExecutor(20)
    try:
        futures = [ex.submit(flood, i) for i in range(20)]
        deadline = time.monotonic() + 30
        while len(statuses) < 18 and time.monotonic() < deadline:
            time.sleep(0.05)
        # 18 refused at once, 2 running
        assert len(statuses) == 18 and all(s == 503 and ra for s, ra in statuses), statuses
        for path in ("/health", "/sparql", "/"):  # the service description is a GET without a query
            t0 = time.monotonic()
            with urllib.request.urlopen(base + path, timeout=5) as r:
                assert r.status == 200
            assert time.monotonic() - t0 < 1.0, f"{path} waited behind the queries"
        t0 = time.monotonic()
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(base + "/sparql?query=ASK%7B%7D", timeout=5)
        assert e.value.code == 503 and e.value.headers["Retry-After"] and time.monotonic() - t0 < 1.0
    finally:
        stop_server(proc)  # the running queries' workers go with it
        for f in futures:
            f.result(timeout=60)
        ex.shutdown()


# ------------------------------------------------------------------ 6. charsets

@pytest.mark.parametrize("ctype,body,status", [
    ("application/sparql-query; charset=undefined", b"ASK {}", 415),
    ("application/sparql-query; charset=punycode", b"ASK {}", 415),
    ("application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16"), 415),
    ("application/sparql-query; charset=latin-1", b"ASK {}", 415),
    ("application/sparql-query; charset=utf-8", "ASK {}".encode("utf-16"), 400),  # UTF-16 sent as UTF-8 (BOM)
    ("application/sparql-query", "ASK {}".encode("utf-16-le"), 400),  # no BOM: NULs between the letters
    ("application/sparql-query", b"ASK { ?s ?p \"\xff\xfe\" }", 400),
    ("application/x-www-form-urlencoded; charset=punycode", b"query=ASK%20%7B%7D", 415),
    ("application/x-www-form-urlencoded", b"query=ASK%20%7B%20%3Fs%20%3Fp%20%22%FF%22%20%7D", 400),
    ("application/sparql-query; charset=\"utf-8\"", b"ASK {}", 200),
    ("application/sparql-query; charset=UTF8", b"ASK {}", 200),
])
def test_charsets(app, ctype, body, status):
    r = app.test_client().post("/sparql", data=body, content_type=ctype)
    assert r.status_code == status, r.data


def test_query_string_must_be_utf8(app):
    r = app.test_client().get("/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%22%FF%22%20%7D")
    assert r.status_code == 400 and b"UTF-8" in r.data


@pytest.mark.parametrize("how", ["form", "get"])
def test_non_ascii_query_text_is_read_as_utf8(app, how):
    """A query holding non-ASCII text (a curated query's "—" comment, a label with "é"), percent-encoded
    as UTF-8 the way HTTP clients send it, runs."""
    from urllib.parse import urlencode

    q = 'SELECT ?x WHERE { BIND("Café — résumé" AS ?x) }  # naïve — comment'
    c = app.test_client()
    accept = {"Accept": "application/sparql-results+json"}
    if how == "form":
        r = c.post("/sparql", data=urlencode({"query": q}), content_type="application/x-www-form-urlencoded",
                   headers=accept)
    else:
        r = c.get("/sparql?" + urlencode({"query": q}), headers=accept)
    assert r.status_code == 200, r.data
    assert r.get_json()["results"]["bindings"] == [{"x": {"type": "literal", "value": "Café — résumé"}}]


# ------------------------------------------------------------------ fuzz: never a 500

METHODS = ["GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"]
PATHS = ["/sparql", "/sparql/", "/", "/health", "/queries", "/queries/occupation_profile", "/queries/nope",
         "/sparql?query=ASK%7B%7D", "/sparql?update=CLEAR%20ALL", "/sparql?query=%FF", "/sparql?query=&query="]
CTYPES = ["application/sparql-query", "application/x-www-form-urlencoded", "application/sparql-update",
          "text/plain", "application/json", "multipart/form-data; boundary=x", "", "application/sparql-query; charset=",
          "application/sparql-query; charset=utf-16", "application/sparql-query; charset=undefined",
          "application/x-www-form-urlencoded; charset=rot13", "application/sparql-query;;;charset=\"\"\""]
ACCEPTS = ["", "*/*", "text/csv", "text/turtle;q=0", "application/sparql-results+json;q=abc", "image/png",
           "application/sparql-results+xml, */*;q=0.1", "text/*", ",,,;", "application/ld+json"]
QUERIES = [
    "ASK {}",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 2",
    "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2",
    "DESCRIBE <http://x/>",
    "SELECT ?x WHERE {",
    "INSERT DATA { <a> <b> <c> }",
    "SELECT (1/0 AS ?x) {}",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o } ORDER BY ?zz LIMIT 1",
    "SELECT * WHERE { BIND(<<( <a> <b> <c> )>> AS ?t) }",
    "PREFIX : <rel/> SELECT * { ?s :p ?o }",
    "SELECT (STRDT('x', <http://www.w3.org/2001/XMLSchema#int>) AS ?v) {}",
    "ASK { FILTER(REGEX('a', '(')) }",
]


@st.composite
def requests(draw):
    method = draw(st.sampled_from(METHODS))
    path = draw(st.one_of(st.sampled_from(PATHS), st.text(min_size=1, max_size=30).map(lambda t: "/" + t)))
    headers = {}
    if draw(st.booleans()):
        headers["Accept"] = draw(st.one_of(st.sampled_from(ACCEPTS), st.text(max_size=40)))
    ctype = draw(st.one_of(st.sampled_from(CTYPES), st.text(max_size=40)))
    query = draw(st.one_of(st.sampled_from(QUERIES), st.text(max_size=80)))
    body = draw(st.one_of(
        st.just(query.encode()), st.binary(max_size=120),
        st.sampled_from(["utf-16", "latin-1", "utf-8"]).map(lambda enc: query.encode(enc, "replace")),
        st.just(b"query=" + query.encode()), st.just(b"update=CLEAR%20ALL"), st.just(b"query=%FF%FE")))
    params = draw(st.dictionaries(st.sampled_from(["query", "format", "default-graph-uri", "named-graph-uri", "update",
                                                   "output", "x"]),
                                  st.one_of(st.sampled_from(QUERIES + ["json", "csv", "turtle", "<bad iri>",
                                                                       "http://x/g"]), st.text(max_size=20)),
                                  max_size=3))
    return method, path, headers, ctype, body, params


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(req=requests())
def test_fuzzed_requests_never_get_a_500(app, req):
    method, path, headers, ctype, body, params = req
    c = app.test_client()
    try:
        r = c.open(path, method=method, headers=headers, content_type=ctype or None,
                   data=body if method not in ("GET", "HEAD") else None, query_string=params or None)
    except ValueError:  # the test client itself refuses some header values (e.g. newlines): not a request
        return
    assert r.status_code < 500 or (r.status_code == 503 and b"busy" in r.data), (req, r.status_code, r.data[:300])
