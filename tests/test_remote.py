"""SkillGraph over real remote SPARQL stores (`oxigraph serve`, Jena Fuseki, Virtuoso) started on loopback.

The embedded build is published to each store with `skillgraph publish` and every curated query
must give the same answers (unordered) through `skillgraph serve --backend URL` and through
SPARQLWrapper on the store itself as the embedded endpoint gives; a publish switches readers from
one build to the next without any reader ever seeing a mix of the two.
"""
from __future__ import annotations

import json
import os
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest_remote import skillgraph_cmd, skillgraph_serve, store_server
from conftest_server import make_build
from SPARQLWrapper import JSON, POST, SPARQLWrapper

from skillgraph.publish import publish as publish_build
from skillgraph.queries import catalog, queries_dir
from skillgraph.server import create_app

pytestmark = pytest.mark.e2e
STORES = ["oxigraph", "fuseki", "virtuoso"]
CURATED = 7  # queries/*.rq
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "int", "long", "short", "nonNegativeInteger")}
FLOATING = {XSD + "double", XSD + "float"}
GRAPH_COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def _term(b: dict):
    """A result term, numbers by value (stores may write 1.0 / 1.0E0 differently), blank nodes as one."""
    kind, value, dt = b["type"], b["value"], b.get("datatype")
    if kind == "bnode":
        return ("bnode",)
    if kind in ("literal", "typed-literal") and dt in NUMERIC:
        return ("number", Decimal(value))
    if kind in ("literal", "typed-literal") and dt in FLOATING:
        return ("number", round(float(value), 9))
    return (kind.replace("typed-literal", "literal"), value, dt if dt != XSD + "string" else None, b.get("xml:lang"))


# GROUP_CONCAT columns of curated queries: SPARQL leaves the order of the concatenated values to the store
# (Virtuoso and Oxigraph differ), so they are compared as sets of their space-separated words
GROUP_CONCATS = {"search_labels": "types"}


def rows(doc: dict, query: str | None = None) -> Counter:
    """SPARQL JSON results as an unordered multiset of rows (curated query `query`: its GROUP_CONCAT unordered)."""
    concat = GROUP_CONCATS.get(query or "")

    def term(k: str, v: dict):
        return ("words", frozenset(v["value"].split(" "))) if k == concat else _term(v)

    return Counter(frozenset((k, term(k, v)) for k, v in r.items()) for r in doc["results"]["bindings"])


def http_json(url: str, data: dict | None = None) -> tuple[dict, object]:
    body = urllib.parse.urlencode(data).encode() if data else None
    req = urllib.request.Request(url, data=body, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read()), r.headers  # case-insensitive


def direct(query_url: str, text: str, named: list[str] | None = None) -> dict:
    sw = SPARQLWrapper(query_url)
    sw.setMethod(POST)
    sw.setReturnFormat(JSON)
    sw.setQuery(text)
    for g in named or ():
        sw.addNamedGraph(g)
    return sw.queryAndConvert()


def publish(build_dir: Path, url: str, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`skillgraph publish` as a user runs it, with the store's account (if any) in its environment."""
    return subprocess.run(skillgraph_cmd("publish", "--store", str(build_dir), "--to", url, *extra),
                          capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def embedded_answers(embedded_build):
    """Each curated query's answer from the embedded endpoint (the local backend), by name."""
    app = create_app({"BUILD_DIR": str(embedded_build[0]), "WORKERS": 1})
    try:
        client = app.test_client()
        out = {}
        for name in catalog():
            r = client.get(f"/queries/{name}", headers={"Accept": "application/sparql-results+json"})
            assert r.status_code == 200, r.get_data(as_text=True)
            out[name] = rows(r.get_json(), name)
        return out
    finally:
        app.extensions["skillgraph"].close()


@pytest.fixture(scope="module", params=STORES)
def published(request, embedded_build, tmp_path_factory):
    """A store of each kind holding the embedded build (published with the CLI), and a server over it."""
    work = tmp_path_factory.mktemp(f"remote-{request.param}")
    with store_server(request.param, work) as st:
        r = publish(embedded_build[0], st.url, env=st.env)
        assert r.returncode == 0, r.stderr
        with skillgraph_serve(st.url, work, "--limit", "100000") as base:
            yield st, base


# Virtuoso 7.2.5 (Debian bookworm) fails these standard SPARQL 1.1 queries inside its own SQL compiler;
# the error each gives (its text asks for a report), or None where the query is never sent: it keeps a
# server thread busy past MaxQueryExecutionTime and the store stops answering. See README, remote stores.
VIRTUOSO_FAILS = {
    "augmentation_by_esco_skill": "SR128: Numeric value out of range",  # ORDER BY ... DESC(?augmentationShare)
    "esco_skills_for_task_at_level": None,  # without its ORDER BY: SQ156 as above
}
KNOWN_FAILURES = {"virtuoso": VIRTUOSO_FAILS}
# Wrong answers: (variable, rows): that many rows differ from the embedded store's, in that variable only.
# occupation_profile: Virtuoso takes the true branch of IF(BOUND(?aug), ...) for an unbound OPTIONAL ?aug (and
# STR(?aug) is then ""), so AI-usage rows without augmentation, time-saved or autonomy shares read
# "usage share 0.00088... augmentation  time saved  autonomy " instead of "usage share 0.00088... ".
# tasks_by_ai_usage (it compiles since the query reads the materialised best support confidence): Virtuoso
# keeps 15 significant digits of an xsd:decimal, so the rows whose AEI usage share has more digits read it
# rounded (how many depends on which tasks the crosswalk method lists: counted from the embedded answers).
KNOWN_WRONG = {"virtuoso": {"occupation_profile": ("value", 2), "tasks_by_ai_usage": ("usageShare", "digits>15")}}


def _rows_over_15_digits(expected: Counter, var: str) -> int:
    """How many expected rows give `var` as a number of more than 15 significant digits."""
    n = 0
    for r in expected.elements():
        v = dict(r).get(var)
        if v is not None and isinstance(v[1], Decimal) and len(v[1].normalize().as_tuple().digits) > 15:
            n += 1
    return n


def test_curated_queries_match_the_embedded_store(published, embedded_answers):
    st, base = published
    names = sorted(catalog())
    assert len(names) == len(list(queries_dir().glob("*.rq"))) == CURATED
    known = KNOWN_FAILURES.get(st.name, {})
    compared = failed = 0
    for name in names:
        expected = embedded_answers[name]
        assert sum(expected.values()) > 0, f"{name} answers nothing on the embedded build: a vacuous comparison"
        if name in known:
            failed += _fails_as_known(st, base, name, known[name])
            continue
        served, headers = http_json(f"{base}/queries/{name}")
        wrong = KNOWN_WRONG.get(st.name, {}).get(name)
        if wrong is not None and wrong[1] == "digits>15":
            wrong = (wrong[0], _rows_over_15_digits(expected, wrong[0]))
            assert wrong[1] > 0, f"{name}: no value of over 15 digits on the embedded build; the check is vacuous"
        assert _same(rows(served, name), expected, wrong), f"{name} through skillgraph serve --backend {st.url}"
        assert headers["X-SkillGraph-Count"] == str(sum(expected.values()))
        by_wrapper = direct(st.query, catalog()[name].bind())
        assert _same(rows(by_wrapper, name), expected, wrong), f"{name} through SPARQLWrapper on {st.query}"
        compared += 1
    assert compared == CURATED - len(known) and failed == sum(1 for e in known.values() if e)


def _same(got: Counter, expected: Counter, wrong: tuple[str, int | str] | None) -> bool:
    """got == expected; for a known wrong answer (variable, n): exactly n rows differ, in that variable only."""
    if wrong is None:
        return got == expected
    var, n = wrong
    extra, missing = got - expected, expected - got
    masked = Counter(frozenset(b for b in r if b[0] != var) for r in extra.elements())
    return (sum(extra.values()) == sum(missing.values()) == n
            and masked == Counter(frozenset(b for b in r if b[0] != var) for r in missing.elements()))


def _fails_as_known(st, base: str, name: str, error: str | None) -> int:
    """The store still fails `name` with `error`, through serve (502) and directly; 0 if it is not sent."""
    if error is None:
        return 0
    with pytest.raises(urllib.error.HTTPError) as e:
        http_json(f"{base}/queries/{name}")
    assert e.value.code == 502 and error in e.value.read().decode(), f"{name} on {st.name}: fixed, or failing anew?"
    with pytest.raises(Exception, match=error):
        direct(st.query, catalog()[name].bind())
    return 1


def test_service_description_and_health_come_from_the_store(published, embedded_build):
    st, base = published
    with urllib.request.urlopen(base + "/health", timeout=30) as r:
        health = json.loads(r.read())
    build_id = embedded_build[1].build_id
    assert health == {"status": "ok", "build": build_id, "graphs": len(embedded_build[1].graphs),
                      "backend": st.query, "managed": True,
                      "defences": {"service_check": "refused on the rdflib parse tree", "remote_store": st.query,
                                   "query_timeout_s": 30.0, "max_query_chars": 64000}}
    req = urllib.request.Request(base + "/sparql", headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(req, timeout=30) as r:
        sd = list(ox.parse(r.read(), format=ox.RdfFormat.N_TRIPLES))
    sd_name = ox.NamedNode("http://www.w3.org/ns/sparql-service-description#name")
    named = {t.object.value for t in sd if t.predicate == sd_name}
    assert named == {f"https://w3id.org/skillgraph/graph/{g}" for g in embedded_build[1].graphs}
    with urllib.request.urlopen(base + "/", timeout=30) as r:  # the home page lists the graphs with their credits
        page = r.read().decode()
    assert build_id in page and all(f"graph/{g}</code>" in page for g in embedded_build[1].graphs)


def test_read_only_rules_cap_and_timeout_hold_for_a_remote_store(published, tmp_path):
    st, base = published
    for data in ({"update": "DROP ALL"}, {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}):
        with pytest.raises(urllib.error.HTTPError) as e:
            http_json(base + "/sparql", data)
        assert e.value.code == 403
    with skillgraph_serve(st.url, tmp_path, "--limit", "7", "--timeout", "1") as capped:
        doc, headers = http_json(capped + "/sparql", {"query": "SELECT ?s WHERE { ?s a ?c }"})
        assert len(doc["results"]["bindings"]) == 7 and headers["X-SkillGraph-Truncated"] == "true"
        with pytest.raises(urllib.error.HTTPError) as e:  # a cartesian product the store cannot finish in 1 s
            http_json(capped + "/sparql", {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"})
        assert e.value.code == 503 and "QUERY_TIMEOUT" in e.value.read().decode()
    r = direct(st.query, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert int(r["results"]["bindings"][0]["n"]["value"]) > 0  # the refused update changed nothing


def _marked_build(build_dir: Path, trig: bytes, k: int, graphs: list[str]) -> str:
    """The embedded data plus k marker triples in every graph: build k is told apart by its counts."""
    extra = [ox.Quad(ox.NamedNode(f"urn:example:marker/{i}"), ox.NamedNode("urn:example:build"), ox.Literal(str(k)),
                     ox.NamedNode(g)) for g in graphs for i in range(k)]
    return make_build(build_dir, trig, extra=extra)


# Virtuoso 7.2.5: with the two readers polling, writes crawl (a 36-triple graph took 30 s to stage) and the
# switch update of the first publish had not finished after 10 minutes (build 1 staged, build 0 still live).
VIRTUOSO_SWITCH = pytest.mark.xfail(run=False, strict=True, reason="Virtuoso 7.2.5 does not finish publish's switch "
                                    "update while readers poll (see README, remote stores)")


@pytest.mark.parametrize("kind", [pytest.param(k, marks=VIRTUOSO_SWITCH) if k == "virtuoso" else k for k in STORES])
def test_readers_never_see_half_a_build(kind, embedded_build, tmp_path, monkeypatch):
    """Readers poll while builds 1..3 are published over build 0: each answer is one whole build."""
    trig = next((embedded_build[0] / "builds").glob("*/exports/skillgraph.trig")).read_bytes()
    graphs = sorted(f"https://w3id.org/skillgraph/graph/{g}" for g in embedded_build[1].graphs)
    base_counts = {f"https://w3id.org/skillgraph/graph/{g}": n for g, n in embedded_build[1].graphs.items()}
    expected = {k: {g: n + k for g, n in base_counts.items()} for k in range(4)}
    build_dir = tmp_path / "builds"
    with store_server(kind, tmp_path / "store") as st:
        ids = {0: _marked_build(build_dir, trig, 0, graphs)}
        assert publish(build_dir, st.url, "--build", ids[0], env=st.env).returncode == 0
        for k, v in st.env.items():  # the in-process publishes below read the account as the CLI does
            monkeypatch.setenv(k, v)
        ids.update({k: _marked_build(build_dir, trig, k, graphs) for k in (1, 2, 3)})  # build 0 is pruned: it is live
        with skillgraph_serve(st.url, tmp_path) as base:
            seen: dict[str, list] = {"serve": [], "direct": []}
            stop = threading.Event()
            errors: list[BaseException] = []

            def which(counts: dict, label: str) -> int:
                hits = [k for k, c in expected.items() if c == counts]
                assert len(hits) == 1, f"{label} saw a mixed or partial dataset: {counts}"
                return hits[0]

            def poll_serve():
                doc, headers = http_json(base + "/sparql", {"query": GRAPH_COUNTS})
                k = which({b["g"]["value"]: int(b["n"]["value"]) for b in doc["results"]["bindings"]}, "serve")
                seen["serve"].append((k, headers["X-SkillGraph-Build"]))

            def poll_direct():
                doc = direct(st.query, GRAPH_COUNTS, named=graphs)
                seen["direct"].append((which({b["g"]["value"]: int(b["n"]["value"])
                                              for b in doc["results"]["bindings"]}, "direct"), None))

            def reader(poll):
                try:
                    while not stop.wait(0.01):  # a short breath: the publish needs the CPU too
                        poll()
                except BaseException as e:  # reported by the main thread
                    errors.append(e)

            poll_serve(), poll_direct()
            threads = [threading.Thread(target=reader, args=(p,)) for p in (poll_serve, poll_direct)]
            for t in threads:
                t.start()
            try:
                for k in (1, 2, 3):
                    publish_build(build_dir, st.url, ids[k], log=lambda m: None)  # as the CLI does, in-process
            finally:
                stop.set()
                for t in threads:
                    t.join(60)
            assert not errors, errors[0]
            poll_serve(), poll_direct()
    for label, obs in seen.items():
        ks = [k for k, _ in obs]
        assert ks[0] == 0 and ks[-1] == 3 and ks == sorted(ks), f"{label}: builds seen out of order: {ks}"
    assert all(bid == ids[k] for k, bid in seen["serve"]), "an answer carried another build's id"
    print({label: Counter(k for k, _ in obs) for label, obs in seen.items()})  # polls per build, for the record


def _graph_counts(query_url: str) -> dict[str, int]:
    doc = direct(query_url, GRAPH_COUNTS)
    return {b["g"]["value"]: int(b["n"]["value"]) for b in doc["results"]["bindings"]}


def test_a_failed_publish_leaves_the_live_build_and_the_next_build_replaces_it(embedded_build, tmp_path):
    with store_server("oxigraph", tmp_path / "store") as st:
        assert publish(embedded_build[0], st.url).returncode == 0
        before = _graph_counts(st.query)
        port = urllib.parse.urlsplit(st.query).port
        other = make_build(tmp_path / "other")
        r = publish(tmp_path / "other", st.url, "--build", other, "--gsp", f"http://127.0.0.1:{port}/no-such-service")
        assert r.returncode == 2 and "/no-such-service" in r.stderr and "404" in r.stderr
        assert _graph_counts(st.query) == before
        with skillgraph_serve(st.url, tmp_path) as base:
            with urllib.request.urlopen(base + "/health", timeout=30) as h:
                assert json.loads(h.read())["build"] == embedded_build[1].build_id
        # a smaller build published by `build --publish-to`: the graphs it no longer has are dropped
        r = subprocess.run(skillgraph_cmd("build", "--store", str(tmp_path / "small"), "--only", "wef",
                                          "--publish-to", st.url), capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        from skillgraph import store as store_mod

        small = store_mod.build_info(tmp_path / "small")["graphs"]
        expected = {f"https://w3id.org/skillgraph/graph/{g}": n for g, n in small.items()}
        after = _graph_counts(st.query)
        pointer = after.pop("https://w3id.org/skillgraph/graph/current")
        assert after == expected and len(expected) == 4  # no staging graph left, none of the old build's
        assert pointer == 2 + 2 * len(expected)  # id, modified, and per graph hasPart + void:triples


def test_publish_takes_the_account_from_the_environment_or_netrc_never_the_url(embedded_build, tmp_path):
    """Virtuoso writes only for an account (digest auth): publish finds it in $SKILLGRAPH_STORE_USER/_PASSWORD
    or the host's netrc entry, says which is missing or refused, and never prints the password."""
    with store_server("virtuoso", tmp_path / "store") as st:
        user, password = st.env["SKILLGRAPH_STORE_USER"], st.env["SKILLGRAPH_STORE_PASSWORD"]
        seen: list[str] = []  # everything publish and serve printed
        none = {"SKILLGRAPH_STORE_USER": "", "SKILLGRAPH_STORE_PASSWORD": "", "NETRC": str(tmp_path / "no-netrc")}
        r = publish(embedded_build[0], st.url, env=none)
        seen += [r.stdout, r.stderr]
        assert r.returncode == 2 and "401" in r.stderr and "SKILLGRAPH_STORE_USER" in r.stderr
        assert "none is set" in r.stderr
        r = publish(embedded_build[0], st.url, env={**st.env, "SKILLGRAPH_STORE_PASSWORD": "wrong" + password})
        seen += [r.stdout, r.stderr]
        assert r.returncode == 2 and "401" in r.stderr and "these were refused" in r.stderr
        assert _graph_counts(st.query).get("https://w3id.org/skillgraph/graph/current") is None  # nothing went live
        r = publish(embedded_build[0], st.url.replace("://", f"://{user}:{password}@"), env=st.env)
        seen += [r.stdout, r.stderr]
        assert r.returncode == 2 and "never in the URL" in r.stderr
        r = subprocess.run(skillgraph_cmd("serve", "--backend", st.url.replace("://", f"://{user}:{password}@")),
                           capture_output=True, text=True, timeout=60)
        seen += [r.stdout, r.stderr]
        assert r.returncode == 2 and "never in the URL" in r.stderr
        netrc = tmp_path / "netrc"
        netrc.write_text(f"machine 127.0.0.1 login {user} password {password}\n")
        netrc.chmod(0o600)
        r = publish(embedded_build[0], st.url, env={**none, "NETRC": str(netrc)})
        seen += [r.stdout, r.stderr]
        assert r.returncode == 0, r.stderr
        counts = _graph_counts(st.query)
        assert {g: n for g, n in counts.items() if g.startswith("https://w3id.org/skillgraph/graph/")} == {
            **{f"https://w3id.org/skillgraph/graph/{g}": n for g, n in embedded_build[1].graphs.items()},
            "https://w3id.org/skillgraph/graph/current": 2 + 2 * len(embedded_build[1].graphs)}
    assert len(seen) == 10 and not any(password in o for o in seen)


def test_unknown_backend_is_refused_with_the_valid_ones(tmp_path):
    r = subprocess.run(skillgraph_cmd("serve", "--backend", "ftp://127.0.0.1/x"), capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2
    assert "unknown backend URL scheme 'ftp'" in r.stderr and "oxigraph+http://" in r.stderr
    r = subprocess.run(skillgraph_cmd("publish", "--to", "http://127.0.0.1:9/query", "--store", str(tmp_path)),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "needs its SPARQL Update and Graph Store endpoints" in r.stderr


def test_backend_registry_and_store_layouts():
    from skillgraph.server import backends

    with pytest.raises(ValueError, match="unknown backend 'nope'; valid backends are: local, sparql"):
        backends.create({"BACKEND": "nope"})
    assert backends.endpoints("oxigraph+http://127.0.0.1:7878") == backends.Endpoints(
        "http://127.0.0.1:7878/query", "http://127.0.0.1:7878/update", "http://127.0.0.1:7878/store")
    assert backends.endpoints("fuseki+https://h.example/ds/") == backends.Endpoints(
        "https://h.example/ds/query", "https://h.example/ds/update", "https://h.example/ds/data")
    assert backends.endpoints("http://h:8890/sparql?x=1", gsp="http://h:8890/sparql-graph-crud") == backends.Endpoints(
        "http://h:8890/sparql?x=1", None, "http://h:8890/sparql-graph-crud")
    assert backends.endpoints("virtuoso+http://h:8890/") == backends.Endpoints(
        "http://h:8890/sparql", "http://h:8890/sparql-auth", "http://h:8890/sparql-graph-crud-auth")
    with pytest.raises(ValueError, match="names no host"):
        backends.endpoints("http:///query")
    with pytest.raises(ValueError, match="never in the URL") as e:
        backends.endpoints("virtuoso+http://me:s3cret@h:8890")
    assert "s3cret" not in str(e.value)
